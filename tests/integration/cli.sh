#!/usr/bin/env bash
# What an operator sees from the command line: version, help, config
# validation with errors that name the key, and the sandbox profiles.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24320}
. "$(dirname "$0")/lib.sh"
setup_instance

"$OTLPD" --version | grep -Eq '^otlpd [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
"$OTLPD" --help | grep -- '--check-config' >/dev/null || fail "--help"
pass "--version and --help"

out=$("$OTLPD" --check-config -c "$WORK/otlpd.yaml" 2>&1) || fail "valid config refused: $out"
grep -q "receiver.http.port = $((PORT_BASE + 1))" <<<"$out" || fail "--check-config does not print the effective value"
grep -q "configuration OK" <<<"$out" || fail "--check-config does not say OK"
pass "--check-config accepts a valid file and prints the effective config"

# expect_refused WHAT PATTERN COMMAND...: exits 1 with a message matching PATTERN.
expect_refused() {
	local what=$1 pattern=$2
	shift 2
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" -eq 1 ] || fail "$what: exit status $rc, expected 1 ($out)"
	grep -Eq "$pattern" <<<"$out" || fail "$what: message does not match '$pattern': $out"
	pass "$what refused: $(head -n1 <<<"$out")"
}

printf 'receiver:\n  http:\n    port: 70000\n' >"$WORK/bad-port.yaml"
expect_refused "port out of range" 'bad-port.yaml:3:11: receiver.http.port.*70000.*1\.\.65535' \
	"$OTLPD" --check-config -c "$WORK/bad-port.yaml"

printf 'receiver:\n  htp:\n    token: hunter2\n' >"$WORK/unknown.yaml"
expect_refused "unknown key" 'unknown.yaml:2:3: unknown key "receiver.htp' \
	"$OTLPD" --check-config -c "$WORK/unknown.yaml"
if "$OTLPD" --check-config -c "$WORK/unknown.yaml" 2>&1 | grep hunter2 >/dev/null; then
	fail "an unknown key's value was echoed"
fi

expect_refused "env override out of range" 'OTLP_MAX_TRACE_BUFFER_SIZE.*max_trace_buffer_size.*1\.\.1000000' \
	env OTLP_MAX_TRACE_BUFFER_SIZE=0 "$OTLPD" --check-config -c "$WORK/otlpd.yaml"
expect_refused "unknown OTLP_ variable" 'OTLP_NO_SUCH_KEY' \
	env OTLP_NO_SUCH_KEY=1 "$OTLPD" --check-config
expect_refused "bad x_frame_options" 'dashboard.x_frame_options.*(DENY|SAMEORIGIN)' \
	"$OTLPD" --check-config --set dashboard.x_frame_options=ALLOWALL
expect_refused "missing config file" 'nope.yaml' "$OTLPD" --check-config -c "$WORK/nope.yaml"
expect_refused "unknown argument" 'unknown argument' "$OTLPD" --frobnicate

out=$(OTLP_RECEIVER_HTTP_PORT=$((PORT_BASE + 5)) "$OTLPD" --check-config -c "$WORK/otlpd.yaml" --set log_level=debug 2>&1)
grep -q "receiver.http.port = $((PORT_BASE + 5))" <<<"$out" || fail "environment does not override the file"
grep -q "log_level = debug" <<<"$out" || fail "--set does not apply"
out=$(OTLP_LOG_LEVEL=warn "$OTLPD" --check-config --set log_level=error 2>&1)
grep -q "log_level = error" <<<"$out" || fail "--set does not beat the environment"
pass "precedence: file < OTLP_* < --set"

for p in receiver writer forwarder dashboard; do
	out=$("$OTLPD" --print-profile "$p") || fail "--print-profile $p"
	grep -q "$p" <<<"$out" || fail "--print-profile $p does not name the profile"
	grep -q "read" <<<"$out" || fail "--print-profile $p lists no syscalls"
done
"$OTLPD" --print-profile receiver | grep accept4 >/dev/null || fail "receiver profile lacks accept4"
! "$OTLPD" --print-profile writer | grep -w accept4 >/dev/null || fail "writer profile allows accept4"
! "$OTLPD" --print-profile receiver | grep -w openat >/dev/null || fail "receiver profile allows openat"
expect_refused "unknown profile" 'unknown profile' "$OTLPD" --print-profile supervisor
pass "--print-profile for every child"

# A port that is taken stops start-up with a message naming it.
python3 -c "import socket,time,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $((PORT_BASE + 1)))); s.listen(); time.sleep(5)" &
blocker=$!
sleep 0.3
expect_refused "port in use" "receiver.http: cannot listen on 127.0.0.1 port $((PORT_BASE + 1))" \
	"$OTLPD" -c "$WORK/otlpd.yaml"
kill "$blocker" 2>/dev/null || true
