#!/usr/bin/env bash
# configure.sh DIR [meson options]: sets up a build directory, or reconfigures
# it when it already exists, so the README commands can be run again.
set -euo pipefail
dir=$1
shift
if [ -f "$dir/build.ninja" ]; then
	meson setup --reconfigure "$dir" "$@"
else
	meson setup "$dir" "$@"
fi
