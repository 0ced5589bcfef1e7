//! Render a slice of voices into per-channel buses, the filtered table
//! voices eight at a time.
//!
//! A voice's biquad is a serial recurrence (each output needs the one
//! before), so one voice at a time it waits on its own latency. Here up to
//! [`LANES`] consecutive table + biquad voices form a batch: each fills its
//! own row from its oscillator, the batch's filters then run side by side,
//! one voice per SIMD lane, and each voice mixes its row into its bus, in
//! voice order. Every sample is computed by the same f32 operations as
//! [`Voice::render`], and each bus sample receives the voices in the same
//! order, so the output is bit-identical to rendering the voices one by one,
//! whatever the batches or the block size.

use super::{osc, Kind, Sources, Voice};

/// Voices filtered side by side (one 256-bit vector of f32).
pub const LANES: usize = 8;

/// Frames per row of a batch (a 256-frame block in one pass): `LANES` rows
/// take 8 KiB, in L1.
const CHUNK_FRAMES: usize = 256;

/// A batch smaller than this renders voice by voice (fewer lanes would not
/// pay for the transposes).
const MIN_BATCH: usize = 3;

/// Where voices mix to: a left and a right buffer per channel, indexed by
/// the frame in the block.
pub trait Buses {
    /// The left and right buffers of channel `ch`.
    fn pair(&mut self, ch: u8) -> (&mut [f32], &mut [f32]);
}

/// The biquads of a batch, one voice per lane (unused lanes: all zeros).
#[derive(Debug, Clone, Copy, Default)]
pub struct LaneBiquad {
    pub(super) b0: [f32; LANES],
    pub(super) b1: [f32; LANES],
    pub(super) b2: [f32; LANES],
    pub(super) a1: [f32; LANES],
    pub(super) a2: [f32; LANES],
    pub(super) x1: [f32; LANES],
    pub(super) x2: [f32; LANES],
    pub(super) y1: [f32; LANES],
    pub(super) y2: [f32; LANES],
}

impl LaneBiquad {
    /// The filters of `voices[batch[k]]` in lane `k` (voices without one: zeros).
    pub fn gather(voices: &[Voice], batch: &[usize]) -> LaneBiquad {
        let mut f = LaneBiquad::default();
        for (k, &i) in batch.iter().enumerate().take(LANES) {
            if let Some(q) = &voices[i].filter {
                (f.b0[k], f.b1[k], f.b2[k], f.a1[k], f.a2[k]) = (q.b0, q.b1, q.b2, q.a1, q.a2);
                (f.x1[k], f.x2[k], f.y1[k], f.y2[k]) = (q.x1, q.x2, q.y1, q.y2);
            }
        }
        f
    }

    /// Give each voice its filter state back.
    pub fn scatter(&self, voices: &mut [Voice], batch: &[usize]) {
        for (k, &i) in batch.iter().enumerate().take(LANES) {
            if let Some(q) = &mut voices[i].filter {
                (q.x1, q.x2, q.y1, q.y2) = (self.x1[k], self.x2[k], self.y1[k], self.y2[k]);
            }
        }
    }

    /// Filter frames `[0, n)` of each lane's row in place; row `k` starts at
    /// `rows[k * stride]`.
    pub fn run(&mut self, rows: &mut [f32], stride: usize, n: usize) {
        #[cfg(target_arch = "x86_64")]
        if super::avx2::available() {
            // SAFETY: AVX2 is present; the bounds are asserted inside.
            unsafe { super::avx2::biquad_lanes(self, rows, stride, n) };
            return;
        }
        self.run_frames(rows, stride, 0, n);
    }

    /// The portable filter over frames `[from, to)`, one frame of every lane
    /// at a time (the same operations as [`super::Biquad::process`]).
    pub fn run_frames(&mut self, rows: &mut [f32], stride: usize, from: usize, to: usize) {
        assert!(to <= stride && rows.len() >= LANES * stride);
        for j in from..to {
            for k in 0..LANES {
                let x = rows[k * stride + j];
                let y = (self.b0[k] * x + self.b1[k] * self.x1[k] + self.b2[k] * self.x2[k]
                    - self.a2[k] * self.y2[k])
                    - self.a1[k] * self.y1[k];
                self.x2[k] = self.x1[k];
                self.x1[k] = x;
                self.y2[k] = self.y1[k];
                self.y1[k] = y;
                rows[k * stride + j] = y;
            }
        }
    }
}

