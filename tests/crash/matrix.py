#!/usr/bin/env python3
"""tests/crash/matrix.py: the crash-and-fault matrix (issue 15), Python 3 stdlib.

Real outreachd daemons on a real redis-server send one SMS per account
(policy small-balance: reminder_due, due at once: bench/benchlib.py's
accounts, each its own phone) through the sms-twilio plugin to a counting
sink (tests/crash/sink.py) that keeps its own record of every request it
accepted.  Faults are injected while they run; once everything has settled
each account is checked against both records:

  exactly one outcome (the last terminal record of its last attempt: sent,
  failed or unknown; an unknown later corrected by the known outcome of the
  same attempt counts once, as that outcome, and is counted apart);
  sink receipts <= 1; sent => exactly 1 receipt, whose sid is the record's
  provider_id; unknown => <= 1 receipt; failed => 0 receipts; nothing lost
  (every account has an outcome, nothing in <prefix>:rejected).

Cases (--cases, comma-separated; default all):
  kill-daemon       kill -9 the daemon K times (--kills) at points spread over
                    the run (the first during intake), restart it each time
  kill-redis        kill -9 redis-server mid-run, restart it (same port, dir)
  kill-both         kill -9 the daemon and redis-server together, restart both
  power-strict      an OS crash or power loss of the Redis host, strict:
  power-relaxed     redis-server kill -9, its AOF cut back to what its fsync
                    policy guarantees was on disk (everysec: its size 1 s
                    before the kill; always: Redis fsyncs before it answers
                    any write, so its size at the kill), restarted; strict
                    (appendfsync always, durability: strict) must show no
                    duplicate; relaxed (everysec, durability: relaxed) shows
                    the window it accepts: reported, not asserted
  stop-redis        SIGSTOP redis-server for 20 s, longer than the lease (10 s)
  sigterm-slow      the sink slowed to 3 s per answer, the daemon SIGTERMed
                    with a shutdown grace of 1 s, restarted
  four-of-five      5 daemons, kill -9 four of them; the fifth finishes

  matrix.py [--ci] [--accounts N] [--kills K] [--cases LIST] [--keep]
  matrix.py soak [--minutes M] [--rate R] [--error-rate F]

--ci: 2,000 accounts, 5 kills (CI's size).  Default: 20,000 accounts, 20
kills.  soak: one daemon, R accounts/s (default 2000) XADDed for M minutes
(default 30), 5 % of the sink's answers errors (half 429, retried; half
503, unknown), Redis restarted (kill -9, strict) every 10 minutes and the
daemon reloaded (SIGHUP) every minute, its RSS sampled every 10 s; then the
same check, and RSS flat: after a warm-up of 2 minutes, the median of the
last fifth of the samples within 5 % of the median of the first fifth.  BUILD_DIR (default <repo>/build).  Every process
started is stopped by PID at exit.  Exit 1 on a broken invariant.
Nothing about time is asserted: the settling times are reported.
"""
import argparse
import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import benchlib  # noqa: E402

BUILD = os.path.abspath(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")))
OUTREACHD = os.path.join(BUILD, "bin", "outreachd")
CTL = os.path.join(BUILD, "bin", "outreachctl")
PLUGINS = os.path.join(BUILD, "lib", "outreachd", "channels")
SID = "AC0123456789abcdef0123456789abcdef"
PREFIX = "outreach"
PROCS = []
TERMINAL = ("sent", "failed", "unknown")
RETRY_MAX_MS = 5000      # limits.retry_max in write_config: a retry is due within it


def log(msg):
    print("matrix: " + msg, flush=True)


def stop(p, sig=signal.SIGTERM, timeout=10.0):
    if p is None or p.poll() is not None:
        return
    try:
        p.send_signal(sig)
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    except ProcessLookupError:
        pass


def stop_all():
    for p in reversed(PROCS):
        try:
            os.kill(p.pid, signal.SIGCONT)
        except OSError:
            pass
        stop(p)


atexit.register(stop_all)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def spawn(argv, logf, env=None):
    p = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, env=env,
                         start_new_session=True)
    PROCS.append(p)
    return p


