#!/usr/bin/env bash
# OTLP/gRPC beside OTLP/HTTP in one run of a release otlpd: h2load posts
# traces_100.grpc to the TraceService on the gRPC port, wrk posts
# traces_100.pb to /v1/traces on the HTTP port; each alone, then both at
# once. Prints requests/s as the load tool saw them, answers/s that were OK
# (grpc-status 0 / HTTP 200, from the receiver's own counters) and spans/s
# stored, side by side.
#
#   bench/grpc.sh                      15 s per phase
#   DURATION=5 CONNS=16 bench/grpc.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bodies=${BENCH_BODIES:-$top/../shared/bench}
duration=${DURATION:-15}
conns=${CONNS:-32}
build=${BENCH_BUILD:-$top/build-bench}
port=${BENCH_PORT:-34418}
for tool in h2load wrk; do
	command -v "$tool" >/dev/null ||
		{ echo "bench: $tool is missing (h2load: nghttp2-client, see scripts/install-deps.sh; wrk)" >&2; exit 1; }
done
"$top/scripts/configure.sh" "$build" --buildtype=release -Dtests=false >/dev/null
meson compile -C "$build" >/dev/null

work=$(mktemp -d /tmp/otlpd-bench.XXXXXX)
"$build/otlpd" --set "output_dir=$work/data" --set receiver.http.bind_address=127.0.0.1 \
	--set receiver.grpc.bind_address=127.0.0.1 --set "receiver.http.port=$port" \
	--set "receiver.grpc.port=$((port + 1))" --set "dashboard.port=$((port + 2))" \
	--set log_level=warn >"$work/otlpd.log" 2>&1 &
sup=$!
trap 'kill -TERM "$sup" 2>/dev/null; wait "$sup" 2>/dev/null; rm -rf "$work"' EXIT
# log_level warn hides "otlpd ready": wait for the dashboard's counters.
stats_url=http://127.0.0.1:$((port + 2))/api/stats
for _ in $(seq 100); do curl -sf "$stats_url" >/dev/null && break; sleep 0.1; done

grpc_url=http://127.0.0.1:$((port + 1))/opentelemetry.proto.collector.trace.v1.TraceService/Export
http_url=http://127.0.0.1:$port/v1/traces

# ok_count: answers the receiver counted OK so far (gRPC, HTTP), once the
# counters have gone receiver -> supervisor -> dashboard (each every second).
ok_count() {
	sleep 2.2
	curl -sf "$stats_url" | python3 -c 'import json, sys
r = json.load(sys.stdin)["processes"]["receiver"]
print(r.get("grpc_responses_ok", 0), r.get("http_responses_2xx", 0))'
}

# run_grpc STREAMS OUT / run_http OUT: one load tool for the phase.
run_grpc() {
	h2load -D "$duration" -c "$conns" -m "$1" -t 2 -d "$bodies/traces_100.grpc" \
		-H 'content-type: application/grpc' -H 'te: trailers' "$grpc_url" >"$2" 2>&1 || true
}
run_http() {
	wrk -t2 -c"$conns" -d"${duration}s" --latency -s "$bodies/post.lua" "$http_url" -- \
		"$bodies/traces_100.pb" application/x-protobuf >"$1" 2>&1 || true
}
grpc_rps() { sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$1"; }
grpc_mean() { awk '/^time for request:/ { print $6 }' "$1"; }
http_rps() { awk '/Requests\/sec/ { print $2 }' "$1"; }
http_mean() { awk '/^ +Latency/ { print $2; exit }' "$1"; }

printf '%-30s %10s %10s %12s %10s\n' phase req/s ok/s spans/s mean-lat
row() { # NAME RPS OK_DELTA MEAN
	awk -v n="$1" -v r="$2" -v ok="$3" -v d="$duration" -v m="$4" \
		'BEGIN { printf "%-30s %10.0f %10.0f %12.0f %10s\n", n, r, ok / d, ok * 100 / d, m }'
}

read -r g0 h0 < <(ok_count)
run_grpc 1 "$work/g1"
read -r g1 h1 < <(ok_count)
row "grpc   h2load -c$conns -m1" "$(grpc_rps "$work/g1")" $((g1 - g0)) "$(grpc_mean "$work/g1")"

run_grpc 8 "$work/g8"
read -r g2 h2 < <(ok_count)
row "grpc   h2load -c$conns -m8" "$(grpc_rps "$work/g8")" $((g2 - g1)) "$(grpc_mean "$work/g8")"

run_http "$work/h"
read -r g3 h3 < <(ok_count)
row "http   wrk -c$conns" "$(http_rps "$work/h")" $((h3 - h2)) "$(http_mean "$work/h")"

run_grpc 1 "$work/bg" &
both=$!
run_http "$work/bh"
wait "$both"
read -r g4 h4 < <(ok_count)
row "both   grpc (-m1)" "$(grpc_rps "$work/bg")" $((g4 - g3)) "$(grpc_mean "$work/bg")"
row "both   http" "$(http_rps "$work/bh")" $((h4 - h3)) "$(http_mean "$work/bh")"
awk -v a=$((g4 - g3)) -v b=$((h4 - h3)) -v d="$duration" \
	'BEGIN { printf "%-30s %10s %10.0f %12.0f\n", "both   together", "", (a + b) / d, (a + b) * 100 / d }'
