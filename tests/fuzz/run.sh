#!/usr/bin/env bash
# tests/fuzz/run.sh TARGET [SECONDS]: runs the libFuzzer harness
# fuzz_TARGET (default 300 seconds), nice'd, one process, from its seed
# corpus tests/fuzz/corpus/TARGET/.  What it learns stays in
# $BUILD_DIR/fuzz-work/TARGET/corpus (not in the tree); a finding is written
# to $BUILD_DIR/fuzz-work/TARGET/artifacts/ and the script exits non-zero.
# Build first:
#   cmake -S . -B build-fuzz -DOD_FUZZ=ON -DCMAKE_C_COMPILER=clang
#   cmake --build build-fuzz --target fuzzers
# BUILD_DIR (default build-fuzz); extra libFuzzer flags after SECONDS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-fuzz}
if [ $# -lt 1 ]; then
	echo "usage: tests/fuzz/run.sh TARGET [SECONDS] [libFuzzer flags...]" >&2
	echo "targets: $(cd "$ROOT/tests/fuzz/corpus" && echo *)" >&2
	exit 2
fi
target=$1
secs=${2:-300}
shift $(($# >= 2 ? 2 : 1))
bin=$BUILD/fuzz/fuzz_$target
seeds=$ROOT/tests/fuzz/corpus/$target
if [ ! -x "$bin" ]; then
	echo "run.sh: no $bin; build it with -DOD_FUZZ=ON (see the top of this script)" >&2
	exit 2
fi
work=$BUILD/fuzz-work/$target
mkdir -p "$work/corpus" "$work/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$work"
rm -f fuzz-0.log
# One job in one worker process: libFuzzer writes its output to fuzz-0.log,
# shown when it ends.  New inputs go to the first directory; the seeds are
# only read.
rc=0
nice -n 10 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -jobs=1 -workers=1 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" \
    "$work/corpus" "$seeds" >/dev/null 2>&1 || rc=$?
if [ -f fuzz-0.log ]; then
	cat fuzz-0.log
	mv fuzz-0.log last.log
fi
if [ "$rc" -ne 0 ]; then
	echo "run.sh: $target: FINDING (exit $rc); inputs in $work/artifacts/" >&2
else
	echo "run.sh: $target: no finding in ${secs}s"
fi
exit "$rc"
