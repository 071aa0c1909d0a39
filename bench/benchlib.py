#!/usr/bin/env python3
"""bench/benchlib.py: the helpers of bench/run.sh (Python 3 stdlib only).

  gen N DAY [--prefix ID] [--start I]    account JSON lines on stdout
  wait PORT PREFIX TARGET [--pid P] [--stall S]
                                         poll XLEN <prefix>:attempts until it
                                         reaches TARGET; prints the polls made
  check PORT PREFIX N [--base-ms MS] [--id-prefix ID]
                                         per-account check and lag percentiles
  steady PORT PREFIX RATE SECS DAY [--pid P] [--rss-out F]
                                         rate-controlled XADD to the inbox
  offset HOLIDAYS                         clock offset to the next working day
                                         10:00 America/Lima, and that day
  median                                  median of each column of stdin
  script-times PORT PREFIX               Redis's time per script (SLOWLOG,
                                         logged with threshold 0), named by
                                         the script's first key

Every account is a small Peruvian balance (policy small-balance: its first
step, reminder_due, is one SMS at the due date 09:00 America/Lima).  With DAY
the clock's day in Lima and the daemon's clock at 10:00 that day, every
account's first action is due the moment it is read.
"""
import datetime as dt
import json
import os
import re
import socket
import sys
import time


class Redis:
    """A minimal RESP2 client: one connection, commands and pipelines."""

    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rf = self.sock.makefile("rb", buffering=1 << 16)
        self.calls = 0

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def read(self):
        line = self.rf.readline()
        if not line:
            raise ConnectionError("redis closed the connection")
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError("redis: " + rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.rf.read(n + 2)
            return data[:-2].decode()
        if t == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self.read() for _ in range(n)]
        raise RuntimeError("redis: bad reply %r" % line)

    def cmd(self, *args):
        self.sock.sendall(self.encode(args))
        self.calls += 1
        return self.read()

    def pipeline(self, cmds):
        self.sock.sendall(b"".join(self.encode(c) for c in cmds))
        self.calls += len(cmds)
        return [self.read() for _ in cmds]


def account(i, day, id_prefix="BENCH"):
    # Amounts 20.00-199.99 PEN: policy small-balance (docs/policies.md).
    return ('{"account_id":"%s-%07d","debtor":{"name":"Cliente Ficticio %d",'
            '"phone":"+519%08d","timezone":"America/Lima","country":"PE"},'
            '"debt":{"amount":"%d.%02d","currency":"PEN","due_date":"%s",'
            '"product":"Préstamo personal"},"consent":{"sms":true}}'
            % (id_prefix, i, i, i, 20 + i % 180, i % 100, day))


def cmd_gen(args):
    n, day = int(args[0]), args[1]
    id_prefix, start = "BENCH", 1
    if "--prefix" in args:
        id_prefix = args[args.index("--prefix") + 1]
    if "--start" in args:
        start = int(args[args.index("--start") + 1])
    w = sys.stdout.write
    chunk = []
    for i in range(start, start + n):
        chunk.append(account(i, day, id_prefix))
        if len(chunk) == 4096:
            w("\n".join(chunk) + "\n")
            chunk = []
    if chunk:
        w("\n".join(chunk) + "\n")


def opt(args, name, default=None, conv=str):
    if name in args:
        return conv(args[args.index(name) + 1])
    return default


def alive(pid):
    if pid is None:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def cmd_wait(args):
    """Polls XLEN every 20 ms; exit 1 on a stall (no growth for --stall s)."""
    r = Redis(int(args[0]))
    key, target = args[1] + ":attempts", int(args[2])
    pid, stall = opt(args, "--pid", None, int), opt(args, "--stall", 30.0, float)
    last, since = -1, time.monotonic()
    while True:
        n = r.cmd("XLEN", key)
        if n >= target:
            break
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since > stall:
            print(r.calls)
            print("bench: %s stuck at %d of %d entries for %.0f s" % (key, n, target, stall),
                  file=sys.stderr)
            sys.exit(1)
        if not alive(pid):
            print(r.calls)
            print("bench: outreachd (pid %d) is gone" % pid, file=sys.stderr)
            sys.exit(1)
        time.sleep(0.02)
    print(r.calls)


