//! One sounding note: an oscillator (a live table, FM, noise, a plucked
//! string or a sample), optional layers and filter, a per-sample envelope,
//! and pan gains.
//!
//! Phases are 32-bit fixed-point fractions of a cycle, so they wrap exactly
//! and the samples do not depend on block boundaries. Each run of frames
//! (one linear piece of the envelope inside one block) makes block-wise
//! passes: oscillator, layers, filter, then envelope, pan and mix.
//! [`lanes::render_voices`] renders a slice of voices, filtering the plain
//! table + biquad voices several at a time in SIMD lanes.

#[cfg(target_arch = "x86_64")]
mod avx2;
pub mod lanes;
pub mod osc;

use super::env::{Env, Stage};
use super::table::{Table, TableBank};
use osc::{Pluck, SamplePlay};

/// What the oscillator pass does.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Read the table in `slot`.
    Table,
    /// Sine carrier (in `slot`) phase-modulated by a sine.
    Fm {
        /// Modulator phase.
        mphase: u32,
        /// Modulator increment.
        minc: u32,
        /// Modulation index, radians.
        index: f32,
    },
    /// White noise.
    Noise,
    /// A Karplus-Strong string.
    Pluck(Pluck),
    /// The table in `slot` played as a sample.
    Sample(SamplePlay),
    /// A synthesized drum hit and its choke group.
    Drum(super::drums::DrumVoice, Option<u8>),
}

/// Extra layers: a detuned copy, a sub-octave sine, noise.
#[derive(Debug, Clone, Copy, Default)]
pub struct LayerState {
    /// Detuned oscillator: (phase, increment); increment 0 = off.
    pub detune: (u32, u32),
    /// Sub-octave sine: (phase, increment, level).
    pub sub: (u32, u32, f32),
    /// Noise level (0 = off).
    pub noise: f32,
    /// Noise generator state (also used by `Kind::Noise`).
    pub seed: u32,
}

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
    /// The oscillator kind.
    pub kind: Kind,
    /// Layers.
    pub layers: LayerState,
    /// The pitch increments as the note started, before any bend.
    pub unbent: Unbent,
}

/// A voice's pitch increments before pitch bend scales them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unbent {
    inc: u32,
    minc: u32,
    detune: u32,
    sub: u32,
    step: u64,
}

/// Phase increment for a frequency at a sample rate.
pub fn phase_inc(freq_hz: f64, sr_hz: f64) -> u32 {
    let cycles = (freq_hz / sr_hz).rem_euclid(1.0);
    (cycles * 4_294_967_296.0).round() as u64 as u32
}

/// What a voice reads while it renders: the tables and the string pool.
pub struct Sources<'a> {
    /// Every table slot.
    pub tables: &'a TableBank,
    /// The slot of the plain sine (FM, sub oscillator).
    pub sine_slot: u32,
    /// The plucked strings' delay lines, `line_len` samples each.
    pub lines: &'a mut [f32],
    /// Samples per delay line.
    pub line_len: usize,
}

impl Voice {
    /// Remember the current increments as the unbent pitch (at note-on).
    pub fn keep_unbent(&mut self) {
        self.unbent = Unbent {
            inc: self.inc,
            minc: match self.kind {
                Kind::Fm { minc, .. } => minc,
                _ => 0,
            },
            detune: self.layers.detune.1,
            sub: self.layers.sub.1,
            step: match self.kind {
                Kind::Sample(s) => s.step,
                _ => 0,
            },
        };
    }

