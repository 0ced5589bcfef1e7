#!/usr/bin/env python3
"""Timing and level helpers for bench/compare.sh (Python 3 standard library).

    measure.py time --spawn SPAWN [-n RUNS] [--warmup W] [--timeout S] -- CMD [ARG ...]
        Runs CMD W times uncounted (default 1), then RUNS times (default 3),
        each as a whole process to completion with its output discarded,
        through SPAWN (bench/spawn.c, compiled), and prints one line:
            wall_s=<median> peak_mib=<largest> runs=<RUNS>
        wall_s is the median of the wall times SPAWN measures (monotonic
        clock, fork to reaping); peak_mib is the largest of the children's
        peak resident memory over the counted runs. Exits 1, naming the exit
        code, when a run fails or times out. (SPAWN, not Python, forks the
        command: Linux would count the interpreter's own memory in the
        command's peak.)

    measure.py rms FILE.wav ...
        Prints  <file> <RMS dBFS>  for each 32-bit float or 16/24/32-bit
        integer WAV: the RMS of every sample of every channel, 0 dBFS = 1.0.
"""
import argparse
import array
import math
import os
import statistics
import struct
import subprocess
import sys


def run_once(spawn, cmd, timeout_s):
    """(wall seconds, peak MiB, exit code) of one whole-process run."""
    child = subprocess.Popen([spawn] + cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
    try:
        report = child.communicate(timeout=timeout_s or None)[1].decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, 9)
        child.communicate()
        return None, None, "timed out after %g s" % timeout_s
    fields = dict(f.split("=", 1) for f in report.split() if "=" in f)
    if child.returncode != 0 or "wall_s" not in fields:
        return None, None, "exit %s %s" % (child.returncode, report.strip())
    return float(fields["wall_s"]), int(fields["peak_kib"]) / 1024.0, None


def cmd_time(argv):
    ap = argparse.ArgumentParser(prog="measure.py time")
    ap.add_argument("--spawn", required=True)
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=0.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd or a.n < 1:
        ap.error("need a command and -n of at least 1")
    walls, peaks = [], []
    for i in range(a.warmup + a.n):
        wall_s, peak_mib, error = run_once(a.spawn, cmd, a.timeout)
        if error:
            sys.stderr.write("measure.py: %s: %s\n" % (" ".join(cmd), error))
            return 1
        if i >= a.warmup:
            walls.append(wall_s)
            peaks.append(peak_mib)
    print("wall_s=%.4f peak_mib=%.1f runs=%d" % (statistics.median(walls), max(peaks), a.n))
    return 0


def wav_samples(path):
    """All samples of a WAV file as floats (0 dBFS = 1.0), channels interleaved."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("%s: not a WAV file" % path)
    pos, fmt, bits = 12, None, None
    while pos + 8 <= len(data):
        tag, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if tag == b"fmt ":
            fmt = struct.unpack("<H", body[:2])[0]
            bits = struct.unpack("<H", body[14:16])[0]
            if fmt == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the subformat's first two bytes
                fmt = struct.unpack("<H", body[24:26])[0]
        elif tag == b"data":
            return decode(body, fmt, bits, path)
        pos += 8 + size + (size & 1)
    raise ValueError("%s: no data chunk" % path)


def decode(body, fmt, bits, path):
    if fmt == 3 and bits == 32:
        a = array.array("f")
        a.frombytes(body[:len(body) // 4 * 4])
    elif fmt == 1 and bits in (16, 32):
        a = array.array("h" if bits == 16 else "i")
        a.frombytes(body[:len(body) // a.itemsize * a.itemsize])
        a = [x / float(1 << (bits - 1)) for x in a]
    elif fmt == 1 and bits == 24:
        a = [int.from_bytes(body[i:i + 3], "little", signed=True) / 8388608.0
             for i in range(0, len(body) - 2, 3)]
    else:
        raise ValueError("%s: WAV format %s with %s bits not read" % (path, fmt, bits))
    if sys.byteorder != "little" and isinstance(a, array.array):
        a.byteswap()
    return a


def rms_dbfs(samples):
    if len(samples) == 0:
        return float("-inf")
    power = math.fsum(x * x for x in samples) / len(samples)
    return 10.0 * math.log10(power) if power > 0 else float("-inf")


def cmd_rms(paths):
    for p in paths:
        print("%s %.4f" % (p, rms_dbfs(wav_samples(p))))
    return 0


def main(argv):
    if argv[:1] == ["time"]:
        return cmd_time(argv[1:])
    if argv[:1] == ["rms"] and len(argv) > 1:
        return cmd_rms(argv[1:])
    print(__doc__.strip())
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
