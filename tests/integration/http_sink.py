#!/usr/bin/env python3
"""http_sink.py - the HTTP(S) receiver of the omhttp and omelasticsearch tests (Python stdlib).

Records every request it accepts (a 2xx reply) as one JSON line in DIR/requests.jsonl:
{"n": sequence number, "method", "path", "headers": [[name, value], ...], "body": the body
as text (gunzipped when Content-Encoding is gzip, "gzip": true then)}; requests it refuses
on purpose go to DIR/rejected.jsonl with their "code" ("reset" for a dropped connection).

Failure injection:
  --control FILE   lines "CODE COUNT" (CODE an HTTP status or "reset"): the next COUNT
                   requests get CODE, then the next line applies; the file is rewritten as
                   lines are used up, and re-read at every request (tests append to it).
  --fail-every K:CODE[,K:CODE...]  every K-th request (1-based count of all requests) gets
                   CODE, for failures scattered through a stream.
  --status CODE    the status of accepted requests (default 200).
  --delay PREFIX:SECONDS  POSTs to paths starting with PREFIX are answered SECONDS late
                   (a test holds a daemon's worker while it queues more messages).
Every record has "peer", the client's port (one per connection).
GET requests (health checks) get 200 and are recorded in DIR/gets.jsonl.
  --es             Elasticsearch replies to accepted requests (the omelasticsearch tests):
                   a path ending in "_bulk" gets {"took":1,"errors":..,"items":[...]} with
                   one item per action/document pair (the action's op name, status 201),
                   other paths {"_index":..,"result":"created"} with 201.
  --es-fail STR    with --es: documents containing STR fail (bulk: their item gets status
                   400 and an error, "errors":true; single: 400 with an error and
                   "status":400, as Elasticsearch does).
  --es-item STR:STATUS:TYPE  with --es, repeatable: bulk documents containing STR get an
                   item with that status and an error of that type ("errors":true), e.g.
                   RJ:429:es_rejected_execution_exception (omes-retry.sh).
With --cert/--key the server speaks TLS.  Runs until SIGTERM.
"""
import argparse
import gzip
import http.server
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time

lock = threading.Lock()
state = {"n": 0}


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--control")
    ap.add_argument("--fail-every", default="")
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--es", action="store_true")
    ap.add_argument("--es-fail")
    ap.add_argument("--es-item", action="append", default=[])
    ap.add_argument("--delay")
    return ap.parse_args()


ARGS = parse_args()
EVERY = []
for part in filter(None, ARGS.fail_every.split(",")):
    k, code = part.split(":")
    EVERY.append((int(k), code))


def append(name, rec):
    with open(os.path.join(ARGS.dir, name), "a", encoding="utf-8") as f:
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def injected(n):
    """The failure for request n (under lock), or None."""
    for k, code in EVERY:
        if n % k == 0:
            return code
    if not ARGS.control or not os.path.exists(ARGS.control):
        return None
    with open(ARGS.control, encoding="utf-8") as f:
        lines = [l.split() for l in f if l.strip()]
    if not lines:
        return None
    code, count = lines[0][0], int(lines[0][1])
    count -= 1
    rest = ([[code, str(count)]] if count > 0 else []) + lines[1:]
    tmp = ARGS.control + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.writelines(" ".join(l) + "\n" for l in rest)
    os.replace(tmp, ARGS.control)
    return code


def es_error(doc):
    return {"type": "mapper_parsing_exception", "reason": "failed to parse: " + doc[:40]}


def es_reply(path, body):
    """(status, reply) of an Elasticsearch for an accepted request."""
    fail = ARGS.es_fail
    if path.split("?")[0].endswith("_bulk"):
        lines = body.split("\n")
        items, errors = [], False
        for i in range(0, len(lines) - 1, 2):
            op = next(iter(json.loads(lines[i])), "index")
            doc = lines[i + 1]
            custom = [x.split(":", 2) for x in ARGS.es_item if x.split(":", 2)[0] in doc]
            if custom:
                errors = True
                code, etype = int(custom[0][1]), custom[0][2]
                items.append({op: {"_index": "x", "_id": str(i // 2), "status": code,
                                   "error": {"type": etype, "reason": "injected " + etype}}})
            elif fail and fail in doc:
                errors = True
                items.append({op: {"_index": "x", "status": 400, "error": es_error(doc)}})
            else:
                items.append({op: {"_index": "x", "_id": str(i // 2), "result": "created",
                                   "status": 201}})
        return 200, {"took": 1, "errors": errors, "items": items}
    if fail and fail in body:
        return 400, {"error": es_error(body), "status": 400}
    return 201, {"_index": "x", "_id": "1", "result": "created"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b""):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            append("gets.jsonl", {"path": self.path, "peer": self.client_address[1]})
        self.reply(200, b'{"status":"ok"}')

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length) if length > 0 else b""
        with lock:
            state["n"] += 1
            n = state["n"]
            fault = injected(n)
            if fault is not None:
                append("rejected.jsonl", {"n": n, "code": fault, "path": self.path})
            else:
                gz = self.headers.get("Content-Encoding", "") == "gzip"
                body = gzip.decompress(raw) if gz else raw
                append("requests.jsonl", {
                    "n": n, "method": self.command, "path": self.path,
                    "peer": self.client_address[1],
                    "headers": [[k, v] for k, v in self.headers.items()],
                    "body": body.decode("utf-8", "surrogateescape"), "gzip": gz})
        if ARGS.delay and self.path.startswith(ARGS.delay.rsplit(":", 1)[0]):
            time.sleep(float(ARGS.delay.rsplit(":", 1)[1]))
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault is not None:
            self.reply(int(fault), b'{"error":"injected %s"}' % fault.encode())
            return
        if ARGS.es:
            code, rep = es_reply(self.path, body.decode("utf-8", "surrogateescape"))
            self.reply(code, json.dumps(rep).encode())
            return
        self.reply(ARGS.status, b'{"text":"Success","code":0}')


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    srv = Server(("127.0.0.1", ARGS.port), Handler)
    if ARGS.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.cert, ARGS.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    srv.serve_forever()


if __name__ == "__main__":
    main()
