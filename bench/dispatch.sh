#!/usr/bin/env bash
# bench/dispatch.sh: dispatch throughput of outreachd with the outbox gateway.
#
#   bash bench/dispatch.sh [-n N] [--repeat R] [--smoke]
#
# For each run: a private redis-server on a free loopback port (appendonly
# yes, appendfsync always: durability strict, the default, data in a temporary directory); N accounts
# (default 20000) due now, generated with awk and enqueued with
# `outreachctl enqueue`; then `outreachd --once` with the outbox gateway and
# a clock offset that puts it at the next working day 10:00 America/Lima
# (inside Peru's contact window, Ley 29571 art. 62(b); see demo.sh).
#
# Half the accounts are small balances (policy small-balance: SMS), half
# pe-consumer with WhatsApp consent (WhatsApp); all are due today, so each
# gets exactly one message: the reminder_due step.
#
# Reports: enqueue rate; actions/s end to end (first to last entry of
# <prefix>:attempts, whose ids are ms timestamps: first claim to last
# attempt recorded); outreachd's peak RSS and CPU seconds (/usr/bin/time -v);
# redis-server's CPU seconds (INFO cpu deltas); Redis commands per action
# (INFO commandstats deltas over the daemon's run, commands run by scripts
# included, INFO itself excluded).  Checks that every account has exactly
# one 'sending' and one 'sent' attempt, of reminder_due, and besides them
# only the superseded records of the steps its policy has before
# reminder_due, once each, in order, before the 'sending' (pe-consumer:
# reminder_upcoming, at -3d, passed unsent; small-balance: none), that no
# action is left due or in flight, and that the outbox holds N messages;
# exits 1 otherwise.
#
# --smoke: N=200, one run (CI).  --repeat R: R runs, then the median.
# BUILD_DIR (default <repo>/build); KEEP=1 keeps the temporary directories.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
N=20000
REPEAT=1
SMOKE=0
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	--repeat) REPEAT=$2; shift 2 ;;
	--smoke) SMOKE=1; N=200; REPEAT=1; shift ;;
	-h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "usage: bench/dispatch.sh [-n N] [--repeat R] [--smoke]" >&2; exit 2 ;;
	esac
done
case $N in ''|*[!0-9]*) echo "bench: -n wants a number" >&2; exit 2 ;; esac
OUTREACHD=$BUILD/bin/outreachd
CTL=$BUILD/bin/outreachctl
for bin in "$OUTREACHD" "$CTL" /usr/bin/time; do
	[ -x "$bin" ] || { echo "bench: $bin not found (build first; bash .ci/install)" >&2; exit 1; }
done

TMP=
REDIS_PID=
DAEMON_PID=
cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		# /usr/bin/time's child first: outreachd itself
		for p in $(ps -o pid= --ppid "$DAEMON_PID"); do kill "$p" 2>/dev/null || true; done
		kill "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	DAEMON_PID=
	if [ -n "$REDIS_PID" ] && kill -0 "$REDIS_PID" 2>/dev/null; then
		kill "$REDIS_PID" 2>/dev/null || true
		wait "$REDIS_PID" 2>/dev/null || true
	fi
	REDIS_PID=
	if [ -n "$TMP" ]; then
		if [ "${KEEP:-0}" = 1 ]; then echo "bench: kept $TMP"; else rm -rf "$TMP"; fi
	fi
	TMP=
}
trap cleanup EXIT

now() { date +%s.%N; }
# inbox entries not yet read or acknowledged, plus actions due now or in flight
left_count() {
	"$CTL" --redis "$1" status --json | python3 -c 'import json,sys
s = json.load(sys.stdin); g = s["group"] or {}
print((g.get("lag") or 0) + (g.get("pending") or 0) + s["due_now"] + s["in_flight"] + (0 if s["group"] else 1))'
}
# INFO commandstats -> "total calls" (INFO excluded), or "cmd calls" lines with -a
cmdstats() {
	redis-cli -h 127.0.0.1 -p "$PORT" INFO commandstats | tr -d '\r' |
	awk -F'[_:=,]' -v all="${1:-}" '/^cmdstat_/ && $2 != "info" {
		if (all) print $2, $4; else t += $4 } END { if (!all) print t + 0 }'
}
redis_cpu() {
	redis-cli -h 127.0.0.1 -p "$PORT" INFO cpu | tr -d '\r' |
	awk -F: '/^used_cpu_(user|sys):/ { t += $2 } END { printf "%.3f\n", t }'
}

