#!/usr/bin/env bash
# The credential stays in the forwarder (#5). For each source (environment,
# file, inline YAML) a unique secret must reach the endpoint and appear
# nowhere else: not in a log line, not in /proc/PID/environ or cmdline of any
# of the five processes, not in the readable memory of the supervisor,
# receiver, writer or dashboard after start-up; the forwarder is
# non-dumpable; once the forwarder has the credentials the supervisor holds
# no descriptor to them (no memfd, not the file). A forwarder killed later
# comes back with forwarding off for env credentials (a documented log line;
# local files still get every span) and forwarding again with
# credentials_file. Then, with the endpoint down under steady load for 60 s:
# every request is answered 200, every span reaches the local files, the
# forwarder's memory stays within its queue bound, and the drops show in
# the dashboard's /api/stats.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24370}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwd_lib.sh"
SCAN=$(dirname "$0")/scan_memory.py
# The sanitizer runtime copies the whole environment (from
# /proc/self/environ) into memory of its own before main() runs.
ASAN=0
ldd "$OTLPD" 2>/dev/null | grep libasan >/dev/null && ASAN=1

fwd_setup
A_PORT=$((PORT_BASE + 1))
start_backend $((PORT_BASE + 7))
rand() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

a_config() {
	instance_yaml a 0 >"$WORK/a.yaml"
	cat >>"$WORK/a.yaml" <<YAML
forwarding:
  enabled: true
  endpoint_url: http://127.0.0.1:$BACKEND_PORT
$(printf '%s\n' "$@")
YAML
}

last_auth() {
	tail -n 1 "$WORK/backend.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"].get("Authorization", ""))'
}

# check_isolation SOURCE SECRET: the running instance $SUP holds SECRET
# only in its forwarder.
check_isolation() {
	local src=$1 secret=$2 p name rc
	grep -qF -- "$secret" "$WORK/a.log" && fail "$src: the secret is in the log"
	local fwd
	fwd=$(kid "$SUP" forwarder) || fail "no forwarder"
	for p in "$SUP" ${KIDS[$SUP]}; do
		name=$(cat "/proc/$p/comm")
		grep -qaF -- "$secret" "/proc/$p/environ" && fail "$src: the secret is in $name's environ"
		grep -qaF -- "$secret" "/proc/$p/cmdline" && fail "$src: the secret is in $name's cmdline"
		[ "$p" = "$fwd" ] && continue
		if [ "$ASAN" = 1 ] && [ "$p" = "$SUP" ] && [ "$src" = credentials_env ]; then
			echo "note: supervisor memory not scanned for credentials_env under AddressSanitizer"
			continue
		fi
		rc=0
		python3 "$SCAN" "$p" "$secret" || rc=$?
		[ "$rc" = 0 ] || fail "$src: the secret is in the memory of $name (scan status $rc)"
	done
	# The scanner does find it where it is meant to be.
	rc=0
	python3 "$SCAN" "$fwd" "$secret" >/dev/null || rc=$?
	[ "$rc" = 1 ] || fail "$src: the memory scan does not find the secret in the forwarder ($rc)"
	pass "$src: the secret is only in the forwarder (logs, environ, cmdline, memory of 4 processes)"
}

# no_credential_fd SOURCE: the supervisor has closed its descriptor to the
# credentials (a memfd, or the credentials file) after the hand-off.
no_credential_fd() {
	local fds
	fds=$(ls -l "/proc/$SUP/fd/")
	grep -q "memfd:" <<<"$fds" && fail "$1: the supervisor still holds a memfd: $(grep "memfd:" <<<"$fds")"
	grep -qF "$WORK/token.yaml" <<<"$fds" && fail "$1: the supervisor still holds the credentials file open"
	pass "$1: the supervisor holds no descriptor to the credentials ($(grep -c -- '->' <<<"$fds") fds, no memfd, not the file)"
}

# restart_forwarder: kill -9 of the forwarder; waits for a new one READY.
restart_forwarder() {
	local old ready
	old=$(kid "$SUP" forwarder) || fail "no forwarder"
	ready=$(grep -c "forwarder ready" "$WORK/a.log")
	kill -9 "$old"
	wait_until 5 bash -c "[ \$(grep -c 'forwarder ready' '$WORK/a.log') -gt $ready ]" ||
		fail "no new forwarder READY after kill -9"
	FWD=$(kid "$SUP" forwarder) || fail "no forwarder after the restart"
	STARTED+=("$FWD")
	KIDS[$SUP]="${KIDS[$SUP]} $FWD"
}

# ---- isolation, per source ----
SECRET_ENV=otlpd-env-$(rand)
a_config "  authentication: {auth_type: bearer_token, credentials_env: FWD_SECRET}"
start_named a "FWD_SECRET=$SECRET_ENV"
send "$A_PORT" traces 1
wait_until 5 bash -c "[ -s '$WORK/backend.jsonl' ]" || fail "nothing reached the endpoint"
[ "$(last_auth)" = "Bearer $SECRET_ENV" ] || fail "env: the endpoint got '$(last_auth)'"
check_isolation "credentials_env" "$SECRET_ENV"
no_credential_fd "credentials_env"