    /// Play at `ratio` times the unbent frequency (table, wave, FM and
    /// sample voices and their layers; strings, noise and drums keep their
    /// pitch). No allocation: a few multiplications.
    pub fn set_bend(&mut self, ratio: f64) {
        let u = self.unbent;
        let scale = |x: u32| (x as f64 * ratio) as u64 as u32;
        self.inc = scale(u.inc);
        self.layers.detune.1 = scale(u.detune);
        self.layers.sub.1 = scale(u.sub);
        match &mut self.kind {
            Kind::Fm { minc, .. } => *minc = scale(u.minc),
            Kind::Sample(s) => s.step = (u.step as f64 * ratio) as u64,
            _ => {}
        }
    }

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
        src: &mut Sources,
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
            let sig = &mut scratch[..n];
            self.oscillate(src, sig);
            if let Some(filter) = &mut self.filter {
                filter.process(sig);
            }
            let piece = Piece { level0, slope, k0 };
            piece.mix(
                sig,
                self.gain_l,
                self.gain_r,
                &mut left[off..off + n],
                &mut right[off..off + n],
            );
            f = run_end;
            let ran_out = match &self.kind {
                Kind::Sample(s) => s.ended,
                Kind::Drum(d, _) => d.is_done(),
                _ => false,
            };
            if ran_out {
                self.env.finish();
            } else if f == end {
                self.env.advance(end);
            }
        }
    }

    /// Add this voice's signal `sig` (frames `[c0, c1)`, already filtered)
    /// times its envelope and pan gains into `left`/`right` (frames of the
    /// block starting at `block_start`), from its start on, advancing the
    /// envelope as [`Voice::render`] does.
    pub fn mix_from(
        &mut self,
        sig: &[f32],
        c0: u64,
        c1: u64,
        block_start: u64,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let mut f = c0.max(self.start);
        while f < c1 && !self.done() {
            let (level0, slope, stage_start, end) = self.env.piece();
            if end <= f {
                self.env.advance(end.max(stage_start));
                continue;
            }
            let run_end = end.min(c1);
            let (off, n) = ((f - block_start) as usize, (run_end - f) as usize);
            let k0 = if slope == 0.0 {
                0
            } else {
                (f - stage_start) as i32
            };
            let s = (f - c0) as usize;
            let piece = Piece { level0, slope, k0 };
            piece.mix(
                &sig[s..s + n],
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

    /// The oscillator pass, then the layers.
    #[inline]
    fn oscillate(&mut self, src: &mut Sources, out: &mut [f32]) {
        let table = src.tables.get(self.slot);
        let main = if self.layers.detune.1 != 0 { 0.7 } else { 1.0 };
        match &mut self.kind {
            Kind::Table => match table {
                Some(t) => self.phase = osc::table(t, self.phase, self.inc, main, out, false),
                None => self.silence(out),
            },
            Kind::Fm {
                mphase,
                minc,
                index,
            } => match table {
                Some(t) => {
                    (self.phase, *mphase) =
                        osc::fm(t, (self.phase, *mphase), (self.inc, *minc), *index, out)
                }
                None => self.silence(out),
            },
            Kind::Noise => osc::noise(&mut self.layers.seed, 1.0, out, false),
            Kind::Pluck(p) => {
                let start = p.line as usize * src.line_len;
                p.run(&mut src.lines[start..start + src.line_len], out);
            }
            Kind::Sample(s) => match table {
                Some(t) => s.run(t, out),
                None => out.fill(0.0),
            },
            Kind::Drum(d, _) => {
                d.render(out);
            }
        }
        self.add_layers(src, table, out);
    }

    fn silence(&mut self, out: &mut [f32]) {
        out.fill(0.0);
        self.phase = self
            .phase
            .wrapping_add(self.inc.wrapping_mul(out.len() as u32));
    }

    fn add_layers(&mut self, src: &Sources, table: Option<&Table>, out: &mut [f32]) {
        let l = &mut self.layers;
        if let (Some(t), (phase, inc)) = (table, l.detune) {
            if inc != 0 {
                l.detune.0 = osc::table(t, phase, inc, 0.7, out, true);
            }
        }
        if let (Some(sine), (phase, inc, level)) = (src.tables.get(src.sine_slot), l.sub) {
            if level > 0.0 {
                l.sub.0 = osc::table(sine, phase, inc, level, out, true);
            }
        }
        if l.noise > 0.0 {
            osc::noise(&mut l.seed, l.noise, out, true);
        }
    }
}

/// One linear piece of an envelope over a run of frames.
struct Piece {
    level0: f32,
    slope: f32,
    k0: i32,
}

impl Piece {
    /// `left += x * env * gl`, `right += x * env * gr` (with AVX2 when the
    /// CPU has it: the same operations, eight frames a vector).
    #[inline]
    fn mix(&self, x: &[f32], gl: f32, gr: f32, left: &mut [f32], right: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if avx2::available() {
            // SAFETY: AVX2 is present.
            unsafe { avx2::mix(self, x, gl, gr, left, right) };
            return;
        }
        self.mix_portable(x, gl, gr, left, right);
    }

    /// [`Piece::mix`] in plain Rust.
    #[inline(always)]
    fn mix_portable(&self, x: &[f32], gl: f32, gr: f32, left: &mut [f32], right: &mut [f32]) {
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
