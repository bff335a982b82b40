#!/usr/bin/env bash
# End to end: real OpenTelemetry SDK exporters (http/protobuf and http/json)
# and curl send to the real otlpd; what was answered 200 is read back from
# the Arrow files with apache-arrow, field by field and row by row.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24340}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
js=$here/../js
bench=$here/../../../shared/bench
setup_instance
echo "write_interval_secs: 1" >>"$WORK/otlpd.yaml"
start_otlpd
url=http://127.0.0.1:$((PORT_BASE + 1))

for proto in http/protobuf http/json; do
	tag=${proto#http/}
	node "$js/send_sdk.mjs" --protocol "$proto" --endpoint "$url" --out "$WORK/sent-$tag.json" --tag "$tag" ||
		fail "the SDK's $proto exporters were not all answered with success"
done
pass "SDK exporters over http/protobuf and http/json: every export answered with success"

# post FILE PATH TYPE [ENCODING]: must be answered 200.
post() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: $3" ${4:+-H "Content-Encoding: $4"} \
		--data-binary "@$bench/$1" "$url/v1/$2")
	[ "$code" = 200 ] || fail "$1 to /v1/$2 answered $code"
}
post traces_100.pb traces application/x-protobuf
post traces_100.pb.gz traces application/x-protobuf gzip
post traces_100.json traces application/json
post metrics_100.pb metrics application/x-protobuf
post metrics_100.json metrics application/json
post logs_100.pb logs application/x-protobuf
post logs_100.json logs application/json
pass "curl: bench bodies as protobuf, gzip and JSON answered 200"

proto=$here/../../proto
node "$js/e2e_rich.mjs" send "$url" "$proto" || fail "rich requests were not answered as expected"
pass "requests with every OTLP field answered 200 with the right partial_success"

# SIGTERM flushes every buffer and ends every file.
kill -TERM "$SUP_PID"
wait "$SUP_PID" || fail "otlpd did not exit 0"
grep -q "writer (pid [0-9]*) exited with status 0" "$OTLPD_LOG" || fail "the writer did not exit 0"
node "$js/e2e_rich.mjs" check "$DATA" "$proto" "$bench" "traces:3 metrics:2 logs:2" ||
	fail "the files do not hold every field as sent"
out=$(node "$js/e2e_check.mjs" "$DATA" "$WORK/sent-protobuf.json" "$WORK/sent-json.json") || fail "$out"
echo "$out" | grep -v '^ROWS'
# 3 SDK spans twice + 300 bench spans + 3 rich ones; the SDK's 5 metrics
# have 1 point each, the rich request 12; the rich logs are 29.
rows=$(echo "$out" | sed -n 's/^ROWS //p')
[ "$rows" = "traces=309 metrics=222 logs=233" ] || fail "row counts: $rows, expected traces=309 metrics=222 logs=233"
pass "row counts equal what was answered 200: $rows"
