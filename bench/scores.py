#!/usr/bin/env python3
"""Write the benchmark workloads as Csound and scsynth scores.

    python3 bench/scores.py DIR [csd|osc|all] [w1_grains w2_poly w3_dense]

Reads the event lists Tactus itself renders (bench/workloads/*.csv, the W3
file gzipped) and writes, for each workload W:

    DIR/W.csd                 Csound: orchestra + f-tables + one i-statement per event
    DIR/sc/W.osc              scsynth -N: binary OSC score, one bundle per event
    DIR/sc/tactus_bench.scsyndef   the SynthDefs the scores load (also sent in each score)

so every engine plays the same events. The p-fields of the .csd are the CSV
fields verbatim (the CSV holds the shortest decimals that read back as the
same doubles, so Csound reads exactly the numbers Tactus reads). Python 3
standard library only: no sclang, no numpy.

The instruments are those bench/README.md describes:
  W1, W3 (grains): linen envelope (rise, hold, decay at the end), table
        oscillator at cpsoct(oct), linear interpolation, equal-power pan.
  W2 (poly): table oscillator -> RBJ low-pass biquad (coefficients from the
        CSV) -> linear ADSR with the release inside the note -> amp -> pan.
Tables: 4096-point harmonic sums of tables.csv's coefficients, not
rescaled (Csound GEN -10; scsynth /b_gen sine1 with flags 6 = wavetable +
clear, no normalise).
"""
import csv
import gzip
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads")
SR = 48000
TABLE_POINTS = 4096

# name -> (csv file, kind, audio seconds)
SPECS = {
    "w1_grains": ("w1_grains.csv", "grain", 120),
    "w2_poly": ("w2_poly.csv", "poly", 60),
    "w3_dense": ("w3_dense.csv.gz", "grain", 60),
}


def read_rows(file_name):
    """Header and rows (lists of the CSV's text fields) of a workload file."""
    path = os.path.join(WORKLOADS, file_name)
    opener = gzip.open if file_name.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    return rows[0], rows[1:]


def table_coefficients():
    """{table number: [h1..hN] as text}, trailing zero harmonics dropped."""
    _, rows = read_rows("tables.csv")
    tables = {}
    for r in rows:
        coefs = r[2:]
        while coefs and float(coefs[-1]) == 0.0:
            coefs.pop()
        tables[int(r[0])] = coefs
    return tables


def tables_used(header, rows):
    col = header.index("table")
    return sorted({int(float(r[col])) for r in rows})


# ------------------------------------------------------------------ Csound

ORCHESTRA = """\
sr     = 48000
ksmps  = 64            ; the command line sets the block size
nchnls = 2
0dbfs  = 1

; W1, W3: p4 amp, p5 oct, p6 table, p7 rise s, p8 decay s, p9 pan 0..1
instr 1
  kenv   linen  p4, p7, p3, p8
  asig   oscili kenv, cpsoct(p5), p6
  aleft, aright pan2 asig, p9
         outs   aleft, aright
endin

; W2: p4 amp, p5 Hz, p6 table, p7 att, p8 dec, p9 sus, p10 rel,
;     p11 fc, p12 q (the coefficients below are computed from them),
;     p13..p17 b0 b1 b2 a1 a2 (RBJ low-pass, a0 = 1), p18 pan 0..1
instr 2
  asig   oscili 1, p5, p6
  afilt  biquad asig, p13, p14, p15, 1, p16, p17
  aenv   adsr   p7, p8, p9, p10
  aout   =      afilt * aenv * p4
         outs   aout * cos(p18 * 1.5707963267948966), aout * sin(p18 * 1.5707963267948966)
endin
"""


