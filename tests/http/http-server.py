#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An HTTP server on 127.0.0.1 for test-http: the ends of HTTP checks and webhooks.

Usage: http-server.py [--tls CERT KEY] DIR

Listens on a free port and prints it on stdout once ready (with --tls, HTTPS
with the certificate CERT and its key KEY: see README.md); exits when its stdin
closes, so it never outlives the test. Paths (the query is ignored):

  GET  /ok           200 "all good"
  GET  /fail         500 "boom"
  GET  /slow         200 "late", after 10 s
  GET  /wrong        200 "something else"
  GET  /redirect     302 to /ok
  GET  /ua           200, the request's User-Agent as the body
  GET  /split        200, "needle" sent in two writes 0.2 s apart (chunked)
  GET  /far          200, 300 KiB of "y", then "needle" (chunked)
  GET  /endless      200, "x" for ever (chunked)
  GET  /trickle      200, "partial", then nothing for 10 s
  POST /hook         200; the request is recorded
  POST /hook-fail-2  500 to the first two tries, then as /hook
  POST /hook-404     404 "no such hook"
  POST /hook-429     429, always
  POST /hook-busy-s  503 with "Retry-After: 1" to the first try, then as /hook
  POST /hook-busy-date  503 with Retry-After 2 s ahead as an HTTP date to the
                     first try, then as /hook

Each POST that gets a 2xx is written to DIR/N.json as {"path", "headers", "body"};
the tries at each POST path are counted in DIR/tries-NAME (NAME: the path
without its slash).
"""

import email.utils
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    directory = "."
    tries = {}
    recorded = 0

    def log_message(self, format, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            # The client dropped the connection, as a check that stops reading does.
            pass

    def reply(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def start_chunked(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunked(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/ok":
            self.reply(200, "all good")
        elif path == "/fail":
            self.reply(500, "boom")
        elif path == "/slow":
            time.sleep(10)
            self.reply(200, "late")
        elif path == "/wrong":
            self.reply(200, "something else")
        elif path == "/redirect":
            self.reply(302, "", [("Location", "/ok")])
        elif path == "/ua":
            self.reply(200, self.headers.get("User-Agent", ""))
        elif path == "/split":
            self.start_chunked()
            self.chunk(b"a" * 1000 + b"nee")
            time.sleep(0.2)
            self.chunk(b"dle" + b"b" * 1000)
            self.end_chunked()
        elif path == "/far":
            self.start_chunked()
            for _ in range(300):
                self.chunk(b"y" * 1024)
            self.chunk(b"needle")
            self.end_chunked()
        elif path == "/endless":
            self.start_chunked()
            block = b"x" * 16384
            while True:
                self.chunk(block)
        elif path == "/trickle":
            self.start_chunked()
            self.chunk(b"partial")
            time.sleep(10)
            self.end_chunked()
        else:
            self.reply(404, "not found")

    def count_try(self, path):
        name = path.strip("/")
        with self.lock:
            Handler.tries[name] = Handler.tries.get(name, 0) + 1
            count = Handler.tries[name]
            with open(os.path.join(self.directory, "tries-" + name), "w") as f:
                f.write(f"{count}\n")
        return count

    def record(self, body):
        with self.lock:
            Handler.recorded += 1
            base = os.path.join(self.directory, str(Handler.recorded))
            with open(base + ".tmp", "w") as f:
                json.dump({"path": self.path,
                           "headers": {k.lower(): v for k, v in self.headers.items()},
                           "body": body.decode("utf-8", "replace")}, f)
            # The file appears complete or not at all.
            os.rename(base + ".tmp", base + ".json")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        path = urllib.parse.urlsplit(self.path).path
        count = self.count_try(path)
        if path == "/hook":
            self.record(body)
            self.reply(200, "ok")
        elif path == "/hook-fail-2":
            if count <= 2:
                self.reply(500, "try later")
            else:
                self.record(body)
                self.reply(200, "ok")
        elif path == "/hook-404":
            self.reply(404, "no such hook")
        elif path == "/hook-429":
            self.reply(429, "slow down", [("Retry-After", "1")])
        elif path in ("/hook-busy-s", "/hook-busy-date"):
            if count == 1:
                when = ("1" if path == "/hook-busy-s"
                        else email.utils.formatdate(time.time() + 2, usegmt=True))
                self.reply(503, "busy", [("Retry-After", when)])
            else:
                self.record(body)
                self.reply(200, "ok")
        else:
            self.reply(404, "not found")


def main():
    args = sys.argv[1:]
    tls = None
    if args[:1] == ["--tls"]:
        tls, args = args[1:3], args[3:]
    Handler.directory = args[0]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls[0], tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    # The test holds our stdin: when it exits, even killed, so do we.
    while os.read(sys.stdin.fileno(), 4096):
        pass
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
