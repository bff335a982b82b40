#!/usr/bin/env bash
# OTLP/gRPC from outside with nghttp's hand-made frames against the real
# otlpd: a bad message prefix, a compressed flag without grpc-encoding, a
# length larger than the body, an oversized message, an unknown method,
# other HTTP/2 and HTTP/1 clients; each gets its grpc-status and the server
# keeps serving. With the writer stopped, calls end DEADLINE_EXCEEDED at the
# deadline and then UNAVAILABLE with RetryInfo, and the receiver's memory
# stays flat. Past receiver.max_connections an idle connection makes room
# for a new client, and with none idle the newcomer hears GOAWAY; both are
# counted in /api/stats.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24410}
. "$(dirname "$0")/lib.sh"
BENCH=$(cd "$(dirname "$0")/../../../shared/bench" && pwd)
command -v nghttp >/dev/null || fail "nghttp is missing (Debian nghttp2-client; scripts/install-deps.sh)"

setup_instance
GRPC_PORT=$((PORT_BASE + 2))
GRPC=http://127.0.0.1:$GRPC_PORT
DASH=http://127.0.0.1:$((PORT_BASE + 3))
MAX_CONNS=8
TRACES=$GRPC/opentelemetry.proto.collector.trace.v1.TraceService/Export
cat >"$WORK/otlpd.yaml" <<YAML
output_dir: $DATA
log_level: info
receiver:
  http:
    bind_address: 127.0.0.1
    port: $((PORT_BASE + 1))
  grpc:
    bind_address: 127.0.0.1
    port: $((PORT_BASE + 2))
  max_request_bytes: 1048576
  max_connections: $MAX_CONNS
  ack_timeout_ms: 700
queues:
  writer:
    max_messages: 16
dashboard:
  port: $((PORT_BASE + 3))
YAML
start_otlpd

# call URL FILE [nghttp args...]: prints "grpc-status|grpc-message|details"
# (details: "bin" when grpc-status-details-bin came) of each response.
call() {
	local url=$1 file=$2
	shift 2
	nghttp -nv -H ':method: POST' -H 'content-type: application/grpc' -H 'te: trailers' \
		-d "$file" "$@" "$url" >"$WORK/out" 2>&1 || true
	awk '{ if (!match($0, /recv \(stream_id=[0-9]+\) /)) next; k = substr($0, RSTART, RLENGTH) }
	     /grpc-status: / { s[k] = $NF }
	     /grpc-message: / { sub(/.*grpc-message: /, ""); m[k] = $0 }
	     /grpc-status-details-bin: / { d[k] = "bin" }
	     END { for (k in s) print s[k] "|" m[k] "|" d[k] }' "$WORK/out" | sort
}

# expect WHAT GOT WANT (WANT is a grep -E pattern for the one answer)
expect() {
	echo "$2" | grep -xE "$3" >/dev/null || fail "$1: got '$2', want '$3'"
}

# tally URL FILE N [nghttp args...]: N calls at once on one connection;
# prints "count status|details" lines.
tally() {
	local url=$1 file=$2 n=$3
	shift 3
	call "$url" "$file" -m "$n" "$@" | cut -d'|' -f1,3 | sort | uniq -c | awk '{ print $1 " " $2 }'
}

alive() {
	expect "server alive after: $1" "$(call "$TRACES" "$BENCH/traces_1.grpc")" "0\|\|"
}

# frame FLAG DECLARED_LENGTH BODY OUT
frame() {
	python3 -c 'import sys
b = open(sys.argv[3], "rb").read()
open(sys.argv[4], "wb").write(bytes([int(sys.argv[1])]) + int(sys.argv[2]).to_bytes(4, "big") + b)' "$@"
}

PB=$BENCH/traces_1.pb
LEN=$(stat -c %s "$PB")
alive "start"

frame 2 "$LEN" "$PB" "$WORK/bad_prefix"
expect "bad prefix" "$(call "$TRACES" "$WORK/bad_prefix")" "3\|the message prefix is invalid.*\|"
alive "bad prefix"

frame 1 "$LEN" "$PB" "$WORK/compressed"
expect "compressed flag without grpc-encoding" "$(call "$TRACES" "$WORK/compressed")" \
	"3\|.*flagged compressed.*\|"
alive "compressed flag without encoding"

frame 0 $((LEN + 1000)) "$PB" "$WORK/short"
expect "length larger than the body" "$(call "$TRACES" "$WORK/short")" "3\|.*ended before the message.*\|"
alive "length larger than the body"

head -c 2000000 /dev/zero >"$WORK/zeros"
frame 0 2000000 "$WORK/zeros" "$WORK/oversized"
expect "oversized message" "$(call "$TRACES" "$WORK/oversized")" "8\|.*larger than the limit\|"
frame 0 2000000 "$PB" "$WORK/oversized_prefix"
expect "oversized declared length" "$(call "$TRACES" "$WORK/oversized_prefix")" "8\|.*larger than the limit\|"
alive "oversized message"