def wait_for(cond, deadline_s, what, step=0.05):
    """Polls cond() until true; a generous deadline, a failure past it."""
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > deadline_s:
            raise RuntimeError("timed out after %d s waiting for %s" % (deadline_s, what))
        time.sleep(step)
    return time.monotonic() - t0


class RedisServer:
    def __init__(self, dirname, fsync):
        self.dir, self.fsync, self.port, self.p = dirname, fsync, None, None

    def start(self):
        for _ in range(20):
            port = self.port or free_port()
            logf = open(os.path.join(self.dir, "redis.log"), "a")
            self.p = spawn(["redis-server", "--bind", "127.0.0.1", "--port", str(port),
                            "--dir", self.dir, "--save", "", "--appendonly", "yes",
                            "--appendfsync", self.fsync, "--daemonize", "no"], logf)
            try:
                # A restart reads the whole dataset first (the soak's 5 GB
                # took 25 s): a generous deadline, ended early by an exit.
                wait_for(lambda: self.ping(port) or self.p.poll() is not None, 600,
                         "redis-server")
            except RuntimeError:
                pass
            if self.p.poll() is None and self.ping(port):
                self.port = port
                return
            stop(self.p, signal.SIGKILL)
            if self.port:	# a restart on our own port: it may still be closing
                time.sleep(0.2)
        raise RuntimeError("redis-server did not start")

    @staticmethod
    def ping(port):
        try:		# a Redis loading its dataset answers LOADING
            return benchlib.Redis(port).cmd("PING") == "PONG"
        except (OSError, ConnectionError, RuntimeError):
            return False

    def client(self):
        return benchlib.Redis(self.port)

    def kill9(self):
        self.p.kill()
        self.p.wait()

    def incr_aof(self):
        d = os.path.join(self.dir, "appendonlydir")
        try:
            with open(os.path.join(d, "appendonly.aof.manifest")) as f:
                for line in f:
                    w = line.split()
                    if "type" in w and w[w.index("type") + 1] == "i":
                        return os.path.join(d, w[w.index("file") + 1])
        except OSError:
            pass
        return None


class Sink:
    def __init__(self, dirname, error_rate=0.0, delay_ms=0):
        self.out = os.path.join(dirname, "receipts.txt")
        self.dir, self.error_rate, self.delay_ms = dirname, error_rate, delay_ms

    def start(self):
        for _ in range(20):
            self.port = free_port()
            logf = open(os.path.join(self.dir, "sink.log"), "a")
            self.p = spawn([sys.executable, os.path.join(HERE, "sink.py"), "--port",
                            str(self.port), "--out", self.out, "--error-rate",
                            str(self.error_rate), "--delay-ms", str(self.delay_ms)], logf)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 30 and self.p.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), 1).close()
                    return
                except OSError:
                    time.sleep(0.05)
            stop(self.p, signal.SIGKILL)
        raise RuntimeError("the sink did not start")

    def receipts(self):
        got = {}
        try:
            with open(self.out) as f:
                for line in f:
                    w = line.split()
                    if len(w) == 3:
                        got.setdefault(w[1], []).append(w[2])
        except OSError:
            pass
        return got

    def count(self):
        try:
            with open(self.out, "rb") as f:
                return sum(1 for _ in f)
        except OSError:
            return 0


