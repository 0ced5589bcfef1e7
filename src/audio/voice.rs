//! One sounding note: a table oscillator with linear interpolation, read live
//! from its table slot, shaped by a per-sample envelope and panned.
//!
//! The phase is a 32-bit fixed-point fraction of a cycle, so it wraps exactly
//! and the samples do not depend on block boundaries.

use super::env::{Env, Stage};
use super::table::Table;

/// 2^-32, to turn the low phase bits into a fraction.
const FRAC_SCALE: f32 = 1.0 / 4_294_967_296.0;

/// A voice in the engine's pool.
#[derive(Debug, Clone, Copy)]
pub struct Voice {
    /// The note's id, for releases.
    pub id: u64,
    /// Channel index 0..16.
    pub channel: u8,
    /// Table slot read by the oscillator.
    pub slot: u32,
    /// Oscillator phase (a fraction of a cycle in 2^-32 units).
    pub phase: u32,
    /// Phase increment per frame.
    pub inc: u32,
    /// Amplitude times the left pan gain.
    pub gain_l: f32,
    /// Amplitude times the right pan gain.
    pub gain_r: f32,
    /// First frame.
    pub start: u64,
    /// Envelope.
    pub env: Env,
    /// Fading out to make room for a newer note.
    pub stolen: bool,
    /// Release time used when the gate closes by command.
    pub release_len: u32,
    /// Optional per-voice filter after the oscillator.
    pub filter: Option<Biquad>,
}

/// Phase increment for a frequency at a sample rate.
pub fn phase_inc(freq_hz: f64, sr_hz: f64) -> u32 {
    let cycles = (freq_hz / sr_hz).rem_euclid(1.0);
    (cycles * 4_294_967_296.0).round() as u64 as u32
}

impl Voice {
    /// True once the envelope has finished.
    #[inline]
    pub fn done(&self) -> bool {
        self.env.stage() == Stage::Done
    }

    /// Add this voice's output for frames `[from, to)` of the block starting
    /// at frame `block_start` into `left`/`right`; `scratch` holds at least
    /// `to - from` samples.
    #[allow(clippy::too_many_arguments)]
    pub fn render(
        &mut self,
        table: Option<&Table>,
        from: u64,
        to: u64,
        block_start: u64,
        left: &mut [f32],
        right: &mut [f32],
        scratch: &mut [f32],
    ) {
        let mut f = from.max(self.start);
        while f < to && !self.done() {
            let (level0, slope, stage_start, end) = self.env.piece();
            if end <= f {
                self.env.advance(end.max(stage_start));
                continue;
            }
            let run_end = end.min(to);
            let (off, n) = ((f - block_start) as usize, (run_end - f) as usize);
            // Constant pieces need no frame count; sloped ones are < 2^31 frames.
            let k0 = if slope == 0.0 {
                0
            } else {
                (f - stage_start) as i32
            };
            let osc = &mut scratch[..n];
            match table {
                Some(t) => self.oscillate(t, osc),
                None => {
                    osc.fill(0.0);
                    self.phase = self.phase.wrapping_add(self.inc.wrapping_mul(n as u32));
                }
            }
            if let Some(filter) = &mut self.filter {
                filter.process(osc);
            }
            let piece = Piece { level0, slope, k0 };
            piece.mix(
                osc,
                self.gain_l,
                self.gain_r,
                &mut left[off..off + n],
                &mut right[off..off + n],
            );
            f = run_end;
            if f == end {
                self.env.advance(end);
            }
        }
    }

    /// Table lookup with linear interpolation into `out`, advancing the phase.
    #[inline]
    fn oscillate(&mut self, t: &Table, out: &mut [f32]) {
        let data = t.with_guard();
        let len = t.len() as u64;
        let mut phase = self.phase;
        let inc = self.inc;
        debug_assert_eq!(data.len() as u64, len + 1);
        for o in out.iter_mut() {
            let p = phase as u64 * len;
            let idx = (p >> 32) as usize;
            let frac = (p as u32) as f32 * FRAC_SCALE;
            // SAFETY: phase < 2^32, so idx = (phase * len) >> 32 < len, and
            // `data` holds len + 1 points (the guard point): idx + 1 <= len.
            let (a, b) = unsafe { (*data.get_unchecked(idx), *data.get_unchecked(idx + 1)) };
            *o = a + (b - a) * frac;
            phase = phase.wrapping_add(inc);
        }
        self.phase = phase;
    }
}

/// One linear piece of an envelope over a run of frames.
struct Piece {
    level0: f32,
    slope: f32,
    k0: i32,
}

impl Piece {
    /// `left += x * env * gl`, `right += x * env * gr`.
    #[inline]
    fn mix(&self, x: &[f32], gl: f32, gr: f32, left: &mut [f32], right: &mut [f32]) {
        let (l0, sl, k0) = (self.level0, self.slope, self.k0);
        for (j, ((l, r), s)) in left.iter_mut().zip(right.iter_mut()).zip(x).enumerate() {
            let v = s * (l0 + sl * (k0 + j as i32) as f32);
            *l += v * gl;
            *r += v * gr;
        }
    }
}

/// An RBJ biquad, direct form I (`a0` = 1), with its state.
#[derive(Debug, Clone, Copy, Default)]
pub struct Biquad {
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32,
    x1: f32,
    x2: f32,
    y1: f32,
    y2: f32,
}

impl Biquad {
    /// A filter from normalised coefficients `[b0, b1, b2, a1, a2]`, at rest.
    pub fn new(c: [f32; 5]) -> Biquad {
        Biquad {
            b0: c[0],
            b1: c[1],
            b2: c[2],
            a1: c[3],
            a2: c[4],
            ..Biquad::default()
        }
    }

    /// Filter `buf` in place.
    #[inline]
    pub fn process(&mut self, buf: &mut [f32]) {
        let (b0, b1, b2, a1, a2) = (self.b0, self.b1, self.b2, self.a1, self.a2);
        let (mut x1, mut x2, mut y1, mut y2) = (self.x1, self.x2, self.y1, self.y2);
        for s in buf.iter_mut() {
            let x = *s;
            let y = (b0 * x + b1 * x1 + b2 * x2 - a2 * y2) - a1 * y1;
            x2 = x1;
            x1 = x;
            y2 = y1;
            y1 = y;
            *s = y;
        }
        (self.x1, self.x2, self.y1, self.y2) = (x1, x2, y1, y2);
    }
}
