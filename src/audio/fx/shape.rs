//! Memoryless stages: distortion (drive into a hard-knee clip), saturation
//! (a rational tanh) and tremolo (an LFO on the gain).

use super::dsp::{advance, at_zero, clean, fade_to, retarget, sin_turns, tanh_fast, Stage};
use crate::audio::mix::Ramp;

/// Maximum distortion drive: +36 dB.
const MAX_DRIVE_DB: f32 = 36.0;
/// The clip is transparent up to this level, then bends to 1.0.
const KNEE: f32 = 0.9;
/// Distortion keeps a sine of this peak at this peak (level compensation).
const REF_LEVEL: f32 = 0.5;
/// Saturation's maximum extra gain into the tanh.
const MAX_SAT_GAIN: f32 = 3.0;

/// Identity up to [`KNEE`], then a rational curve that reaches 1.0 with a
/// continuous slope: a hard clip without the sharpest corner.
#[inline]
fn clip(v: f32) -> f32 {
    let a = v.abs();
    if a <= KNEE {
        v
    } else {
        let room = 1.0 - KNEE;
        let t = (a - KNEE) / room;
        (KNEE + room * t / (1.0 + t)).copysign(v)
    }
}

/// Drive into [`clip`], with the output scaled so a sine of
/// [`REF_LEVEL`] peak keeps its peak: more drive gives more grit, not more
/// level. Drive 0 is the identity below the knee.
#[derive(Debug, Clone)]
pub struct Distortion {
    drive: Ramp,
    len: u32,
    gain: f32,
    norm: f32,
    stale: bool,
}

impl Distortion {
    /// Off.
    pub fn new(len: u32) -> Distortion {
        Distortion {
            drive: Ramp::new(0.0),
            len,
            gain: 1.0,
            norm: 1.0,
            stale: true,
        }
    }

    /// Every setting at its target now (a fresh chain on a silent bus).
    pub fn settle(&mut self) {
        self.drive.finish();
        self.stale = true;
    }

    /// Set the drive, 0..1.
    pub fn set(&mut self, drive: f32) {
        if let Some(d) = clean(drive, 0.0, 1.0) {
            fade_to(&mut self.drive, d, self.len);
            self.stale = true;
        }
    }

    #[inline]
    fn update(&mut self) {
        let moving = self.drive.moving();
        if moving || self.stale {
            let db = self.drive.value() * MAX_DRIVE_DB;
            self.gain = (db * (std::f32::consts::LN_10 / 20.0)).exp();
            self.norm = REF_LEVEL / clip(REF_LEVEL * self.gain);
            // Once more when the ramp arrives, at its target.
            self.stale = moving;
        }
        self.drive.tick();
    }
}

impl Stage for Distortion {
    #[inline]
    fn idle(&self) -> bool {
        at_zero(&self.drive)
    }

    #[inline]
    fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        self.update();
        let (g, n) = (self.gain, self.norm);
        (clip(g * l) * n, clip(g * r) * n)
    }
}

/// Soft saturation: a crossfade towards `tanh(g x) / g`, which leaves
/// quiet signals at unity gain and rounds loud peaks (odd harmonics).
#[derive(Debug, Clone)]
pub struct Saturation {
    amount: Ramp,
    len: u32,
}

impl Saturation {
    /// Off.
    pub fn new(len: u32) -> Saturation {
        Saturation {
            amount: Ramp::new(0.0),
            len,
        }
    }

    /// Every setting at its target now (a fresh chain on a silent bus).
    pub fn settle(&mut self) {
        self.amount.finish();
    }

    /// Set the amount, 0..1.
    pub fn set(&mut self, amount: f32) {
        if let Some(a) = clean(amount, 0.0, 1.0) {
            fade_to(&mut self.amount, a, self.len);
        }
    }
}

impl Stage for Saturation {
    #[inline]
    fn idle(&self) -> bool {
        at_zero(&self.amount)
    }

    #[inline]
    fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        let s = self.amount.value();
        self.amount.tick();
        let g = 1.0 + MAX_SAT_GAIN * s;
        let inv = 1.0 / g;
        let sat = |x: f32| x + s * (tanh_fast(g * x) * inv - x);
        (sat(l), sat(r))
    }
}

/// Tremolo: gain `1 - depth * (1 + sin) / 2`, the same on both sides. The
/// LFO starts at its top (gain 1) so switching it on does not dip at once.
#[derive(Debug, Clone)]
pub struct Tremolo {
    depth: Ramp,
    rate_hz: Ramp,
    phase: f32,
    inv_sr: f32,
    len: u32,
}

impl Tremolo {
    /// Off, at 5 Hz.
    pub fn new(sr_hz: f32, len: u32) -> Tremolo {
        Tremolo {
            depth: Ramp::new(0.0),
            rate_hz: Ramp::new(5.0),
            phase: 0.75,
            inv_sr: 1.0 / sr_hz,
            len,
        }
    }

    /// Every setting at its target now (a fresh chain on a silent bus).
    pub fn settle(&mut self) {
        self.depth.finish();
        self.rate_hz.finish();
    }

    /// Set the depth, 0..1.
    pub fn set_depth(&mut self, depth: f32) {
        if let Some(d) = clean(depth, 0.0, 1.0) {
            fade_to(&mut self.depth, d, self.len);
        }
    }

    /// Set the rate, 0.1..30 Hz.
    pub fn set_rate(&mut self, hz: f32) {
        if let Some(hz) = clean(hz, 0.1, 30.0) {
            let idle = self.idle();
            retarget(&mut self.rate_hz, hz, self.len, idle);
        }
    }
}

impl Stage for Tremolo {
    #[inline]
    fn idle(&self) -> bool {
        at_zero(&self.depth)
    }

    #[inline]
    fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        let lfo = sin_turns(self.phase);
        let g = 1.0 - self.depth.value() * 0.5 * (1.0 + lfo);
        advance(&mut self.phase, self.rate_hz.value() * self.inv_sr);
        self.depth.tick();
        self.rate_hz.tick();
        (l * g, r * g)
    }
}