def write_config(path, rport, sink_port, durability="strict", limits="", consumer=None,
                 rate=None):
    d = os.path.dirname(path)
    for sub in ("jurisdictions", "holidays"):
        link = os.path.join(d, sub)
        if not os.path.exists(link):
            os.symlink(os.path.join(ROOT, "config", sub), link)
    os.makedirs(os.path.join(d, "state"), exist_ok=True)
    os.makedirs(os.path.join(d, "outbox"), exist_ok=True)
    with open(os.path.join(ROOT, "config", "outreachd.yaml")) as f:
        lines = f.read().split("\n")
    placements, on = [], False
    for line in lines:	# the shipped placements: the policies' handoff steps name them
        if line.startswith("placements:"):
            on = True
        elif on and line and not line.startswith(" ") and not line.startswith("#"):
            break
        if on:
            placements.append(line)
    with open(path, "w") as f:
        f.write("""# generated by tests/crash/matrix.py
redis: "redis://127.0.0.1:%d/0"
prefix: %s
durability: %s
%spolicy_dir: %s/policy
template_dir: %s/templates
plugin_dir: %s
state_dir: %s/state
default_locale: es-PE
log_level: info
company:
  name: "Financiera Ejemplo S.A.C."
  phone: "+51 1 700 0000"
  email: "cobranzas@example.pe"
  hours: "lunes a viernes de 9:00 a 18:00"
  payment_url: "https://pagos.example.pe"
admin:
  enabled: false
limits:
  intake_batch: 512
  claim_batch: 128
  max_inflight: 128
  retry_base: 1s
  retry_max: 5s
%sgateways:
  twilio:
    plugin: sms-twilio
    base_url: "http://127.0.0.1:%d"
    account_sid: "%s"
    auth_token_env: MATRIX_TWILIO_TOKEN
    from: "+15005550006"
    max_inflight: 64
    connect_timeout: 5s
    timeout: 30s
%s  outbox:
    plugin: outbox
    dir: "%s/outbox"
channels:
  sms: twilio
  email: outbox
  whatsapp: outbox
%s
""" % (rport, PREFIX, durability, "consumer: %s\n" % consumer if consumer else "", ROOT, ROOT,
       PLUGINS, d, limits, sink_port, SID, "    rate: %d\n" % rate if rate else "", d,
       "\n".join(placements)))


class Daemon:
    def __init__(self, cfg, name):
        self.cfg, self.name, self.p = cfg, name, None
        self.logpath = os.path.join(os.path.dirname(cfg), name + ".log")

    def start(self, env):
        self.p = spawn([OUTREACHD, "--config", self.cfg], open(self.logpath, "a"), env)

    def consumer(self):
        return "%s-%d" % (socket.gethostname()[:63], self.p.pid)


def enqueue(dirname, rport, start, n, day):
    path = os.path.join(dirname, "accounts-%d.jsonl" % start)
    with open(path, "w") as f:
        for i in range(start, start + n):
            f.write(benchlib.account(i, day, "CRASH") + "\n")
    subprocess.run([CTL, "--redis", "redis://127.0.0.1:%d/0" % rport, "--prefix", PREFIX,
                    "enqueue", path], check=True, stdout=subprocess.DEVNULL)
    os.unlink(path)


def phone(i):
    return "+519%08d" % i


def quiet(r, offset_ms):
    """Nothing in flight, nothing due before the longest retry back-off from
    now, every inbox entry read and acknowledged."""
    try:
        now = int(time.time() * 1000) + offset_ms
        pending = r.cmd("XPENDING", PREFIX + ":inbox", "outreachd")
        groups = r.cmd("XINFO", "GROUPS", PREFIX + ":inbox")
        lag_ok = True
        for g in groups:
            kv = dict(zip(g[0::2], g[1::2]))
            last = r.cmd("XREVRANGE", PREFIX + ":inbox", "+", "-", "COUNT", 1)
            if last and kv.get("last-delivered-id") != last[0][0]:
                lag_ok = False
        return (r.cmd("ZCARD", PREFIX + ":inflight") == 0 and
                r.cmd("ZCOUNT", PREFIX + ":due", "-inf", now + RETRY_MAX_MS) == 0 and
                pending[0] == 0 and lag_ok)
    except (OSError, ConnectionError, RuntimeError):
        return False


def settle(redis, offset_ms, deadline=600):
    t = wait_for(lambda: quiet(redis.client(), offset_ms), deadline, "the run to settle", 0.25)
    time.sleep(1.5)		# and still so
    wait_for(lambda: quiet(redis.client(), offset_ms), deadline, "the run to settle", 0.25)
    return t


