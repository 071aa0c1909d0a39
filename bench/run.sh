#!/usr/bin/env bash
# bench/run.sh: the outreachd benchmark of issue 6, in one command.
#
#   bash bench/run.sh [--smoke] [-n N] [--repeat R] [--phases LIST]
#                     [--callgrind-n N] [--scale-n N] [--steady-rate R]
#                     [--steady-secs S] [--wrk-secs S] [--out DIR] [--build]
#
# Everything runs on loopback ports picked free: a private redis-server per
# run (appendonly yes, appendfsync always (durability strict, the default; the burst phase also runs relaxed, everysec), its own directory) and one nginx
# (bench/nginx.conf.in) standing in for Twilio's Messages endpoint.
# outreachd sends through the sms-twilio plugin to that nginx, rate limits
# lifted (no `rate`), 128 actions and 64 requests in flight (the sink answers
# in well under a millisecond: more only holds memory; RSS follows the
# actions in flight), with the PE contact rules on and the
# clock (--clock-offset) at 10:00 America/Lima on the next working day.
# Accounts are small Peruvian balances due that day (policy small-balance:
# one SMS, reminder_due, due at 09:00 Lima, so due as soon as read).
#
# Phases (--phases, comma-separated; default all):
#   burst      N accounts (default 100000) enqueued with `outreachctl
#              enqueue`, then outreachd started; R runs (--repeat), median.
#              actions/s = N / (last - first entry of <prefix>:attempts,
#              ids in ms: first claim to last attempt recorded); CPU of
#              outreachd and of redis-server (/proc/PID/stat utime+stime,
#              from the daemon's start to its last attempt; outreachd's
#              stime shown apart: the kernel's part); outreachd's peak
#              RSS (VmHWM); Redis commands per action (INFO commandstats
#              deltas, scripts' inner calls included, the harness's own
#              INFO and XLEN polls excluded); lag (below).
#   wrk        wrk -t2 -c64 posting the plugin's request to the same nginx
#              for --wrk-secs (default 10): the physical limit; the ratio.
#              SCRIPT_TIMES=1: Redis's time per script in the first run
#              (SLOWLOG at threshold 0), in <out>/burst-script-times.txt;
#              SYSCALLS=1: outreachd's system calls in the first run
#              (strace -c; slows it), in <out>/burst-syscalls.txt.
#   callgrind  N=2000 under valgrind --tool=callgrind: Ir per action, with
#              and without start-up (a run with no accounts subtracted);
#              top functions by Ir kept in the output directory.
#   scale      1,000,000 accounts due in a year: RSS after start-up and
#              planning (every account in <prefix>:due).
#   steady     --steady-rate accounts/s (default 2000) XADDed for
#              --steady-secs (default 180) to a running daemon; RSS sampled
#              every 10 s; lag percentiles.
#
# Lag of an action: the stream id (ms, Redis's clock) of its 'sent' entry in
# <prefix>:attempts minus max(its inbox entry's id, the daemon's start).
# Every action is due (09:00 Lima) before the daemon's clock (10:00), so
# that is sent_ts - max(T, enqueue time) with T in the past: the time from
# the moment the action could first be acted on to the gateway's 201.
#
# Every phase checks that each account got exactly one 'sending' and one
# 'sent' attempt and nothing else (but the superseded records of its policy's
# steps before the one sent: none for small-balance), that nothing was rejected or left in
# flight; exit 1 otherwise.  Nothing about speed is asserted: the targets are
# marked met or not in the table.
#
# --smoke: N=200, callgrind 200, 10,000 scheduled, 10 s steady at 200/s,
# wrk 2 s; well under a minute.  --build: configure and build
# RelWithDebInfo in BUILD_DIR first.  BUILD_DIR (default <repo>/build).
# KEEP=1 keeps the per-run directories.  Results: the table on stdout and in
# --out DIR (default a new /tmp/outreachd-bench.*), with callgrind's output.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/bench
BUILD=${BUILD_DIR:-$ROOT/build}
LIB=$HERE/benchlib.py
N=100000
REPEAT=1
CG_N=2000
SCALE_N=1000000
STEADY_RATE=2000
STEADY_SECS=180
WRK_SECS=10
PHASES=burst,wrk,callgrind,scale,steady
OUT=
SMOKE=0
DO_BUILD=0
PREFIX=outreach

