#!/usr/bin/env python3
"""enqueue.py: hand outreachd accounts or events over a plain socket.

Python 3 standard library only: it speaks RESP (the Redis protocol) itself,
so it doubles as a template for any language.  See docs/protocol.md.

    enqueue.py [--host H] [--port N] [--prefix P] [--kind account|event] FILE|-
    enqueue.py --demo            # one account, one event, then read back
    enqueue.py --rejected 5      # the newest rejected entries
    enqueue.py --history PE-000123

FILE holds one JSON document or JSON lines (one a line).  Each goes to
<prefix>:inbox as  XADD <prefix>:inbox * kind <kind> body <json>,
pipelined: the commands are written in windows of 1000, then the replies read.
"""

import argparse
import json
import socket
import sys


class RedisError(Exception):
    pass


class Resp:
    """A minimal RESP2 client: commands as lists of str/bytes, replies parsed."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.rfile = self.sock.makefile("rb")

    def close(self):
        self.rfile.close()
        self.sock.close()

    @staticmethod
    def encode(*args):
        # *<n>\r\n then $<len>\r\n<bytes>\r\n per argument: binary safe.
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode("utf-8")
            elif isinstance(a, int):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def read(self):
        line = self.rfile.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("connection closed by Redis")
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RedisError(rest.decode())    # returned, not raised: pipelines go on
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.rfile.read(n + 2)
            return data[:-2].decode("utf-8", "replace")
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise ConnectionError("bad reply from Redis: %r" % line)

    def call(self, *args):
        self.sock.sendall(self.encode(*args))
        r = self.read()
        if isinstance(r, RedisError):
            raise r
        return r

    def pipeline(self, commands):
        """Sends every command, then reads as many replies."""
        self.sock.sendall(b"".join(self.encode(*c) for c in commands))
        return [self.read() for _ in commands]


def documents(text, name):
    """One JSON document, or JSON lines.  Yields (line, body, error)."""
    whole = text.strip()
    if not whole:
        return
    first = next(l for l in text.splitlines() if l.strip())
    try:
        json.loads(first)
        one_per_line = True
    except ValueError:
        one_per_line = False
    if not one_per_line:
        try:
            json.loads(whole)
            start = text[:text.index(whole)].count("\n") + 1
            yield start, whole, None
            return
        except ValueError:
            pass
    for no, line in enumerate(text.splitlines(), 1):
        body = line.strip()
        if not body:
            continue
        try:
            json.loads(body)
            yield no, body, None
        except ValueError as e:
            yield no, body, "%s:%d: not JSON: %s" % (name, no, e)


def enqueue(r, prefix, kind, path):
    if path == "-":
        text, name = sys.stdin.read(), "<stdin>"
    else:
        with open(path, encoding="utf-8") as f:
            text, name = f.read(), path
    key = prefix + ":inbox"
    sent = bad = refused = 0
    window = []

    def flush():
        nonlocal sent, refused
        for reply in r.pipeline(window):
            if isinstance(reply, RedisError):
                refused += 1
                print("Redis refused an entry: %s" % reply, file=sys.stderr)
            else:
                sent += 1
        window.clear()

    for _, body, err in documents(text, name):
        if err:
            # Sent anyway: the daemon records it in <prefix>:rejected.
            print(err, file=sys.stderr)
            bad += 1
        window.append(("XADD", key, "*", "kind", kind, "body", body))
        if len(window) == 1000:
            flush()
    if window:
        flush()
    print("enqueued %d %s%s (%d not JSON)" % (sent, kind, "" if sent == 1 else "s", bad))
    return 1 if bad or refused else 0


def fields(flat):
    """A stream entry's [k1, v1, k2, v2, ...] as a dict."""
    return dict(zip(flat[0::2], flat[1::2]))


def show_rejected(r, prefix, count):
    for entry_id, flat in r.call("XREVRANGE", prefix + ":rejected", "+", "-", "COUNT", count):
        f = fields(flat)
        print("%s  %-7s  %s\n    %s" % (entry_id, f.get("kind", ""), f.get("reason", ""),
                                       f.get("body", "")[:100]))


def show_history(r, prefix, account):
    records = r.call("LRANGE", "%s:hist:%s" % (prefix, account), 0, -1)
    if not records:
        print("no attempts recorded for %s" % account)
    for raw in records:
        a = json.loads(raw)
        print("%s  %-18s %-8s %-9s %-10s %s" % (
            a.get("ts", ""), a.get("step", ""), a.get("stage", ""), a.get("channel", ""),
            a.get("status", ""), a.get("reason") or a.get("provider_id", "")))


def demo(r, prefix):
    account = {
        "account_id": "PE-000124",
        "debtor": {"name": "José Ñahui", "phone": "+51912345678", "country": "PE",
                   "timezone": "America/Lima", "locale": "es-PE"},
        "debt": {"amount": "850.00", "currency": "PEN", "due_date": "2026-12-01"},
        "consent": {"sms": True},
    }
    event = {"account_id": "PE-000124", "type": "promise_to_pay", "until": "2026-12-10"}
    key = prefix + ":inbox"
    ids = r.pipeline([
        ("XADD", key, "*", "kind", "account", "body", json.dumps(account, ensure_ascii=False)),
        ("XADD", key, "*", "kind", "event", "body", json.dumps(event)),
    ])
    for i in ids:
        if isinstance(i, RedisError):
            raise i
    print("account as %s, event as %s" % tuple(ids))
    print("inbox length:", r.call("XLEN", key))
    groups = r.call("XINFO", "GROUPS", key)
    if not groups:
        print("no consumer group yet: outreachd has not started")
    for g in groups:
        g = fields(g)
        print("group %s: pending %s, lag %s" % (g["name"], g["pending"], g.get("lag")))
    show_rejected(r, prefix, 3)
    show_history(r, prefix, "PE-000124")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--db", type=int, default=0)
    ap.add_argument("--prefix", default="outreach")
    ap.add_argument("--kind", choices=("account", "event"), default="account")
    ap.add_argument("--demo", action="store_true", help="enqueue an example, read back")
    ap.add_argument("--rejected", type=int, metavar="N", help="show the newest N rejected")
    ap.add_argument("--history", metavar="ACCOUNT", help="show an account's attempts")
    ap.add_argument("file", nargs="?", help="JSON document or JSON lines; - for stdin")
    a = ap.parse_args()
    try:
        r = Resp(a.host, a.port)
        if a.db:
            r.call("SELECT", a.db)
        if a.demo:
            demo(r, a.prefix)
        elif a.rejected:
            show_rejected(r, a.prefix, a.rejected)
        elif a.history:
            show_history(r, a.prefix, a.history)
        elif a.file:
            return enqueue(r, a.prefix, a.kind, a.file)
        else:
            ap.error("give FILE, --demo, --rejected N or --history ACCOUNT")
        r.close()
    except (OSError, RedisError) as e:
        print("enqueue.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
