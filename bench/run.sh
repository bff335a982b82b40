#!/usr/bin/env bash
# The load benchmark: a release build of otlpd with its output on local disk,
# loaded by wrk with the request bodies in ../shared/bench, one fresh otlpd
# per case so that peak memory is per case. Prints one table row per case:
# requests/s, items/s, p50/p99 latency, non-2xx responses, CPU seconds per
# 100k items of each process, peak RSS of each process and of all five, and
# bytes on disk per item.
#
# The paced case sends 100-span requests at a fixed rate (PACED_RATE
# requests/s, default 2000: 200,000 spans/s, half the target of #9) to show
# latency below saturation.
#
#   bench/run.sh                 every case, 15 s each
#   DURATION=5s bench/run.sh traces_100_pb overload
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bodies=${BENCH_BODIES:-$top/../shared/bench}
duration=${DURATION:-15s}
build=$top/build-bench
port=${BENCH_PORT:-34318}

command -v wrk >/dev/null || { apt-get install -y -q wrk >/dev/null || { echo "bench: cannot install wrk" >&2; exit 1; }; }
"$top/scripts/install-deps.sh" >/dev/null
"$top/scripts/configure.sh" "$build" --buildtype=release -Dtests=false >/dev/null
meson compile -C "$build" >/dev/null

# name: body content-type content-encoding items-per-request path connections extra-config
cases=(
	"traces_1_pb      traces_1.pb        application/x-protobuf -    1    traces  32"
	"traces_100_pb    traces_100.pb      application/x-protobuf -    100  traces  32"
	"traces_1000_pb   traces_1000.pb     application/x-protobuf -    1000 traces  32"
	"traces_100_gzip  traces_100.pb.gz   application/x-protobuf gzip 100  traces  32"
	"traces_100_json  traces_100.json    application/json       -    100  traces  32"
	"metrics_100_pb   metrics_100.pb     application/x-protobuf -    100  metrics 32"
	"logs_100_pb      logs_100.pb        application/x-protobuf -    100  logs    32"
	"traces_100_paced traces_100.pb      application/x-protobuf -    100  traces  32"
	"overload         traces_100.pb      application/x-protobuf -    100  traces  1024 queues.writer.max_messages=8"
)

procs="otlpd otlpd-receiver otlpd-writer otlpd-forwarder otlpd-dashboard"
clk=$(getconf CLK_TCK)

# cpu_ticks PID: utime + stime of one process.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
peak_kb() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

pid_of() {
	local want=$1 p
	[ "$want" = otlpd ] && { echo "$sup"; return; }
	for p in $(pgrep -P "$sup"); do
		[ "$(cat "/proc/$p/comm")" = "$want" ] && { echo "$p"; return; }
	done
	echo 0
}

to_ms() {
	python3 -c "import re,sys; m=re.match(r'([0-9.]+)(us|ms|s|m)', sys.argv[1]); v=float(m.group(1)); print(round(v*{'us':0.001,'ms':1,'s':1000,'m':60000}[m.group(2)], 2))" "$1"
}

printf '%-16s %10s %11s %8s %8s %8s  %-44s  %-40s %6s %8s\n' case req/s items/s p50ms p99ms non2xx \
	"cpu s/100k items (sup rcv wri fwd dash)" "peak RSS MiB (sup rcv wri fwd dash)" all B/item
for c in "${cases[@]}"; do
	read -r name body ctype enc items signal conns extra <<<"$c"
	if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
	work=$(mktemp -d /tmp/otlpd-bench.XXXXXX)
	sets=(--set "output_dir=$work/data" --set receiver.http.bind_address=127.0.0.1
		--set "receiver.http.port=$port" --set "receiver.grpc.port=$((port + 1))"
		--set "dashboard.port=$((port + 2))" --set log_level=warn)
	[ -n "${extra:-}" ] && sets+=(--set "$extra")
	"$build/otlpd" "${sets[@]}" >"$work/otlpd.log" 2>&1 &
	sup=$!
	for _ in $(seq 100); do [ "$(pgrep -P "$sup" | wc -l)" -eq 4 ] && break; sleep 0.05; done
	if [ "$(pgrep -P "$sup" | wc -l)" -ne 4 ]; then
		echo "bench: otlpd did not start for $name:" >&2
		cat "$work/otlpd.log" >&2
		exit 1
	fi
	sleep 0.5
	declare -A pid0 cpu0
	for p in $procs; do
		pid0[$p]=$(pid_of "$p")
		cpu0[$p]=$(cpu_ticks "${pid0[$p]}")
	done
	[ "$enc" = - ] && enc=""
	script=$bodies/post.lua
	[[ $name == *_paced ]] && script=$top/bench/paced.lua
	POST_LUA=$bodies/post.lua RATE=${PACED_RATE:-2000} THREADS=2 \
		WRK_STATUS=1 wrk -t2 -c"$conns" -d"$duration" --latency -s "$script" \
		"http://127.0.0.1:$port/v1/$signal" -- "$bodies/$body" "$ctype" "$enc" >"$work/wrk.txt" 2>&1 || true
	cpu_line="" rss_line="" rss_all=0
	total_req=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.txt")
	non2xx=${non2xx:-0}
	ok_items=$(((total_req - non2xx) * items))
	for p in $procs; do
		pid=${pid0[$p]}
		ticks=$(($(cpu_ticks "$pid") - ${cpu0[$p]}))
		kb=$(peak_kb "$pid")
		rss_all=$((rss_all + kb))
		cpu_line+=$(python3 -c "import sys; t,c,n=map(float,sys.argv[1:]); print(' %5.2f' % ((t/c)/(n/1e5) if n else 0))" "$ticks" "$clk" "$ok_items")
		rss_line+=$(awk -v k="$kb" 'BEGIN { printf " %6.1f", k / 1024 }')
	done
	# Bytes per item from the writer's own counters (bytes and rows of the
	# same snapshot), since retention removes files during a long case.
	per_item=$(curl -s "http://127.0.0.1:$((port + 2))/api/stats" | python3 -c 'import json, sys
w = json.load(sys.stdin)["processes"]["writer"]
b = sum(w.get(s + ".bytes", 0) for s in ("traces", "metrics", "logs"))
n = sum(w.get(s + ".rows", 0) for s in ("traces", "metrics", "logs"))
print("%.0f" % (b / n) if n else "-")' 2>/dev/null || echo -)
	kill -TERM "$sup"
	wait "$sup" || true
	rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.txt")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt")")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")")
	ok_rate=$(awk -v r="$rps" -v i="$items" -v t="$total_req" -v n="$non2xx" 'BEGIN { print (t ? r * i * (t - n) / t : 0) }')
	printf '%-16s %10.0f %11.0f %8s %8s %8s  %-44s  %-40s %6.1f %8s\n' "$name" "$rps" "$ok_rate" \
		"$p50" "$p99" "$non2xx" "$cpu_line" "$rss_line" "$(awk -v k="$rss_all" 'BEGIN { print k / 1024 }')" "$per_item"
	# wrk prints this line only when a connection failed, was reset or timed out.
	errors=$(grep -o 'Socket errors:.*' "$work/wrk.txt" || echo 'Socket errors: none')
	echo "    $name $(grep -o 'HTTP status counts:.*' "$work/wrk.txt" || echo 'no status counts'); $errors"
	rm -rf "$work"
done