usage() { sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }
num() { case $2 in ''|*[!0-9]*) echo "bench: $1 wants a whole number" >&2; exit 2 ;; esac; }
while [ $# -gt 0 ]; do
	case $1 in
	-n) num -n "${2:-}"; N=$2; shift 2 ;;
	--repeat) num --repeat "${2:-}"; REPEAT=$2; shift 2 ;;
	--callgrind-n) num --callgrind-n "${2:-}"; CG_N=$2; shift 2 ;;
	--scale-n) num --scale-n "${2:-}"; SCALE_N=$2; shift 2 ;;
	--steady-rate) num --steady-rate "${2:-}"; STEADY_RATE=$2; shift 2 ;;
	--steady-secs) num --steady-secs "${2:-}"; STEADY_SECS=$2; shift 2 ;;
	--wrk-secs) num --wrk-secs "${2:-}"; WRK_SECS=$2; shift 2 ;;
	--phases) PHASES=${2:-}; shift 2 ;;
	--out) OUT=${2:-}; shift 2 ;;
	--build) DO_BUILD=1; shift ;;
	--smoke) SMOKE=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if [ "$SMOKE" = 1 ]; then
	N=200 REPEAT=1 CG_N=200 SCALE_N=10000 STEADY_RATE=200 STEADY_SECS=10 WRK_SECS=2
fi
[ "$REPEAT" -ge 1 ] && [ "$N" -ge 1 ] || { echo "bench: -n and --repeat must be at least 1" >&2; exit 2; }
has_phase() { case ",$PHASES," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# --- tools and build ---------------------------------------------------------
need=
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need="$need nginx-light"
command -v wrk >/dev/null || need="$need wrk"
command -v valgrind >/dev/null || need="$need valgrind"
command -v redis-server >/dev/null || need="$need redis-server"
if [ -n "$need" ]; then
	echo "bench: installing$need"
	if [ "$(id -u)" -eq 0 ]; then apt-get install -y $need >/dev/null; else sudo apt-get install -y $need >/dev/null; fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ "$DO_BUILD" = 1 ]; then
	cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$BUILD" -j"$(nproc)" --target outreachd outreachctl >/dev/null
	cmake --build "$BUILD" -j"$(nproc)" >/dev/null
fi
OUTREACHD=$BUILD/bin/outreachd
CTL=$BUILD/bin/outreachctl
PLUGINS=$BUILD/lib/outreachd/channels
for f in "$OUTREACHD" "$CTL" "$PLUGINS/sms-twilio.so"; do
	[ -e "$f" ] || { echo "bench: $f not found (build first: bench/run.sh --build)" >&2; exit 1; }
done
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
[ "$BUILD_TYPE" = RelWithDebInfo ] || echo "bench: warning: $BUILD is a '${BUILD_TYPE:-unknown}' build, not RelWithDebInfo (use --build)" >&2

[ -n "$OUT" ] || OUT=$(mktemp -d "${TMPDIR:-/tmp}/outreachd-bench.XXXXXX")
mkdir -p "$OUT"
ROWS=$OUT/rows.txt	# "metric<TAB>value<TAB>target<TAB>met"
: >"$ROWS"
FAILS=0

# --- processes: every one started is recorded and stopped by PID on exit -----
PIDS=()
DIRS=()
stop_pid() {	# pid: TERM, up to 10 s, then KILL; reaped if ours
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
	PIDS=()
	if [ "${KEEP:-0}" != 1 ]; then
		for i in "${DIRS[@]}"; do rm -rf "$i"; done
	fi
	DIRS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM
forget() { local p keep=(); for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; PIDS=("${keep[@]}"); }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now_ms() { date +%s%3N; }
TCK=$(getconf CLK_TCK)
cpu_s() {	# utime+stime of a process (all threads), seconds
	sed 's/.*) //' "/proc/$1/stat" | awk -v t="$TCK" '{ printf "%.3f\n", ($12 + $13) / t }'
}
sys_s() {	# stime alone: the part spent in the kernel (syscalls)
	sed 's/.*) //' "/proc/$1/stat" | awk -v t="$TCK" '{ printf "%.3f\n", $13 / t }'
}
vm_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
calc() { awk "BEGIN { $1 }"; }
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "${3:-}" "${4:-}" >>"$ROWS"; }
met() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "not met"; fi; }

