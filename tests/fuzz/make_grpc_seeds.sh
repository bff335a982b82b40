#!/usr/bin/env bash
# Writes the seed corpus of fuzz_grpc_session: what nghttp (Debian
# nghttp2-client) really sends for OTLP/gRPC calls, captured by a listener
# that answers only with an empty SETTINGS frame, behind the fuzzer's mode
# byte. Run once; the output is checked in.
#   usage: tests/fuzz/make_grpc_seeds.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bench=$here/../../../shared/bench
out=$here/corpus/fuzz_grpc_session
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# frame FLAG FILE OUT: FILE as one gRPC message.
frame() {
	python3 -c 'import sys
b = open(sys.argv[2], "rb").read()
open(sys.argv[3], "wb").write(bytes([int(sys.argv[1])]) + len(b).to_bytes(4, "big") + b)' "$@"
}

# capture NAME MODE PATH FILE [nghttp args...]
capture() {
	local name=$1 mode=$2 path=$3 file=$4
	shift 4
	python3 - "$work/port" "$work/raw" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept()
c.sendall(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
c.settimeout(0.5)
data = b""
try:
    while True:
        d = c.recv(65536)
        if not d:
            break
        data += d
except socket.timeout:
    pass
open(sys.argv[2], "wb").write(data)
PY
	local py=$!
	while [ ! -s "$work/port" ]; do sleep 0.05; done
	timeout 2 nghttp -n -H ':method: POST' -H 'content-type: application/grpc' -H 'te: trailers' \
		-d "$file" "$@" "http://127.0.0.1:$(cat "$work/port")$path" >/dev/null 2>&1 || true
	wait "$py"
	rm -f "$work/port"
	{ printf "\\x$(printf %02x "$mode")"; cat "$work/raw"; } >"$out/$name"
}

svc=/opentelemetry.proto.collector
frame 0 "$bench/metrics_100.pb" "$work/metrics"
frame 0 "$bench/logs_100.pb" "$work/logs"
gzip -c "$bench/traces_1.pb" >"$work/t.gz"
frame 1 "$work/t.gz" "$work/traces.gz"
frame 2 "$bench/traces_1.pb" "$work/bad_prefix"
capture traces 0 "$svc.trace.v1.TraceService/Export" "$bench/traces_1.grpc"
capture traces_split 2 "$svc.trace.v1.TraceService/Export" "$bench/traces_1.grpc" -H 'grpc-timeout: 1S'
capture metrics 0 "$svc.metrics.v1.MetricsService/Export" "$work/metrics"
capture logs 3 "$svc.logs.v1.LogsService/Export" "$work/logs"
capture gzip 0 "$svc.trace.v1.TraceService/Export" "$work/traces.gz" -H 'grpc-encoding: gzip'
capture bad_prefix 0 "$svc.trace.v1.TraceService/Export" "$work/bad_prefix"
capture unknown_path 0 /grpc.health.v1.Health/Check "$bench/traces_1.grpc"
capture three_calls 128 "$svc.trace.v1.TraceService/Export" "$bench/traces_1.grpc" -m 3
ls -l "$out"
