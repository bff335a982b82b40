# Helpers for the seccomp tests (#8), on top of lib.sh: the kernel's seccomp
# audit records (type 1326) from the moment audit_start is called, and names
# for system call numbers.
# shellcheck shell=bash

# audit_start: records come from two sources, merged by audit serial number:
# the audit multicast group (audit_listen.py; complete) and dmesg (rate-
# limited, but readable where the multicast group is not, as in a container's
# own network namespace). Sets AUDIT_SOURCES; fails with AUDIT_WHY when
# neither can be read.
audit_start() {
	local lines
	AUDIT_NL=$WORK/audit-netlink.log
	AUDIT_FROM=
	AUDIT_SOURCES=
	if lines=$(dmesg 2>/dev/null); then
		# Older records (other tests, other runs) stay out by serial number.
		AUDIT_FROM=$(echo "$lines" | sed -n 's/.*audit([0-9.]*:\([0-9]*\)).*/\1/p' | sort -n | tail -n 1)
		AUDIT_FROM=${AUDIT_FROM:-0}
		AUDIT_SUPPRESSED=$(echo "$lines" | grep -c 'kauditd_printk_skb: .* suppressed' || true)
		AUDIT_SOURCES=dmesg
	fi
	python3 "$(dirname "${BASH_SOURCE[0]}")/audit_listen.py" "$AUDIT_NL" 2>>"$WORK/audit-listen.err" &
	AUDIT_PID=$!
	if wait_until 3 test -e "$AUDIT_NL"; then
		AUDIT_SOURCES="netlink${AUDIT_SOURCES:+ and $AUDIT_SOURCES}"
	else
		audit_stop
	fi
	# shellcheck disable=SC2034 # read by the caller
	AUDIT_WHY="dmesg: permission denied; audit multicast: $(cat "$WORK/audit-listen.err")"
	[ -n "$AUDIT_SOURCES" ]
}

audit_stop() {
	[ -z "${AUDIT_PID:-}" ] || kill "$AUDIT_PID" 2>/dev/null || true
	AUDIT_PID=
}

# audit_records: one line per seccomp record since audit_start, oldest first:
#   SERIAL PID COMM SYSCALL CODE ARCH
# CODE is the action: 0x7ffc0000 log, 0x80000000 kill process, 0x00000000
# kill thread.
audit_records() {
	{
		cat "$AUDIT_NL" 2>/dev/null || true
		[ -z "$AUDIT_FROM" ] || dmesg 2>/dev/null || true
	} | sed -n 's/.*type=1326 audit([0-9.]*:\([0-9]*\)):.* pid=\([0-9]*\) comm=\([^ ]*\) .* arch=\([0-9a-f]*\) syscall=\([0-9]*\) .* code=\(0x[0-9a-f]*\).*/\1 \2 \3 \5 \6 \4/p' |
		awk -v from="${AUDIT_FROM:-0}" '$1 > from && !seen[$1]++' | sort -n
}

# audit_lost: says so when records since audit_start may be missing: the
# listener lost some, or dmesg (the only source) suppressed some.
audit_lost() {
	grep 'records lost' "$AUDIT_NL" 2>/dev/null || true
	if [ "$AUDIT_SOURCES" = dmesg ] &&
		[ "$(dmesg | grep -c 'kauditd_printk_skb: .* suppressed' || true)" -gt "$AUDIT_SUPPRESSED" ]; then
		echo "dmesg: the kernel suppressed audit lines (printk rate limit)"
	fi
}

# audit_action CODE: the seccomp action of a record's code.
audit_action() {
	case $1 in
	0x7ffc0000) echo log ;;
	0x80000000) echo kill_process ;;
	0x00000000) echo kill_thread ;;
	*) echo "action $1" ;;
	esac
}

# syscall_name NR [ARCH]: the name of a system call number of the audit
# record's arch (c000003e, x86_64, when not given).
syscall_name() {
	local arch=${2:-c000003e}
	if command -v ausyscall >/dev/null; then
		ausyscall "$([ "$arch" = c000003e ] && echo x86_64 || echo "$arch")" "$1" 2>/dev/null && return
	fi
	if [ "$arch" != c000003e ]; then
		echo "?(arch $arch)"
		return
	fi
	# libseccomp is a run-time dependency of otlpd, so it is always there.
	python3 -c 'import ctypes, sys
lib = ctypes.CDLL("libseccomp.so.2")
lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_char_p
name = lib.seccomp_syscall_resolve_num_arch(0, int(sys.argv[1]))
print(name.decode() if name else "?")' "$1"
}

# profile_has NAME CALL: whether otlpd --print-profile NAME lists CALL.
profile_has() {
	"$OTLPD" --print-profile "$1" | awk -v c="$2" '$1 == c { found = 1 } END { exit !found }'
}