# durability (docs/operations.md): strict, the default, wants appendfsync always;
# relaxed runs on everysec.  The burst phase measures both (set_mode).
DURABILITY=strict FSYNC=always
set_mode() { DURABILITY=$1; if [ "$1" = strict ]; then FSYNC=always; else FSYNC=everysec; fi; }
RPORT= REDIS_PID= RDIR=
start_redis() {	# a fresh redis-server in a new directory: RPORT, REDIS_PID, RDIR
	RDIR=$(mktemp -d "${TMPDIR:-/tmp}/outreachd-bench-run.XXXXXX")
	DIRS+=("$RDIR")
	RPORT=$(free_port)
	redis-server --bind 127.0.0.1 --port "$RPORT" --dir "$RDIR" --save '' \
		--appendonly yes --appendfsync "$FSYNC" --daemonize no \
		--logfile "$RDIR/redis.log" &
	REDIS_PID=$!
	PIDS+=("$REDIS_PID")
	for _ in $(seq 100); do
		redis-cli -h 127.0.0.1 -p "$RPORT" PING >/dev/null 2>&1 && return 0
		kill -0 "$REDIS_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "bench: redis-server did not start" >&2
	cat "$RDIR/redis.log" >&2
	return 1
}
stop_redis() { stop_pid "$REDIS_PID"; forget "$REDIS_PID"; REDIS_PID=; }
rcli() { redis-cli -h 127.0.0.1 -p "$RPORT" "$@"; }
cmdstats() {	# "command calls", INFO excluded
	rcli INFO commandstats | tr -d '\r' | awk -F'[_:=,]' '/^cmdstat_/ && $2 != "info" { print $2, $4 }'
}
cmd_delta() {	# before after -> "command delta" lines, largest first
	awk 'NR == FNR { c0[$1] = $2; next } $2 - c0[$1] > 0 { print $1, $2 - c0[$1] }' "$1" "$2" | sort -k2 -nr
}

# --- the clock, nginx and the daemon's configuration -------------------------
read -r OFFSET_S DAY FAR_DAY < <(python3 "$LIB" offset "$ROOT/config/holidays/PE.yaml")
export OUTREACHD_CLOCK_OFFSET=${OFFSET_S}s
SID=AC0123456789abcdef0123456789abcdef
export BENCH_TWILIO_TOKEN=bench0123456789abcdef0123456789ab
FROM=+15005550006

NDIR=$(mktemp -d "${TMPDIR:-/tmp}/outreachd-bench-nginx.XXXXXX")
DIRS+=("$NDIR")
NPORT=$(free_port)
USER_LINE=
[ "$(id -u)" -eq 0 ] && USER_LINE="user root;"
sed -e "s|@DIR@|$NDIR|g" -e "s|@PORT@|$NPORT|g" -e "s|@SID@|$SID|g" -e "s|@USER@|$USER_LINE|" \
	"$HERE/nginx.conf.in" >"$NDIR/nginx.conf"
"$NGINX" -p "$NDIR" -c "$NDIR/nginx.conf" -e "$NDIR/nginx-error.log" 2>>"$NDIR/nginx-error.log" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
URL=http://127.0.0.1:$NPORT/2010-04-01/Accounts/$SID/Messages.json
for _ in $(seq 100); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "$URL" 2>/dev/null)" = 201 ] && break
	kill -0 "$NGINX_PID" 2>/dev/null || { echo "bench: nginx did not start:" >&2; cat "$NDIR/nginx-error.log" >&2; exit 1; }
	sleep 0.05
done

