#!/usr/bin/env bash
# The forwarder against a test endpoint that fails on command (#5):
# partial_success is counted and logged, a 400 is permanent, Retry-After is
# respected, and the circuit breaker goes Closed -> Open after the threshold,
# sends nothing while Open, exactly one probe while HalfOpen, -> Closed on the
# probe's success and -> Open on its failure or when it hangs past the
# request timeout, with timing checked against the endpoint's clock. The
# dashboard's /api/stats shows the breaker's state, its openings and the
# rejected count.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24360}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwd_lib.sh"

fwd_setup
A_PORT=$((PORT_BASE + 1))
start_backend $((PORT_BASE + 7))
instance_yaml a 0 >"$WORK/a.yaml"
cat >>"$WORK/a.yaml" <<YAML
forwarding:
  enabled: true
  endpoint_url: http://localhost:$BACKEND_PORT/otlp
  timeout_secs: 1
  max_connections: 4
  circuit_breaker: {failure_threshold: 3, open_timeout_secs: 2}
YAML
start_named a
LOG=$WORK/a.log

# req_time N: when the endpoint got its N-th request (1-based), UNIX seconds.
req_time() { sed -n "${1}p" "$WORK/backend.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["t"])'; }
# log_time N PATTERN: when the N-th log line matching PATTERN was written.
log_time() {
	grep -- "$2" "$LOG" | sed -n "${1}p" | cut -d' ' -f1 |
		python3 -c 'import sys,datetime; print(datetime.datetime.strptime(sys.stdin.read().strip(), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp())'
}
# within WHAT A B LO HI: B - A is in [LO, HI] seconds.
within() {
	python3 -c "import sys; d=$3-$2; sys.exit(0 if $4 <= d <= $5 else 1)" ||
		fail "$1: $(python3 -c "print(round($3-$2, 3))") s, want $4..$5 s"
	pass "$1: $(python3 -c "print(round($3-$2, 3))") s (allowed $4..$5)"
}
count_is() { [ "$(backend_count)" -eq "$1" ]; }
# sent_between A B: requests the endpoint got from UNIX time A up to B.
sent_between() {
	python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if float(sys.argv[2]) <= json.loads(l)["t"] < float(sys.argv[3])))' \
		"$WORK/backend.jsonl" "$1" "$2"
}
wait_count() { wait_until "$2" count_is "$1" || fail "$3: the endpoint saw $(backend_count) requests, want $1"; }