/// Add the output of `voices` over frames `[from, to)` of the block starting
/// at frame `t0` into their channels' buses; `scratch` holds at least
/// `to - from` samples, and a batch uses rows of up to 256 frames from it
/// (`LANES * 256` samples; with less than `LANES * 8`, voice by voice). Voices render in slice order, so
/// a bus sums them in a fixed order; this can be called per group of voices.
#[allow(clippy::too_many_arguments)]
pub fn render_voices<B: Buses + ?Sized>(
    voices: &mut [Voice],
    src: &mut Sources,
    from: u64,
    to: u64,
    t0: u64,
    buses: &mut B,
    scratch: &mut [f32],
) {
    let mut batch = [0usize; LANES];
    let mut n = 0;
    for i in 0..voices.len() {
        let v = &voices[i];
        if v.start >= to || v.done() {
            continue; // nothing to add in this span
        }
        if batchable(v, src) {
            batch[n] = i;
            n += 1;
            if n == LANES {
                flush(voices, &batch, src, (from, to, t0), buses, scratch);
                n = 0;
            }
            continue;
        }
        flush(voices, &batch[..n], src, (from, to, t0), buses, scratch);
        n = 0;
        let v = &mut voices[i];
        let (left, right) = buses.pair(v.channel);
        v.render(src, from, to, t0, left, right, scratch);
    }
    flush(voices, &batch[..n], src, (from, to, t0), buses, scratch);
}

/// A table oscillator through a biquad, with no layers: what a batch runs.
fn batchable(v: &Voice, src: &Sources) -> bool {
    let l = &v.layers;
    matches!(v.kind, Kind::Table)
        && v.filter.is_some()
        && l.detune.1 == 0
        && !(l.sub.2 > 0.0)
        && !(l.noise > 0.0)
        && src.tables.get(v.slot).is_some()
}

/// Render the voices `batch` (indices into `voices`, in order) over the
/// span `(from, to, t0)`.
fn flush<B: Buses + ?Sized>(
    voices: &mut [Voice],
    batch: &[usize],
    src: &mut Sources,
    (from, to, t0): (u64, u64, u64),
    buses: &mut B,
    scratch: &mut [f32],
) {
    let stride = CHUNK_FRAMES.min(scratch.len() / LANES);
    if batch.len() < MIN_BATCH || stride < 8 {
        for &i in batch {
            let v = &mut voices[i];
            let (left, right) = buses.pair(v.channel);
            v.render(src, from, to, t0, left, right, scratch);
        }
        return;
    }
    let rows = &mut scratch[..LANES * stride];
    rows[batch.len() * stride..].fill(0.0);
    let mut filters = LaneBiquad::gather(voices, batch);
    let mut c0 = from;
    while c0 < to {
        let c1 = (c0 + stride as u64).min(to);
        let len = (c1 - c0) as usize;
        for (k, &i) in batch.iter().enumerate() {
            oscillate_row(&mut voices[i], src, c0, c1, &mut rows[k * stride..][..len]);
        }
        filters.run(rows, stride, len);
        mix_rows(voices, batch, rows, stride, (c0, c1, t0), buses);
        c0 = c1;
    }
    filters.scatter(voices, batch);
}

