//! Phaser: six first-order allpasses per side with feedback, their break
//! frequency swept 250 Hz .. 2.5 kHz (log) by a 0.35 Hz sine; the sum with
//! the dry signal gives the moving notches. The right side's LFO leads by a
//! quarter turn. Coefficients are updated every 8 frames (counted from the
//! stage's own start, so block sizes do not matter).

use super::dsp::{advance, at_zero, clean, fade_to, flush, sin_turns, Stage};
use crate::audio::mix::Ramp;

/// Allpass stages per side.
const STAGES: usize = 6;
/// Bottom of the sweep (Hz).
const LO_HZ: f32 = 250.0;
/// Sweep width in octaves (250 Hz .. 2.5 kHz).
const SPAN_OCT: f32 = 3.321_928;
/// LFO rate (Hz).
const RATE_HZ: f32 = 0.35;
/// Feedback from the last stage into the first.
const FEEDBACK: f32 = 0.45;
/// Frames between coefficient updates (a power of two).
const UPDATE: u32 = 8;
/// Phase lead of the right side's LFO (turns).
const RIGHT_LEAD: f32 = 0.25;

/// One side's allpass chain.
#[derive(Debug, Clone, Copy, Default)]
struct Chain {
    s: [f32; STAGES],
    last: f32,
}

impl Chain {
    #[inline]
    fn tick(&mut self, a: f32, x: f32) -> f32 {
        let mut v = x + FEEDBACK * self.last;
        for s in self.s.iter_mut() {
            let y = a * v + *s;
            *s = flush(v - a * y);
            v = y;
        }
        self.last = v;
        v
    }
}

/// A stereo phaser.
#[derive(Debug, Clone)]
pub struct Phaser {
    l: Chain,
    r: Chain,
    a_l: f32,
    a_r: f32,
    phase: f32,
    inc: f32,
    count: u32,
    sr_hz: f32,
    mix: Ramp,
    len: u32,
}

/// The allpass coefficient for a break frequency.
#[inline]
fn coef(hz: f32, sr_hz: f32) -> f32 {
    let t = (std::f32::consts::PI * hz.min(0.45 * sr_hz) / sr_hz).tan();
    (t - 1.0) / (t + 1.0)
}

impl Phaser {
    /// Off.
    pub fn new(sr_hz: f32, len: u32) -> Phaser {
        Phaser {
            l: Chain::default(),
            r: Chain::default(),
            a_l: 0.0,
            a_r: 0.0,
            phase: 0.0,
            inc: RATE_HZ / sr_hz,
            count: 0,
            sr_hz,
            mix: Ramp::new(0.0),
            len,
        }
    }

    /// Every setting at its target now (a fresh chain on a silent bus).
    pub fn settle(&mut self) {
        self.mix.finish();
    }

    /// Set the mix, 0..1. From off, the allpasses start from rest.
    pub fn set_mix(&mut self, mix: f32) {
        let Some(m) = clean(mix, 0.0, 1.0) else {
            return;
        };
        if self.idle() && m > 0.0 {
            self.l = Chain::default();
            self.r = Chain::default();
            self.count = 0;
        }
        fade_to(&mut self.mix, m, self.len);
    }

    #[inline]
    fn update(&mut self) {
        if self.count % UPDATE == 0 {
            let mut pr = self.phase + RIGHT_LEAD;
            if pr >= 1.0 {
                pr -= 1.0;
            }
            let hz = |p: f32| LO_HZ * (SPAN_OCT * (0.5 + 0.5 * sin_turns(p))).exp2();
            self.a_l = coef(hz(self.phase), self.sr_hz);
            self.a_r = coef(hz(pr), self.sr_hz);
        }
        self.count = self.count.wrapping_add(1);
        advance(&mut self.phase, self.inc);
    }
}

impl Stage for Phaser {
    #[inline]
    fn idle(&self) -> bool {
        at_zero(&self.mix)
    }

    #[inline]
    fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        self.update();
        let yl = self.l.tick(self.a_l, l);
        let yr = self.r.tick(self.a_r, r);
        let m = 0.5 * self.mix.value();
        self.mix.tick();
        (l + m * (yl - l), r + m * (yr - r))
    }
}
