#!/usr/bin/env bash
# Installs every Debian package that building and testing otlpd needs.
# Idempotent; used by both README commands and by .ci/run.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (it calls apt-get)" >&2
	exit 1
fi

packages=(
	build-essential pkg-config meson ninja-build clang libclang-rt-14-dev cppcheck
	libuv1-dev node-llhttp protobuf-c-compiler libprotobuf-c-dev
	libmbedtls-dev libseccomp-dev check libnghttp2-dev zlib1g-dev
	libyaml-dev liburiparser-dev
	curl procps iproute2 python3 nginx openssl nghttp2-client chromium
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# One system user per child so a compromised child cannot signal or read
# another; they share the otlpd group, which may read the output files.
getent group otlpd >/dev/null || groupadd --system otlpd
for u in otlpd otlpd-receiver otlpd-writer otlpd-forwarder otlpd-dashboard; do
	getent passwd "$u" >/dev/null ||
		useradd --system --gid otlpd --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$u"
done
