#!/usr/bin/env bash
# The supervisor runs four sandboxed children, restarts any that dies, and
# shuts everything down in order on SIGTERM.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24310}
. "$(dirname "$0")/lib.sh"

setup_instance
sup_fds() { ls "/proc/$SUP_PID/fd" | wc -l; }
# Must not reach any child: children get a minimal environment.
export OTLP_LOG_LEVEL=info
start_otlpd

[ "$(pgrep -P "$SUP_PID" | wc -l)" -eq 4 ] || fail "expected 4 children, got: $(pgrep -P "$SUP_PID" -a)"
pass "otlpd runs 5 processes"
fds_at_start=$(sup_fds)

data_real=$(realpath "$DATA")
for name in receiver writer forwarder dashboard; do
	pid=$(child_pid "$name") || fail "no $name process"
	[ "$(status_field "$pid" Seccomp)" = 2 ] || fail "$name: Seccomp is not 2 (filter)"
	[ "$(status_field "$pid" NoNewPrivs)" = 1 ] || fail "$name: NoNewPrivs is not 1"
	uid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")
	# No core file could hold what a child had in memory (for the forwarder,
	# credentials): soft and hard limit 0 for every child.
	core=$(awk '/^Max core file size/ { print $5, $6 }' "/proc/$pid/limits")
	[ "$core" = "0 0" ] || fail "$name: Max core file size is '$core', not 0 0"
	if [ "$(id -u)" -eq 0 ]; then
		[ "$uid" -ne 0 ] || fail "$name runs as root"
		grep -q '^Groups:' "/proc/$pid/status" || fail "$name: no Groups line in /proc/$pid/status"
		groups=$(status_field "$pid" Groups)
		[ -z "$groups" ] || fail "$name keeps supplementary groups: $groups"
		root=$(readlink "/proc/$pid/root")
		case $name in
		receiver | forwarder)
			[ "$root" = /run/otlpd/empty ] || fail "$name root is $root, not the empty directory"
			[ -z "$(ls -A /run/otlpd/empty)" ] || fail "the empty jail is not empty"
			;;
		*) [ "$root" = "$data_real" ] || fail "$name root is $root, not $data_real" ;;
		esac
	fi
	if tr '\0' '\n' <"/proc/$pid/environ" | grep '^OTLP_' >/dev/null; then
		fail "$name inherited an OTLP_ variable"
	fi
	# Beyond stdio only sockets, pipes, event-loop inodes and libuv's reserve
	# /dev/null (kept for EMFILE, opened before the sandbox); the writer also
	# holds its own folders and files, all inside the output directory. No
	# descriptor reaches outside the jail (the jail fd is closed once inside).
	for fd in /proc/"$pid"/fd/*; do
		n=${fd##*/}
		[ "$n" -le 2 ] && continue
		target=$(readlink "$fd")
		case $target in
		socket:* | pipe:* | anon_inode:* | /dev/null) ;;
		"$data_real"/otlp*) [ "$name" = writer ] || fail "$name holds $target" ;;
		*) fail "$name holds descriptor $n -> $target" ;;
		esac
	done
	pass "$name: seccomp filter, no_new_privs, uid $uid, no supplementary group, no core file, jailed, minimal environment"
done

# The receiver-writer link carries whole requests: supervisor/links.c gives
# both ends 4 MiB send buffers, past net.core.wmem_max (the kernel reports
# twice the size set).
sockets=$(ss -xmp)
for name in receiver writer; do
	pid=$(child_pid "$name")
	n=$(awk -v p="pid=$pid," 'index($0, p) && /tb8388608[,)]/ { n++ } END { print n + 0 }' <<<"$sockets")
	[ "$n" -ge 1 ] || fail "$name has no data link with a 4 MiB send buffer"
done
pass "the receiver-writer link has 4 MiB send buffers on both ends"

if [ "$(id -u)" -eq 0 ]; then
	# A uid of its own per child: none can signal or read another.
	uids=$(for n in receiver writer forwarder dashboard; do awk '$1 == "Uid:" { print $2 }' "/proc/$(child_pid $n)/status"; done | sort -u | wc -l)
	[ "$uids" -eq 4 ] || fail "children share uids"
	pass "each child has a uid of its own"
fi

for d in traces metrics logs; do
	[ -d "$DATA/otlp/$d" ] || fail "writer did not create otlp/$d"
done
pass "writer created the output folders inside its jail"

