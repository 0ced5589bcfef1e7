#!/usr/bin/env bash
# Demonstrates: Tactus schedules Csound scores with Csound's own timing.
# Runs Csound's score processor (csound, installed with apt when missing)
# and Tactus on every score in bench/csound_compat/, and compares every
# note's start, duration, p4 and p5.
# Run with: bench/csound_compat.sh   (from the repository root; not in make test)
#
# Csound's side: an orchestra whose instruments 1-16 print, at their
# initialisation, p1, the time (times(), ksmps = 1 so it is sample exact),
# p3, p4 and p5. Tactus's side: log_score() of the same score rendered
# offline. A note agrees when its start and duration are within 1.5
# samples at 48 kHz and p4, p5 (Csound oct) within 1e-4. Not compared, by
# construction: notes with p3 = 0 (Csound initialises them, Tactus plays
# nothing), the durations of held notes (Csound prints a negative p3), and
# `a` statements (times() keeps counting through the skipped time that
# Csound leaves out of the output).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v csound >/dev/null; then
    echo "csound is missing: installing it with apt-get"
    if [ "$(id -u)" = 0 ]; then apt-get install -y csound; else sudo apt-get install -y csound; fi
fi
cargo build -j2 --release --features jack,midi-jack >/dev/null 2>&1 || cargo build -j2 --release
TACTUS=target/release/tactus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/print.orc" <<'ORC'
sr = 48000
ksmps = 1
nchnls = 2
0dbfs = 1
instr 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
  itim times
  if p3 != 0 then
    fprints "csound.txt", "%d %.9f %.9f %.9f %.9f\n", int(p1), itim, p3, p4, p5
  endif
endin
ORC

total=0; agree=0
for sco in bench/csound_compat/*.sco; do
    name=$(basename "$sco" .sco)
    rm -f "$work/csound.txt"
    (cd "$work" && csound -n -d -m0 --omacro:X=1 print.orc "$OLDPWD/$sco" >/dev/null 2>&1) || true
    abs=$(cd "$(dirname "$sco")" && pwd)/$(basename "$sco")
    cat > "$work/wrap.rhai" <<RHAI
for c in 1..=16 { channel(c, #{ volume: 1.0 }); }
log_score("$work/tactus.sco");
score_file("$abs");
RHAI
    "$TACTUS" render "$work/wrap.rhai" -o "$work/out.wav" >/dev/null 2>&1 || echo "$name: tactus refused the score"
    read -r n ok < <(python3 - "$work/csound.txt" "$work/tactus.sco" <<'PY'
import sys
def rows(path, tactus):
    out = []
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return out
    for l in lines:
        f = l.split()
        if tactus:
            if not f or f[0] != "i":
                continue
            # i ch start dur amp oct ...
            out.append((float(f[2]), int(float(f[1])), float(f[3]), float(f[4]), float(f[5])))
        elif f:
            out.append((float(f[1]), int(float(f[0])), float(f[2]), float(f[3]), float(f[4])))
    return sorted(out)
cs, ta = rows(sys.argv[1], False), rows(sys.argv[2], True)
tol = 1.5 / 48000
ok = 0
for k, c in enumerate(cs):
    t = ta[k] if k < len(ta) else None
    good = t is not None and abs(c[0] - t[0]) <= tol and c[1] == t[1]
    good = good and (c[2] < 0 or abs(c[2] - t[2]) <= 2 * tol)
    good = good and abs(c[3] - t[3]) <= 1e-4 and (c[4] == 0 or abs(c[4] - t[4]) <= 1e-4)
    ok += good
    if not good:
        print(f"  differs: csound {c} tactus {t}", file=sys.stderr)
n = max(len(cs), len(ta))
print(n, ok)
PY
)
    printf '%-10s %3d of %3d notes agree\n' "$name" "$ok" "$n"
    total=$((total + n)); agree=$((agree + ok))
done
python3 -c "import sys; t, a = $total, $agree; print(f'agreement: {a} of {t} notes ({100 * a / max(t, 1):.1f} %)')"
