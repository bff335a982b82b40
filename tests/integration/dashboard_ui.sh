#!/usr/bin/env bash
# The dashboard UI in a real browser (Debian's chromium, headless, via
# playwright-core) against the real otlpd fed by the OpenTelemetry JS SDK,
# then by the demo stream (scripts/demo.sh) for 5 s.
# Screenshots go to $DASHBOARD_SCREENSHOTS, or screenshots/ in the meson
# build directory.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24390}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
js=$here/../js
[ -x /usr/bin/chromium ] || { echo "chromium is not installed (scripts/install-deps.sh)"; exit 77; }
shots=${DASHBOARD_SCREENSHOTS:-${MESON_BUILD_ROOT:-$(dirname "$OTLPD")}/screenshots}
setup_instance
echo "write_interval_secs: 1" >>"$WORK/otlpd.yaml"
start_otlpd
dash=http://127.0.0.1:$((PORT_BASE + 3))
wait_until 10 curl -sf -o /dev/null "$dash/healthz" || fail "dashboard /healthz did not answer"
node "$js/dashboard_ui.mjs" --dashboard "$dash/" --otlp "http://127.0.0.1:$((PORT_BASE + 1))" \
	--shots "$shots" --work "$WORK" --interval 1 || fail "browser test failed"
grep -q "SIGSYS\|security event" "$OTLPD_LOG" && fail "a child broke its seccomp profile"
pass "dashboard UI in chromium; screenshots in $shots"