# Non-dumpable: the kernel hands its /proc files to root and refuses even
# the forwarder's own user.
fwd=$(kid "$SUP" forwarder)
uid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$fwd/status")
gid=$(awk '$1 == "Gid:" { print $2 }' "/proc/$fwd/status")
if [ "$(id -u)" = 0 ] && [ "$uid" != 0 ]; then
	[ "$(stat -c %u "/proc/$fwd/status")" = 0 ] || fail "the forwarder's /proc files are not root's (dumpable?)"
	if command -v setpriv >/dev/null; then
		setpriv --reuid="$uid" --regid="$gid" --clear-groups cat "/proc/$fwd/environ" >/dev/null 2>&1 &&
			fail "the forwarder's own user can read its /proc/PID/environ"
	fi
	pass "the forwarder is non-dumpable: /proc/$fwd/status owned by root, its own uid $uid cannot read it"
fi

# otlpd kept no copy: a new forwarder cannot get the env credentials; it
# runs with forwarding off, said in one line, and local ingestion goes on.
# Requests are sent until the new forwarder has dropped one (the receiver
# gets its channel to it a moment after READY).
c=$(backend_count)
restart_forwarder
line="the forwarder restarts with forwarding off until otlpd is restarted: otlpd keeps no copy of credentials from credentials_env after the first hand-off"
grep -qF "$line" "$WORK/a.log" || fail "no log line saying that forwarding stays off: $(tail -n 5 "$WORK/a.log")"
[ "$(grep -cF "$line" "$WORK/a.log")" = 1 ] || fail "the forwarding-off line was logged more than once"
after=0
send_until_dropped() {
	send "$A_PORT" traces 1
	after=$((after + 1))
	sleep 0.3
	fwd_stat_is forward_dropped -ge 1
}
wait_until 10 send_until_dropped || fail "the new forwarder dropped nothing in 10 s ($(fwd_stat forward_dropped))"
want=$((100 + 100 * after))
wait_until 10 bash -c "[ \$(node '$JS_DIR/arrow_read.mjs' '$WORK/a-data/otlp/traces' 2>/dev/null | grep -c '\"row\"') -ge $want ]" ||
	fail "local files have $(rows "$WORK/a-data" traces) spans after the restart, want $want"
[ "$(backend_count)" = "$c" ] || fail "a forwarder without credentials sent $(($(backend_count) - c)) requests"
grep -qF -- "$SECRET_ENV" "$WORK/a.log" && fail "env: the secret is in the log after the restart"
no_credential_fd "credentials_env, after the restart"
pass "kill -9 of the forwarder (credentials_env): logged once, forwarding off (forward_dropped $(fwd_stat forward_dropped)), all $want spans local"
stop_named "$SUP"

SECRET_FILE=otlpd-file-$(rand)
umask 077
printf 'token: "%s"\n' "$SECRET_FILE" >"$WORK/token.yaml"
umask 022
a_config "  authentication: {auth_type: bearer_token, credentials_file: $WORK/token.yaml}"
start_named a
send "$A_PORT" traces 1
wait_until 5 bash -c "grep -qF '$SECRET_FILE' '$WORK/backend.jsonl'" || fail "file: the secret was not sent"
[ "$(last_auth)" = "Bearer $SECRET_FILE" ] || fail "file: the endpoint got '$(last_auth)'"
check_isolation "credentials_file" "$SECRET_FILE"
no_credential_fd "credentials_file"

# The file is opened again for a restarted forwarder, which forwards.
c=$(backend_count)
restart_forwarder
send_until_forwarded() {
	send "$A_PORT" traces 1
	sleep 0.3
	[ "$(backend_count)" -gt "$c" ]
}
wait_until 10 send_until_forwarded || fail "file: the restarted forwarder sent nothing"
[ "$(last_auth)" = "Bearer $SECRET_FILE" ] || fail "file: after the restart the endpoint got '$(last_auth)'"
no_credential_fd "credentials_file, after the restart"
pass "kill -9 of the forwarder (credentials_file): the new one reads the file again and forwards"

# A file that is no longer fit (readable by others) is refused to the next
# forwarder, which runs with forwarding off; local files go on.
chmod 644 "$WORK/token.yaml"
c=$(backend_count)
restart_forwarder
wait_until 5 grep -q "credentials_file: .*the forwarder restarts with forwarding off" "$WORK/a.log" ||
	fail "file: no line saying a refused file leaves forwarding off"
before=$(rows "$WORK/a-data" traces)
send "$A_PORT" traces 1
sleep 1
[ "$(backend_count)" = "$c" ] || fail "file: a forwarder without credentials sent to the endpoint"
chmod 600 "$WORK/token.yaml"
stop_named "$SUP"
[ "$(rows "$WORK/a-data" traces)" -gt "$before" ] || fail "file: local writing stopped with forwarding off"
pass "a credentials file made readable by others is refused to a restarted forwarder: forwarding off, local files go on"

