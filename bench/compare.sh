#!/usr/bin/env bash
# Compare Tactus with Csound, scsynth and a hand-written C reference on the
# same events, on this machine, in one run, and print one table.
#
#   bench/compare.sh                      # all three workloads, N=3 runs per setting
#   N=1 bench/compare.sh w2_poly          # one workload, quicker
#   SLOW=1 bench/compare.sh               # also Csound ksmps=1 (sample-exact, 10-60 s a run)
#   TACTUS=path/to/tactus bench/compare.sh   # time that binary instead of building one
#
# Works from a clone alone: the Csound scores, the scsynth OSC scores and their
# SynthDefs are written by bench/scores.py from the same CSV event lists Tactus
# renders (bench/workloads/), the C reference is bench/w2_ref.c, the timing
# helpers bench/measure.py and bench/spawn.c. Installs csound, supercollider-server, gcc and
# python3 with apt when missing. Writes nothing outside a temporary directory
# (and target/, when it builds Tactus).
#
# Each time is the median wall time of N whole-process runs after one warm-up;
# peak MiB the largest peak resident memory of those runs; x-realtime = audio
# seconds / wall seconds; "ratio" = that setting's wall time / Tactus's on one
# core (above 1: Tactus is faster). The timed runs write no file, except scsynth,
# which always writes one. Then every engine renders once more to a WAV (the C
# reference reports its own level) and "RMS dBFS" is the level of all its
# samples: the same events played by the same instruments give the same level,
# so "vs tactus" shows whether it is the same music ("ok": within 0.1 dB; "blk":
# a setting that starts notes on block edges, which changes W3's level).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
N=${N:-3}
WORKLOADS=${*:-w1_grains w2_poly w3_dense}

install_missing() {
  local need="" p
  for p in csound supercollider-server gcc python3; do
    dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
  done
  [ -z "$need" ] && return
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "Installing:$need" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
}
command -v dpkg >/dev/null && install_missing
for tool in csound scsynth gcc python3; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is needed and not installed" >&2; exit 1; }
done

if [ -z "${TACTUS:-}" ]; then
  (cd "$ROOT" && cargo build -j2 --release -q --bin tactus)
  TACTUS="${CARGO_TARGET_DIR:-$ROOT/target}/release/tactus"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 "$HERE/scores.py" "$WORK" all $WORKLOADS
gcc -O2 -o "$WORK/spawn" "$HERE/spawn.c"
gcc -O3 -o "$WORK/w2_block" "$HERE/w2_ref.c" -lm
gcc -O3 -march=native -ffast-math -o "$WORK/w2_soa" "$HERE/w2_ref.c" -lm

# Tactus on one core, and on all of them when `tactus bench --threads` exists.
CORES=$(nproc)
if "$TACTUS" bench --help | grep -q -- '--threads'; then
  ONE=(--threads 1); ALL=(--threads "$CORES")
else
  ONE=(); ALL=()
fi

timed() {  # timed CMD... -> "wall_s peak_mib"; fails when a run fails
  python3 "$HERE/measure.py" time --spawn "$WORK/spawn" -n "$N" --warmup 1 --timeout 3000 -- "$@" \
    | sed -E 's/wall_s=([^ ]+) peak_mib=([^ ]+).*/\1 \2/'
}
rms() { python3 "$HERE/measure.py" rms "$1" | awk '{print $NF}'; }

machine() {
  local cpu mem os
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
  os=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || uname -s)
  echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine:  $cpu, $CORES cores, $mem, $os, Linux $(uname -r)"
  echo "engines:  $("$TACTUS" --version) ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo no git));" \
    "$(csound --version 2>&1 | grep -o 'Csound version [0-9.]*' | head -1);" \
    "scsynth $(scsynth -v 2>&1 | grep -o '[0-9][0-9.]*' | head -1); gcc $(gcc -dumpfullversion)"
  echo "method:   median wall time of N=$N whole-process runs after one warm-up; load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

