//! The low-pass and high-pass stages: two-pole filters with the RBJ
//! cookbook's response (bilinear transform, prewarped cutoff), computed in
//! Andrew Simper's trapezoidal state-variable form, which stays
//! well-behaved when the cutoff moves every frame (a direct-form biquad
//! can thump when its coefficients are swept).
//!
//! The cutoff is smoothed in octaves (log2 Hz), the resonance linearly;
//! coefficients are recomputed on every frame where either moves, and
//! once more when they arrive. Turning a filter on or off crossfades
//! between the dry and filtered signal.

use super::dsp::{at_zero, clean, fade_to, flush, retarget, Stage};
use crate::audio::mix::Ramp;

/// Lowest cutoff accepted (Hz).
const MIN_HZ: f32 = 20.0;
/// Highest cutoff accepted, as a fraction of the sample rate.
const MAX_FRACTION: f32 = 0.45;
/// Default resonance (Butterworth).
pub const DEFAULT_Q: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Which response a [`Filter`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Low-pass.
    Low,
    /// High-pass.
    High,
}

/// Coefficients of the state-variable filter.
#[derive(Debug, Clone, Copy, Default)]
struct Coefs {
    a1: f32,
    a2: f32,
    a3: f32,
    k: f32,
}

impl Coefs {
    fn new(cutoff_hz: f32, q: f32, sr_hz: f32) -> Coefs {
        let g = (std::f32::consts::PI * cutoff_hz / sr_hz).tan();
        let k = 1.0 / q;
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        Coefs {
            a1,
            a2,
            a3: g * a2,
            k,
        }
    }
}

/// One channel's integrator states.
#[derive(Debug, Clone, Copy, Default)]
struct Svf {
    ic1: f32,
    ic2: f32,
}

impl Svf {
    /// One frame; returns (low-pass, high-pass).
    #[inline]
    fn tick(&mut self, c: &Coefs, x: f32) -> (f32, f32) {
        let v3 = x - self.ic2;
        let v1 = c.a1 * self.ic1 + c.a2 * v3;
        let v2 = self.ic2 + c.a2 * self.ic1 + c.a3 * v3;
        self.ic1 = flush(2.0 * v1 - self.ic1);
        self.ic2 = flush(2.0 * v2 - self.ic2);
        (v2, x - c.k * v1 - v2)
    }
}

/// A stereo low- or high-pass stage.
#[derive(Debug, Clone)]
pub struct Filter {
    kind: Kind,
    sr_hz: f32,
    len: u32,
    /// Cutoff in log2 Hz.
    cutoff: Ramp,
    q: Ramp,
    /// 0 = dry, 1 = filtered.
    mix: Ramp,
    coefs: Coefs,
    stale: bool,
    l: Svf,
    r: Svf,
}

impl Filter {
    /// An idle filter; `len` is the smoothing length in frames.
    pub fn new(kind: Kind, sr_hz: f32, len: u32) -> Filter {
        Filter {
            kind,
            sr_hz,
            len,
            cutoff: Ramp::new(1000f32.log2()),
            q: Ramp::new(DEFAULT_Q),
            mix: Ramp::new(0.0),
            coefs: Coefs::default(),
            stale: true,
            l: Svf::default(),
            r: Svf::default(),
        }
    }

    /// Set the cutoff in Hz; 0 (or less) turns the filter off.
    pub fn set_cutoff(&mut self, hz: f32) {
        let Some(hz) = clean(hz, 0.0, f32::MAX) else {
            return;
        };
        let idle = self.idle();
        if hz <= 0.0 {
            fade_to(&mut self.mix, 0.0, self.len);
            return;
        }
        let hz = hz.clamp(MIN_HZ, MAX_FRACTION * self.sr_hz);
        if idle {
            // Waking up: start from rest at the new cutoff and fade in.
            self.l = Svf::default();
            self.r = Svf::default();
        }
        retarget(&mut self.cutoff, hz.log2(), self.len, idle);
        fade_to(&mut self.mix, 1.0, self.len);
        self.stale = true;
    }

    /// Every setting at its target now (a fresh chain on a silent bus).
    pub fn settle(&mut self) {
        self.cutoff.finish();
        self.q.finish();
        self.mix.finish();
        self.stale = true;
    }

    /// Set the resonance (0.5..20).
    pub fn set_q(&mut self, q: f32) {
        if let Some(q) = clean(q, 0.5, 20.0) {
            let idle = self.idle();
            retarget(&mut self.q, q, self.len, idle);
            self.stale = true;
        }
    }

    #[inline]
    fn update_coefs(&mut self) {
        let moving = self.cutoff.moving() || self.q.moving();
        if moving || self.stale {
            let hz = self.cutoff.value().exp2();
            self.coefs = Coefs::new(hz, self.q.value(), self.sr_hz);
            // One more update once the ramps arrive, at their targets.
            self.stale = moving;
        }
        self.cutoff.tick();
        self.q.tick();
    }
}

impl Stage for Filter {
    #[inline]
    fn idle(&self) -> bool {
        at_zero(&self.mix)
    }

    #[inline]
    fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        self.update_coefs();
        let (ll, lh) = self.l.tick(&self.coefs, l);
        let (rl, rh) = self.r.tick(&self.coefs, r);
        let (yl, yr) = match self.kind {
            Kind::Low => (ll, rl),
            Kind::High => (lh, rh),
        };
        let m = self.mix.value();
        self.mix.tick();
        if m == 1.0 {
            (yl, yr)
        } else {
            (l + m * (yl - l), r + m * (yr - r))
        }
    }
}
