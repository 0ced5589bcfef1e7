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
    /// at frame `block_start` into `left`/`right`.
    pub fn render(
        &mut self,
        table: Option<&Table>,
        from: u64,
        to: u64,
        block_start: u64,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let mut f = from.max(self.start);
        while f < to && !self.done() {
            let (level0, slope, stage_start, end) = self.env.piece();
            if end <= f {
                self.env.advance(end.max(stage_start));
                continue;
            }
            let run_end = end.min(to);
            let off = (f - block_start) as usize;
            let n = (run_end - f) as usize;
            let k0 = f - stage_start;
            match table {
                Some(t) => self.run(
                    t,
                    level0,
                    slope,
                    k0,
                    &mut left[off..off + n],
                    &mut right[off..off + n],
                ),
                None => self.phase = self.phase.wrapping_add(self.inc.wrapping_mul(n as u32)),
            }
            f = run_end;
            if f == end {
                self.env.advance(end);
            }
        }
    }

    /// The inner loop: one linear envelope piece, no branches on voice type.
    #[inline]
    fn run(
        &mut self,
        t: &Table,
        level0: f32,
        slope: f32,
        k0: u64,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let data = t.with_guard();
        let len = t.len() as u64;
        let (gl, gr) = (self.gain_l, self.gain_r);
        let mut phase = self.phase;
        let inc = self.inc;
        for (j, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            let p = phase as u64 * len;
            let idx = (p >> 32) as usize;
            let frac = (p as u32) as f32 * FRAC_SCALE;
            let a = data[idx];
            let b = data[idx + 1];
            let s = a + (b - a) * frac;
            let env = level0 + slope * (k0 + j as u64) as f32;
            let v = s * env;
            *l += v * gl;
            *r += v * gr;
            phase = phase.wrapping_add(inc);
        }
        self.phase = phase;
    }
}