SECRET_INLINE=otlpd-inline-$(rand)
a_config "  authentication:" "    auth_type: bearer_token" "    credentials: {token: $SECRET_INLINE}"
"$OTLPD" -c "$WORK/a.yaml" --check-config >"$WORK/check.out" 2>&1 || fail "--check-config refused inline credentials: $(cat "$WORK/check.out")"
grep -qF -- "$SECRET_INLINE" "$WORK/check.out" && fail "--check-config printed the inline secret"
start_named a
send "$A_PORT" traces 1
wait_until 5 bash -c "grep -qF '$SECRET_INLINE' '$WORK/backend.jsonl'" || fail "inline: the secret was not sent"
check_isolation "inline credentials" "$SECRET_INLINE"
no_credential_fd "inline credentials"
stop_named "$SUP"

# ---- refusals at start-up ----
chmod 644 "$WORK/token.yaml"
a_config "  authentication: {auth_type: bearer_token, credentials_file: $WORK/token.yaml}"
rc=0
timeout 10 "$OTLPD" -c "$WORK/a.yaml" >"$WORK/refused.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a group/other-readable credentials file did not stop otlpd (status $rc)"
grep -q "group or others may access it (mode 0644); make it readable by its owner only" "$WORK/refused.log" ||
	fail "no clear message for the credentials file's mode: $(cat "$WORK/refused.log")"
a_config "  authentication: {auth_type: api_key, credentials: {api_key: x}}"
"$OTLPD" -c "$WORK/a.yaml" --check-config >"$WORK/check.out" 2>&1 && fail "a wrong credential name was accepted"
grep -q '"api_key" is not a credential name' "$WORK/check.out" || fail "no clear message: $(cat "$WORK/check.out")"
pass "refused: a credentials file readable by others; a credential named api_key instead of key"

# ---- the endpoint down, steady load ----
instance_yaml a 0 >"$WORK/a.yaml"
cat >>"$WORK/a.yaml" <<YAML
forwarding:
  enabled: true
  endpoint_url: http://127.0.0.1:$((PORT_BASE + 8))
  timeout_secs: 2
  queue: {max_items: 20, max_bytes: 1048576}
YAML
start_named a
fwd=$(kid "$SUP" forwarder)
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$fwd/status"; }
base=$(rss)
max=$base
sent=0
bad=0
end=$((SECONDS + 60))
while [ "$SECONDS" -lt "$end" ]; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-protobuf' \
		--data-binary @"$BENCH/traces_100.pb" "http://127.0.0.1:$A_PORT/v1/traces")
	if [ "$code" = 200 ]; then sent=$((sent + 1)); else bad=$((bad + 1)); fi
	r=$(rss)
	[ "$r" -gt "$max" ] && max=$r
	sleep 0.05
done
[ "$bad" = 0 ] || fail "$bad of $((sent + bad)) requests were not answered 200 while the endpoint was down"
[ "$sent" -ge 300 ] || fail "only $sent requests in 60 s"
pass "endpoint down for 60 s: all $sent requests answered 200"
grep -q "forwarding queue is full" "$WORK/a.log" || fail "the full queue was not logged"
grep -q "cannot connect to any address of 127.0.0.1" "$WORK/a.log" || fail "connection failures not logged"
grep -q "circuit breaker: closed -> open" "$WORK/a.log" || fail "the breaker did not open"
wait_until 5 fwd_stat_is forward_dropped -gt 0 ||
	fail "/api/stats shows forward_dropped '$(fwd_stat forward_dropped)', want > 0"
pass "/api/stats: forward_dropped $(fwd_stat forward_dropped), queue_items $(fwd_stat queue_items) (max_items 20)"
# 1 MiB of queue plus slack for the allocator and the connections' buffers.
# AddressSanitizer keeps freed memory in quarantine: no bound to check then.
grew=$((max - base))
if [ "$ASAN" = 1 ]; then
	pass "forwarder RSS +$grew KiB (not checked against the queue bound under AddressSanitizer)"
else
	[ "$grew" -le $((1024 + 4096)) ] || fail "the forwarder grew by $grew KiB (queue bound 1024 KiB)"
	pass "forwarder RSS $base KiB -> at most $max KiB (+$grew KiB; queue bound 1024 KiB); drops logged"
fi
want=$((sent * 100))
wait_until 20 bash -c "[ \$(node '$JS_DIR/arrow_read.mjs' '$WORK/a-data/otlp/traces' 2>/dev/null | grep -c '\"row\"') -ge $want ]" ||
	fail "local files have $(rows "$WORK/a-data" traces) spans, want $want"
pass "all $want spans are in the local Arrow files"
# Stopping with a full queue and the breaker open: nothing could go before
# the stop deadline: the queue is dropped and said in one line (that this
# is at once is test_stop_breaker_open_ends_early's to show).
t0=$SECONDS
stop_named "$SUP"
[ "$(grep -c "message(s) could not be forwarded within 3000 ms and are dropped" "$WORK/a.log")" = 1 ] ||
	fail "no single line for the messages dropped at stop: $(grep "stopping" "$WORK/a.log" | tail -n 3)"
pass "stopped in $((SECONDS - t0)) s with the endpoint down; $(grep -o "stopping: [0-9]* message(s) could not be forwarded" "$WORK/a.log")"
