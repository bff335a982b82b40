#!/usr/bin/env bash
# OTLP/HTTP from outside, with curl and raw sockets against the real otlpd:
# the three signals in protobuf, gzip and JSON; every kind of bad input gets
# its status code and the server keeps serving; slow and idle clients are cut
# off; with the writer stopped clients get 503 + Retry-After and the
# receiver's memory stays flat; the counters of all this reach the
# supervisor (the dashboard's /api/stats).
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24330}
. "$(dirname "$0")/lib.sh"
BENCH=$(cd "$(dirname "$0")/../../../shared/bench" && pwd)

setup_instance
HTTP_PORT=$((PORT_BASE + 1))
URL=http://127.0.0.1:$HTTP_PORT
DASH=http://127.0.0.1:$((PORT_BASE + 3))
IDLE_MS=1000
cat >"$WORK/otlpd.yaml" <<YAML
output_dir: $DATA
log_level: info
receiver:
  http:
    bind_address: 127.0.0.1
    port: $HTTP_PORT
  grpc:
    bind_address: 127.0.0.1
    port: $((PORT_BASE + 2))
  max_request_bytes: 4194304
  max_connections: 200
  header_timeout_ms: 1500
  idle_timeout_ms: $IDLE_MS
  body_timeout_ms: 2000
  ack_timeout_ms: 500
queues:
  writer:
    max_messages: 8
dashboard:
  port: $((PORT_BASE + 3))
YAML
start_otlpd

# post PATH CONTENT_TYPE FILE [curl args...]: prints "code content-type",
# the body in $WORK/out and the headers in $WORK/head.
post() {
	local path=$1 type=$2 file=$3
	shift 3
	curl -s -o "$WORK/out" -D "$WORK/head" -w '%{http_code} %{content_type}' -H 'Expect:' \
		-H "Content-Type: $type" --data-binary @"$file" "$@" "$URL$path" || true
}

# expect WHAT GOT WANT
expect() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3' (body: $(head -c 300 "$WORK/out" | tr -c '[:print:]' '.'))"
}

alive() {
	expect "server alive after: $1" "$(post /v1/traces application/x-protobuf "$BENCH/traces_1.pb")" \
		"200 application/x-protobuf"
}

# counters_at_least NAME=MIN...: whether each of the receiver's counters in
# the dashboard's /api/stats has reached MIN; the ones short of it are in
# $WORK/short.
counters_at_least() {
	curl -s --max-time 5 -o "$WORK/stats" "$DASH/api/stats" || return 1
	python3 - "$WORK/stats" "$@" >"$WORK/short" <<'PY'
import json, sys
try:
    got = json.load(open(sys.argv[1]))["processes"]["receiver"]
except (ValueError, KeyError) as e:
    sys.exit(f"no receiver counters in /api/stats ({e!r})")
want = [a.split("=") for a in sys.argv[2:]]
short = [f"{n}={got.get(n)} (want >= {m})" for n, m in want if got.get(n, -1) < int(m)]
print("; ".join(short))
sys.exit(1 if short else 0)
PY
}

# counter NAME: the receiver's counter as /api/stats shows it now.
counter() { api_stat receiver "$1" "$DASH"; }

PB=application/x-protobuf
JS=application/json

# ---- accepted ----
for sig in traces metrics logs; do
	f=$BENCH/${sig}_100
	expect "$sig protobuf" "$(post /v1/$sig $PB "$f.pb")" "200 $PB"
	[ ! -s "$WORK/out" ] || fail "$sig: full success must leave partial_success out"
	gzip -c "$f.pb" >"$WORK/$sig.pb.gz"
	expect "$sig gzip" "$(post /v1/$sig $PB "$WORK/$sig.pb.gz" -H 'Content-Encoding: gzip')" "200 $PB"
	expect "$sig json" "$(post /v1/$sig "$JS; charset=utf-8" "$f.json")" "200 $JS"
	expect "$sig json body" "$(cat "$WORK/out")" "{}"
done
gzip -c "$BENCH/traces_1000.json" >"$WORK/traces.json.gz"
expect "JSON gzip" "$(post /v1/traces $JS "$WORK/traces.json.gz" -H 'Content-Encoding: gzip')" "200 $JS"
expect "Expect: 100-continue" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' \
	-H "Content-Type: $PB" --data-binary @"$BENCH/traces_100.pb" "$URL/v1/traces")" "200"