# ---- answers ----
send "$A_PORT" traces 1
wait_count 1 5 "first delivery"
path=$(sed -n 1p "$WORK/backend.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])')
[ "$path" = /otlp/v1/traces ] || fail "request path $path"
pass "delivered to /otlp/v1/traces (the host resolved by the supervisor)"

backend "partial=7" >/dev/null
send "$A_PORT" traces 1
wait_until 5 grep -q 'accepted traces only in part: 7 rejected; "test rejects"' "$LOG" ||
	fail "partial_success was not logged"
backend "partial=0" >/dev/null
wait_until 5 fwd_stat_is partial_rejected -ge 7 ||
	fail "/api/stats shows partial_rejected '$(fwd_stat partial_rejected)', want >= 7"
pass "partial_success: 7 rejected spans logged with the endpoint's message, partial_rejected $(fwd_stat partial_rejected) in /api/stats"

backend "status=400&body=bad+payload%0a%01" >/dev/null
send "$A_PORT" traces 1
wait_until 5 grep -q 'refused traces ([0-9]* bytes) with HTTP 400, not retried: "bad payload\\x0a\\x01"' "$LOG" ||
	fail "a 400 was not logged as permanent with its escaped message"
sleep 1.2
count_is 3 || fail "a 400 was retried ($(backend_count) requests)"
pass "400 is permanent: sent once, logged with the escaped message"

backend "status=429&retry_after=1&body=" >/dev/null
send "$A_PORT" traces 1
wait_count 4 5 "429"
backend "status=200&retry_after=" >/dev/null
wait_count 5 5 "retry after 429"
within "Retry-After: 1 (the backoff alone would be 0.25..0.5 s)" "$(req_time 4)" "$(req_time 5)" 0.9 1.8

# ---- the circuit breaker ----
# /api/stats is sampled in the background while the breaker opens and
# recovers: its figures are up to ~2 s old, and waiting for them in line
# would shift the timing checked here.
sample_stats() {
	while :; do
		curl -sf "http://127.0.0.1:$((PORT_BASE + 3))/api/stats" >>"$WORK/stats.samples" || true
		echo >>"$WORK/stats.samples"
		sleep 0.25
	done
}
sample_stats &
SAMPLER=$!
STARTED+=("$SAMPLER")
backend "status=503&hang=0.3" >/dev/null
send "$A_PORT" traces 4
wait_until 5 grep -q "circuit breaker: closed -> open" "$LOG" || fail "the breaker did not open"
t_open=$(log_time 1 "circuit breaker: closed -> open")
count_is 9 || fail "Closed -> Open: $(backend_count) requests, want 9 (4 failed)"
# By the endpoint's clock: a busy machine may delay this script, not it.
sleep 1.5
early=$(sent_between "$t_open" "$(python3 -c "print($t_open + 1.5)")")
[ "$early" = 0 ] || fail "$early request(s) were sent while the breaker was open"
pass "Closed -> Open after 3 failures; nothing sent for 1.5 s while Open"
wait_count 10 3 "the probe"
within "Open -> HalfOpen probe after open_timeout_secs 2" "$t_open" "$(req_time 10)" 1.9 2.7
wait_until 3 grep -q "circuit breaker: half_open -> open" "$LOG" || fail "a failed probe did not reopen"
sleep 0.5
count_is 10 || fail "more than one request while half-open ($(backend_count))"
pass "HalfOpen: exactly one probe (3 items waiting, 4 connections); its failure -> Open"

backend "status=200&hang=0" >/dev/null
t_reopen=$(log_time 1 "circuit breaker: half_open -> open")
wait_count 14 5 "after recovery"
within "probe after the reopening" "$t_reopen" "$(req_time 11)" 1.9 2.7
grep -q "circuit breaker: half_open -> closed" "$LOG" || fail "no HalfOpen -> Closed"
kill "$SAMPLER"
wait "$SAMPLER" 2>/dev/null || true
forget "$SAMPLER"
# breaker_state: 0 closed, 1 open, 2 half_open (forwarder/breaker.h).
open_seen=$(python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    if line.strip():
        f = json.loads(line)["processes"].get("forwarder", {})
        n += f.get("breaker_state") == 1 and f.get("breaker_opens", 0) >= 1
print(n)' "$WORK/stats.samples")
[ "$open_seen" -gt 0 ] || fail "/api/stats never showed breaker_state 1 with breaker_opens >= 1 while open"
pass "/api/stats while Open: breaker_state 1 and breaker_opens >= 1 in $open_seen samples"
wait_until 5 fwd_stat_is breaker_state -eq 0 ||
	fail "/api/stats shows breaker_state '$(fwd_stat breaker_state)' after recovery, want 0"
pass "HalfOpen -> Closed on the probe's success; the 4 waiting items are delivered; /api/stats: breaker_state 0"

# A probe that hangs counts as failed after the request timeout (1 s).
backend "status=503&hang=0.3" >/dev/null
send "$A_PORT" traces 3
wait_until 5 bash -c "[ \$(grep -c 'circuit breaker: closed -> open' '$LOG') -ge 2 ]" ||
	fail "the breaker did not open again"
c=$(backend_count)
backend "status=200&hang=3" >/dev/null
wait_count $((c + 1)) 4 "the hanging probe"
wait_until 3 bash -c "[ \$(grep -c 'circuit breaker: half_open -> open' '$LOG') -ge 2 ]" ||
	fail "a hanging probe did not reopen the breaker"
within "hanging probe -> Open after timeout_secs 1" "$(req_time $((c + 1)))" \
	"$(log_time 2 "circuit breaker: half_open -> open")" 0.9 1.6
grep -q "no answer from .* within 1000 ms (waiting for the answer)" "$LOG" ||
	fail "the probe's timeout was not logged"
backend "hang=0" >/dev/null
wait_count $((c + 4)) 6 "after the hanging probe"
pass "after a hanging probe: reopened, then closed on the next probe, all delivered"
stop_named "$SUP"