def xrange_all(r, key, fields=None):
    """Yields (ms, seq, {field: value}) for every entry of a stream."""
    start = "-"
    while True:
        page = r.cmd("XRANGE", key, start, "+", "COUNT", 10000)
        if not page:
            return
        for eid, kv in page:
            ms, seq = eid.split("-")
            yield int(ms), int(seq), dict(zip(kv[0::2], kv[1::2]))
        ms, seq = page[-1][0].split("-")
        start = "%s-%d" % (ms, int(seq) + 1)


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def policy_steps(policy_dir=None):
    """{policy name: [step names in order]} from the repository's policy/."""
    policy_dir = policy_dir or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "..", "policy")
    out = {}
    for name in sorted(os.listdir(policy_dir)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(policy_dir, name), encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"^name:\s*(\S+)", text, re.M)
        if m:
            out[m.group(1)] = re.findall(r"^  - name:\s*(\S+)", text, re.M)
    return out


def cmd_check(args):
    """Exactly one 'sending' and one 'sent' per account, and besides them
    only the superseded records (reason later_step_due, before the
    'sending') of the steps its policy has before the one sent, once each,
    in order: a step whose successor was due too when the account came in
    (small-balance, the policy of these accounts: none); nothing rejected,
    in flight or due now.  Lag: the 'sent' entry's stream id (ms, Redis's
    clock) minus max(the account's inbox entry id, --base-ms).
    Prints key=value lines; exit 1 on a failed check."""
    r = Redis(int(args[0]))
    p, n = args[1], int(args[2])
    base = opt(args, "--base-ms", 0, int)
    id_prefix = opt(args, "--id-prefix", "BENCH")
    enq = {}
    for ms, _, f in xrange_all(r, p + ":inbox"):
        m = re.match(r'\{"account_id":"([^"]+)"', f.get("body", ""))
        if m:
            enq[m.group(1)] = ms
    sent, sending, other = {}, {}, {}
    superseded, sent_step, sup_bad = {}, {}, set()
    steps = policy_steps()
    first = last = None
    lags = []
    for ms, _, f in xrange_all(r, p + ":attempts"):
        a, st = f.get("account_id", ""), f.get("status", "")
        if not a.startswith(id_prefix + "-"):
            continue
        if first is None:
            first = ms
        last = ms
        if st == "sent":
            sent[a] = sent.get(a, 0) + 1
            sent_step[a] = (f.get("policy", ""), f.get("step", ""))
            if a in enq:
                lags.append(ms - max(enq[a], base))
        elif st == "sending":
            sending[a] = sending.get(a, 0) + 1
        elif st == "superseded":
            superseded.setdefault(a, []).append(f.get("step", ""))
            if f.get("reason") != "later_step_due" or a in sending:
                sup_bad.add(a)
        else:
            other[a] = other.get(a, 0) + 1
            if len(other) <= 5:
                print("bench: %s: attempt %s (%s)" % (a, st, f.get("reason", "")), file=sys.stderr)
    def superseded_ok(a):
        """The steps before the one sent, in order, each superseded once."""
        if a in sup_bad or a not in sent_step:
            return a not in superseded and a not in sup_bad
        policy, step = sent_step[a]
        order = steps.get(policy, [])
        want = order[:order.index(step)] if step in order else []
        return superseded.get(a, []) == want

    def good(a):
        return (sent.get(a) == 1 and sending.get(a) == 1 and a not in other and
                superseded_ok(a))

    fails = 0
    ok = sum(1 for a in enq if good(a))
    if ok != n or len(enq) != n:
        fails += 1
        bad = [a for a in enq if not good(a)]
        print("bench: %d of %d accounts enqueued; %d with exactly one attempt, sent; e.g. %s"
              % (len(enq), n, ok, ", ".join("%s sent=%d sending=%d other=%d superseded=%s" %
                 (a, sent.get(a, 0), sending.get(a, 0), other.get(a, 0),
                  ",".join(superseded.get(a, [])) or "-") for a in bad[:3])),
              file=sys.stderr)
    rej = r.cmd("XLEN", p + ":rejected")
    infl = r.cmd("ZCARD", p + ":inflight")
    if rej or infl:
        fails += 1
        print("bench: %d rejected, %d in flight" % (rej, infl), file=sys.stderr)
    lags.sort()
    print("first_ms=%d" % (first or 0))
    print("last_ms=%d" % (last or 0))
    print("sent=%d" % sum(sent.values()))
    print("lag_p50=%d" % pct(lags, 50) if lags else "lag_p50=nan")
    print("lag_p99=%d" % pct(lags, 99) if lags else "lag_p99=nan")
    print("lag_max=%d" % lags[-1] if lags else "lag_max=nan")
    print("fails=%d" % fails)
    sys.exit(1 if fails else 0)