def csd_text(name):
    """The whole .csd of one workload, as one string."""
    file_name, kind, seconds = SPECS[name]
    header, rows = read_rows(file_name)
    coefs = table_coefficients()
    lines = ["<CsoundSynthesizer>", "<CsOptions>", "-d -m0", "</CsOptions>",
             "<CsInstruments>", "; written by bench/scores.py from bench/workloads/" + file_name,
             ORCHESTRA, "</CsInstruments>", "<CsScore>"]
    for n in tables_used(header, rows):
        lines.append("f %d 0 %d -10 %s" % (n, TABLE_POINTS, " ".join(coefs[n])))
    instr = "1" if kind == "grain" else "2"
    for r in rows:
        # start, dur, then the rest in CSV order: the p-fields the instrument reads
        lines.append("i %s %s" % (instr, " ".join(r)))
    lines += ["f 0 %d" % seconds, "e", "</CsScore>", "</CsoundSynthesizer>", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- OSC

def osc_string(s):
    raw = s.encode("ascii") + b"\0"
    return raw + b"\0" * (-len(raw) % 4)


def osc_message(address, *args):
    """One OSC 1.0 message; ints are int32, floats float32, bytes a blob."""
    tags, payload = ",", []
    for a in args:
        if isinstance(a, int):
            tags += "i"
            payload.append(struct.pack(">i", a))
        elif isinstance(a, float):
            tags += "f"
            payload.append(struct.pack(">f", a))
        elif isinstance(a, str):
            tags += "s"
            payload.append(osc_string(a))
        else:
            tags += "b"
            payload.append(struct.pack(">i", len(a)) + a + b"\0" * (-len(a) % 4))
    return osc_string(address) + osc_string(tags) + b"".join(payload)


def osc_bundle_record(seconds, messages):
    """A score record: int32 size, then '#bundle', a 32.32 time tag, the messages."""
    body = [b"#bundle\0", struct.pack(">Q", round(seconds * (1 << 32)))]
    for m in messages:
        body.append(struct.pack(">i", len(m)) + m)
    bundle = b"".join(body)
    return struct.pack(">i", len(bundle)) + bundle


# ----------------------------------------------------- SynthDef file (SCgf 2)

SCALAR, CONTROL, AUDIO = 0, 1, 2


class SynthDef:
    """A UGen graph written in topological order; inputs are (ugen, output)
    pairs, parameter names, or numbers (which become constants)."""

    def __init__(self, name, params):
        self.name = name
        self.params = params  # [(name, default)]
        self.constants = []
        self.ugens = []
        self.add("Control", CONTROL, [], len(params))

    def add(self, cls, rate, inputs, outputs, special=0):
        self.ugens.append((cls, rate, [self._input(i) for i in inputs], outputs, special))
        return len(self.ugens) - 1

    def _input(self, x):
        if isinstance(x, tuple):
            return x
        if isinstance(x, str):
            return (0, [p for p, _ in self.params].index(x))
        if float(x) not in self.constants:
            self.constants.append(float(x))
        return (-1, self.constants.index(float(x)))

    def encode(self):
        out = [pstring(self.name), struct.pack(">i", len(self.constants))]
        out += [struct.pack(">f", c) for c in self.constants]
        out.append(struct.pack(">i", len(self.params)))
        out += [struct.pack(">f", d) for _, d in self.params]
        out.append(struct.pack(">i", len(self.params)))
        for i, (p, _) in enumerate(self.params):
            out.append(pstring(p) + struct.pack(">i", i))
        out.append(struct.pack(">i", len(self.ugens)))
        for cls, rate, inputs, outputs, special in self.ugens:
            out.append(pstring(cls) + struct.pack(">biih", rate, len(inputs), outputs, special))
            out += [struct.pack(">ii", u, o) for u, o in inputs]
            out.append(struct.pack(">b", rate) * outputs)
        out.append(struct.pack(">h", 0))  # no variants
        return b"".join(out)


def pstring(s):
    raw = s.encode("ascii")
    return struct.pack(">B", len(raw)) + raw


LINEAR_SHAPE = 1
MUL = 2  # BinaryOpUGen's special index for '*'


def envelope(start, segments):
    """EnvGen's envelope inputs: start level, segment count, no release or
    loop node (-99), then level, time, shape, curve for each segment."""
    out = [start, len(segments), -99, -99]
    for level, time in segments:
        out += [level, time, LINEAR_SHAPE, 0]
    return out


def voice_tail(d, signal, env_rate, env):
    """signal * EnvGen(env, levelScale amp, free the node at its end) -> Pan2 -> Out 0."""
    eg = d.add("EnvGen", env_rate, [1, "amp", 0, 1, 2] + env, 1)
    mixed = d.add("BinaryOpUGen", AUDIO, [(signal, 0), (eg, 0)], 1, special=MUL)
    panned = d.add("Pan2", AUDIO, [(mixed, 0), "pos", 1], 2)
    d.add("Out", AUDIO, [0, (panned, 0), (panned, 1)], 0)


def grain_def():
    d = SynthDef("tb_grain", [("amp", 0.0), ("freq", 440.0), ("buf", 0.0), ("rise", 0.01),
                              ("hold", 0.0), ("dec", 0.01), ("pos", 0.0)])
    osc = d.add("Osc", AUDIO, ["buf", "freq", 0], 1)
    # k-rate, as Csound's linen: scsynth ramps it across each block
    voice_tail(d, osc, CONTROL, envelope(0, [(1, "rise"), (1, "hold"), (0, "dec")]))
    return d


def poly_def():
    d = SynthDef("tb_poly", [("amp", 0.0), ("freq", 440.0), ("buf", 0.0), ("att", 0.01),
                             ("dec", 0.1), ("sus", 0.5), ("hold", 1.0), ("rel", 0.1),
                             ("b0", 1.0), ("b1", 0.0), ("b2", 0.0), ("na1", 0.0),
                             ("na2", 0.0), ("pos", 0.0)])
    osc = d.add("Osc", AUDIO, ["buf", "freq", 0], 1)
    # SOS: y = a0 x + a1 x1 + a2 x2 + b1 y1 + b2 y2, so its feedback is -a1, -a2
    sos = d.add("SOS", AUDIO, [(osc, 0), "b0", "b1", "b2", "na1", "na2"], 1)
    env = envelope(0, [(1, "att"), ("sus", "dec"), ("sus", "hold"), (0, "rel")])
    voice_tail(d, sos, AUDIO, env)
    return d


def synthdef_file():
    defs = [grain_def(), poly_def()]
    return b"SCgf" + struct.pack(">ih", 2, len(defs)) + b"".join(d.encode() for d in defs)


def grain_args(e):
    f = {k: float(v) for k, v in e.items()}
    hold = f["dur"] - f["rise"] - f["dec"]
    return ["tb_grain", -1, 1, 0, "amp", f["amp"], "freq", 440.0 * 2.0 ** (f["oct"] - 8.75),
            "buf", float(int(f["table"])), "rise", f["rise"], "hold", hold,
            "dec", f["dec"], "pos", 2.0 * f["pan"] - 1.0]


def poly_args(e):
    f = {k: float(v) for k, v in e.items()}
    hold = f["dur"] - f["att"] - f["dec"] - f["rel"]
    return ["tb_poly", -1, 1, 0, "amp", f["amp"], "freq", f["freq"],
            "buf", float(int(f["table"])), "att", f["att"], "dec", f["dec"],
            "sus", f["sus"], "hold", hold, "rel", f["rel"], "b0", f["b0"], "b1", f["b1"],
            "b2", f["b2"], "na1", -f["a1"], "na2", -f["a2"], "pos", 2.0 * f["pan"] - 1.0]


def osc_score(name, defs):
    """The score's bytes: setup at 0 (SynthDefs, tables), one bundle per
    event in time order, and an empty bundle at the render's end."""
    file_name, kind, seconds = SPECS[name]
    header, rows = read_rows(file_name)
    coefs = table_coefficients()
    setup = [osc_message("/d_recv", defs)]
    for n in tables_used(header, rows):
        setup.append(osc_message("/b_alloc", n, 2 * TABLE_POINTS, 1))
        setup.append(osc_message("/b_gen", n, "sine1", 6, *[float(c) for c in coefs[n]]))
    args = grain_args if kind == "grain" else poly_args
    events = sorted((float(r[0]), i, r) for i, r in enumerate(rows))
    out = [osc_bundle_record(0.0, setup)]
    for start, _, r in events:
        out.append(osc_bundle_record(start, [osc_message("/s_new", *args(dict(zip(header, r))))]))
    out.append(osc_bundle_record(float(seconds), [osc_message("/c_set", 0, 0)]))
    return b"".join(out)


# ------------------------------------------------------------------ main

def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    out_dir, what = argv[0], (argv[1] if len(argv) > 1 else "all")
    names = argv[2:] or list(SPECS)
    if what not in ("csd", "osc", "all") or any(n not in SPECS for n in names):
        sys.stderr.write("scores.py: usage: DIR [csd|osc|all] [%s]\n" % " ".join(SPECS))
        return 2
    os.makedirs(os.path.join(out_dir, "sc"), exist_ok=True)
    defs = synthdef_file()
    if what != "csd":
        with open(os.path.join(out_dir, "sc", "tactus_bench.scsyndef"), "wb") as f:
            f.write(defs)
    for name in names:
        if what != "osc":
            with open(os.path.join(out_dir, name + ".csd"), "w") as f:
                f.write(csd_text(name))
        if what != "csd":
            with open(os.path.join(out_dir, "sc", name + ".osc"), "wb") as f:
                f.write(osc_score(name, defs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