/// Mix the batch's filtered rows (frames `[c0, c1)` of the block starting
/// at `t0`) into their buses, in voice order. A run of voices on one
/// channel that all hold a level over the whole chunk (a sustain, the
/// usual case) is added in one pass: each bus sample takes the run's voices
/// one after the other while it stays in a register, the same additions in
/// the same order as voice by voice. Any other voice mixes on its own.
fn mix_rows<B: Buses + ?Sized>(
    voices: &mut [Voice],
    batch: &[usize],
    rows: &[f32],
    stride: usize,
    (c0, c1, t0): (u64, u64, u64),
    buses: &mut B,
) {
    let len = (c1 - c0) as usize;
    let off = (c0 - t0) as usize;
    let mut k = 0;
    while k < batch.len() {
        let v = &voices[batch[k]];
        let Some(first) = steady_gains(v, c0, c1) else {
            let v = &mut voices[batch[k]];
            let (left, right) = buses.pair(v.channel);
            v.mix_from(&rows[k * stride..][..len], c0, c1, t0, left, right);
            k += 1;
            continue;
        };
        let channel = v.channel;
        let mut gains = [[0.0f32; 3]; LANES];
        gains[0] = first;
        let mut n = 1;
        while k + n < batch.len() {
            let w = &voices[batch[k + n]];
            match steady_gains(w, c0, c1) {
                Some(g) if w.channel == channel => gains[n] = g,
                _ => break,
            }
            n += 1;
        }
        let (left, right) = buses.pair(channel);
        let run_rows = &rows[k * stride..];
        let (l, r) = (&mut left[off..off + len], &mut right[off..off + len]);
        mix_steady(run_rows, stride, &gains[..n], l, r);
        k += n;
    }
}

/// `[level, gain_l, gain_r]` of a voice that sounds at one level over all
/// of `[c0, c1)` (started, not done, its envelope piece flat and ending
/// after `c1`); `None` for any other.
fn steady_gains(v: &Voice, c0: u64, c1: u64) -> Option<[f32; 3]> {
    let (level, slope, _, end) = v.env.piece();
    let steady = v.start <= c0 && !v.done() && slope == 0.0 && end > c1;
    steady.then_some([level, v.gain_l, v.gain_r])
}

/// Add rows `k` (at `rows[k * stride..]`, `left.len()` frames) times their
/// `[level, gain_l, gain_r]` into `left` and `right`: per frame, voice by
/// voice, `v = x * level; l += v * gain_l; r += v * gain_r`, the operations
/// [`Voice::mix_from`] does on a flat piece (its `level + 0 * k` is
/// `level`), in the same order.
pub fn mix_steady(
    rows: &[f32],
    stride: usize,
    gains: &[[f32; 3]],
    left: &mut [f32],
    right: &mut [f32],
) {
    let n = left.len().min(right.len());
    assert!(gains.len() <= LANES && n <= stride);
    assert!(gains.is_empty() || rows.len() >= (gains.len() - 1) * stride + n);
    #[cfg(target_arch = "x86_64")]
    if super::avx2::available() {
        // SAFETY: AVX2 is present; the bounds are asserted above.
        let done = unsafe {
            super::avx2::mix_steady(rows, stride, gains, &mut left[..n], &mut right[..n])
        };
        mix_steady_frames(rows, stride, gains, done, left, right);
        return;
    }
    mix_steady_frames(rows, stride, gains, 0, left, right);
}

/// [`mix_steady`] in plain Rust, from frame `from` on.
pub fn mix_steady_frames(
    rows: &[f32],
    stride: usize,
    gains: &[[f32; 3]],
    from: usize,
    left: &mut [f32],
    right: &mut [f32],
) {
    let n = left.len().min(right.len());
    for j in from..n {
        let (mut l, mut r) = (left[j], right[j]);
        for (k, g) in gains.iter().enumerate() {
            let v = rows[k * stride + j] * g[0];
            l += v * g[1];
            r += v * g[2];
        }
        left[j] = l;
        right[j] = r;
    }
}

/// Fill `row` (frames `[c0, c1)`) from the voice's table: zeros before its
/// start or once it is done (its filter then sees silence: at rest before
/// the start, unheard after the end).
fn oscillate_row(v: &mut Voice, src: &Sources, c0: u64, c1: u64, row: &mut [f32]) {
    let a = c0.max(v.start);
    let table = src.tables.get(v.slot);
    match table {
        Some(t) if a < c1 && !v.done() => {
            let skip = (a - c0) as usize;
            row[..skip].fill(0.0);
            v.phase = osc::table(t, v.phase, v.inc, 1.0, &mut row[skip..], false);
        }
        _ => row.fill(0.0),
    }
}

#[cfg(test)]
mod tests;
