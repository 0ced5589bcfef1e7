//! Reverb: Freeverb (Jezar's public-domain design) as a send. Per side,
//! eight parallel damped combs then four series allpasses; the right side's
//! lines are 23 frames (at 44.1 kHz) longer, which decorrelates the sides.
//! Line lengths scale with the sample rate and are allocated up front.
//!
//! Unlike Freeverb's single `roomsize` feedback, each comb's feedback is
//! derived from the decay time: `g = 10^(-3 L / (T sr))` drops a loop of
//! length L by 60 dB in T seconds, so all combs decay together and the
//! tail length follows `reverb_decay` directly (high frequencies decay
//! faster, through the combs' damping).

use super::dsp::{at_zero, clean, fade_to, flush, retarget, Silence, Stage};
use crate::audio::mix::Ramp;

/// Comb lengths at 44.1 kHz.
const COMBS: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
/// Allpass lengths at 44.1 kHz.
const ALLPASSES: [usize; 4] = [556, 441, 341, 225];
/// Extra length of the right side's lines at 44.1 kHz.
const SPREAD: usize = 23;
/// Freeverb's input gain.
const INPUT_GAIN: f32 = 0.015;
/// Freeverb's damping pole at 44.1 kHz (damp 0.5 x 0.4).
const DAMP_POLE: f32 = 0.2;
/// Allpass feedback.
const ALLPASS_G: f32 = 0.5;
/// Default decay time (s).
pub const DEFAULT_DECAY_S: f32 = 1.5;

/// A line length scaled from 44.1 kHz.
fn scaled(frames: usize, sr_hz: f32) -> usize {
    ((frames as f32 * sr_hz / 44_100.0).round() as usize).max(1)
}

/// A lowpass-feedback comb filter.
#[derive(Debug, Clone)]
struct Comb {
    buf: Box<[f32]>,
    idx: usize,
    g: f32,
    store: f32,
}

impl Comb {
    fn new(len: usize) -> Comb {
        Comb {
            buf: vec![0.0; len].into_boxed_slice(), // rt: built on the script thread
            idx: 0,
            g: 0.0,
            store: 0.0,
        }
    }

    #[inline]
    fn tick(&mut self, x: f32, damp: f32) -> f32 {
        let out = self.buf[self.idx];
        self.store = flush(out + damp * (self.store - out));
        self.buf[self.idx] = x + self.store * self.g;
        self.idx += 1;
        if self.idx == self.buf.len() {
            self.idx = 0;
        }
        out
    }
}

/// A Schroeder allpass as Freeverb writes it.
#[derive(Debug, Clone)]
struct Allpass {
    buf: Box<[f32]>,
    idx: usize,
}

impl Allpass {
    fn new(len: usize) -> Allpass {
        Allpass {
            buf: vec![0.0; len].into_boxed_slice(), // rt: built on the script thread
            idx: 0,
        }
    }

    #[inline]
    fn tick(&mut self, x: f32) -> f32 {
        let held = self.buf[self.idx];
        self.buf[self.idx] = flush(x + held * ALLPASS_G);
        self.idx += 1;
        if self.idx == self.buf.len() {
            self.idx = 0;
        }
        held - x
    }
}

/// One side: combs in parallel, then allpasses in series.
#[derive(Debug, Clone)]
struct Side {
    combs: [Comb; 8],
    allpasses: [Allpass; 4],
}

impl Side {
    fn new(sr_hz: f32, extra: usize) -> Side {
        Side {
            combs: COMBS.map(|n| Comb::new(scaled(n + extra, sr_hz))),
            allpasses: ALLPASSES.map(|n| Allpass::new(scaled(n + extra, sr_hz))),
        }
    }

    /// Returns (the combs' sum, the output).
    #[inline]
    fn tick(&mut self, x: f32, damp: f32) -> (f32, f32) {
        let sum: f32 = self.combs.iter_mut().map(|c| c.tick(x, damp)).sum();
        let out = self.allpasses.iter_mut().fold(sum, |v, a| a.tick(v));
        (sum, out)
    }

    fn set_decay(&mut self, decay_s: f32, sr_hz: f32) {
        // 10^(-3 L / (T sr)) = 2^(-3 log2(10) L / (T sr))
        let k = -3.0 * std::f32::consts::LOG2_10 / (decay_s * sr_hz);
        for c in self.combs.iter_mut() {
            c.g = (k * c.buf.len() as f32).exp2();
        }
    }
}

/// A stereo reverb.
#[derive(Debug, Clone)]
pub struct Reverb {
    l: Side,
    r: Side,
    send: Ramp,
    decay_s: Ramp,
    stale: bool,
    damp: f32,
    silence: Silence,
    /// Frames of silence after which the tail is over: the longest path.
    window: u32,
    sr_hz: f32,
    len: u32,
}

impl Reverb {
    /// Off; all lines are allocated here.
    pub fn new(sr_hz: f32, len: u32) -> Reverb {
        let longest = COMBS[7] + ALLPASSES.iter().sum::<usize>() + 4 * SPREAD;
        Reverb {
            l: Side::new(sr_hz, 0),
            r: Side::new(sr_hz, SPREAD),
            send: Ramp::new(0.0),
            decay_s: Ramp::new(DEFAULT_DECAY_S),
            stale: true,
            damp: DAMP_POLE.powf(44_100.0 / sr_hz),
            silence: Silence::new(),
            window: scaled(longest, sr_hz) as u32,
            sr_hz,
            len,
        }
    }

    /// Every setting at its target now (a fresh chain on a silent bus).
    pub fn settle(&mut self) {
        self.send.finish();
        self.decay_s.finish();
        self.stale = true;
    }

    /// Set the send level (wet), 0..1.
    pub fn set_send(&mut self, wet: f32) {
        if let Some(w) = clean(wet, 0.0, 1.0) {
            fade_to(&mut self.send, w, self.len);
        }
    }

    /// Set the decay time (to -60 dB), 0.1..20 s.
    pub fn set_decay(&mut self, seconds: f32) {
        if let Some(t) = clean(seconds, 0.1, 20.0) {
            let idle = self.idle();
            retarget(&mut self.decay_s, t, self.len, idle);
            self.stale = true;
        }
    }

    #[inline]
    fn update(&mut self) {
        let moving = self.decay_s.moving();
        if moving || self.stale {
            let t = self.decay_s.value();
            self.l.set_decay(t, self.sr_hz);
            self.r.set_decay(t, self.sr_hz);
            self.stale = moving;
        }
        self.decay_s.tick();
    }
}

impl Stage for Reverb {
    #[inline]
    fn idle(&self) -> bool {
        at_zero(&self.send) && self.silence.frames() > self.window
    }

    #[inline]
    fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        self.update();
        let x = (l + r) * INPUT_GAIN * self.send.value();
        self.send.tick();
        let (sl, ol) = self.l.tick(x, self.damp);
        let (sr, or) = self.r.tick(x, self.damp);
        let peak = sl.abs().max(sr.abs()).max(ol.abs()).max(or.abs());
        self.silence.feed(peak);
        (l + ol, r + or)
    }
}
