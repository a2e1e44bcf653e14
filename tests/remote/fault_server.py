#!/usr/bin/python3
"""A misbehaving HTTP server on 127.0.0.1 for the remote fault tests.

Serves the files below ROOT (GET with Range, HEAD) and misbehaves on the paths
named in RULES (a JSON object: path -> fault):
  "404"        answers 404 Not Found
  "500-once"   answers 500 to the first GET, then serves the file
  "500"        always answers 500
  "truncate"   announces the full length, sends half, closes the connection
  "longer"     ignores Range and sends the file plus 1 MiB of extra bytes (200)
  "flip"       flips one byte in the middle of the body
  "redirect:URL"  answers 302 to URL
  "slow"       sends the headers, then nothing for 30 s
  "throttle"   sends the body in 32 KiB pieces, 50 ms apart (a slow link)
Prints "PORT <n>" once listening, logs one line per request to LOG, and exits
when its standard input closes or after 300 s.
Usage: fault_server.py ROOT RULES_JSON LOG
"""
import http.server
import json
import os
import socketserver
import sys
import threading
import time

ROOT, RULES, LOG = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
counts = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        with lock, open(LOG, "a") as f:
            f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("Range", "-")))

    def send_body_headers(self, status, length, extra=()):
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()

    def do_HEAD(self):
        self.handle_request(head=True)

    def do_GET(self):
        self.handle_request(head=False)

    def handle_request(self, head):
        path = self.path.split("?")[0]
        with lock:
            counts[path] = counts.get(path, 0) + 1
            n = counts[path]
        rule = RULES.get(path, "")
        if rule == "404" or (rule == "500" and not head) or (rule == "500-once" and n == 1 and not head):
            status = 404 if rule == "404" else 500
            body = b"fault"
            self.send_body_headers(status, len(body))
            if not head:
                self.wfile.write(body)
            return
        if rule.startswith("redirect:"):
            self.send_response(302)
            self.send_header("Location", rule[len("redirect:"):] + path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        file = os.path.join(ROOT, path.lstrip("/"))
        if not os.path.isfile(file):
            self.send_body_headers(404, 0)
            return
        with open(file, "rb") as f:
            data = f.read()
        total = len(data)
        status, extra = 200, []
        rng = self.headers.get("Range")
        if rng and rule != "longer" and rng.startswith("bytes="):
            first, last = rng[6:].split("-")
            first, last = int(first), min(int(last), total - 1)
            data = data[first:last + 1]
            status = 206
            extra = [("Content-Range", "bytes %d-%d/%d" % (first, last, total))]
        if rule == "longer":
            data = data + b"\0" * (1 << 20)
        if rule == "flip" and data:
            b = bytearray(data)
            b[len(b) // 2] ^= 0x40
            data = bytes(b)
        self.send_body_headers(status, len(data), extra)
        if head:
            return
        if rule == "slow":
            self.wfile.flush()
            time.sleep(30)
            return
        if rule == "throttle":
            for at in range(0, len(data), 32768):
                self.wfile.write(data[at:at + 32768])
                self.wfile.flush()
                time.sleep(0.05)
            return
        if rule == "truncate":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients cutting a transfer off (the point of several faults) are expected


server = Server(("127.0.0.1", 0), Handler)
print("PORT %d" % server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
deadline = time.time() + 300


def watch_stdin():
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=watch_stdin, daemon=True).start()
while time.time() < deadline:
    time.sleep(0.5)
os._exit(0)