FMT="%-10s %-34s %8s %10s %6s %9s %9s %12s\n"
BLOCK_NOTE=""
row() {  # row WORKLOAD SETTING "WALL_S PEAK_MIB" RMS_DBFS exact|block
  local line failed=""
  line=$(awk -v w="$1" -v s="$2" -v tm="$3" -v r="$4" -v kind="$5" -v secs="$SECS" \
      -v tac="${TAC_WALL:-}" -v tr="$TAC_RMS" -v fmt="$FMT" 'BEGIN {
    split(tm, x, " "); t = x[1]; if (tac == "") tac = t
    if (t == "" || tac == "") { printf fmt, w, s, "failed", "", "", "", "", ""; exit 1 }
    d = r - tr; same = (d < 0.1 && d > -0.1)
    mark = same ? "ok" : (kind == "block" ? "blk" : "DIFFERS")
    printf fmt, w, s, sprintf("%.3f", t), sprintf("%.1f", secs / t), sprintf("%.2f", t / tac),
      sprintf("%.1f", x[2]), sprintf("%.2f", r), sprintf("%+.2f %s", d, mark) }') || failed=1
  echo "$line"
  [ -z "$failed" ] || exit 1
  case "$line" in *" blk") BLOCK_NOTE=1 ;; esac
}

machine
echo
printf "$FMT" workload "engine, setting" "wall s" x-realtime ratio "peak MiB" "RMS dBFS" "vs tactus"
for w in $WORKLOADS; do
  SECS=60; [ "$w" = w1_grains ] && SECS=120
  mkdir -p "$WORK/tac"
  "$TACTUS" bench "$w" --quiet "${ONE[@]}" --out "$WORK/tac" >/dev/null
  TAC_RMS=$(rms "$WORK/tac/$w.wav"); TAC_WALL=""
  res=$(timed "$TACTUS" bench "$w" --quiet "${ONE[@]}")
  row "$w" "tactus, one core (sample-exact)" "$res" "$TAC_RMS" exact
  TAC_WALL=${res% *}
  if [ ${#ALL[@]} -gt 0 ]; then
    "$TACTUS" bench "$w" --quiet "${ALL[@]}" --out "$WORK/tac" >/dev/null
    r=$(rms "$WORK/tac/$w.wav")
    row "$w" "tactus, $CORES cores (sample-exact)" "$(timed "$TACTUS" bench "$w" --quiet "${ALL[@]}")" "$r" exact
  fi
  csd="$WORK/$w.csd"
  for k in 64 ${SLOW:+1}; do
    acc=(--sample-accurate); label="csound ksmps=64 --sample-accurate"; kind=block
    [ "$k" = 1 ] && { acc=(); label="csound ksmps=1 (sample-exact)"; kind=exact; }
    csound --ksmps="$k" "${acc[@]}" -W -f -o "$WORK/cs.wav" "$csd" >/dev/null 2>&1
    r=$(rms "$WORK/cs.wav")
    row "$w" "$label" "$(timed csound --ksmps="$k" "${acc[@]}" -n "$csd")" "$r" "$kind"
  done
  res=$(timed scsynth -V -1 -D 0 -o 2 -i 0 -z 64 -N "$WORK/sc/$w.osc" _ "$WORK/sc.wav" 48000 WAV float)
  row "$w" "scsynth -z 64" "$res" "$(rms "$WORK/sc.wav")" block
  if [ "$w" = w2_poly ]; then
    for order in block soa; do
      c=("$WORK/w2_$order" --dir "$ROOT/bench/workloads" --order "$order")
      r=$("${c[@]}" | sed -E 's/.*rms_dbfs=//')
      label="C reference -O3, block order"
      [ "$order" = soa ] && label="C reference vectorised (soa)"
      row "$w" "$label" "$(timed "${c[@]}")" "$r" exact
    done
  fi
done
echo
echo "ratio: wall time / Tactus's on one core (above 1: Tactus is faster). vs tactus: RMS"
echo "difference in dB, ok within 0.1 dB. C reference vectorised: bench/w2_ref.c --order soa"
echo "built with -O3 -march=native -ffast-math."
if [ -n "$BLOCK_NOTE" ]; then
  echo "blk: this setting starts notes on 64-frame block edges, which changes the level: on"
  echo "w3_dense, notes of one pitch that start in the same block start in phase and add up"
  echo "(scsynth is louder); Csound rounds each 50 ms note to whole blocks and steps its k-rate"
  echo "linen once a block (quieter)."
  echo "Csound ksmps=1 (SLOW=1) and scsynth -z 1 start every note on its frame and agree with Tactus."
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