write_config() {	# dir -> dir/outreachd.yaml for the redis at RPORT
	# the contact rules are read next to the configuration file
	mkdir -p "$1/state" "$1/outbox"
	ln -sfn "$ROOT/config/jurisdictions" "$1/jurisdictions"
	ln -sfn "$ROOT/config/holidays" "$1/holidays"
	cat >"$1/outreachd.yaml" <<EOF
# generated by bench/run.sh
redis: "redis://127.0.0.1:$RPORT/0"
durability: $DURABILITY
prefix: $PREFIX
policy_dir: $ROOT/policy
template_dir: $ROOT/templates
plugin_dir: $PLUGINS
state_dir: $1/state
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
  intake_batch: 1024
  claim_batch: 128
  max_inflight: 128
  lease: 60s
gateways:
  twilio:
    plugin: sms-twilio
    base_url: "http://127.0.0.1:$NPORT"
    account_sid: "$SID"
    auth_token_env: BENCH_TWILIO_TOKEN
    from: "$FROM"
    # no rate: unlimited (od_sender.h); in-flight cap high enough
    max_inflight: 64
    connect_timeout: 5s
    timeout: 30s
  outbox:
    plugin: outbox
    dir: "$1/outbox"
channels:
  sms: twilio
  email: outbox
  whatsapp: outbox
EOF
	# the shipped placements: the policies' handoff steps name them
	sed -n '/^placements:/,/^[^ #]/{/^placements:/p;/^ /p}' "$ROOT/config/outreachd.yaml" \
		>>"$1/outreachd.yaml"
}

DPID=
start_daemon() {	# dir [wrapper...]: outreachd in the background, DPID
	local dir=$1
	shift
	"$@" "$OUTREACHD" --config "$dir/outreachd.yaml" >>"$dir/outreachd.log" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
}
stop_daemon() { stop_pid "$DPID"; forget "$DPID"; DPID=; }
wait_ready() {	# dir: the daemon's "ready" line, up to 120 s
	for _ in $(seq 1200); do
		grep -q '\[daemon\] ready' "$1/outreachd.log" 2>/dev/null && return 0
		grep -q 'ready: consumer' "$1/outreachd.log" 2>/dev/null && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: outreachd did not become ready:" >&2
	tail -20 "$1/outreachd.log" >&2
	return 1
}
enqueue() {	# n day id-prefix dir -> enqueue rate on stdout
	local t0 t1
	python3 "$LIB" gen "$1" "$2" --prefix "$3" >"$4/accounts.jsonl"
	t0=$(now_ms)
	"$CTL" --redis "redis://127.0.0.1:$RPORT/0" --prefix "$PREFIX" enqueue "$4/accounts.jsonl" >/dev/null
	t1=$(now_ms)
	rm -f "$4/accounts.jsonl"
	calc "printf \"%.0f\", ($1 * 1000 / ($t1 - $t0 > 0 ? $t1 - $t0 : 1))"
}
check() {	# n id-prefix base_ms -> sets CK_* from benchlib check; counts failures
	local out rc=0
	out=$(python3 "$LIB" check "$RPORT" "$PREFIX" "$1" --id-prefix "$2" --base-ms "$3") || rc=$?
	eval "$(printf '%s\n' "$out" | sed -n 's/^\([a-z_0-9]*\)=\(.*\)$/CK_\1=\2/p')"
	if [ "$rc" -ne 0 ]; then
		FAILS=$((FAILS + 1))
		echo "bench: check FAILED" >&2
		return 1
	fi
}

echo "outreachd benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "build: $BUILD (${BUILD_TYPE:-?}); clock +${OFFSET_S}s = $DAY 10:00 America/Lima; nginx :$NPORT; output $OUT"

