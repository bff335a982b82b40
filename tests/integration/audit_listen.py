#!/usr/bin/env python3
"""Appends the kernel's seccomp audit records (type 1326) to a file as they come.

    audit_listen.py OUT

Joins the audit netlink multicast group (AUDIT_NLGRP_READLOG: root, in the
initial network namespace). Unlike the kernel log this path is not
rate-limited: without an audit daemon the kernel prints at most 10 audit
lines per 5 s to dmesg and drops the rest. Lines are written as dmesg shows
them ("audit: type=1326 audit(...): ..."); a lost batch (ENOBUFS) is written
as "audit: records lost". Exits 1 at once when it cannot join; creates OUT
once it has joined.
"""
import socket
import struct
import sys

NETLINK_AUDIT = 9
AUDIT_NLGRP_READLOG = 1
AUDIT_SECCOMP = 1326

try:
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((0, AUDIT_NLGRP_READLOG))
except OSError as e:
    print(f"audit_listen: cannot join the audit multicast group: {e}", file=sys.stderr)
    sys.exit(1)

with open(sys.argv[1], "a", buffering=1) as out:
    while True:
        try:
            data = sock.recv(1 << 16)
        except OSError as e:
            out.write(f"audit: records lost ({e})\n")
            continue
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if length < 16:
                break
            if kind == AUDIT_SECCOMP:
                text = data[off + 16:off + length].rstrip(b"\0").decode(errors="replace")
                out.write(f"audit: type={kind} {text}\n")
            off += (length + 3) & ~3