expect "unknown method" \
	"$(call "$GRPC/opentelemetry.proto.collector.trace.v1.TraceService/Nope" "$BENCH/traces_1.grpc")" \
	"12\|unknown method.*\|"
expect "unknown service" "$(call "$GRPC/grpc.health.v1.Health/Check" "$BENCH/traces_1.grpc")" \
	"12\|unknown method.*\|"
alive "unknown path"

printf '\x0a\xff\xff\xff\x0f' >"$WORK/junk"
frame 0 5 "$WORK/junk" "$WORK/undecodable"
expect "undecodable protobuf" "$(call "$TRACES" "$WORK/undecodable")" "3\|invalid OTLP/protobuf.*\|"
expect "unsupported grpc-encoding" "$(call "$TRACES" "$BENCH/traces_1.grpc" -H 'grpc-encoding: br')" \
	"12\|.*gzip or identity\|"
nghttp -v -H ':method: POST' -H 'content-type: text/plain' -d "$BENCH/traces_1.grpc" "$TRACES" \
	>"$WORK/out" 2>&1 || true
grep -q 'recv (stream_id=[0-9]*) :status: 415' "$WORK/out" || fail "content-type text/plain: no 415"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/grpc' \
	--data-binary @"$BENCH/traces_1.grpc" "http://127.0.0.1:$((PORT_BASE + 2))/v1/traces" || true)
[ "$code" = 000 ] || fail "an HTTP/1.1 request on the gRPC port was answered $code"
alive "HTTP/1.1 and bad content-type"
pass "bad prefix, compressed flag, short body, oversized, unknown method, bad protobuf: 3/8/12 and still serving"

# Many calls on one connection at once, and the SDK's usual gzip.
gzip -c "$BENCH/traces_100.pb" >"$WORK/t.gz"
frame 1 "$(stat -c %s "$WORK/t.gz")" "$WORK/t.gz" "$WORK/t.gz.grpc"
expect "gzip" "$(call "$TRACES" "$WORK/t.gz.grpc" -H 'grpc-encoding: gzip')" "0\|\|"
got=$(tally "$TRACES" "$BENCH/traces_100.grpc" 16)
[ "$got" = "16 0|" ] || fail "16 concurrent calls: got '$got'"
got=$(tally "$TRACES" "$BENCH/traces_1.grpc" 200)
echo "$got" | grep -x '[0-9]* 0|' >/dev/null || fail "200 concurrent calls: no grpc-status 0 ($got)"
echo "$got" | grep -vxE '[0-9]+ (0\||14\|bin)' >/dev/null && fail "200 concurrent calls: other answers than 0 and 14: $got"
pass "gzip, 16 and 200 concurrent streams on one connection: grpc-status 0, past the queue 14 + RetryInfo"

# ---- the writer stopped ----
rpid=$(child_pid receiver) || fail "no receiver"
wpid=$(child_pid writer) || fail "no writer"
rss_idle=$(status_field "$rpid" VmRSS)
kill -STOP "$wpid"
# The queue takes 16 messages that the writer never acknowledges: those
# calls end at their deadline (grpc-timeout, or ack_timeout_ms); then there
# is no credit and calls are refused at once with RetryInfo.
expect "grpc-timeout with the writer stopped" \
	"$(call "$TRACES" "$BENCH/traces_1.grpc" -H 'grpc-timeout: 200m')" "4\|.*deadline passed.*\|"
got=$(tally "$TRACES" "$BENCH/traces_1.grpc" 20)
[ "$got" = "$(printf '5 14|bin\n15 4|')" ] || fail "20 calls with the writer stopped: got '$got'"
for _ in $(seq 20); do
	expect "no credit" "$(call "$TRACES" "$BENCH/traces_100.grpc")" "14\|storage is busy; retry later\|bin"
done
rss_stopped=$(status_field "$rpid" VmRSS)
kill -CONT "$wpid"
[ $((rss_stopped * 100)) -le $((rss_idle * 110)) ] ||
	fail "receiver RSS grew from $rss_idle kB to $rss_stopped kB with the writer stopped"
wait_until 10 bash -c "[ \"\$(nghttp -v -H ':method: POST' -H 'content-type: application/grpc' \
	-d '$BENCH/traces_1.grpc' '$TRACES' 2>&1 | sed -n 's/.*grpc-status: //p')\" = 0 ]" ||
	fail "no grpc-status 0 after kill -CONT of the writer"
alive "writer resumed"
pass "writer stopped: DEADLINE_EXCEEDED at the deadline, then UNAVAILABLE + RetryInfo; RSS $rss_idle -> $rss_stopped kB; resumed"

