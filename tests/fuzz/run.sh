#!/bin/sh
# Runs one libFuzzer target for a fixed time on a copy of its seed corpus
# and prints the number of executions. A crash is kept as
# <build>/fuzz-artifacts/<target>-crash-<sha1> and the script exits non-zero;
# add the reproducer to tests/fuzz/corpus/<target>/ once it is fixed.
#   usage: tests/fuzz/run.sh TARGET SECONDS   (FUZZ_BUILD_DIR, default build-fuzz)
set -eu
if [ $# -ne 2 ]; then
	echo "usage: $0 TARGET SECONDS" >&2
	exit 2
fi
target=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
build=${FUZZ_BUILD_DIR:-$here/../../build-fuzz}
exe=$build/tests/fuzz/$target
if [ ! -x "$exe" ]; then
	echo "$exe not built (CC=clang meson setup build-fuzz -Dfuzzing=true)" >&2
	exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus" "$build/fuzz-artifacts"
if [ -d "$here/corpus/$target" ]; then
	cp -R "$here/corpus/$target/." "$work/corpus/"
fi
dict=""
if [ -f "$here/$target.dict" ]; then
	dict="-dict=$here/$target.dict"
fi
status=0
# shellcheck disable=SC2086 # $dict is empty or one word
"$exe" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
	-artifact_prefix="$build/fuzz-artifacts/$target-" $dict "$work/corpus" \
	>"$work/log" 2>&1 || status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
echo "$target: ${execs:-0} executions in ${seconds}s, exit status $status"
if [ "$status" -ne 0 ]; then
	tail -n 40 "$work/log" >&2
fi
exit "$status"
