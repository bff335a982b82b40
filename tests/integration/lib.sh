# Helpers for integration tests that run the real otlpd and look at it only
# from outside: its log, /proc, the files it writes, the network.
# shellcheck shell=bash

fail() {
	echo "FAIL: $*" >&2
	if [ -n "${OTLPD_LOG:-}" ] && [ -f "$OTLPD_LOG" ]; then
		echo "--- otlpd log (last 40 lines) ---" >&2
		tail -n 40 "$OTLPD_LOG" >&2
	fi
	exit 1
}

pass() { echo "ok: $*"; }

# wait_until SECONDS COMMAND...: polls every 50 ms.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# A private output directory and ports for this test; PORT_BASE keeps tests
# that run in parallel apart.
setup_instance() {
	WORK=$(mktemp -d /tmp/otlpd-test.XXXXXX)
	OTLPD_LOG=$WORK/otlpd.log
	DATA=$WORK/data
	cat >"$WORK/otlpd.yaml" <<YAML
output_dir: $DATA
log_level: info
receiver:
  http:
    bind_address: 127.0.0.1
    port: $((PORT_BASE + 1))
  grpc:
    bind_address: 127.0.0.1
    port: $((PORT_BASE + 2))
dashboard:
  port: $((PORT_BASE + 3))
YAML
	trap teardown EXIT
}

teardown() {
	if [ -n "${SUP_PID:-}" ] && kill -0 "$SUP_PID" 2>/dev/null; then
		kill -KILL "$SUP_PID" 2>/dev/null || true
		pkill -KILL -s "$SUP_PID" 2>/dev/null || true
	fi
	# Children run in sessions of their own: find them by parent.
	for p in ${CHILD_PIDS:-}; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}

# start_otlpd [extra args]: runs otlpd in the background and waits for READY.
start_otlpd() {
	"$OTLPD" -c "$WORK/otlpd.yaml" "$@" >>"$OTLPD_LOG" 2>&1 &
	SUP_PID=$!
	wait_until 15 grep -q "otlpd ready" "$OTLPD_LOG" || fail "otlpd did not become ready"
	CHILD_PIDS=$(pgrep -P "$SUP_PID" | tr '\n' ' ')
}

# child_pid NAME: the pid of the running otlpd-NAME child.
child_pid() {
	local p
	for p in $(pgrep -P "$SUP_PID"); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "otlpd-$1" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# api_stat PROCESS NAME [DASHBOARD]: one counter of PROCESS as the dashboard
# (default: this test's, on PORT_BASE + 3) relays it; empty when absent.
api_stat() {
	curl -s --max-time 5 "${3:-http://127.0.0.1:$((PORT_BASE + 3))}/api/stats" | python3 -c '
import json, sys
try:
    print(json.load(sys.stdin)["processes"][sys.argv[1]][sys.argv[2]])
except (KeyError, ValueError):
    print("")' "$1" "$2"
}

status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# peer_process PID FD: name of the process at the other end of a Unix socket.
peer_process() {
	local inode peer
	inode=$(readlink "/proc/$1/fd/$2" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
	[ -n "$inode" ] || return 1
	peer=$(ss -xpH | awk -v i="$inode" '!done && $6 == i { print $8; done = 1 }')
	[ -n "$peer" ] || return 1
	ss -xpH | awk -v i="$peer" '!done && $6 == i { print $9; done = 1 }' | sed -n 's/^users:(("\([^"]*\)".*/\1/p'
}

# peers_of PID: sorted names of the processes its Unix sockets connect to.
peers_of() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		peer_process "$1" "${fd##*/}" || true
	done | sort
}