# --- burst -------------------------------------------------------------------
BURST_RATE=
if has_phase burst; then
	: >"$OUT/burst.txt"
	: >"$OUT/burst-relaxed.txt"
	for rm in $(seq "$REPEAT" | sed 's/$/:strict/'; seq "$REPEAT" | sed 's/$/:relaxed/'); do
		r=${rm%%:*}
		set_mode "${rm#*:}"
		start_redis
		write_config "$RDIR"
		enq=$(enqueue "$N" "$DAY" BENCH "$RDIR")
		cmdstats >"$RDIR/c0"
		if [ "${SCRIPT_TIMES:-0}" = 1 ] && [ "$r" -eq 1 ]; then
			rcli CONFIG SET slowlog-log-slower-than 0 >/dev/null
			rcli CONFIG SET slowlog-max-len 1000000 >/dev/null
		fi
		rc0=$(cpu_s "$REDIS_PID")
		t0=$(now_ms)
		start_daemon "$RDIR"
		STRACE_PID=
		if [ "${SYSCALLS:-0}" = 1 ] && [ "$r" -eq 1 ]; then	# system calls by kind
			strace -c -S calls -p "$DPID" -o "$OUT/burst-syscalls.txt" 2>/dev/null &
			STRACE_PID=$!
		fi
		polls=$(python3 "$LIB" wait "$RPORT" "$PREFIX" $((2 * N)) --pid "$DPID" --stall 60) || {
			FAILS=$((FAILS + 1)); tail -5 "$RDIR/outreachd.log" >&2; }
		if [ -n "$STRACE_PID" ]; then
			kill -INT "$STRACE_PID" 2>/dev/null || true
			wait "$STRACE_PID" 2>/dev/null || true
		fi
		ocpu=$(cpu_s "$DPID" 2>/dev/null || echo 0)
		osys=$(sys_s "$DPID" 2>/dev/null || echo 0)
		hwm=$(vm_kib "$DPID" VmHWM 2>/dev/null || echo 0)
		rc1=$(cpu_s "$REDIS_PID")
		cmdstats >"$RDIR/c1"
		rcli INFO commandstats | tr -d '\r' >"$RDIR/cstats1"
		stop_daemon
		cmd_delta "$RDIR/c0" "$RDIR/c1" >"$RDIR/cdelta"
		calls=$(awk -v p="${polls:-0}" '{ t += $2 } END { print t - p }' "$RDIR/cdelta")
		if check "$N" BENCH "$t0"; then ok=ok; else ok=FAIL; fi
		span=$(calc "printf \"%.3f\", ($CK_last_ms - $CK_first_ms) / 1000")
		rate=$(calc "s = $span; printf \"%.0f\", (s > 0 ? $N / s : 0)")
		printf '%s %s %s %s %s %s %s %s %s %s %s %s\n' "$r" "$enq" "$rate" "$span" "$ocpu" \
			"$(calc "printf \"%.3f\", $rc1 - $rc0")" "$hwm" \
			"$(calc "printf \"%.2f\", $calls / $N")" "$CK_lag_p50" "$CK_lag_p99" "$ok" "$osys" \
			>>"$OUT/burst$([ "$DURABILITY" = strict ] || echo -relaxed).txt"
		if [ "$r" -eq 1 ] && [ "$DURABILITY" = strict ]; then
			awk -v n="$N" -v p="${polls:-0}" '$1 == "xlen" { $2 -= p } $2 > 0 { printf "%s %d %.3f\n", $1, $2, $2 / n }' \
				"$RDIR/cdelta" >"$OUT/burst-commands.txt"
			# Redis's own time per command (scripts include their inner calls)
			cp "$RDIR/cstats1" "$OUT/burst-commandstats.txt"
			if [ "${SCRIPT_TIMES:-0}" = 1 ]; then	# time in each script, by its first key
				python3 "$LIB" script-times "$RPORT" "$PREFIX" >"$OUT/burst-script-times.txt"
			fi
		fi
		echo "burst run $r ($DURABILITY, appendfsync $FSYNC): N=$N enqueue ${enq}/s, ${rate} actions/s over ${span} s; outreachd ${ocpu} s CPU (${osys} s in the kernel), VmHWM ${hwm} KiB; ${calls} Redis calls; lag p50 ${CK_lag_p50} p99 ${CK_lag_p99} ms; $ok"
		stop_redis
	done
	# columns: run enq rate span ocpu rcpu hwm cmds p50 p99 ok osys
	read -r _ m_enq m_rate _ m_ocpu m_rcpu m_hwm m_cmds m_p50 m_p99 _ m_osys < <(python3 "$LIB" median <"$OUT/burst.txt")
	BURST_RATE=$m_rate
	read -r _ x_enq x_rate _ x_ocpu x_rcpu _ < <(python3 "$LIB" median <"$OUT/burst-relaxed.txt")
	set_mode strict
	us_od=$(calc "printf \"%.1f\", $m_ocpu / $N * 1e6")
	us_rd=$(calc "printf \"%.1f\", $m_rcpu / $N * 1e6")
	runs=$(awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $3 }' "$OUT/burst.txt")
	row "burst: actions/s end to end (median of $REPEAT; N=$N)" "$m_rate ($runs)"
	row "burst: enqueue/s (outreachctl enqueue)" "$m_enq"
	row "burst: outreachd CPU per action" "$us_od us ($(calc "printf \"%.3f\", $m_ocpu / $N * 1000") s/1000; kernel $(calc "printf \"%.1f\", $m_osys / $N * 1e6") us)" "<= 30 us" "$(met "$us_od <= 30")"
	row "burst: redis-server CPU per action" "$us_rd us ($(calc "printf \"%.3f\", $m_rcpu / $N * 1000") s/1000)"
	row "burst: Redis commands per action" "$m_cmds" "<= 8" "$(met "$m_cmds <= 8")"
	row "burst: outreachd peak RSS (VmHWM)" "$(calc "printf \"%.1f\", $m_hwm / 1024") MiB" "<= 32 MiB" "$(met "$m_hwm <= 32768")"
	row "burst: lag p50 / p99 (backlog of N drained)" "$m_p50 / $m_p99 ms"
	row "durability relaxed (appendfsync everysec): actions/s, redis-server CPU per action" "$x_rate, $(calc "printf \"%.1f\", $x_rcpu / $N * 1e6") us"
	row "durability strict (appendfsync always) / relaxed: actions/s" "$(calc "printf \"%.2f\", ($x_rate > 0 ? $m_rate / $x_rate : 0)")"
