#!/usr/bin/env bash
# Static checks that CI runs on the sources: cppcheck (findings fixed, or
# suppressed inline with the reason next to them), and the functions this
# project does not use (practice 11: bounded alternatives exist for each).
# static-check.sh BUILD_DIR  (for the generated protobuf headers)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-test}
cd "$top"
dirs=(common supervisor receiver writer forwarder dashboard)

banned=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|system|popen)[[:space:]]*\(' \
	$(git ls-files "${dirs[@]/%//*.c}" "${dirs[@]/%//*.h}") || true)
if [ -n "$banned" ]; then
	echo "banned functions in the sources:" >&2
	echo "$banned" >&2
	exit 1
fi
echo "static-check: no banned function in ${#dirs[@]} folders"

incs=()
for d in "${dirs[@]}"; do incs+=(-I "$d"); done
# PROTOBUF_C_VERSION_NUMBER: cppcheck does not read the system header that
# defines it, and the generated headers refuse to parse without it.
cppcheck --quiet --std=c11 --enable=warning,portability,performance --inline-suppr \
	--error-exitcode=1 -D_GNU_SOURCE -DPROTOBUF_C_VERSION_NUMBER=1004001 \
	--suppress=missingIncludeSystem "${incs[@]}" -I "$build/proto" -I /usr/share/include/llhttp \
	"${dirs[@]}"
echo "static-check: cppcheck found nothing"
