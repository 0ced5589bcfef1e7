#!/usr/bin/env bash
# Compare Tactus with Csound, scsynth and the hand-written C reference on the
# same events, on this machine, in one run, and print one table.
#
#   bench/compare.sh                      # all three workloads, N=3 runs per setting
#   N=1 bench/compare.sh w1_grains        # one workload, quicker
#   SLOW=1 bench/compare.sh               # also Csound ksmps=1 (sample-exact, 10-60 s a run)
#
# Needs ../shared/bench beside the clone (the .csd scores, the scsynth score
# generator and the C reference); set SHARED_BENCH to point elsewhere. Installs
# csound and supercollider-server with apt when missing. Writes nothing outside
# a temporary directory. Each figure is the median wall time of N whole-process
# runs after one warm-up; x-realtime = audio seconds / wall seconds; "tactus
# ratio" = that setting's wall time / Tactus's (above 1: Tactus is faster).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
N=${N:-3}
[ -f "$SHARED/anchors.sh" ] || { echo "compare.sh: ../shared/bench not found (set SHARED_BENCH)" >&2; exit 1; }

need=""
for p in csound supercollider-server gcc; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "Installing:$need" >&2
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
(cd "$ROOT" && cargo build -j2 --release -q)
TACTUS="$ROOT/target/release/tactus"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export WORKLOAD_OUT=$WORK
cp "$SHARED"/workloads/*.csv "$SHARED"/workloads/*.csd "$WORK"/
for f in "$SHARED"/workloads/*.gz; do gzip -dc "$f" > "$WORK/$(basename "${f%.gz}")"; done
python3 "$SHARED/gen_sc.py" >/dev/null
gcc -O3 -o "$WORK/w2c" "$SHARED/w2_ceiling.c" -lm

median_wall() {
  python3 "$SHARED/timeit_proc.py" -n "$N" --warmup 1 --timeout 3000 -- "$@" | awk '/^A wall s/ {print $5}'
}

printf "%-10s %-28s %9s %11s %13s\n" workload "engine, setting" "wall s" x-realtime "tactus ratio"
for w in ${*:-w1_grains w2_poly w3_dense}; do
  secs=60; [ "$w" = w1_grains ] && secs=120
  tac=$(median_wall "$TACTUS" bench "$w" --quiet)
  row() { printf "%-10s %-28s %9.3f %11.1f %13.2f\n" "$w" "$1" "$2" "$(echo "$secs / $2" | bc -l)" "$(echo "$2 / $tac" | bc -l)"; }
  row "tactus (sample-exact)" "$tac"
  row "csound ksmps=64 sample-acc" "$(median_wall csound --ksmps=64 --sample-accurate -n "$WORK/$w.csd")"
  [ -n "${SLOW:-}" ] && row "csound ksmps=1" "$(median_wall csound --ksmps=1 -n "$WORK/$w.csd")"
  row "scsynth -z 64" "$(median_wall scsynth -V -1 -D 0 -o 2 -i 0 -z 64 -N "$WORK/sc/$w.osc" _ "$WORK/sc_$w.wav" 48000 WAV float)"
  if [ "$w" = w2_poly ]; then
    row "C reference -O3 (block)" "$(median_wall "$WORK/w2c" --dir "$WORK" --order block)"
  fi
done
