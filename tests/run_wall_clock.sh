#!/usr/bin/env bash
# Runs the tests timed on the wall clock (tests/wall_clock_tests.sh lists
# them) one at a time, with nothing beside them; `make test` calls it after
# all the other tests. Arguments: cargo's flags (-j2 --release --features ...).
#
# These tests play through a JACK dummy server that is no real-time process
# here: on a virtual machine whose host takes its CPU away now and then (the
# "steal" time in /proc/stat), the server misses its cycles (xruns) and a
# note lands late. A test that fails is run again, at most twice more, each
# attempt printed with the steal time it saw; one that fails three times
# fails the run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
CARGO=${CARGO:-cargo}
names=$(sh tests/wall_clock_tests.sh)
[ -n "$names" ] || { echo "tests/wall_clock_tests.sh listed no tests"; exit 1; }

# Steal and total CPU time so far, in ticks.
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t }' /proc/stat; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for attempt in 1 2 3; do
    read -r steal0 total0 < <(cpu_ticks)
    # shellcheck disable=SC2086
    "$CARGO" test "$@" --test tests -- --exact --test-threads=1 $names 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    read -r steal1 total1 < <(cpu_ticks)
    steal=$(awk -v s=$((steal1 - steal0)) -v t=$((total1 - total0)) 'BEGIN { printf "%.1f", (t > 0 ? 100 * s / t : 0) }')
    [ "$rc" = 0 ] && { echo "wall-clock tests: passed on attempt $attempt (steal time $steal %)"; exit 0; }
    # The names in libtest's last "failures:" list.
    failed=$(awk '/^failures:$/ { list = "" } /^    [a-z0-9_]+::[a-z0-9_]+$/ { list = list " " $1 } END { print list }' "$log")
    [ -n "$failed" ] || { echo "wall-clock tests: cargo failed ($rc) before any test did"; exit "$rc"; }
    echo "wall-clock tests: attempt $attempt failed:$failed (steal time $steal %: the host took the CPU away for that share of the run)"
    names=$failed
done
echo "wall-clock tests: failed three times:$names"
exit 1
