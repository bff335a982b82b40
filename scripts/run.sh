#!/usr/bin/env bash
# Installs the dependencies, builds otlpd (release) and starts it with its
# default configuration: OTLP/HTTP on :4318, OTLP/gRPC on :4317, dashboard on
# 127.0.0.1:8080, data under ./data. Extra arguments go to otlpd.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
# The dashboard UI is bundled (esbuild) and embedded at build time.
(cd "$top/dashboard/ui" && npm ci --no-audit --no-fund --loglevel=error)
"$top/scripts/configure.sh" "$top/build" --buildtype=release -Dtests=false >/dev/null
meson compile -C "$top/build"
exec "$top/build/otlpd" "$@"