def rss_kib(pid, field="VmRSS"):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cmd_steady(args):
    """XADDs RATE accounts a second for SECS seconds, in 10 ms ticks, each
    tick one pipeline; samples the daemon's VmRSS every 10 s into --rss-out."""
    r = Redis(int(args[0]))
    key, rate, secs, day = args[1] + ":inbox", float(args[2]), float(args[3]), args[4]
    pid, rss_out = opt(args, "--pid", None, int), opt(args, "--rss-out")
    samples = open(rss_out, "w") if rss_out else None
    t0 = time.monotonic()
    sent, i, next_sample = 0, 1, 0.0
    while True:
        now = time.monotonic() - t0
        if samples is not None and pid is not None and now >= next_sample:
            samples.write("%.0f %d\n" % (next_sample, rss_kib(pid)))
            samples.flush()
            next_sample += 10.0
        if now >= secs:
            break
        due = min(int(rate * now) + 1, int(rate * secs))
        if due > sent:
            cmds = []
            for _ in range(due - sent):
                cmds.append(("XADD", key, "*", "kind", "account", "body",
                             account(i, day, "STEADY")))
                i += 1
            r.pipeline(cmds)
            sent = due
        time.sleep(max(0.0, 0.01 - ((time.monotonic() - t0) - now)))
    end = time.monotonic() - t0
    if samples is not None and pid is not None and end - (next_sample - 10.0) >= 1.0:
        samples.write("%.0f %d\n" % (end, rss_kib(pid)))
    if samples is not None:
        samples.close()
    print(sent)


def cmd_offset(args):
    from zoneinfo import ZoneInfo
    lima = ZoneInfo("America/Lima")
    with open(args[0], encoding="utf-8") as f:
        holidays = set(re.findall(r"date:\s*(\d{4}-\d{2}-\d{2})", f.read()))
    now = dt.datetime.now(dt.timezone.utc)
    day = now.astimezone(lima).date()
    while True:
        at = dt.datetime.combine(day, dt.time(10, 0), lima)
        if at > now and day.weekday() < 5 and day.isoformat() not in holidays:
            break
        day += dt.timedelta(days=1)
    far = day + dt.timedelta(days=365)
    print(int((at - now).total_seconds()) + 1, day.isoformat(), far.isoformat())


def cmd_median(_args):
    rows = [line.split() for line in sys.stdin if line.strip()]
    out = []
    for col in zip(*rows):
        try:
            v = sorted(float(x) for x in col)
        except ValueError:
            out.append("-")
            continue
        m = v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
        out.append("%g" % m)
    print(" ".join(out))


def cmd_script_times(args):
    r = Redis(int(args[0]))
    prefix = args[1] + ":"
    entries = r.cmd("SLOWLOG", "GET", "-1")
    tot = {}
    for e in entries:
        us, argv = e[2], e[3]
        name = argv[0].lower()
        if name in ("evalsha", "eval") and len(argv) > 3:
            name += " " + argv[3].replace(prefix, "")
        t = tot.setdefault(name, [0, 0])
        t[0] += 1
        t[1] += us
    print("%-28s %8s %12s %10s" % ("command (first key)", "calls", "usec", "usec/call"))
    for name, (n, us) in sorted(tot.items(), key=lambda kv: -kv[1][1]):
        print("%-28s %8d %12d %10.1f" % (name, n, us, us / n))


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds = {"gen": cmd_gen, "wait": cmd_wait, "check": cmd_check, "steady": cmd_steady,
            "offset": cmd_offset, "median": cmd_median,
            "script-times": cmd_script_times}
    if sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        os._exit(1)