# The next working day 10:00 America/Lima (weekday, not in config/holidays/PE.yaml).
read -r OFFSET_S DAY < <(python3 - "$ROOT/config/holidays/PE.yaml" <<'EOF'
import datetime as dt, re, sys
from zoneinfo import ZoneInfo
lima = ZoneInfo("America/Lima")
holidays = set(re.findall(r"date:\s*(\d{4}-\d{2}-\d{2})", open(sys.argv[1], encoding="utf-8").read()))
now = dt.datetime.now(dt.timezone.utc)
day = now.astimezone(lima).date()
while True:
    at = dt.datetime.combine(day, dt.time(10, 0), lima)
    if at > now and day.weekday() < 5 and day.isoformat() not in holidays:
        break
    day += dt.timedelta(days=1)
print(int((at - now).total_seconds()) + 1, day.isoformat())
EOF
)
export OUTREACHD_CLOCK_OFFSET=${OFFSET_S}s

RESULTS=$(mktemp "${TMPDIR:-/tmp}/outreachd-bench-results.XXXXXX")
trap 'cleanup; rm -f "$RESULTS"' EXIT
trap 'exit 143' TERM INT HUP	# so that the EXIT trap runs

bench_once() {
	local run=$1 rc left t0 t1 s0 s1 c0 c1 first last fails sent_lines
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/outreachd-bench.XXXXXX")
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
	redis-server --bind 127.0.0.1 --port "$PORT" --dir "$TMP" --save '' \
		--appendonly yes --appendfsync always --daemonize no \
		--logfile "$TMP/redis.log" &
	REDIS_PID=$!
	for _ in $(seq 100); do
		redis-cli -h 127.0.0.1 -p "$PORT" PING >/dev/null 2>&1 && break
		kill -0 "$REDIS_PID" 2>/dev/null || { echo "bench: redis-server failed"; cat "$TMP/redis.log"; return 1; } >&2
		sleep 0.05
	done
	local REDIS=redis://127.0.0.1:$PORT/0

	# N accounts due today (the clock's day in Lima): reminder_due at 09:00
	awk -v n="$N" -v day="$DAY" 'BEGIN {
		for (i = 1; i <= n; i++) {
			if (i % 2) {	# small-balance, SMS
				amt = sprintf("%d.%02d", 20 + i % 170, i % 100)
				cons = "\"sms\":true,\"email\":true"; wa = ""
			} else {	# pe-consumer, WhatsApp first
				amt = sprintf("%d.%02d", 200 + i % 9000, i % 100)
				cons = "\"sms\":true,\"whatsapp\":true"
				wa = sprintf(",\"whatsapp\":\"+519%08d\"", i)
			}
			printf "{\"account_id\":\"BENCH-%07d\",\"debtor\":{\"name\":\"Cliente Ficticio %d\"," \
			    "\"phone\":\"+519%08d\",\"email\":\"cliente%d@example.pe\"%s,\"timezone\":\"America/Lima\"," \
			    "\"country\":\"PE\"},\"debt\":{\"amount\":\"%s\",\"currency\":\"PEN\",\"due_date\":\"%s\"," \
			    "\"product\":\"Préstamo personal\"},\"consent\":{%s}}\n", i, i, i, i, wa, amt, day, cons
		}
	}' >"$TMP/accounts.jsonl"

	t0=$(now)
	"$CTL" --redis "$REDIS" enqueue "$TMP/accounts.jsonl" >/dev/null
	t1=$(now)
	local enq_rate
	enq_rate=$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')

	# the daemon: --once.  Safety net: if it stops with work left (older builds
	# could stop before their first inbox read), once more without --once,
	# stopped by PID as soon as everything is read, acknowledged and sent; the
	# run is then flagged.
	mkdir -p "$TMP/outbox" "$TMP/state"
	local cpu_d=0 rss=0 calls=0 rcpu=0 runs=0 wall=0 mode=once tpid dpid waited
	local limit=$((1200 + N / 10))	# tenths of a second: 2 min + 1 s per 100 accounts
	s0=$(cmdstats); cmdstats -a >"$TMP/cmds0"; c0=$(redis_cpu); t0=$(now)
	for try in 1 2; do
		runs=$try
		rc=0
		if [ "$try" -eq 1 ]; then
			OUTREACHD_OUTBOX_DIR=$TMP/outbox OUTREACHD_STATE_DIR=$TMP/state \
			OUTREACHD_PLUGIN_DIR=$BUILD/lib/outreachd/channels \
				/usr/bin/time -v -o "$TMP/time.$try" "$OUTREACHD" \
				--config "$ROOT/config/outreachd.yaml" --redis "$REDIS" --once \
				>>"$TMP/outreachd.log" 2>&1 &
			DAEMON_PID=$!	# /usr/bin/time, which waits for outreachd
			waited=0
			while kill -0 "$DAEMON_PID" 2>/dev/null && [ "$waited" -lt "$limit" ]; do
				sleep 0.1; waited=$((waited + 1))
			done
			if kill -0 "$DAEMON_PID" 2>/dev/null; then
				echo "bench: outreachd --once still running after $((limit / 10)) s; stopping it" >&2
				dpid=$(ps -o pid= --ppid "$DAEMON_PID" | tr -d ' ')
				[ -z "$dpid" ] || kill -TERM "$dpid" 2>/dev/null || true
			fi
			wait "$DAEMON_PID" || rc=$?
			DAEMON_PID=
		else
			mode=fallback
			OUTREACHD_OUTBOX_DIR=$TMP/outbox OUTREACHD_STATE_DIR=$TMP/state \
			OUTREACHD_PLUGIN_DIR=$BUILD/lib/outreachd/channels \
				/usr/bin/time -v -o "$TMP/time.$try" "$OUTREACHD" \
				--config "$ROOT/config/outreachd.yaml" --redis "$REDIS" \
				>>"$TMP/outreachd.log" 2>&1 &
			tpid=$!
			DAEMON_PID=$tpid
			dpid=
			for _ in $(seq 900); do	# 90 s: entries stranded by a --once run wait out 60 s
				sleep 0.1
				kill -0 "$tpid" 2>/dev/null || break
				[ -n "$dpid" ] || dpid=$(ps -o pid= --ppid "$tpid" | tr -d ' ')
				[ "$(left_count "$REDIS")" -eq 0 ] && break
			done
			[ -n "$dpid" ] && kill -TERM "$dpid" 2>/dev/null
			wait "$tpid" || rc=$?
			DAEMON_PID=
			[ "$rc" -ne 143 ] || rc=0	# ended by the SIGTERM before its handler ran
		fi
		if [ "$rc" -ne 0 ]; then
			echo "bench: outreachd exited with status $rc:" >&2
			tail -20 "$TMP/outreachd.log" >&2
			return 1
		fi
		read -r cpu_d rss < <(awk -v cpu="$cpu_d" -v rss="$rss" -F': ' '
			/User time|System time/ { cpu += $2 }
			/Maximum resident set size/ { if ($2 > rss) rss = $2 }
			END { printf "%.3f %d\n", cpu, rss }' "$TMP/time.$try")
		left=$(left_count "$REDIS")
		[ "$left" -eq 0 ] && break
		echo "bench: note: outreachd --once stopped with $left inbox entries or actions left" >&2
	done
	t1=$(now); s1=$(cmdstats); cmdstats -a >"$TMP/cmds1"; c1=$(redis_cpu)
	read -r calls rcpu wall < <(awk -v s0="$s0" -v s1="$s1" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" \
	    'BEGIN { printf "%d %.3f %.3f\n", s1 - s0, c1 - c0, t1 - t0 }')

	# what was recorded
	local akey=outreach:attempts
	first=$(redis-cli -h 127.0.0.1 -p "$PORT" --raw XRANGE "$akey" - + COUNT 1 | head -1)
	last=$(redis-cli -h 127.0.0.1 -p "$PORT" --raw XREVRANGE "$akey" + - COUNT 1 | head -1)
	redis-cli -h 127.0.0.1 -p "$PORT" --raw XRANGE "$akey" - + >"$TMP/attempts.txt"
	# each policy's steps in order, "policy step step ...": a step before the
	# one an account is first sent was superseded (its successor was due too);
	# the escalation's steps: only those under steps: (not plan_steps:, not
	# promises: steps:)
	for f in "$ROOT"/policy/*.yaml; do
		awk '/^name:/ { p = $2 } /^[a-z_]+:/ { in_steps = /^steps:/ }
		    in_steps && /^  - name:/ { s = s " " $3 } END { print p s }' "$f"
	done >"$TMP/steps.txt"
	# one line per account: "account sent sending other superseded", from the
	# stream's pairs; superseded is "ok" when the account's superseded records
	# are exactly the steps before the one sent, in order, before its 'sending'
	awk '
		function flush() {
			if (acct == "") return
			seen[acct] = 1
			if (st == "sent") { sent[acct]++; sstep[acct] = step; pol[acct] = policy }
			else if (st == "sending") sending[acct]++
			else if (st == "superseded") {
				if (reason != "later_step_due" || sending[acct] > 0) supbad[acct] = 1
				sup[acct] = sup[acct] " " step
			} else other[acct]++
		}
		NR == FNR { k = $1; $1 = ""; before[k] = $0; next }
		pos % 2 == 0 && /^[0-9]+-[0-9]+$/ { flush(); acct = st = step = policy = reason = ""; pos = 0; next }
		pos % 2 == 0 { field = $0; pos++; next }
		{ if (field == "account_id") acct = $0; else if (field == "status") st = $0
		  else if (field == "step") step = $0; else if (field == "policy") policy = $0
		  else if (field == "reason") reason = $0; pos++ }
		END {
			flush()
			for (a in seen) {
				want = ""
				if (sstep[a] == "reminder_due" && pol[a] in before) {
					n = split(before[pol[a]], steps, " ")
					for (i = 1; i <= n && steps[i] != sstep[a]; i++) want = want " " steps[i]
					if (i > n) want = "?"
				} else want = "?"
				if (supbad[a]) ok = "superseded_after_its_sending_or_not_later_step_due"
				else if (sup[a] == want) ok = "ok"
				else ok = "superseded[" sup[a] " ] want[" want " ]"
				gsub(/ /, "_", ok)
				print a, sent[a] + 0, sending[a] + 0, other[a] + 0, ok
			}
		}' "$TMP/steps.txt" "$TMP/attempts.txt" >"$TMP/per_account.txt"
	sent_lines=$(cat "$TMP/outbox/"*.jsonl 2>/dev/null | wc -l)
	fails=$(awk -v n="$N" '
		$2 == 1 && $3 == 1 && $4 == 0 && $5 == "ok" { ok++; next }
		{ bad++; if (bad <= 5) printf "bench: %s has %d sent, %d sending and %d other attempts; %s\n", $1, $2, $3, $4, $5 > "/dev/stderr" }
		END { missing = n - ok - bad; if (missing > 0) printf "bench: %d accounts have no attempt\n", missing > "/dev/stderr"
		      print bad + (missing > 0 ? missing : 0) }' "$TMP/per_account.txt")
	local status_json
	status_json=$("$CTL" --redis "$REDIS" status --json)
	read -r accounts rejected due_now inflight < <(python3 -c 'import json,sys
s = json.loads(sys.argv[1]); print(s["accounts"], s["rejected"], s["due_now"], s["in_flight"])' "$status_json")
	[ "$accounts" -eq "$N" ] || { echo "bench: $accounts accounts stored, not $N" >&2; fails=$((fails + 1)); }
	[ "$rejected" -eq 0 ] || { echo "bench: $rejected entries rejected" >&2; fails=$((fails + 1)); }
	[ "$due_now" -eq 0 ] && [ "$inflight" -eq 0 ] || { echo "bench: $due_now due now, $inflight in flight after the run" >&2; fails=$((fails + 1)); }
	[ "$sent_lines" -eq "$N" ] || { echo "bench: the outbox holds $sent_lines messages, not $N" >&2; fails=$((fails + 1)); }

	local span rate cpa
	span=$(awk -v a="${first%-*}" -v b="${last%-*}" 'BEGIN { printf "%.3f", (b - a) / 1000 }')
	rate=$(awk -v n="$N" -v s="$span" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "inf" }')
	cpa=$(awk -v c="$calls" -v n="$N" 'BEGIN { printf "%.1f", c / n }')
	printf '%s %s %s %s %s %s %s %s %s %s %s\n' "$run" "$N" "$enq_rate" "$rate" "$span" "$wall" \
	    "$rss" "$cpu_d" "$rcpu" "$cpa" "$fails" >>"$RESULTS"
	if [ "$run" -eq 1 ]; then
		echo "Redis commands during the daemon's run(s), top 10 (calls; per action):"
		awk 'NR == FNR { c0[$1] = $2; next } { print $1, $2 - c0[$1] }' "$TMP/cmds0" "$TMP/cmds1" |
		    sort -k2 -nr | head -10 | awk -v n="$N" '$2 > 0 { printf "  %-20s %9d  %6.2f\n", $1, $2, $2 / n }'
	fi
	[ "$mode" = once ] || echo "bench: run $run: outreachd --once stopped early; measured a run without --once (includes status polling)" >&2
	[ "$fails" -eq 0 ]
}

echo "outreachd dispatch benchmark: N=$N, outbox gateway, redis appendonly everysec"
echo "clock: +${OFFSET_S}s (the next working day 10:00 America/Lima, $DAY)"
echo "machine: $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M UTC')"
failures=0
for r in $(seq "$REPEAT"); do
	bench_once "$r" || failures=$((failures + 1))
	cleanup
done

echo
awk '
	BEGIN { printf "%-4s %7s %12s %12s %8s %8s %9s %9s %9s %9s %6s\n", "run", "N", "enqueue/s",
	    "actions/s", "span s", "wall s", "RSS MiB", "od CPU s", "redis s", "cmds/act", "check" }
	{ printf "%-4s %7d %12d %12s %8.3f %8.3f %9.1f %9.3f %9.3f %9.1f %6s\n", $1, $2, $3, $4, $5, $6,
	    $7 / 1024, $8, $9, $10, $11 == 0 ? "ok" : "FAIL"
	  for (i = 3; i <= 10; i++) v[i, NR] = $i; rows = NR }
	END {
		if (rows < 2) exit
		printf "%-4s %7s", "med", ""
		for (i = 3; i <= 10; i++) {
			n = 0; for (r = 1; r <= rows; r++) a[++n] = v[i, r] + 0
			for (x = 1; x <= n; x++) for (y = x + 1; y <= n; y++) if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t }
			m = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
			if (i == 7) m /= 1024
			fmt = (i == 3 || i == 4) ? " %12d" : (i == 5 || i == 6 || i == 8 || i == 9) ? " %8.3f" : " %9.1f"
			if (i == 7 || i == 10) fmt = " %9.1f"; if (i == 8 || i == 9) fmt = " %9.3f"
			printf fmt, m
		}
		printf "\n"
	}' "$RESULTS"
if [ "$failures" -ne 0 ]; then
	echo "FAILED: $failures run(s) did not produce exactly one sent attempt per action"
	exit 1
fi
echo "check: every action produced exactly one 'sent' attempt, and only its policy's earlier steps superseded, once; nothing lost"
