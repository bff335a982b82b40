#!/usr/bin/env python3
"""A test OTLP/HTTP endpoint for the forwarder's integration tests.

    fwd_backend.py PORT LOGFILE

Listens on 127.0.0.1:PORT (HTTP/1.1, keep-alive). Every POST is counted and
recorded as one JSON line in LOGFILE (time, path, body length, headers, the
status it got) and answered as it is told:

    GET /_control?status=503&retry_after=1&hang=3&body=text&partial=7
        sets the answer for the following POSTs (any subset; an empty value
        clears retry_after, body and partial); prints the state as JSON
    GET /_control                   prints the state and the request count

partial=N answers 200 with an ExportTraceServiceResponse whose
partial_success rejects N spans with the message "test rejects".
"""
import http.server
import json
import sys
import threading
import time
from urllib.parse import parse_qs, urlparse

STATE = {"status": 200, "retry_after": "", "hang": 0.0, "body": "", "partial": 0, "count": 0}
LOCK = threading.Lock()
LOG = sys.argv[2]


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def partial_success(rejected):
    msg = b"test rejects"
    inner = b"\x08" + varint(rejected) + b"\x12" + varint(len(msg)) + msg
    return b"\x0a" + varint(len(inner)) + inner


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", ctype="application/json", extra=()):
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/_control":
            self.reply(404)
            return
        with LOCK:
            for key, values in parse_qs(url.query, keep_blank_values=True).items():
                if key in ("status", "partial"):
                    STATE[key] = int(values[0] or 0)
                elif key == "hang":
                    STATE[key] = float(values[0] or 0)
                elif key in ("retry_after", "body"):
                    STATE[key] = values[0]
            out = json.dumps(STATE).encode()
        self.reply(200, out)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with LOCK:
            STATE["count"] += 1
            answer = dict(STATE)
            with open(LOG, "a") as f:
                f.write(json.dumps({"t": time.time(), "path": self.path, "len": len(body),
                                    "headers": dict(self.headers.items()),
                                    "status": answer["status"]}) + "\n")
        if answer["hang"]:
            time.sleep(answer["hang"])
        extra = [("Retry-After", answer["retry_after"])] if answer["retry_after"] else []
        if answer["status"] == 200 and answer["partial"]:
            self.reply(200, partial_success(answer["partial"]), "application/x-protobuf", extra)
        elif answer["body"]:
            self.reply(answer["status"], answer["body"].encode(), "text/plain", extra)
        else:
            self.reply(answer["status"], b"", "application/x-protobuf", extra)


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
server.serve_forever()