fi

# --- wrk: the physical limit ---------------------------------------------------
if has_phase wrk; then
	BENCH_AUTH=$(printf '%s:%s' "$SID" "$BENCH_TWILIO_TOKEN" | base64 -w0)
	BENCH_BODY=$(python3 -c 'import urllib.parse as u; print(u.urlencode({"To": "+51900001234", "From": "'"$FROM"'",
	    "Body": "Financiera Ejemplo S.A.C.: Hola Cliente, hoy 15/05/2026 vence su pago de S/ 123.45. Pague en https://pagos.example.pe o consulte al +51 1 700 0000. Si ya hizo el pago, gracias."}))')
	export BENCH_AUTH BENCH_BODY
	wrk -t2 -c64 -d"${WRK_SECS}s" -s "$HERE/wrk-post.lua" "$URL" >"$OUT/wrk.txt" 2>&1 &
	WPID=$!
	PIDS+=("$WPID")
	wait "$WPID" || { echo "bench: wrk failed:" >&2; cat "$OUT/wrk.txt" >&2; FAILS=$((FAILS + 1)); }
	forget "$WPID"
	WRK_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$OUT/wrk.txt")
	grep -q 'non2xx=0' "$OUT/wrk.txt" || { echo "bench: wrk saw errors or non-2xx replies" >&2; cat "$OUT/wrk.txt" >&2; }
	echo "wrk: ${WRK_RPS} requests/s ($(grep -m1 '^wrk:' "$OUT/wrk.txt"))"
	row "wrk -t2 -c64 ${WRK_SECS}s, same nginx: requests/s" "${WRK_RPS:-?}"
	if [ -n "$BURST_RATE" ] && [ -n "$WRK_RPS" ]; then
		ratio=$(calc "printf \"%.1f\", 100 * $BURST_RATE / $WRK_RPS")
		row "outreachd actions/s / wrk requests/s" "$ratio %" ">= 30 %" "$(met "$ratio >= 30")"
	fi
