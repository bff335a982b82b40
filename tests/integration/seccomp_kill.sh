#!/usr/bin/env bash
# Each real child, enforced, runs one system call that its threat model rules
# out, made to from outside (inject_syscall: ptrace as root, no hook in
# otlpd): the kernel kills the whole process with SIGSYS, the supervisor logs
# a seccomp violation and starts a new one that serves, and the other children
# keep their pids.
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24440}
INJECT=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/seccomp_lib.sh"

skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (ptrace of children that run as other users)"
[ "$(uname -m)" = x86_64 ] || skip "inject_syscall is x86_64 only"

# What a compromised child must not do: the receiver open a file, the writer
# reach the network, the forwarder run a program, the dashboard connect out.
declare -A call=([receiver]=openat [writer]=socket [forwarder]=execve [dashboard]=connect)
names=(receiver writer forwarder dashboard)
for name in "${names[@]}"; do
	! profile_has "$name" "${call[$name]}" || fail "${call[$name]} is in the $name profile"
done
pass "openat, socket, execve, connect are not in the receiver, writer, forwarder, dashboard profiles"

setup_instance
trap 'audit_stop; teardown' EXIT
echo "write_interval_secs: 1" >>"$WORK/otlpd.yaml"
# The kernel's records are optional here; where they can be read, each must
# name the call and the action kill process (not thread: no thread of the
# child may carry on alone).
if ! grep -qw kill_process /proc/sys/kernel/seccomp/actions_logged; then
	echo "note: the kernel does not log kill_process; its records are not checked"
elif ! audit_start; then
	echo "note: no seccomp audit records readable ($AUDIT_WHY)"
fi
rec() { audit_records | awk -v p="$1" '$2 == p { print $4, $5 }' | sed -n 1p; }
has_rec() { [ -n "$(rec "$1")" ]; }
start_otlpd
grep -q "seccomp enforced" "$OTLPD_LOG" || fail "seccomp is not enforced"

for name in "${names[@]}"; do
	declare -A before=()
	for n in "${names[@]}"; do before[$n]=$(child_pid "$n") || fail "no $n"; done
	old=${before[$name]}
	ready=$(grep -c "$name ready" "$OTLPD_LOG")
	start=$(date +%s%N)
	out=$("$INJECT" "$old" "${call[$name]}") || fail "inject_syscall into the $name failed"
	[ "$out" = "killed by signal 31" ] || fail "the $name ran ${call[$name]}: $out (want: killed by signal 31, SIGSYS)"
	wait_until 3 grep -q "$name (pid $old) killed by SIGSYS (seccomp violation" "$OTLPD_LOG" ||
		fail "the supervisor did not log the $name's death as a seccomp violation"
	# Reaped by the supervisor once it logged it (a zombie still has /proc/PID).
	[ ! -d "/proc/$old" ] || fail "the $name (pid $old) is still there after SIGSYS"
	wait_until 5 bash -c "[ \$(grep -c '$name ready' '$OTLPD_LOG') -gt $ready ]" ||
		fail "the $name was not READY again"
	ms=$((($(date +%s%N) - start) / 1000000))
	new=$(child_pid "$name") || fail "no new $name"
	[ "$new" != "$old" ] || fail "the $name pid did not change"
	[ "$(status_field "$new" Seccomp)" = 2 ] || fail "the new $name is not sandboxed"
	for n in "${names[@]}"; do
		[ "$n" = "$name" ] || [ "$(child_pid "$n")" = "${before[$n]}" ] ||
			fail "the $n was restarted too when the $name was killed"
	done
	how="the kernel's record not read"
	if [ -n "${AUDIT_SOURCES:-}" ]; then
		wait_until 3 has_rec "$old" || fail "no seccomp audit record for the $name (pid $old)"
		read -r nr code < <(rec "$old")
		if [ "$(syscall_name "$nr")" != "${call[$name]}" ] || [ "$code" != 0x80000000 ]; then
			fail "audit record for the $name: syscall $nr ($(syscall_name "$nr")), $(audit_action "$code")"
		fi
		how="audit: ${call[$name]}, kill_process"
	fi
	pass "$name: ${call[$name]} -> SIGSYS ($how), logged as a seccomp violation, READY again in $ms ms, the others kept their pids"
done
audit_stop

# The new children work together: a span is answered 200 and reaches a file.
curl -sf -o /dev/null -H 'Content-Type: application/x-protobuf' \
	--data-binary "@$here/../../../shared/bench/traces_1.pb" "http://127.0.0.1:$((PORT_BASE + 1))/v1/traces" ||
	fail "the new receiver did not answer 200"
wait_until 5 sh -c "ls '$DATA'/otlp/traces/*.arrows >/dev/null 2>&1" || fail "the new writer wrote no file"
curl -sf -o /dev/null "http://127.0.0.1:$((PORT_BASE + 3))/api/stats" || fail "the new dashboard did not answer"
pass "the restarted children serve: 200, a trace file, the dashboard answers"

kill -TERM "$SUP_PID"
rc=0
wait "$SUP_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "otlpd exited with $rc after SIGTERM"
pass "SIGTERM: exit status 0"
