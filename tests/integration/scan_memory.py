#!/usr/bin/env python3
"""scan_memory.py PID NEEDLE: searches every readable mapping of a process
(/proc/PID/maps + /proc/PID/mem, as root) for NEEDLE.

Exit 0: not found; 1: found (the mappings are printed); 2: could not scan.
Mappings larger than 1 GiB are skipped (and named): no otlpd process has
one, but a sanitizer runtime reserves terabytes of shadow memory.
"""
import re
import sys

pid, needle = sys.argv[1], sys.argv[2].encode()
found = []
scanned = 0
try:
    maps = open(f"/proc/{pid}/maps").read().splitlines()
    mem = open(f"/proc/{pid}/mem", "rb", buffering=0)
except OSError as e:
    print(f"cannot open the memory of {pid}: {e}", file=sys.stderr)
    sys.exit(2)
for line in maps:
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)", line)
    if not m or m.group(3)[0] != "r" or m.group(4) in ("[vvar]", "[vsyscall]"):
        continue
    start, end = int(m.group(1), 16), int(m.group(2), 16)
    if end - start > 1 << 30:
        print(f"{pid}: skipped {(end - start) >> 30} GiB mapping {m.group(4) or '(anonymous)'}",
              file=sys.stderr)
        continue
    tail = b""
    pos = start
    while pos < end:
        n = min(1 << 20, end - pos)
        try:
            mem.seek(pos)
            chunk = mem.read(n)
        except OSError:
            break
        if not chunk:
            break
        scanned += len(chunk)
        if needle in tail + chunk:
            found.append(line)
            break
        tail = chunk[-(len(needle) - 1):]
        pos += len(chunk)
if scanned == 0:
    print(f"nothing of {pid} could be read", file=sys.stderr)
    sys.exit(2)
for line in found:
    print(f"{pid}: found in {line}")
sys.exit(1 if found else 0)
