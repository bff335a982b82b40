#!/usr/bin/env bash
# The dashboard against hostile request targets and for its headers: at
# least 40 path attacks (traversal, encodings, absolute and UNC forms, NUL
# and control bytes, overlong UTF-8, very long paths, a symlink planted in
# the output directory) each answered 403 or 404, and no byte of a file
# outside the output directory in any answer; then the security headers on
# every route and every status, errors and 404s included; /api/files newest
# first and /api/stats with the pipeline's real counters.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24380}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
setup_instance
echo "write_interval_secs: 1" >>"$WORK/otlpd.yaml"
# Files outside the output directory that no answer may contain.
marker="OUTSIDE-MARKER-$$-$RANDOM"
echo "$marker" >"$WORK/secret.arrows"
echo "$marker" >"$WORK/secret"
mkdir -p "$WORK/outside"
echo "$marker" >"$WORK/outside/x.arrows"
# Many files from earlier runs: the writer's retention pass and the
# dashboard's list sort them, and glibc's qsort asks the kernel for the
# memory size (sysinfo) past 1 KiB of entries; both must live through it.
# Their ages follow neither their names nor the order they were made in
# (pairs share a second, so that names break ties); all are older than the
# file the writer makes below, and younger than trace_cleanup_interval_secs
# (600 s by default), past which retention would remove them.
mkdir -p "$DATA/otlp/traces"
old_base=$(($(date +%s) - 300))
for i in $(seq 100 179); do
	f="$DATA/otlp/traces/otlp_traces_20260101_000000_000$i.arrows"
	printf 'old' >"$f"
	touch -d "@$((old_base + (i * 37 % 80) / 2))" "$f"
done
# As the writer left them (as root, otlpd hands the data to otlpd-writer).
if [ "$(id -u)" = 0 ] && id otlpd-writer >/dev/null 2>&1; then
	chown -R "otlpd-writer:$(id -gn otlpd-writer)" "$DATA"
fi
start_otlpd
dash=http://127.0.0.1:$((PORT_BASE + 3))
wait_until 10 curl -sf -o /dev/null "$dash/healthz" || fail "dashboard /healthz did not answer"

# Some real data, so that valid names exist next to the attacks.
curl -sf -o /dev/null -H 'Content-Type: application/json' \
	--data '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"p","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}' \
	"http://127.0.0.1:$((PORT_BASE + 1))/v1/traces" || fail "sending a span failed"
wait_until 10 sh -c "ls '$DATA'/otlp/traces/ | grep -v _20260101_000000_000 | grep '[.]arrows\$' >/dev/null" ||
	fail "no trace file was written"
file=$(basename "$(ls "$DATA"/otlp/traces/*.arrows | grep -v _20260101_000000_000 | sed -n 1p)")

# Planted by root in the output directory: symlinks out of it.
ln -s "$WORK/secret.arrows" "$DATA/otlp/traces/evil.arrows"
ln -s /etc/passwd "$DATA/otlp/traces/passwd.arrows"
ln -s "$WORK/outside" "$DATA/otlp/traces/outdir"
ln -s "$WORK" "$DATA/otlp/up"
# ... and a hard link to a file outside it (no symlink to see; two names).
ln "$WORK/secret.arrows" "$DATA/otlp/traces/hard.arrows"

