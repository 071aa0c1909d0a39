#!/usr/bin/env bash
# demo.sh: outreachd end to end on one machine, in well under a minute.
#
#   cmake -S . -B build && cmake --build build -j2 && bash docs/examples/demo.sh
#
# Starts a private redis-server on a free loopback port (data in a temporary
# directory), hands outreachd the sample portfolio (docs/examples/
# portfolio.jsonl) and two events, runs the daemon once with the "outbox"
# gateway (messages become JSON lines in a file, nothing is sent anywhere),
# and shows what it did.  Everything it starts is stopped by PID on exit.
#
# Environment: BUILD_DIR (default <repo>/build), KEEP=1 keeps the temporary
# directory (Redis data, outbox files, the daemon's log).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
OUTREACHD=$BUILD/bin/outreachd
CTL=$BUILD/bin/outreachctl
for bin in "$OUTREACHD" "$CTL"; do
	if [ ! -x "$bin" ]; then
		echo "demo: $bin not found; build first:" >&2
		echo "  cmake -S $ROOT -B $BUILD && cmake --build $BUILD -j2" >&2
		exit 1
	fi
done
command -v redis-server >/dev/null || { echo "demo: redis-server not installed (bash .ci/install)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "demo: python3 not installed (bash .ci/install)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/outreachd-demo.XXXXXX")
REDIS_PID=
DAEMON_PID=
cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	if [ -n "$REDIS_PID" ] && kill -0 "$REDIS_PID" 2>/dev/null; then
		kill "$REDIS_PID" 2>/dev/null || true
		wait "$REDIS_PID" 2>/dev/null || true
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "demo: kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP	# so that cleanup runs

section() { printf '\n== %s\n' "$*"; }

# ---- a private Redis ---------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
redis-server --bind 127.0.0.1 --port "$PORT" --dir "$TMP" --save '' --appendonly yes --appendfsync always \
	--daemonize no --logfile "$TMP/redis.log" &
REDIS_PID=$!
for _ in $(seq 100); do
	redis-cli -h 127.0.0.1 -p "$PORT" PING >/dev/null 2>&1 && break
	kill -0 "$REDIS_PID" 2>/dev/null || { echo "demo: redis-server failed:"; cat "$TMP/redis.log"; exit 1; } >&2
	sleep 0.05
done
REDIS=redis://127.0.0.1:$PORT/0
section "Redis: private redis-server (pid $REDIS_PID) on 127.0.0.1:$PORT, data in $TMP"

# ---- the clock ---------------------------------------------------------------
# Peruvian law (Ley 29571 art. 62(b), config/jurisdictions/PE.yaml) allows
# contact Monday to Friday 07:00-20:00 Lima time and never on a public holiday
# (config/holidays/PE.yaml).  Run now at night or on a Sunday, the daemon
# would rightly send nothing.  So the demo runs it with --clock-offset: its
# clock is moved to the next working day at 10:00 America/Lima.
read -r OFFSET_S DEMO_DAY DEMO_LOCAL NOTE < <(python3 - "$ROOT/config/holidays/PE.yaml" <<'EOF'
import datetime as dt, re, sys
from zoneinfo import ZoneInfo
lima = ZoneInfo("America/Lima")
text = open(sys.argv[1], encoding="utf-8").read()
holidays = set(re.findall(r"date:\s*(\d{4}-\d{2}-\d{2})", text))
years = {h[:4] for h in holidays}
now = dt.datetime.now(dt.timezone.utc)
day = now.astimezone(lima).date()
while True:
    at = dt.datetime.combine(day, dt.time(10, 0), lima)
    if at > now and day.weekday() < 5 and day.isoformat() not in holidays:
        break
    day += dt.timedelta(days=1)
note = "ok" if str(day.year) in years else "no-holidays-listed-for-%d" % day.year
print(int((at - now).total_seconds()) + 1, day.isoformat(),
      at.strftime("%A_%Y-%m-%d_%H:%M_%Z"), note)
EOF
)
CLOCK_OFFSET=${OFFSET_S}s
export OUTREACHD_CLOCK_OFFSET=$CLOCK_OFFSET	# outreachctl's "due now" agrees with the daemon
section "Clock: daemon runs ${CLOCK_OFFSET} ahead, at ${DEMO_LOCAL//_/ } (America/Lima)"
echo "Contact rules for Peru (Ley 29571 art. 62(b)): Mon-Fri 07:00-20:00 local time, no"
echo "public holidays.  The demo moves the daemon's clock to the next such working day at"
echo "10:00 with --clock-offset, so the rules allow sending; the portfolio's due dates are"
echo "placed around that day ($DEMO_DAY)."
[ "$NOTE" = ok ] || echo "warning: config/holidays/PE.yaml lists no holidays for ${DEMO_DAY%%-*}; extend it"

# ---- the portfolio -----------------------------------------------------------
# portfolio.jsonl is a template: "due_date":"TODAY+3" means three days after
# the demo day.  The last six lines are deliberately wrong.
python3 - "$DEMO_DAY" "$ROOT/docs/examples/portfolio.jsonl" >"$TMP/portfolio.jsonl" <<'EOF'
import datetime as dt, re, sys
day = dt.date.fromisoformat(sys.argv[1])
sub = lambda m: (day + dt.timedelta(days=int(m.group(1)))).isoformat()
for line in open(sys.argv[2], encoding="utf-8"):
    sys.stdout.write(re.sub(r"TODAY([+-]\d+)", sub, line))
EOF
ctl() { "$CTL" --redis "$REDIS" "$@"; }
section "Enqueue: $(wc -l <"$TMP/portfolio.jsonl") account documents (outreachctl enqueue)"
# exit status 1: a line is not JSON (deliberately: line 40); it is sent
# anyway and lands in rejected
rc=0; ctl enqueue "$TMP/portfolio.jsonl" 2>&1 || rc=$?
[ "$rc" -le 1 ] || exit "$rc"
echo "Events: DEMO-0030 paid in full; DEMO-0031 opted out of SMS"
ctl event payment DEMO-0030 950.00 --full
ctl event opt-out DEMO-0031 sms

# ---- the daemon --------------------------------------------------------------
mkdir -p "$TMP/outbox" "$TMP/state"
section "Run: outreachd --once (log in \$TMP/outreachd.log)"
left() {	# inbox entries not read or acknowledged, actions due now or in flight
	ctl status --json | python3 -c 'import json,sys
s = json.load(sys.stdin); g = s["group"] or {}
print((g.get("lag") or 0) + (g.get("pending") or 0) + s["due_now"] + s["in_flight"] + (0 if s["group"] else 1))'
}
daemon() {	# [timeout SECONDS] [--once]
	local pre=()
	[ "${1:-}" = timeout ] && { pre=(timeout "$2"); shift 2; }
	OUTREACHD_OUTBOX_DIR=$TMP/outbox OUTREACHD_STATE_DIR=$TMP/state \
	OUTREACHD_PLUGIN_DIR=$BUILD/lib/outreachd/channels \
		"${pre[@]}" "$OUTREACHD" --config "$ROOT/config/outreachd.yaml" --redis "$REDIS" \
		--clock-offset "$CLOCK_OFFSET" "$@" >>"$TMP/outreachd.log" 2>&1
}
rc=0; daemon timeout 45 --once || rc=$?
[ "$rc" -eq 0 ] || { echo "demo: outreachd failed (status $rc):" >&2; tail -20 "$TMP/outreachd.log" >&2; exit 1; }
n=$(left)
if [ "$n" -ne 0 ]; then
	# A safety net: an outreachd --once that stops with work left (older builds
	# could stop before their first inbox read; tests/test_it_pipeline.c
	# test_once_fresh guards that now).  Run it as a service until the work is
	# done and stop it by PID.  Nothing is ever applied or sent twice.
	echo "note: outreachd --once stopped with $n entries/actions left; running it until they are done"
	OUTREACHD_OUTBOX_DIR=$TMP/outbox OUTREACHD_STATE_DIR=$TMP/state \
	OUTREACHD_PLUGIN_DIR=$BUILD/lib/outreachd/channels \
		"$OUTREACHD" --config "$ROOT/config/outreachd.yaml" --redis "$REDIS" \
		--clock-offset "$CLOCK_OFFSET" >>"$TMP/outreachd.log" 2>&1 &
	DAEMON_PID=$!	# outreachd itself, so that it is the one stopped
	for _ in $(seq 750); do	# entries the first run took and never applied wait out 60 s
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
		[ "$(left)" -eq 0 ] && break
	done
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	rc=0; wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=
	[ "$rc" -eq 0 ] || [ "$rc" -eq 143 ] || { echo "demo: outreachd failed (status $rc):" >&2; tail -20 "$TMP/outreachd.log" >&2; exit 1; }
fi
grep -E '\[daemon\] (ready|stopped)' "$TMP/outreachd.log" | sed 's/^/  /'

# ---- what it did -------------------------------------------------------------
section "Messages written by the outbox gateway (a few of each channel)"
python3 - "$TMP/outbox" <<'EOF'
import json, os, sys, textwrap
d = sys.argv[1]
for kind in ("sms", "email", "whatsapp"):
    path = os.path.join(d, kind + ".jsonl")
    msgs = [json.loads(l) for l in open(path, encoding="utf-8")] if os.path.exists(path) else []
    print("-- %s: %d message(s)" % (kind, len(msgs)))
    for m in msgs[:2]:
        print("   %s  to %s  [%s / %s, %s]" % (m.get("account_id"), m.get("to"),
              m.get("policy"), m.get("step"), m.get("locale")))
        if m.get("subject"):
            print("   subject: " + m["subject"])
        if m.get("text"):
            body = m["text"].strip().splitlines()
            shown = body[:6] if kind == "email" else body
            for para in shown:
                for l in textwrap.wrap(para, 88) or [""]:
                    print("   | " + l)
            if len(body) > len(shown):
                print("   | ...")
        if m.get("wa_template"):
            print("   template %s (%s), parameters: %s" % (m["wa_template"],
                  m.get("wa_language"), ", ".join(m.get("wa_params", []))))
        if kind == "sms" and m.get("encoding"):
            print("   (%s, %s segment(s))" % (m["encoding"], m.get("segments")))
EOF

section "outreachctl status"
ctl status
section "outreachctl attempts DEMO-0031   (opted out of SMS: the step falls back to email)"
ctl attempts DEMO-0031
section "outreachctl attempts DEMO-0029   (no channel consented: suppressed, reason consent)"
ctl attempts DEMO-0029
section "outreachctl rejected   (each bad document, with the reason)"
ctl rejected
section "outreachctl attempts DEMO-0030   (paid in full before the run: nothing is sent)"
ctl attempts DEMO-0030
nrej=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rejected"])')
if [ "$nrej" -ne 6 ]; then
	echo
	echo "warning: $nrej entries rejected, not the 6 deliberately bad documents: see the list above"
fi
echo
echo "Done.  Accounts due later stay scheduled in outreach:due; outreachd without --once"
echo "keeps going.  The messages are in the outbox files (KEEP=1 keeps \$TMP)."
