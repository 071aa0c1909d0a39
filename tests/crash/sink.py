#!/usr/bin/env python3
"""tests/crash/sink.py: the counting sink of the crash matrix (Python 3 stdlib).

A stand-in for Twilio's POST /2010-04-01/Accounts/<sid>/Messages.json
(../shared/reference/providers.md, "Twilio Programmable Messaging"; the
reply as bench/nginx.conf.in gives it), with its own record of every
request, independent of the daemon's: each 201 it answers is a receipt, a
line "<ms> <To> <sid>" appended to --out and flushed at once; each 503 a
line "<ms> <To> 429|503" in --out.errors.  The daemon and Redis are killed
during a run, never the sink.

  sink.py --port P --out FILE [--error-rate F] [--seed S] [--delay-ms N]

--error-rate: that fraction of requests is answered with a Twilio error
body, half of them 429 (not processed: the daemon retries) and half 503
(the send may or may not have happened: the daemon records unknown and does
not resend; ../shared/reference/providers.md), drawn from
random.Random(seed): runs are reproducible.  --delay-ms:
every answer waits that long.  SIGUSR1 sets the delay to --slow-ms
(default 3000), SIGUSR2 back to --delay-ms: the "sends slower than the
shutdown grace" case.  Prints "listening <port>" once bound.
"""
import argparse
import asyncio
import json
import random
import signal
import sys
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--error-rate", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--slow-ms", type=int, default=3000)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = open(a.out, "a", buffering=1)
    errs = open(a.out + ".errors", "a", buffering=1)
    state = {"n": 0, "delay": a.delay_ms / 1000.0}

    async def handle(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                length = 0
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v.strip())
                body = await reader.readexactly(length) if length else b""
                form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
                to = form.get("To", ["-"])[0]
                if state["delay"] > 0:
                    await asyncio.sleep(state["delay"])
                now = int(time.time() * 1000)
                if a.error_rate > 0 and rng.random() < a.error_rate:
                    if rng.random() < 0.5:
                        errs.write("%d %s 429\n" % (now, to))
                        resp = json.dumps({"code": 20429, "message": "Too Many Requests",
                                           "status": 429}).encode()
                        head = b"HTTP/1.1 429 Too Many Requests\r\n"
                    else:
                        errs.write("%d %s 503\n" % (now, to))
                        resp = json.dumps({"code": 20500, "message": "Service unavailable",
                                           "status": 503}).encode()
                        head = b"HTTP/1.1 503 Service Unavailable\r\n"
                else:
                    state["n"] += 1
                    sid = "SM%032x" % state["n"]
                    out.write("%d %s %s\n" % (now, to, sid))
                    resp = json.dumps({"sid": sid, "status": "queued", "num_segments": "1",
                                       "error_code": None, "error_message": None}).encode()
                    head = b"HTTP/1.1 201 Created\r\n"
                writer.write(head + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                             % len(resp) + resp)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def serve():
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, lambda: state.update(delay=a.slow_ms / 1000.0))
        loop.add_signal_handler(signal.SIGUSR2, lambda: state.update(delay=a.delay_ms / 1000.0))
        loop.add_signal_handler(signal.SIGTERM, loop.stop)
        server = await asyncio.start_server(handle, "127.0.0.1", a.port, backlog=4096)
        print("listening %d" % a.port, flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except (RuntimeError, KeyboardInterrupt):
        pass
    except OSError as e:
        print("sink: %s" % e, file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
