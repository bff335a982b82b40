#!/usr/bin/env bash
# A realistic, continuous OTLP stream for the dashboard (tests/js/demo.mjs on
# the pinned OpenTelemetry JS SDK): three services, nested spans with some
# errors, every metric kind, logs linked to their traces. Start otlpd first
# (scripts/run.sh), then this; open http://127.0.0.1:8080/.
#   scripts/demo.sh [--endpoint http://127.0.0.1:4318] [--seconds N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$top/tests/js/node_modules" ] || (cd "$top/tests/js" && npm ci --no-audit --no-fund --loglevel=error)
exec node "$top/tests/js/demo.mjs" "$@"