def check(redis, sink, first, n):
    """Per account: its records against the sink's receipts.  Returns the counts."""
    r = redis.client()
    got = sink.receipts()
    c = {"accounts": n, "sent": 0, "failed": 0, "unknown": 0, "unknown_received": 0,
         "unknown_corrected": 0, "duplicates": 0, "lost": 0, "broken": 0}
    bad = []
    ids = ["CRASH-%07d" % i for i in range(first, first + n)]
    for k in range(0, n, 500):
        chunk = ids[k:k + 500]
        hists = r.pipeline([("LRANGE", PREFIX + ":hist:" + i, 0, -1) for i in chunk])
        for j, (aid, h) in enumerate(zip(chunk, hists)):
            recs = [json.loads(x) for x in h]
            attempts, order = {}, []
            for rec in recs:
                at = rec.get("attempt_id")
                if at is None or rec.get("status") not in TERMINAL + ("retry",):
                    continue
                if at not in attempts:
                    order.append(at)
                attempts.setdefault(at, []).append(rec)
            rc = got.get(phone(first + k + j), [])
            if len(rc) > 1:
                c["duplicates"] += 1
                bad.append("%s: %d receipts (%s), records %s" % (
                    aid, len(rc), " ".join(rc), [x.get("status") for x in recs]))
            outs = [attempts[a][-1] for a in order if attempts[a][-1]["status"] in TERMINAL]
            if not outs:
                c["lost"] += 1
                bad.append("%s: no outcome; records %s" % (aid, [x.get("status") for x in recs]))
                continue
            if len(outs) > 1:
                c["broken"] += 1
                bad.append("%s: %d outcomes %s" % (aid, len(outs), [o["status"] for o in outs]))
            o = outs[-1]
            st = o["status"]
            if st == "sent" and any(x["status"] == "unknown" for x in attempts[o["attempt_id"]]):
                c["unknown_corrected"] += 1
            c[st] += 1
            ok = ((st == "sent" and len(rc) == 1 and
                   (not o.get("provider_id") or o.get("provider_id") == rc[0])) or
                  (st == "unknown" and len(rc) <= 1) or (st == "failed" and not rc))
            if st == "unknown" and rc:
                c["unknown_received"] += 1
            if not ok and len(rc) <= 1:
                c["broken"] += 1
                bad.append("%s: %s with %d receipts (%s), provider_id %s" % (
                    aid, st, len(rc), " ".join(rc), o.get("provider_id")))
    c["rejected"] = r.cmd("XLEN", PREFIX + ":rejected")
    return c, bad


def progress(sink, n, frac):
    return lambda: sink.count() >= int(n * frac)


class Case:
    """One case: its own directory, Redis, sink and daemons."""

    def __init__(self, args, name, fsync="always", durability="strict", limits="",
                 delay_ms=0, error_rate=0.0):
        self.args, self.name = args, name
        self.dir = tempfile.mkdtemp(prefix="outreachd-crash-%s." % name)
        self.redis = RedisServer(self.dir, fsync)
        self.sink = Sink(self.dir, error_rate, delay_ms)
        self.durability, self.limits = durability, limits
        self.daemons = []

    def setup(self, n, rate):
        self.redis.start()
        self.sink.start()
        self.cfg = os.path.join(self.dir, "outreachd.yaml")
        write_config(self.cfg, self.redis.port, self.sink.port, self.durability,
                     "  heartbeat_interval: 1s\n  heartbeat_ttl: 5s\n" + self.limits,
                     rate=rate)
        if n:
            enqueue(self.dir, self.redis.port, 1, n, self.args.day)

    def daemon(self, cfg=None, name=None):
        d = Daemon(cfg or self.cfg, name or "d%d" % (len(self.daemons) + 1))
        d.start(self.args.env)
        self.daemons.append(d)
        return d

    def leases_of(self, consumer):
        r = self.redis.client()
        vals = r.cmd("HVALS", PREFIX + ":lease")
        return sum(1 for v in vals if v.startswith(consumer + " "))

    def finish(self, n):
        t = settle(self.redis, self.args.offset_ms)
        for d in self.daemons:
            stop(d.p)
        c, bad = check(self.redis, self.sink, 1, n)
        c["settle_s"] = round(t, 1)
        return c, bad

    def cleanup(self, ok):
        stop(self.sink.p)
        stop(self.redis.p)
        if ok and not self.args.keep:
            subprocess.run(["rm", "-rf", self.dir])
        else:
            log("%s: kept %s" % (self.name, self.dir))


