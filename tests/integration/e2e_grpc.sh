#!/usr/bin/env bash
# End to end over OTLP/gRPC: the OpenTelemetry JS SDK's gRPC exporters
# (@grpc/grpc-js) and nghttp send to the real otlpd on its gRPC port; what
# was answered with grpc-status 0 is read back from the Arrow files with
# apache-arrow, field by field and row by row.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24400}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
js=$here/../js
bench=$here/../../../shared/bench
command -v nghttp >/dev/null || fail "nghttp is missing (Debian nghttp2-client; scripts/install-deps.sh)"
setup_instance
echo "write_interval_secs: 1" >>"$WORK/otlpd.yaml"
start_otlpd
grpc=http://127.0.0.1:$((PORT_BASE + 2))

node "$js/send_sdk.mjs" --protocol grpc --endpoint "$grpc" --out "$WORK/sent-grpc.json" --tag grpc ||
	fail "the SDK's gRPC exporters were not all answered with success"
pass "SDK exporters over gRPC (@grpc/grpc-js): every export answered with success"

# framed FILE FLAG OUT: FILE as one gRPC message with that Compressed-Flag.
framed() {
	python3 -c 'import sys
b = open(sys.argv[1], "rb").read()
open(sys.argv[3], "wb").write(bytes([int(sys.argv[2])]) + len(b).to_bytes(4, "big") + b)' "$@"
}

# export SERVICE FILE [nghttp args...]: must end with grpc-status 0.
export_ok() {
	local service=$1 file=$2 status
	shift 2
	status=$(nghttp -v -H ':method: POST' -H 'content-type: application/grpc' -H 'te: trailers' \
		"$@" -d "$file" "$grpc/opentelemetry.proto.collector.$service/Export" 2>&1 |
		sed -n 's/.*recv (stream_id=[0-9]*) grpc-status: //p')
	[ "$status" = 0 ] || fail "$file to $service ended with grpc-status '$status'"
}
gzip -c "$bench/traces_100.pb" >"$WORK/traces.pb.gz"
framed "$WORK/traces.pb.gz" 1 "$WORK/traces.gz.grpc"
framed "$bench/metrics_100.pb" 0 "$WORK/metrics.grpc"
framed "$bench/logs_100.pb" 0 "$WORK/logs.grpc"
export_ok trace.v1.TraceService "$bench/traces_100.grpc"
export_ok trace.v1.TraceService "$WORK/traces.gz.grpc" -H 'grpc-encoding: gzip'
export_ok metrics.v1.MetricsService "$WORK/metrics.grpc"
export_ok logs.v1.LogsService "$WORK/logs.grpc"
pass "nghttp: bench bodies for the three services, plain and gzip, answered grpc-status 0"

# SIGTERM flushes every buffer and ends every file.
kill -TERM "$SUP_PID"
wait "$SUP_PID" || fail "otlpd did not exit 0"
out=$(node "$js/e2e_check.mjs" "$DATA" "$WORK/sent-grpc.json") || fail "$out"
echo "$out" | grep -v '^ROWS'
# 3 SDK spans + 200 bench spans; 5 SDK points + 100; 2 SDK records + 100.
rows=$(echo "$out" | sed -n 's/^ROWS //p')
[ "$rows" = "traces=203 metrics=105 logs=102" ] || fail "row counts: $rows, expected traces=203 metrics=105 logs=102"
pass "row counts equal what was answered with grpc-status 0: $rows"
