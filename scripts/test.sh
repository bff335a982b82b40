#!/usr/bin/env bash
# Installs the dependencies, then builds and runs the whole test suite twice:
# a -Werror build and an AddressSanitizer + UndefinedBehaviorSanitizer build.
# Ends with one line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
./scripts/install-deps.sh || exit 1

# The independent clients and readers of the integration tests (pinned).
node_major=$(node --version 2>/dev/null | sed -n 's/^v\([0-9]*\).*/\1/p')
if [ "${node_major:-0}" -lt 20 ]; then
	echo "test.sh: Node.js 20 or newer is needed for the integration tests" >&2
	exit 1
fi
(cd tests/js && npm ci --no-audit --no-fund --loglevel=error) || exit 1
# The dashboard UI's bundler and libraries (pinned), used by the build.
(cd dashboard/ui && npm ci --no-audit --no-fund --loglevel=error) || exit 1

passed=0
failed=0

# run_suite DIR [meson options]: build and meson test; adds to the counts.
run_suite() {
	local dir=$1
	shift
	echo "=== $dir: configure and build ==="
	if ! ./scripts/configure.sh "$dir" --werror "$@" >"$dir.configure.log" 2>&1; then
		cat "$dir.configure.log"
		failed=$((failed + 1))
		return
	fi
	if ! meson compile -C "$dir"; then
		failed=$((failed + 1))
		return
	fi
	echo "=== $dir: meson test ==="
	meson test -C "$dir" --print-errorlogs --num-processes 2
	local counts
	counts=$(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["result"] in ("OK", "EXPECTEDFAIL", "SKIP"):
        ok += 1
    else:
        bad += 1
print(ok, bad)
PY
)
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
}

run_suite build-test --buildtype=debugoptimized
# The sandboxed children turn leak checking off for themselves (it needs
# ptrace at exit); the supervisor and the unit tests keep it on.
ASAN_OPTIONS=abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_suite build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

echo "=== static checks ==="
if ./scripts/static-check.sh "$top/build-test"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# Fuzz targets (libFuzzer, clang), each for a short fixed time; a crash
# fails the run and leaves the reproducer in build-fuzz/fuzz-artifacts.
echo "=== fuzzing, ${FUZZ_SECONDS:-30} s per target ==="
if CC=clang ./scripts/configure.sh build-fuzz -Dfuzzing=true >build-fuzz.configure.log 2>&1 &&
	meson compile -C build-fuzz >/dev/null; then
	for exe in build-fuzz/tests/fuzz/fuzz_*; do
		[ -f "$exe" ] && [ -x "$exe" ] || continue
		if FUZZ_BUILD_DIR=build-fuzz tests/fuzz/run.sh "$(basename "$exe")" "${FUZZ_SECONDS:-30}"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
else
	cat build-fuzz.configure.log
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
