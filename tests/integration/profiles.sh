#!/usr/bin/env bash
# Every widening of a sandbox must be visible in review: the profiles that
# the binary enforces must equal the documented ones in docs/.
set -euo pipefail
OTLPD=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
doc=$top/docs/sandbox-profiles.txt
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for p in receiver writer forwarder dashboard; do
	echo
	"$OTLPD" --print-profile "$p" | grep -v '^user:'
done >"$tmp"
if ! diff -u <(grep -v '^#' "$doc") "$tmp"; then
	echo "FAIL: a sandbox profile differs from docs/sandbox-profiles.txt." >&2
	echo "If the change is intended, run scripts/gen-profile-doc.sh and update SECURITY.md." >&2
	exit 1
fi
grep -q 'docs/sandbox-profiles.txt' "$top/SECURITY.md" || { echo "FAIL: SECURITY.md does not link the profiles" >&2; exit 1; }
echo "ok: the four profiles equal docs/sandbox-profiles.txt"
