#!/usr/bin/env bash
# A stopped writer fills the bounded queue: further requests get 503 with
# Retry-After at once, the writer's memory does not grow, and after it
# continues every request that was answered 200 is in the Arrow files.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24360}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench=$here/../../../shared/bench
setup_instance
cat >>"$WORK/otlpd.yaml" <<YAML
write_interval_secs: 1
max_trace_buffer_size: 50
queues:
  writer:
    max_messages: 4
YAML
start_otlpd
url=http://127.0.0.1:$((PORT_BASE + 1))/v1/traces
writer=$(child_pid writer)
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

kill -STOP "$writer"
rss_before=$(rss "$writer")
clients=()
for i in $(seq 12); do
	curl -s -o /dev/null -D "$WORK/h$i" -w '%{http_code}\n' -H 'Content-Type: application/x-protobuf' \
		--data-binary "@$bench/traces_100.pb" "$url" >"$WORK/code$i" &
	clients+=($!)
done
sleep 2
n503=$(cat "$WORK"/code* 2>/dev/null | grep -c '^503$' || true)
[ "$n503" -ge 8 ] || fail "with the writer stopped and 4 credits, only $n503 of 12 requests got 503"
grep -qi '^Retry-After: ' "$(grep -l '^503$' "$WORK"/code* | sed -n 1p | sed 's/code/h/')" || fail "503 without Retry-After"
[ "$(rss "$writer")" -eq "$rss_before" ] || fail "stopped writer's RSS changed"
pass "writer stopped: $n503 of 12 requests answered 503 + Retry-After at once"

kill -CONT "$writer"
wait "${clients[@]}"
n200=$(cat "$WORK"/code* | grep -c '^200$' || true)
[ $((n200 + n503)) -eq 12 ] || fail "answers: $(cat "$WORK"/code* | tr '\n' ' ')"
pass "writer continued: the $n200 waiting requests were answered 200"

kill -TERM "$SUP_PID"
wait "$SUP_PID" || fail "otlpd did not exit 0"
rows=$(node "$here/../js/arrow_read.mjs" "$DATA" | grep -c '"trace_id"' || true)
[ "$rows" -eq $((n200 * 100)) ] || fail "$rows spans in the files, $((n200 * 100)) answered 200"
pass "every span answered 200 is in the files ($rows), none of the 503s"