fi

# --- callgrind ---------------------------------------------------------------
cg_total() { sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$1" | head -1; }
if has_phase callgrind; then
	start_redis
	write_config "$RDIR"
	# start-up alone: no accounts, stopped once ready
	start_daemon "$RDIR" valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.base.out"
	wait_ready "$RDIR"
	sleep 1
	stop_daemon
	rcli FLUSHALL >/dev/null
	enqueue "$CG_N" "$DAY" BENCH "$RDIR" >/dev/null
	t0=$(now_ms)
	start_daemon "$RDIR" valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out"
	python3 "$LIB" wait "$RPORT" "$PREFIX" $((2 * CG_N)) --pid "$DPID" --stall 120 >/dev/null || FAILS=$((FAILS + 1))
	stop_daemon
	if check "$CG_N" BENCH "$t0"; then ok=ok; else ok=FAIL; fi
	ir=$(cg_total "$OUT/callgrind.out")
	ir0=$(cg_total "$OUT/callgrind.base.out")
	callgrind_annotate --inclusive=no "$OUT/callgrind.out" 2>/dev/null | head -60 >"$OUT/callgrind-self.txt" || true
	callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null | head -80 >"$OUT/callgrind-inclusive.txt" || true
	echo "callgrind: N=$CG_N: $ir Ir; start-up and stop alone $ir0 Ir; $ok"
	row "callgrind: instructions per action (N=$CG_N, total Ir / N)" "$(calc "printf \"%.0f\", $ir / $CG_N")"
	row "callgrind: instructions per action, start-up subtracted" "$(calc "printf \"%.0f\", ($ir - $ir0) / $CG_N")"
	stop_redis
fi

# --- scale: memory with many accounts scheduled far ahead --------------------
if has_phase scale; then
	start_redis
	write_config "$RDIR"
	enq=$(enqueue "$SCALE_N" "$FAR_DAY" FAR "$RDIR")
	t0=$(now_ms)
	start_daemon "$RDIR"
	wait_ready "$RDIR"
	rss_ready=$(vm_kib "$DPID" VmRSS)
	planned=0
	for _ in $(seq 36000); do
		planned=$(rcli ZCARD "$PREFIX:due")
		[ "$planned" -ge "$SCALE_N" ] && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	t1=$(now_ms)
	sleep 2
	rss=$(vm_kib "$DPID" VmRSS)
	hwm=$(vm_kib "$DPID" VmHWM)
	ocpu=$(cpu_s "$DPID")
	rmem=$(rcli INFO memory | tr -d '\r' | sed -n 's/^used_memory_human://p')
	rej=$(rcli XLEN "$PREFIX:rejected")
	first=$(rcli ZRANGE "$PREFIX:due" 0 0 WITHSCORES | tail -1)
	stop_daemon
	ok=ok
	if [ "$planned" -lt "$SCALE_N" ] || [ "$rej" -ne 0 ]; then
		ok=FAIL; FAILS=$((FAILS + 1))
		echo "bench: scale: $planned of $SCALE_N planned, $rej rejected" >&2
	fi
	# the earliest action is due in about a year, not now
	if [ "$(calc "print ($first - ($(now_ms) + $OFFSET_S * 1000) > 300 * 86400000)")" != 1 ]; then
		ok=FAIL; FAILS=$((FAILS + 1)); echo "bench: scale: an action is due at $first, not in a year" >&2
	fi
	intake=$(calc "printf \"%.0f\", $SCALE_N * 1000 / ($t1 - $t0)")
	echo "scale: $SCALE_N accounts (enqueue ${enq}/s) planned in $(calc "printf \"%.1f\", ($t1 - $t0) / 1000") s (${intake}/s); RSS ${rss} KiB (ready ${rss_ready}, peak ${hwm}); outreachd ${ocpu} s CPU; redis ${rmem}; $ok"
	row "scale: $SCALE_N accounts due in a year: outreachd RSS after planning" "$(calc "printf \"%.1f\", $rss / 1024") MiB (peak $(calc "printf \"%.1f\", $hwm / 1024"), at ready $(calc "printf \"%.1f\", $rss_ready / 1024"))" "<= 32 MiB" "$(met "$rss <= 32768")"
	row "scale: intake and planning, accounts/s" "$intake (redis used_memory $rmem)"
	stop_redis