def case_kill_daemon(case, n, k):
    case.setup(n, rate=max(200, n // 8))
    d = case.daemon()
    time.sleep(0.3)			# during intake
    settles = []
    for j in range(1, k + 1):
        if j > 1:
            wait_for(progress(case.sink, n, 0.9 * (j - 1) / k), 600, "progress")
        dead = d.consumer()
        d.p.kill()
        d.p.wait()
        d = case.daemon()
        if j == k:
            settles.append(wait_for(lambda: case.leases_of(dead) == 0, 600, "leases settled"))
    c, bad = case.finish(n)
    c["last_kill_leases_settled_s"] = round(settles[-1], 1) if settles else None
    c["kills"] = k
    return c, bad


def case_kill_redis(case, n, both=False):
    case.setup(n, rate=max(200, n // 8))
    d = case.daemon()
    wait_for(progress(case.sink, n, 0.4), 600, "progress")
    if both:
        d.p.kill()
        d.p.wait()
    case.redis.kill9()
    case.redis.start()
    if both:
        case.daemon()
    return case.finish(n)


def case_power_loss(case, n):
    case.setup(n, rate=max(200, n // 8))
    samples = []
    stop_sampling = threading.Event()

    def sampler():
        while not stop_sampling.is_set():
            f = case.redis.incr_aof()
            try:
                samples.append((time.monotonic(), os.path.getsize(f) if f else 0))
            except OSError:
                pass
            time.sleep(0.02)
    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    case.daemon()
    wait_for(progress(case.sink, n, 0.4), 600, "progress")
    case.redis.kill9()
    t_kill = time.monotonic()
    stop_sampling.set()
    th.join()
    f = case.redis.incr_aof()
    size = os.path.getsize(f)
    if case.redis.fsync == "always":
        cut = size		# fsynced before any answer: nothing answered is lost
    else:
        before = [s for t, s in samples if t <= t_kill - 1.0]
        cut = before[-1] if before else 0
    with open(f, "r+b") as fh:
        fh.truncate(cut)
    log("%s: AOF %s cut from %d to %d bytes" % (case.name, os.path.basename(f), size, cut))
    case.redis.start()
    c, bad = case.finish(n)
    c["aof_cut_bytes"] = size - cut
    return c, bad


def case_stop_redis(case, n):
    case.setup(n, rate=max(200, n // 8))
    case.daemon()
    wait_for(progress(case.sink, n, 0.4), 600, "progress")
    os.kill(case.redis.p.pid, signal.SIGSTOP)
    time.sleep(20)
    os.kill(case.redis.p.pid, signal.SIGCONT)
    return case.finish(n)


def case_sigterm_slow(case, n):
    case.setup(n, rate=max(200, n // 8))
    d = case.daemon()
    wait_for(progress(case.sink, n, 0.3), 600, "progress")
    os.kill(case.sink.p.pid, signal.SIGUSR1)	# 3 s an answer from now on
    time.sleep(0.5)
    d.p.terminate()
    d.p.wait(120)
    os.kill(case.sink.p.pid, signal.SIGUSR2)
    with open(d.logpath) as f:
        last = [x for x in f if "stopped:" in x]
    c, bad = None, None
    case.daemon()
    c, bad = case.finish(n)
    c["stop_line"] = last[-1].split("stopped: ", 1)[1].strip() if last else "none"
    return c, bad


def case_four_of_five(case, n):
    case.setup(0, rate=None)
    cfgs = []
    for i in range(1, 6):
        cfg = os.path.join(case.dir, "d%d.yaml" % i)
        write_config(cfg, case.redis.port, case.sink.port, case.durability,
                     "  heartbeat_interval: 1s\n  heartbeat_ttl: 5s\n" + case.limits,
                     consumer="matrix-d%d" % i, rate=max(40, n // 40))
        cfgs.append(cfg)
    enqueue(case.dir, case.redis.port, 1, n, case.args.day)
    ds = [case.daemon(cfg, "d%d" % (i + 1)) for i, cfg in enumerate(cfgs)]
    wait_for(progress(case.sink, n, 0.3), 600, "progress")
    for d in ds[:4]:
        d.p.kill()
        d.p.wait()
    t = wait_for(lambda: sum(case.leases_of("matrix-d%d" % i) for i in range(1, 5)) == 0,
                 600, "the four's leases settled")
    c, bad = case.finish(n)
    c["leases_settled_s"] = round(t, 1)
    return c, bad


CASES = {
    "kill-daemon": lambda a: (Case(a, "kill-daemon", limits="  lease: 10s\n"),
                              lambda c: case_kill_daemon(c, a.accounts, a.kills)),
    "kill-redis": lambda a: (Case(a, "kill-redis"), lambda c: case_kill_redis(c, a.accounts)),
    "kill-both": lambda a: (Case(a, "kill-both"),
                            lambda c: case_kill_redis(c, a.accounts, both=True)),
    "power-strict": lambda a: (Case(a, "power-strict"),
                               lambda c: case_power_loss(c, a.accounts)),
    "power-relaxed": lambda a: (Case(a, "power-relaxed", fsync="everysec",
                                     durability="relaxed"),
                                lambda c: case_power_loss(c, a.accounts)),
    "stop-redis": lambda a: (Case(a, "stop-redis", limits="  lease: 10s\n"),
                             lambda c: case_stop_redis(c, a.accounts)),
    "sigterm-slow": lambda a: (Case(a, "sigterm-slow", limits="  shutdown_grace: 1s\n"),
                               lambda c: case_sigterm_slow(c, a.accounts)),
    "four-of-five": lambda a: (Case(a, "four-of-five"),
                               lambda c: case_four_of_five(c, a.accounts)),
}
EXPECTED_WINDOW = {"power-relaxed"}	# the duplicates relaxed accepts: reported, not asserted


def clock(args):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "benchlib.py"), "offset",
                          os.path.join(ROOT, "config", "holidays", "PE.yaml")],
                         check=True, capture_output=True, text=True).stdout.split()
    args.offset_ms = int(out[0]) * 1000
    args.day = out[1]
    args.env = dict(os.environ, OUTREACHD_CLOCK_OFFSET="%ss" % out[0],
                    MATRIX_TWILIO_TOKEN="matrix0123456789abcdef0123456789")


def run_matrix(args):
    names = args.cases.split(",") if args.cases else list(CASES)
    failed, rows = 0, []
    t_all = time.monotonic()
    for name in names:
        if name not in CASES:
            log("no case %s (%s)" % (name, ", ".join(CASES)))
            return 2
        case, fn = CASES[name](args)
        t0 = time.monotonic()
        ok = False
        try:
            c, bad = fn(case)
            c["case_s"] = round(time.monotonic() - t0, 1)
            window = name in EXPECTED_WINDOW
            ok = window or (c["duplicates"] == 0 and c["lost"] == 0 and c["broken"] == 0 and
                            c["rejected"] == 0)
            rows.append((name, c))
            log("%s: %s%s" % (name, json.dumps(c), "" if ok else "  FAILED"))
            for b in bad[:10]:
                log("  %s%s" % ("(the window relaxed accepts) " if window else "", b))
        except Exception as e:	# a case that cannot finish is a failure, the rest still run
            log("%s: FAILED: %s" % (name, e))
            rows.append((name, None))
        finally:
            case.cleanup(ok)
        failed += 0 if ok else 1
    cols = ["accounts", "sent", "unknown", "unknown_received", "unknown_corrected", "failed",
            "duplicates", "lost", "broken", "rejected", "settle_s"]
    print("\n| case | " + " | ".join(cols) + " | other |")
    print("| --- " * (len(cols) + 2) + "|")
    for name, c in rows:
        if c is None:
            print("| %s | %s |" % (name, " | ".join(["-"] * len(cols)) + " | FAILED"))
            continue
        other = ", ".join("%s %s" % (k, v) for k, v in c.items() if k not in cols)
        print("| %s | %s | %s |" % (name, " | ".join(str(c.get(k)) for k in cols), other))
    log("%d case(s), %d failed, %.0f s" % (len(rows), failed, time.monotonic() - t_all))
    return 1 if failed else 0


def run_soak(args):
    case = Case(args, "soak", error_rate=args.error_rate)
    ok = False
    try:
        case.setup(0, rate=None)
        d = case.daemon()
        r = case.redis.client
        end = time.monotonic() + args.minutes * 60
        t0 = time.monotonic()
        sent_n, tick, rss, last_reload, last_restart = 0, 0.01, [], t0, t0
        next_sample = t0
        conn = r()
        while time.monotonic() < end:
            now = time.monotonic()
            want = int((now - t0) * args.rate)
            if want > sent_n:
                batch = [("XADD", PREFIX + ":inbox", "*", "kind", "account", "body",
                          benchlib.account(i, args.day, "CRASH"))
                         for i in range(sent_n + 1, want + 1)]
                try:
                    conn.pipeline(batch)
                    sent_n = want
                except (OSError, ConnectionError, RuntimeError):
                    time.sleep(0.2)
                    try:
                        conn = r()
                    except OSError:
                        pass
            if now - last_reload >= 60:
                d.p.send_signal(signal.SIGHUP)
                last_reload = now
            if now - last_restart >= 600:
                log("soak: kill -9 redis-server and restart it")
                case.redis.kill9()
                case.redis.start()
                conn = r()
                last_restart = now
            if d.p.poll() is not None:
                raise RuntimeError("soak: the daemon exited (%s); see %s" % (d.p.returncode, case.dir))
            if now >= next_sample:
                try:
                    with open("/proc/%d/status" % d.p.pid) as f:
                        kib = [int(x.split()[1]) for x in f if x.startswith("VmRSS:")][0]
                    rss.append((round(now - t0), kib))
                except OSError:
                    pass
                next_sample += 10
            time.sleep(tick)
        log("soak: %d accounts enqueued in %.0f s" % (sent_n, time.monotonic() - t0))
        settle(case.redis, args.offset_ms, 900)
        stop(d.p)
        c, bad = check(case.redis, case.sink, 1, sent_n)
        # Flat: the median of the last fifth of the samples after the warm-up
        # against the median of the first fifth (a trend, not the noise of
        # one sample); the spread of all of them is reported beside it.
        warm = [k for t, k in rss if t >= 120]
        fifth = max(1, len(warm) // 5)
        med = lambda xs: sorted(xs)[len(xs) // 2]
        flat = ((med(warm[-fifth:]) / med(warm[:fifth]) - 1) * 100 if warm
                else float("nan"))
        c["rss_kib_after_warmup_min_max"] = (min(warm), max(warm)) if warm else None
        c["rss_kib_first_last_fifth_median"] = ((med(warm[:fifth]), med(warm[-fifth:]))
                                                if warm else None)
        c["rss_growth_pct"] = round(flat, 1)
        c["rss_spread_pct"] = round((max(warm) / min(warm) - 1) * 100, 1) if warm else None
        with open(case.sink.out + ".errors") as f:
            errs = [line.split()[2] for line in f]
        c["sink_429"], c["sink_503"] = errs.count("429"), errs.count("503")
        log("soak: %s" % json.dumps(c))
        log("soak: RSS samples (s, KiB): %s" % rss)
        for b in bad[:10]:
            log("  " + b)
        ok = c["duplicates"] == 0 and c["lost"] == 0 and c["broken"] == 0 and flat <= 5
    finally:
        case.cleanup(ok)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="matrix", choices=["matrix", "soak"])
    ap.add_argument("--ci", action="store_true")
    ap.add_argument("--accounts", type=int, default=20000)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--cases", default="")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--error-rate", type=float, default=0.05)
    args = ap.parse_args()
    if args.ci:
        args.accounts, args.kills = 2000, 5
    for f in (OUTREACHD, CTL, os.path.join(PLUGINS, "sms-twilio.so")):
        if not os.path.exists(f):
            log("%s not found (BUILD_DIR=%s)" % (f, BUILD))
            return 1
    clock(args)
    return run_soak(args) if args.mode == "soak" else run_matrix(args)


if __name__ == "__main__":
    sys.exit(main())