# ---- max_connections ----
# hold MODE COUNT: opens COUNT HTTP/2 connections in the background and
# keeps them until $WORK/release exists. MODE idle: each only greets (no
# call); busy: each has a call whose message is still arriving, and one
# more connection is opened that must hear GOAWAY ENHANCE_YOUR_CALM. Checks
# who was sent GOAWAY, prints "ready" to $WORK/hold.out when all are open.
hold() {
	rm -f "$WORK/release"
	python3 - "$GRPC_PORT" "$1" "$2" "$MAX_CONNS" "$WORK/release" >"$WORK/hold.out" 2>&1 <<'PY' &
import os, select, socket, sys, time
port, mode, count, max_conns = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
release = sys.argv[5]
GOAWAY, SETTINGS = 7, 4

def frame(kind, flags, sid, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + sid.to_bytes(4, "big") + payload

def literal(name, value):  # HPACK literal without indexing, no Huffman
    return b"\0" + bytes([len(name)]) + name + bytes([len(value)]) + value

HEADERS = b"".join(literal(n, v) for n, v in [
    (b":method", b"POST"), (b":scheme", b"http"), (b":authority", b"127.0.0.1"),
    (b":path", b"/opentelemetry.proto.collector.trace.v1.TraceService/Export"),
    (b"content-type", b"application/grpc"), (b"te", b"trailers")])

def connect(call):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(SETTINGS, 0, 0))
    got = b""
    while len(got) < 9 or got[3] != SETTINGS:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("closed before the server's SETTINGS")
        got += chunk
    out = frame(SETTINGS, 1, 0)
    if call:  # HEADERS, then 10 of the 100 message bytes the prefix declares
        out += frame(1, 4, 1, HEADERS) + frame(0, 0, 1, b"\0\0\0\0\x64" + bytes(5))
    s.sendall(out)
    return s, got

def goaway(conn, wait):
    """The error code and debug data of a GOAWAY received within wait s."""
    s, got = conn
    s.setblocking(False)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        if select.select([s], [], [], 0.05)[0]:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
    off = 0
    while off + 9 <= len(got):
        n = int.from_bytes(got[off:off + 3], "big")
        if got[off + 3] == GOAWAY and off + 9 + n <= len(got):
            return int.from_bytes(got[off + 13:off + 17], "big"), got[off + 17:off + 9 + n]
        off += 9 + n
    return None

conns = [connect(mode == "busy") for _ in range(count)]
time.sleep(0.3)
heard = [goaway(s, 0.2) for s in conns]
if mode == "idle":
    # The ones idle longest made room, one per newcomer; the newcomers stay.
    evicted = count - max_conns
    want = [(0, b"")] * evicted + [None] * max_conns
    if heard != want:
        sys.exit(f"GOAWAY per connection, oldest first: {heard}, want {want}")
else:
    if any(heard):
        sys.exit(f"a busy connection heard GOAWAY: {heard}")
    extra = goaway(connect(False), 3)
    if extra != (11, b"too many connections"):
        sys.exit(f"the connection past the limit heard {extra}, want ENHANCE_YOUR_CALM")
print("ready", flush=True)
end = time.monotonic() + 60
while not os.path.exists(release) and time.monotonic() < end:
    time.sleep(0.05)
PY
	HOLD_PID=$!
	wait_until 20 grep -q '^ready' "$WORK/hold.out" ||
		{ wait "$HOLD_PID" || true; fail "holding $2 $1 connections: $(cat "$WORK/hold.out")"; }
}

release() {
	touch "$WORK/release"
	wait "$HOLD_PID" || fail "holding connections: $(cat "$WORK/hold.out")"
}

# Until the server has closed every connection of the clients before: the
# counting above assumes none of theirs is left to evict.
quiet() {
	wait_until 10 bash -c "[ -z \"\$(ss -Htn state established state close-wait \
		'( sport = :$GRPC_PORT )')\" ]" || fail "connections to the gRPC port stay open"
}

quiet
hold idle $((MAX_CONNS + 3))
alive "$MAX_CONNS idle connections held (one more makes room)"
release
pass "past max_connections the connections idle longest hear GOAWAY and new clients are served"

quiet
hold busy "$MAX_CONNS"
release
alive "the busy connections closed"
pass "with every connection busy a newcomer hears GOAWAY ENHANCE_YOUR_CALM; served again afterwards"

wait_until 10 bash -c "curl -s --max-time 5 '$DASH/api/stats' | python3 -c 'import json, sys
r = json.load(sys.stdin)[\"processes\"][\"receiver\"]
sys.exit(not (r[\"grpc_connections_evicted_idle\"] >= 4 and r[\"grpc_connections_refused\"] >= 1))'" ||
	fail "/api/stats does not count the evicted and refused connections: $(curl -s "$DASH/api/stats")"
pass "/api/stats counts the evicted idle and the refused connections"

kill -TERM "$SUP_PID"
wait "$SUP_PID" || fail "otlpd did not exit 0"
pass "otlpd stopped cleanly"
