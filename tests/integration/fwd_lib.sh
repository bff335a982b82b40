# Helpers for the forwarding tests (#5), on top of lib.sh: several otlpd
# instances, nginx and the test endpoint (fwd_backend.py) side by side in one
# private directory, everything started here killed by pid on exit.
# shellcheck shell=bash

BENCH=$(cd "$(dirname "$0")/../../../shared/bench" && pwd)
JS_DIR=$(cd "$(dirname "$0")/../js" && pwd)
STARTED=()
declare -A KIDS

# forget PID...: they have exited; teardown must not signal a reused pid.
forget() {
	local keep=() p q gone
	for p in "${STARTED[@]}"; do
		gone=0
		for q in "$@"; do [ "$p" = "$q" ] && gone=1; done
		[ "$gone" = 1 ] || keep+=("$p")
	done
	STARTED=("${keep[@]}")
}

fwd_setup() {
	WORK=$(mktemp -d /tmp/otlpd-fwd.XXXXXX)
	chmod 755 "$WORK"
	trap fwd_teardown EXIT
}

# SIGTERM first, so that nginx's master takes its worker along and otlpd
# its children; SIGKILL for whatever is left after 3 s.
fwd_teardown() {
	local p
	for p in "${STARTED[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for _ in $(seq 30); do
		local alive=0
		for p in "${STARTED[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for p in "${STARTED[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}

# instance_yaml NAME PORT_OFFSET: the base config of instance NAME (receiver
# on PORT_BASE+OFFSET+1, gRPC +2, dashboard +3, its own output dir); the
# caller appends its forwarding section.
instance_yaml() {
	local name=$1 off=$2
	mkdir -p "$WORK/$name-data"
	cat <<YAML
output_dir: $WORK/$name-data
log_level: info
write_interval_secs: 1
receiver:
  http: {bind_address: 127.0.0.1, port: $((PORT_BASE + off + 1))}
  grpc: {bind_address: 127.0.0.1, port: $((PORT_BASE + off + 2))}
dashboard: {port: $((PORT_BASE + off + 3))}
YAML
}

# start_named NAME [VAR=value...]: runs otlpd -c $WORK/NAME.yaml with those
# environment variables, logging to $WORK/NAME.log, and waits for READY.
# Sets SUP (its pid).
start_named() {
	local name=$1
	shift
	OTLPD_LOG=$WORK/$name.log
	local ready
	ready=$(grep -c "otlpd ready" "$OTLPD_LOG" 2>/dev/null || true)
	env "$@" "$OTLPD" -c "$WORK/$name.yaml" >>"$OTLPD_LOG" 2>&1 &
	SUP=$!
	STARTED+=("$SUP")
	wait_until 15 bash -c "[ \$(grep -c 'otlpd ready' '$OTLPD_LOG') -gt ${ready:-0} ]" ||
		fail "$name did not become ready"
	KIDS[$SUP]=$(pgrep -P "$SUP" | tr '\n' ' ' || true)
	local c
	for c in ${KIDS[$SUP]}; do STARTED+=("$c"); done
}

# stop_named PID: SIGTERM, then waits for it to exit.
stop_named() {
	kill -TERM "$1" 2>/dev/null || return 0
	wait_until 10 bash -c "! kill -0 $1 2>/dev/null" || fail "otlpd $1 did not stop"
	wait "$1" 2>/dev/null || true
	# shellcheck disable=SC2086
	forget "$1" ${KIDS[$1]:-}
}

# kid SUP NAME: the pid of child otlpd-NAME of supervisor SUP.
kid() {
	local p
	for p in $(pgrep -P "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "otlpd-$2" ] && { echo "$p"; return 0; }
	done
	return 1
}

# send PORT SIGNAL [N]: posts bench/SIGNAL_100.pb N times; every answer
# must be 200.
send() {
	local port=$1 signal=$2 n=${3:-1} i code
	for ((i = 0; i < n; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-protobuf' \
			--data-binary @"$BENCH/${signal}_100.pb" "http://127.0.0.1:$port/v1/$signal")
		[ "$code" = 200 ] || fail "POST /v1/$signal to :$port answered $code"
	done
}

# rows DIR SIGNAL: rows in the Arrow files of one signal, read by the
# independent apache-arrow reader.
rows() {
	[ -d "$1/otlp/$2" ] || { echo 0; return; }
	node "$JS_DIR/arrow_read.mjs" "$1/otlp/$2" 2>/dev/null | grep -c '"row"' || true
}

# start_backend PORT: the test endpoint (fwd_backend.py); its requests are
# logged to $WORK/backend.jsonl.
start_backend() {
	BACKEND_PORT=$1
	python3 "$(dirname "$0")/fwd_backend.py" "$BACKEND_PORT" "$WORK/backend.jsonl" \
		>>"$WORK/backend.out" 2>&1 &
	STARTED+=("$!")
	wait_until 5 curl -sf -o /dev/null "http://127.0.0.1:$BACKEND_PORT/_control" ||
		fail "the test endpoint did not start"
}

# backend QUERY: tells the test endpoint how to answer; prints its state.
backend() { curl -sf "http://127.0.0.1:$BACKEND_PORT/_control?$1"; }
backend_count() { backend "" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'; }

# fwd_stat NAME: counter NAME of the forwarder of instance a (dashboard on
# PORT_BASE+3) as /api/stats shows it; fails while there is none.
fwd_stat() { api_stat forwarder "$1"; }
# fwd_stat_is NAME OP VALUE: e.g. fwd_stat_is forward_dropped -gt 0.
fwd_stat_is() {
	local v
	v=$(fwd_stat "$1") && [ -n "$v" ] && [ "$v" "$2" "$3" ]
}