expect "HTTP/1.0" "$(post /v1/logs $PB "$BENCH/logs_100.pb" --http1.0)" "200 $PB"
grep -qi '^Connection: close' "$WORK/head" || fail "HTTP/1.0 answer without Connection: close"
pass "traces, metrics, logs: 200 as protobuf, gzip and JSON; response type = request type"

# Two requests in one write: answered in order on one connection.
exec {s}<>/dev/tcp/127.0.0.1/$HTTP_PORT
printf 'POST /v1/logs HTTP/1.1\r\nHost: t\r\nContent-Type: %s\r\nContent-Length: 0\r\n\r\nPOST /v1/traces HTTP/1.1\r\nHost: t\r\nContent-Type: %s\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' $PB $JS >&$s
answers=$(timeout 5 cat <&$s | tr -d '\r' | grep -c '^HTTP/1.1 200 OK' || true)
exec {s}>&-
expect "pipelined requests" "$answers" 2
pass "pipelined requests answered one after the other"

# ---- refused ----
head -c 1000 "$BENCH/traces_100.pb" >"$WORK/truncated.pb"
RANDOM=42
for _ in $(seq 1 4096); do printf "\\x$(printf %02x $((RANDOM % 256)))"; done >"$WORK/random.bin"
# resource_spans (field 1) sent as a varint instead of a message
{ printf '\x08'; tail -c +2 "$BENCH/traces_1.pb"; } >"$WORK/wiretype.pb"
LC_ALL=C sed 's/checkout-service/checkout-servic\xff/' "$BENCH/traces_1.pb" >"$WORK/utf8.pb"
LC_ALL=C sed 's/checkout-service/checkout-servic\xff/' "$BENCH/traces_1.json" >"$WORK/utf8.json"
hex=$(grep -o '"traceId":"[0-9a-f]*"' "$BENCH/traces_1.json" | sed -n 1p | cut -d'"' -f4)
b64=$(printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" | base64)
sed "s|\"traceId\":\"$hex\"|\"traceId\":\"$b64\"|" "$BENCH/traces_1.json" >"$WORK/base64.json"
# 100k levels of arrayValue inside one attribute value
{
	printf '{"resourceSpans":[{"resource":{"attributes":[{"key":"deep","value":'
	for _ in $(seq 1 1000); do printf '{"arrayValue":{"values":[%.0s' $(seq 1 100); done
	printf '{"stringValue":"x"}'
	for _ in $(seq 1 1000); do printf ']}}%.0s' $(seq 1 100); done
	printf '}]}}]}'
} >"$WORK/deep.json"

for c in "truncated protobuf:$PB:truncated.pb" "random bytes:$PB:random.bin" \
	"wrong wire type:$PB:wiretype.pb" "non-UTF-8 protobuf string:$PB:utf8.pb" \
	"non-UTF-8 JSON string:$JS:utf8.json" "JSON base64 ids:$JS:base64.json" \
	"JSON deep AnyValue (100k levels):$JS:deep.json"; do
	IFS=: read -r what type file <<<"$c"
	expect "$what" "$(post /v1/traces "$type" "$WORK/$file")" "400 $type"
	grep -q '"message"' "$WORK/out" || [ "$type" = $PB ] || fail "$what: no Status message"
	alive "$what"
done
expect "JSON enum names" "$(post /v1/traces $JS "$BENCH/traces_1.status-string.json")" "400 $JS"
grep -q 'status.code' "$WORK/out" || fail "the 400 does not say what was wrong: $(cat "$WORK/out")"
alive "enum names"
pass "400 with a google.rpc.Status for undecodable bodies; serving after each"

head -c 200000000 /dev/zero | gzip -9 >"$WORK/bomb.gz"
[ "$(stat -c %s "$WORK/bomb.gz")" -lt 250000 ] || fail "the bomb is not about 200 KB"
expect "gzip bomb" "$(post /v1/traces $PB "$WORK/bomb.gz" -H 'Content-Encoding: gzip')" "413 $PB"
alive "gzip bomb"
head -c 5000000 /dev/zero >"$WORK/big.bin"
expect "Content-Length over the limit" "$(post /v1/traces $PB "$WORK/big.bin")" "413 $PB"
start=$SECONDS
expect "chunked body over the limit, sent slowly" "$(post /v1/traces $PB "$WORK/big.bin" \
	-H 'Transfer-Encoding: chunked' --limit-rate 2M)" "413 $PB"
[ $((SECONDS - start)) -lt 10 ] || fail "the slow large body was not cut off at the limit"
alive "large bodies"
pass "413 for a gzip bomb, a large Content-Length and a large body sent slowly"

expect "text/plain" "$(post /v1/traces text/plain "$BENCH/traces_1.pb")" "415 $JS"
expect "no Content-Type" "$(post /v1/traces '' "$BENCH/traces_1.pb")" "415 $JS"
expect "brotli" "$(post /v1/traces $PB "$BENCH/traces_1.pb" -H 'Content-Encoding: br')" "415 $PB"
expect "JSON latin-1" "$(post /v1/traces "$JS; charset=iso-8859-1" "$BENCH/traces_1.json")" "415 $JS"
expect "GET" "$(curl -s -o "$WORK/out" -D "$WORK/head" -w '%{http_code}' "$URL/v1/traces")" 405
grep -qi '^Allow: POST' "$WORK/head" || fail "405 without Allow: POST"
expect "PUT" "$(post /v1/logs $PB "$BENCH/logs_100.pb" -X PUT)" "405 $PB"
expect "unknown path" "$(post /v1/spans $PB "$BENCH/traces_1.pb")" "404 $PB"
for i in $(seq 1 10000); do echo "X-Fill-$i: v"; done >"$WORK/headers"
expect "10k headers" "$(post /v1/traces $PB "$BENCH/traces_1.pb" -H @"$WORK/headers")" "431 $PB"
alive "415, 405, 404, 431"
pass "415, 405 with Allow, 404, 431 for 10k headers"

# ---- slow and idle clients ----
wait_until 10 counters_at_least http_requests_traces=1 >/dev/null || fail "no receiver counters in /api/stats"
idle_before=$(counter http_timeouts_idle)
# One request on a keep-alive connection, then nothing: the server closes
# it after idle_timeout_ms, not before.
idle_s=$(python3 - "$HTTP_PORT" "$BENCH/traces_1.pb" "$IDLE_MS" <<'PY'
import socket, sys, time
port, body, idle_s = int(sys.argv[1]), open(sys.argv[2], "rb").read(), int(sys.argv[3]) / 1000
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-protobuf\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body) + body)
s.settimeout(10)
got = b""
while b"\r\n\r\n" not in got:
    chunk = s.recv(65536)
    if not chunk:
        sys.exit("closed before the response")
    got += chunk