fi

# --- steady: constant arrival rate --------------------------------------------
if has_phase steady; then
	start_redis
	write_config "$RDIR"
	start_daemon "$RDIR"
	wait_ready "$RDIR"
	cmdstats >"$RDIR/c0"
	oc0=$(cpu_s "$DPID"); rc0=$(cpu_s "$REDIS_PID")
	python3 "$LIB" steady "$RPORT" "$PREFIX" "$STEADY_RATE" "$STEADY_SECS" "$DAY" \
		--pid "$DPID" --rss-out "$OUT/steady-rss.txt" >"$RDIR/steady.count" &
	SPID=$!
	PIDS+=("$SPID")
	wait "$SPID" || FAILS=$((FAILS + 1))
	forget "$SPID"
	M=$(cat "$RDIR/steady.count")
	polls=$(python3 "$LIB" wait "$RPORT" "$PREFIX" $((2 * M)) --pid "$DPID" --stall 60) || FAILS=$((FAILS + 1))
	oc1=$(cpu_s "$DPID"); rc1=$(cpu_s "$REDIS_PID")
	cmdstats >"$RDIR/c1"
	stop_daemon
	calls=$(cmd_delta "$RDIR/c0" "$RDIR/c1" | awk -v p="${polls:-0}" '{ t += $2 } END { print t - p }')
	if check "$M" STEADY 0; then ok=ok; else ok=FAIL; fi
	warm=0
	[ "$STEADY_SECS" -ge 60 ] && warm=30
	read -r rmin rmax rfirst rlast < <(awk -v w="$warm" '$1 >= w && $2 > 0 { if (!n++) { lo = hi = f = $2 } if ($2 < lo) lo = $2; if ($2 > hi) hi = $2; l = $2 }
		END { print lo + 0, hi + 0, f + 0, l + 0 }' "$OUT/steady-rss.txt")
	spread=$(calc "printf \"%.1f\", ($rmin > 0 ? 100 * ($rmax - $rmin) / $rmin : 0)")
	echo "steady: $M accounts at ${STEADY_RATE}/s for ${STEADY_SECS} s: lag p50 ${CK_lag_p50} p99 ${CK_lag_p99} max ${CK_lag_max} ms; RSS ${rmin}-${rmax} KiB after ${warm} s; $ok"
	echo "  RSS samples (s KiB): $(awk '{ printf "%s %s; ", $1, $2 }' "$OUT/steady-rss.txt")"
	row "steady ${STEADY_RATE}/s for ${STEADY_SECS} s: lag p50 / p99" "$CK_lag_p50 / $CK_lag_p99 ms (max $CK_lag_max)" "p99 <= 50 ms" "$(met "$CK_lag_p99 <= 50")"
	row "steady: RSS, every 10 s after ${warm} s (max - min) / min" "$spread % ($(calc "printf \"%.1f\", $rmin / 1024")-$(calc "printf \"%.1f\", $rmax / 1024") MiB)" "<= 5 %" "$(met "$spread <= 5")"
	row "steady: CPU per action, outreachd / redis-server; Redis commands per action" "$(calc "printf \"%.1f / %.1f us; %.2f\", ($oc1 - $oc0) / $M * 1e6, ($rc1 - $rc0) / $M * 1e6, $calls / $M")"
	stop_redis
fi

# --- the table -----------------------------------------------------------------
{
	echo
	echo "| measure | value | target | |"
	echo "| --- | --- | --- | --- |"
	awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$ROWS"
	echo
	if [ "$FAILS" -eq 0 ]; then
		echo "check: every action produced exactly one attempt, sent; none lost, none rejected"
	else
		echo "check: FAILED ($FAILS): see the lines above"
	fi
} | tee "$OUT/table.md"
[ "$FAILS" -eq 0 ]