for name in receiver writer forwarder dashboard; do
	old=$(child_pid "$name")
	ready_before=$(grep -c "$name ready" "$OTLPD_LOG")
	kill -KILL "$old"
	start=$(date +%s%N)
	wait_until 2 bash -c "[ \$(grep -c '$name ready' '$OTLPD_LOG') -gt $ready_before ]" ||
		fail "$name was not READY again within 2 s of kill -9"
	ms=$((($(date +%s%N) - start) / 1000000))
	new=$(child_pid "$name") || fail "no new $name"
	[ "$new" != "$old" ] || fail "$name pid did not change"
	grep -q "$name (pid $old) killed by SIGKILL" "$OTLPD_LOG" || fail "no log line for the killed $name"
	[ "$(status_field "$new" Seccomp)" = 2 ] || fail "restarted $name is not sandboxed"
	pass "kill -9 $name: logged, new $name READY in $ms ms"
done

# After every restart the data queues were plumbed again: the receiver is
# connected to the new writer and forwarder, and nothing leaked.
sleep 0.3
kill -0 "$SUP_PID" || fail "supervisor died"
check_links() {
	local r
	r=$(peers_of "$(child_pid receiver)" | tr '\n' ' ')
	[ "$r" = "otlpd otlpd-forwarder otlpd-writer " ] || fail "receiver is connected to: $r"
	for n in writer forwarder; do
		r=$(peers_of "$(child_pid $n)" | tr '\n' ' ')
		[ "$r" = "otlpd otlpd-receiver " ] || fail "$n is connected to: $r"
	done
}
check_links
pass "data queues connect the new receiver, writer and forwarder"
[ "$(sup_fds)" -eq "$fds_at_start" ] || fail "supervisor descriptors: $fds_at_start at start, $(sup_fds) after restarts"
pass "no descriptor leaked in the supervisor across 4 restarts"

pid=$(child_pid writer)
kill -SYS "$pid"
wait_until 2 grep -q "writer (pid $pid) killed by SIGSYS (seccomp violation" "$OTLPD_LOG" ||
	fail "SIGSYS was not reported as a seccomp violation"
wait_until 3 child_pid writer >/dev/null || fail "writer not restarted after SIGSYS"
pass "a SIGSYS death is logged as a seccomp violation"

# The writer died twice within a minute: the second restart waits twice as
# long as the first (backoff from 0.1 s, doubling).
delays=$(sed -n 's/.* restarting the writer in \([0-9]*\) ms$/\1/p' "$OTLPD_LOG" | tr '\n' ' ')
[ "$delays" = "100 200 " ] || fail "writer restart delays: '$delays', expected '100 200 '"
for name in receiver forwarder dashboard; do
	grep -q "restarting the $name in 100 ms" "$OTLPD_LOG" || fail "the $name's first restart was not after 100 ms"
done
pass "restart backoff: 100 ms after a first death, 200 ms after the writer's second"

wait_until 3 bash -c "[ \$(grep -c 'writer ready' '$OTLPD_LOG') -ge 3 ]" || fail "writer not ready after SIGSYS"
all=$(pgrep -P "$SUP_PID" | tr '\n' ' ')
start=$(date +%s%N)
kill -TERM "$SUP_PID"
rc=0
wait "$SUP_PID" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" -eq 0 ] || fail "otlpd exited with $rc after SIGTERM"
[ "$ms" -lt 10000 ] || fail "shutdown took $ms ms"
for p in $all; do
	! kill -0 "$p" 2>/dev/null || fail "child $p still running after shutdown"
done
grep -q "otlpd stopped" "$OTLPD_LOG" || fail "no final log line"
grep -n "receiver (pid [0-9]*) exited with status 0" "$OTLPD_LOG" >/dev/null || fail "receiver did not exit cleanly"
r=$(grep -n "receiver (pid [0-9]*) exited" "$OTLPD_LOG" | tail -n1 | cut -d: -f1)
w=$(grep -n "writer (pid [0-9]*) exited" "$OTLPD_LOG" | tail -n1 | cut -d: -f1)
[ "$r" -lt "$w" ] || fail "the writer stopped before the receiver"
pass "SIGTERM: all 5 processes gone in $ms ms, exit status 0"

# Every line: UTC time to the millisecond, process name and pid, level.
line_re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z otlpd(-receiver|-writer|-forwarder|-dashboard)?\[[0-9]+\] (error|warn|info|debug): [^ ]'
bad=$(grep -Evn "$line_re" "$OTLPD_LOG" | head -n 3) || true
[ -z "$bad" ] || fail "log lines not in the documented format: $bad"
for name in otlpd otlpd-receiver otlpd-writer otlpd-forwarder otlpd-dashboard; do
	grep -Eq "^[^ ]+ $name\[[0-9]+\] " "$OTLPD_LOG" || fail "no log line from $name"
done
pass "all $(wc -l <"$OTLPD_LOG") log lines have time, process name and level; all 5 processes log"