head, rest = got.split(b"\r\n\r\n", 1)
lines = head.decode("latin-1").lower().split("\r\n")
if not lines[0].startswith("http/1.1 200 "):
    sys.exit(f"answer: {lines[0]}")
if "connection: close" in lines:
    sys.exit("the 200 closes the connection")
length = next(int(l.split(":", 1)[1]) for l in lines if l.startswith("content-length:"))
while len(rest) < length:
    chunk = s.recv(65536)
    if not chunk:
        sys.exit("closed in the middle of the response")
    rest += chunk
start = time.monotonic()
try:
    extra = s.recv(1)
except socket.timeout:
    sys.exit("the idle connection is still open after 10 s")
took = time.monotonic() - start
if extra:
    sys.exit(f"unexpected bytes after the response: {extra!r}")
if took < idle_s * 0.9:
    sys.exit(f"closed after {took:.2f} s, before the idle timeout of {idle_s} s")
print(f"{took:.1f}")
PY
) || fail "idle keep-alive connection"
wait_until 10 counters_at_least "http_timeouts_idle=$((idle_before + 1))" ||
	fail "idle timeout not counted: $(cat "$WORK/short")"
pass "an idle keep-alive connection is closed after idle_timeout_ms (${idle_s} s) and counted"

exec {s}<>/dev/tcp/127.0.0.1/$HTTP_PORT
(
	req='POST /v1/traces HTTP/1.1'
	for ((i = 0; i < ${#req}; i++)); do printf '%s' "${req:i:1}" >&$s 2>/dev/null || exit 0; sleep 1; done
) &
dribbler=$!
start=$SECONDS
status=$(timeout 8 head -n1 <&$s | tr -d '\r' || true)
kill "$dribbler" 2>/dev/null || true
wait "$dribbler" 2>/dev/null || true
exec {s}>&-
expect "headers one byte per second" "$status" "HTTP/1.1 408 Request Timeout"
[ $((SECONDS - start)) -le 4 ] || fail "the slow client was cut off after $((SECONDS - start)) s"
alive "slow headers"
pass "a client sending headers one byte per second gets 408 within the header timeout"

ulimit -n 4096 2>/dev/null || true
idle=()
for _ in $(seq 1 2000); do
	exec {s}<>/dev/tcp/127.0.0.1/$HTTP_PORT || fail "cannot open idle connection ${#idle[@]}"
	idle+=("$s")
done
alive "2000 idle connections (max_connections 200)"
for s in "${idle[@]}"; do exec {s}>&-; done
alive "closing 2000 idle connections"
pass "2000 idle connections do not keep a new client out (the oldest idle ones make room)"

# ---- backpressure ----
wpid=$(child_pid writer) || fail "no writer"
rpid=$(child_pid receiver) || fail "no receiver"
for _ in $(seq 1 30); do
	expect "warm-up" "$(post /v1/traces $PB "$BENCH/traces_100.pb")" "200 $PB"
done
rss_idle=$(status_field "$rpid" VmRSS)
kill -STOP "$wpid"
n=0
for _ in $(seq 1 40); do
	got=$(post /v1/traces $PB "$BENCH/traces_100.pb")
	expect "writer stopped" "$got" "503 $PB"
	grep -qi '^Retry-After: [0-9]' "$WORK/head" || fail "503 without Retry-After"
	n=$((n + 1))
done
rss_stopped=$(status_field "$rpid" VmRSS)
kill -CONT "$wpid"
[ $((rss_stopped * 100)) -le $((rss_idle * 110)) ] ||
	fail "receiver RSS grew from $rss_idle kB to $rss_stopped kB with the writer stopped"
pass "writer stopped: $n requests got 503 + Retry-After; receiver RSS $rss_idle -> $rss_stopped kB"
wait_until 5 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: $PB' \
	--data-binary @'$BENCH/traces_100.pb' '$URL/v1/traces')\" = 200 ]" ||
	fail "no 200 after kill -CONT of the writer"
alive "writer resumed"
pass "after kill -CONT the writer takes data again: 200"

kill -0 "$rpid" || fail "the receiver died"
[ "$(child_pid receiver)" = "$rpid" ] || fail "the receiver was restarted"
pass "one receiver process served every case"

# Every refusal above is counted by reason and reaches the supervisor.
wait_until 10 counters_at_least http_requests_traces=30 http_items_accepted_traces=3000 \
	http_rejects_too_large=3 http_rejects_bad_request=8 http_rejects_unsupported_type=4 \
	http_rejects_not_found=1 http_rejects_method_not_allowed=2 http_rejects_header_too_large=1 \
	http_rejects_no_credit=1 http_rejects_slow_client=1 http_timeouts_header=1 \
	http_connections_evicted_idle=1 http_responses_5xx=40 ||
	fail "receiver counters in /api/stats: $(cat "$WORK/short")"
pass "/api/stats: requests and items accepted, rejects by reason, timeouts, evictions"

# Shutdown with a client connected: the idle connection is closed, the
# receiver exits 0.
exec {s}<>/dev/tcp/127.0.0.1/$HTTP_PORT
kill -TERM "$SUP_PID"
rc=0
timeout 10 tail --pid="$SUP_PID" -f /dev/null || rc=$?
exec {s}>&-
[ "$rc" -eq 0 ] || fail "otlpd did not stop within 10 s of SIGTERM"
grep -q "receiver (pid $rpid) exited with status 0" "$OTLPD_LOG" || fail "the receiver did not exit cleanly"
pass "SIGTERM with a client connected: the receiver exits 0"