long=$(printf 'a%.0s' $(seq 1 300))
longer=$(printf '..%%2f%.0s' $(seq 1 400))
targets=(
	"/../etc/passwd"
	"/../../../../etc/passwd"
	"/data/traces/../../../etc/passwd"
	"/data/traces/../../secret.arrows"
	"/data/traces/..%2f..%2f..%2fsecret.arrows"
	"/data/traces/%2e%2e/%2e%2e/%2e%2e/secret.arrows"
	"/data/traces/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.arrows"
	"/data/traces/%252e%252e%252fsecret.arrows"
	"/data/traces/..%c0%af..%c0%afsecret.arrows"
	"/data/traces/..%c1%9c..%c1%9csecret.arrows"
	"/data/traces/%c0%ae%c0%ae/secret.arrows"
	"/data/traces/..%5c..%5csecret.arrows"
	"/data/traces/..\\..\\secret.arrows"
	"/data/traces/\\\\server\\share\\x.arrows"
	"/data/traces/%5c%5cserver%5cshare"
	"//server/share/x.arrows"
	"/data//traces/$file"
	"/data/traces//$file"
	"/data/traces/....//....//secret.arrows"
	"/data/traces/...."
	"/data/traces/."
	"/data/traces/.."
	"/data/traces/"
	"/data/../../etc/passwd"
	"/etc/passwd"
	"/data/%2fetc%2fpasswd"
	"/data/traces/%2fetc%2fpasswd"
	"/data/traces/C:%5cwindows%5cwin.ini"
	"/data/traces/C:/windows/win.ini"
	"/data/traces/$file%00.html"
	"/data/traces/%00"
	"/data/traces/a%0d%0aX-Injected:%201"
	"/data/traces/a%09b"
	"/data/traces/a%7fb"
	"/data/traces/%ff%fe.arrows"
	"/data/traces/%e2%80%ae.arrows"
	"/data/traces/evil.arrows"
	"/data/traces/passwd.arrows"
	"/data/traces/hard.arrows"
	"/data/traces/outdir/x.arrows"
	"/data/traces/outdir"
	"/data/up/secret.arrows"
	"/data/traces/.hidden"
	"/data/secret.arrows"
	"/data/otlp/traces/$file"
	"/data/TRACES/$file"
	"/data/traces/$long.arrows"
	"/data/traces/$longer"
	"/$long$long"
	"/data/traces/%"
	"/data/traces/%2"
	"/data/traces/%zz"
	"/%2e%2e/%2e%2e/etc/passwd"
	"/api/../../etc/passwd"
	"/api/files/../../../etc/passwd"
	"/index.html/../../etc/passwd"
	"/data/traces/nonexistent.arrows"
	"/data/logs/nonexistent.arrows"
	"/nonexistent"
)
[ "${#targets[@]}" -ge 40 ] || fail "only ${#targets[@]} attack targets"
n=0
for t in "${targets[@]}"; do
	code=$(curl -s --path-as-is -o "$WORK/body" -D "$WORK/head" -w '%{http_code}' "$dash$t") || true
	case "$code" in
	403 | 404) ;;
	*) fail "target #$n answered $code, expected 403 or 404" ;;
	esac
	if grep -q "$marker" "$WORK/body" "$WORK/head" || grep -q 'root:x:0:0' "$WORK/body"; then
		fail "target #$n returned bytes of a file outside the output directory"
	fi
	grep -qi '^X-Injected' "$WORK/head" && fail "target #$n injected a header"
	# The answer never echoes the path.
	if [ ${#t} -gt 12 ] && grep -qF -- "${t:6}" "$WORK/body"; then
		fail "target #$n: the answer echoes the path"
	fi
	n=$((n + 1))
done
pass "$n hostile request targets answered 403/404, none with a byte from outside the output directory"

# Bytes curl cannot put in a URL: raw NUL, CR, spaces and non-ASCII in the
# request line. The parser refuses them (400) or the path is refused.
raw() {
	python3 - "$((PORT_BASE + 3))" "$1" "$marker" <<'PY'
import socket, sys
port, target, marker = int(sys.argv[1]), sys.argv[2].encode('latin-1').decode('unicode_escape').encode('latin-1'), sys.argv[3].encode()
s = socket.create_connection(('127.0.0.1', port), timeout=5)
s.sendall(b'GET ' + target + b' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
data = b''
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
status = data.split(b' ', 2)[1].decode() if data.startswith(b'HTTP/1.1 ') else 'none'
if marker in data or b'root:x:0:0' in data:
    print('LEAK')
else:
    print(status)
PY
}
for t in '/data/traces/a\x00b.arrows' '/data/traces/\xc0\xae\xc0\xae/secret.arrows' \
	'/data/traces/a\x01b' '/data/traces/\xff.arrows' '/data/traces/..\x5c..\x5csecret.arrows'; do
	got=$(raw "$t")
	case "$got" in
	400 | 403 | 404) ;;
	*) fail "raw target answered $got" ;;
	esac
done
pass "raw NUL, control and non-UTF-8 bytes in the request line refused (400/403/404), nothing leaked"

# The real file is served, in full and by range.
curl -sf -o "$WORK/full" "$dash/data/traces/$file" || fail "the trace file was not served"
cmp -s "$WORK/full" "$DATA/otlp/traces/$file" || fail "the served file differs from the one on disk"
size=$(stat -c %s "$DATA/otlp/traces/$file")
code=$(curl -s -o "$WORK/part" -w '%{http_code}' -H 'Range: bytes=8-' "$dash/data/traces/$file")
[ "$code" = 206 ] || fail "Range bytes=8- answered $code"
tail -c +9 "$DATA/otlp/traces/$file" | cmp -s - "$WORK/part" || fail "the range is not the file's tail"
code=$(curl -s -o /dev/null -D "$WORK/h416" -w '%{http_code}' -H "Range: bytes=$size-" "$dash/data/traces/$file")
[ "$code" = 416 ] || fail "a range past the end answered $code"
grep -qi "^Content-Range: bytes \*/$size" "$WORK/h416" || fail "416 without Content-Range"
pass "data file served whole (200), by range (206), past its end (416)"

# ---- headers on every route and status ----
xfo=DENY
check_headers() { # METHOD PATH EXPECTED_STATUS EXPECTED_TYPE [extra curl args]
	local method=$1 path=$2 want=$3 type=$4
	shift 4
	local code
	if [ "$method" = HEAD ]; then
		code=$(curl -s --path-as-is -I -o /dev/null -D "$WORK/h" -w '%{http_code}' "$@" "$dash$path") || true
	else
		code=$(curl -s --path-as-is -X "$method" -o /dev/null -D "$WORK/h" -w '%{http_code}' "$@" "$dash$path") || true
	fi
	[ "$code" = "$want" ] || fail "$method $path answered $code, expected $want"
	local h
	for h in "Content-Security-Policy: default-src 'self'" "X-Frame-Options: $xfo" \
		"X-Content-Type-Options: nosniff" "X-XSS-Protection: 1; mode=block" \
		"Referrer-Policy: no-referrer" "Cross-Origin-Opener-Policy: same-origin" "Cache-Control: "; do
		grep -qiF "$h" "$WORK/h" || fail "$method $path ($code) lacks '$h'"
	done
	grep -qi "frame-ancestors 'none'" "$WORK/h" || fail "$method $path: CSP without frame-ancestors"
	grep -qi "unsafe-inline\|unsafe-eval" "$WORK/h" && fail "$method $path: CSP allows inline or eval"
	if [ -n "$type" ]; then
		grep -qi "^Content-Type: $type" "$WORK/h" || fail "$method $path: Content-Type is not $type"
	fi
	true
}
check_headers GET / 200 "text/html"
grep -qi '^Cache-Control: no-cache' "$WORK/h" || fail "/ is not revalidated"
etag=$(sed -n 's/^ETag: *\(.*\)\r$/\1/Ip' "$WORK/h")
check_headers GET / 304 "" -H "If-None-Match: $etag"
check_headers HEAD / 200 "text/html"
check_headers GET /app.js 200 "text/javascript"
check_headers GET /style.css 200 "text/css"
check_headers GET /healthz 200 "text/plain"
check_headers GET "/api/files?signal=traces" 200 "application/json"
grep -qi '^Cache-Control: no-store' "$WORK/h" || fail "/api/files may be cached"
check_headers GET "/api/files?signal=metrics" 200 "application/json"
check_headers GET "/api/files?signal=logs" 200 "application/json"
check_headers GET "/api/files?signal=bogus" 400 "text/plain"
check_headers GET "/api/files" 400 "text/plain"
check_headers GET /api/stats 200 "application/json"
check_headers GET "/data/traces/$file" 200 "application/vnd.apache.arrow.stream"
grep -qi '^Accept-Ranges: bytes' "$WORK/h" || fail "data files do not say Accept-Ranges"
check_headers HEAD "/data/traces/$file" 200 "application/vnd.apache.arrow.stream"
grep -qi "^Content-Length: $size" "$WORK/h" || fail "HEAD of a file without its length"
check_headers GET "/data/traces/$file" 206 "application/vnd.apache.arrow.stream" -H 'Range: bytes=0-3'
check_headers GET "/data/traces/$file" 416 "text/plain" -H "Range: bytes=$size-"
check_headers GET /data/traces/absent.arrows 404 "text/plain"
check_headers GET /nothing-here 404 "text/plain"
check_headers GET /data/traces/..%2f..%2fsecret 403 "text/plain"
check_headers POST / 405 "text/plain"
grep -qi '^Allow: GET, HEAD' "$WORK/h" || fail "405 without Allow"
check_headers PUT /data/traces/x.arrows 405 "text/plain"
check_headers DELETE /api/stats 405 "text/plain"
check_headers OPTIONS / 405 "text/plain"
big=$(printf 'x%.0s' $(seq 1 9000))
check_headers GET / 431 "text/plain" -H "X-Big: $big"
pass "security headers, Cache-Control and Content-Type on every route and status (200, 206, 304, 400, 403, 404, 405, 416, 431)"

# The HEAD answer to a file has no body; the stats are JSON from the supervisor.
[ "$(curl -s -I "$dash/data/traces/$file" | wc -c)" -lt 2048 ] || fail "HEAD sent a body"
wait_until 10 sh -c "curl -s '$dash/api/stats' | grep '\"supervisor\"' >/dev/null" || fail "/api/stats has no supervisor counters"
node -e 'const s=JSON.parse(require("fs").readFileSync(0));if(!s.processes.supervisor)process.exit(1)' \
	< <(curl -s "$dash/api/stats") || fail "/api/stats is not JSON"
curl -s "$dash/api/files?signal=traces" | grep "\"name\":\"$file\"" >/dev/null || fail "/api/files lacks $file"
curl -s "$dash/api/files?signal=traces" | grep 'evil\|passwd\|outdir' >/dev/null && fail "/api/files lists a symlink"
curl -s "$dash/api/files?signal=traces" | grep 'hard' >/dev/null && fail "/api/files lists a hard link"
listed=$(curl -s "$dash/api/files?signal=traces" | { grep -o 'otlp_traces_20260101_000000_000' || true; } | wc -l)
[ "$listed" -eq 80 ] || fail "/api/files lists $listed of the 80 older files"
grep 'killed by' "$WORK/otlpd.log" && fail "a child was killed (sorting 80 files?)"
pass "/api/stats and /api/files answer JSON; symlinks and hard links are not listed"

# Newest first: by modification time as the file system has it, then by
# name; the file the writer just made leads.
curl -s "$dash/api/files?signal=traces" >"$WORK/files.json"
python3 - "$WORK/files.json" "$DATA/otlp/traces" "$file" <<'PY' || fail "/api/files is not newest first"
import json, os, sys
listing, d, newest = json.load(open(sys.argv[1]))['files'], sys.argv[2], sys.argv[3]
names = [f['name'] for f in listing]
mtime = {n: os.stat(os.path.join(d, n)).st_mtime_ns // 1000000 for n in names}
want = sorted(names, key=lambda n: (mtime[n], n), reverse=True)
if names != want:
    sys.exit('listed %s, expected %s' % (names[:5], want[:5]))
if names[0] != newest:
    sys.exit('the newest file %s is not first but %s' % (newest, names[0]))
for f in listing:
    if f['name'] != newest and f['mtime_ms'] != mtime[f['name']]:
        sys.exit('%s: mtime_ms %d, on disk %d' % (f['name'], f['mtime_ms'], mtime[f['name']]))
PY
pass "/api/files lists the $((listed + 1)) files newest first (mtime, then name), each with its mtime"

# The pipeline's real counters, relayed by the supervisor: the span sent
# above was accepted by the receiver and written by the writer. Children
# report every second: wait for it.
stats_counted() {
	curl -s "$dash/api/stats" | node -e '
const s = JSON.parse(require("fs").readFileSync(0)).processes;
const r = s.receiver || {}, w = s.writer || {};
process.exit(r.http_items_accepted_traces >= 1 && w["traces.rows"] >= 1 && w["traces.files"] >= 1 ? 0 : 1)'
}
wait_until 10 stats_counted || fail "/api/stats: no receiver.http_items_accepted_traces >= 1 and writer traces.rows >= 1: $(curl -s "$dash/api/stats")"
pass "/api/stats: the receiver accepted the span, the writer wrote its row and file"

grep -q "refused a request path" "$OTLPD_LOG" || fail "refused paths are not logged"
grep -F "$marker" "$OTLPD_LOG" && fail "the log holds bytes of a file outside"
grep -q "secret.arrows\|etc/passwd" "$OTLPD_LOG" && fail "the log holds a raw request path"
pass "refused paths logged without their bytes"

# SAMEORIGIN is taken from the configuration.
kill -TERM "$SUP_PID"
wait "$SUP_PID" || fail "otlpd did not exit 0"
python3 - "$WORK/otlpd.yaml" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines()
lines = [l for l in lines if 'x_frame_options' not in l]
out = []
for l in lines:
    out.append(l)
    if l.startswith('dashboard:'):
        out.append('  x_frame_options: SAMEORIGIN')
open(p, 'w').write('\n'.join(out) + '\n')
PY
# A fresh log, so that start_otlpd waits for this start's "ready".
mv "$OTLPD_LOG" "$WORK/otlpd-first.log"
start_otlpd
wait_until 10 curl -sf -o /dev/null "$dash/healthz" || fail "dashboard did not come back"
curl -s -D "$WORK/h" -o /dev/null "$dash/nothing"
grep -qi '^X-Frame-Options: SAMEORIGIN' "$WORK/h" || fail "X-Frame-Options does not follow the configuration"
grep -qi "frame-ancestors 'self'" "$WORK/h" || fail "CSP frame-ancestors does not follow the configuration"
pass "dashboard.x_frame_options: SAMEORIGIN on a 404 too"
