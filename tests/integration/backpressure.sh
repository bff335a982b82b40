#!/usr/bin/env bash
# A stopped writer fills the bounded queue: further requests get 503 with
# Retry-After at once, the writer's memory does not grow, and after it
# continues every request that was answered 200 is in the Arrow files.
# Then the writer's own buffer: while its writes fail it holds no more than
# max_trace_buffer_size rows, the receiver answers 503 and the writer's
# memory stays flat; once writing works, nothing answered 200 is lost.
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


writer_stat() { api_stat writer "$1"; }
buffered_full() { [ "$(writer_stat traces.buffered_rows)" = 50 ]; }

# A file size limit, as a full disk would: every write of the writer fails.
# Set as the writer's own user: changing another user's limits needs
# CAP_SYS_RESOURCE, which a container's root may not have.
as_writer() {
	setpriv --reuid="$(status_field "$writer" Uid)" --regid="$(status_field "$writer" Gid)" \
		--clear-groups "$@"
}
wait_until 5 sh -c "[ \"\$(ls '$DATA/otlp/traces')\" ]" || fail "no trace file yet"
rss_full=$(rss "$writer")
as_writer prlimit --pid "$writer" --fsize=1:unlimited || fail "cannot limit the writer's file size"
codes2=()
flood() {
	for i in $(seq "$1" "$2"); do
		curl -s -o /dev/null -D "$WORK/f$i" -w '%{http_code}\n' --max-time 60 \
			-H 'Content-Type: application/x-protobuf' \
			--data-binary "@$bench/traces_100.pb" "$url" >"$WORK/full$i" &
		codes2+=($!)
		sleep 0.05
	done
}
flood 1 20
wait_until 10 buffered_full || fail "writer holds $(writer_stat traces.buffered_rows) rows, not its limit of 50"
max_rss=0
for round in 1 2 3; do
	flood $((round * 20 + 1)) $((round * 20 + 20))
	for s in $(seq 10); do
		r=$(rss "$writer")
		[ "$r" -gt "$max_rss" ] && max_rss=$r
		sleep 0.1
	done
	[ "$(writer_stat traces.buffered_rows)" -le 50 ] || fail "writer buffer passed its limit"
done
[ "$(child_pid writer)" = "$writer" ] || fail "the writer died while its writes failed"
n503=$(cat "$WORK"/full* 2>/dev/null | grep -c '^503$' || true)
[ "$n503" -ge 60 ] || fail "with the writer's buffer full only $n503 of 80 requests got 503"
grep -qi '^Retry-After: ' "$(grep -l '^503$' "$WORK"/full* | sed -n 1p | sed 's/full/f/')" || fail "503 without Retry-After"
[ "$max_rss" -le $((rss_full + 1024)) ] || fail "writer RSS grew from $rss_full to $max_rss KiB with its buffer full"
pass "writes failing: writer holds 50 rows (its limit), $n503 of 80 answered 503, RSS $rss_full -> max $max_rss KiB"

as_writer prlimit --pid "$writer" --fsize=unlimited:unlimited || fail "cannot lift the file size limit"
wait "${codes2[@]}"
m200=$(cat "$WORK"/full* | grep -c '^200$' || true)
[ $((m200 + $(cat "$WORK"/full* | grep -c '^503$'))) -eq 80 ] || fail "answers: $(cat "$WORK"/full* | tr '\n' ' ')"
grep -q "writing traces again" "$OTLPD_LOG" || fail "the writer did not say it writes again"
pass "writes work again: the $m200 waiting requests were answered 200"

kill -TERM "$SUP_PID"
wait "$SUP_PID" || fail "otlpd did not exit 0"
rows=$(node "$here/../js/arrow_read.mjs" "$DATA" | grep -c '"trace_id"' || true)
[ "$rows" -eq $(((n200 + m200) * 100)) ] || fail "$rows spans in the files, $(((n200 + m200) * 100)) answered 200"
pass "every span answered 200 is in the files ($rows), none of the 503s"
