//! Stereo feedback delay, as a send: `wet` scales what enters the lines and
//! the echoes are added to the dry signal, so turning `wet` down lets the
//! echoes already in the lines ring out.
//!
//! The taps are whole frames (an echo lands exactly on
//! `round(time * sr)`). A change of delay time crossfades from the old tap
//! to the new one over the smoothing time instead of sliding the tap (which
//! would sweep the pitch); changes that arrive mid-fade are taken up when
//! it ends. A one-pole low-pass in the feedback path darkens each repeat;
//! it has unity gain at DC, so the echoes' sums fall exactly by the
//! feedback factor.

use super::dsp::{at_zero, clean, fade_to, flush, retarget, Silence, Stage};
use crate::audio::mix::Ramp;

/// Longest delay time (s): the lines are this long.
pub const MAX_S: f32 = 4.0;
/// Default delay time (s).
pub const DEFAULT_TIME_S: f32 = 0.375;
/// Default feedback.
pub const DEFAULT_FEEDBACK: f32 = 0.35;
/// Cutoff of the damping low-pass in the feedback path (Hz).
const DAMP_HZ: f32 = 4500.0;

/// A stereo delay.
#[derive(Debug, Clone)]
pub struct Delay {
    l: Box<[f32]>,
    r: Box<[f32]>,
    /// Next write index.
    pos: usize,
    /// Frames written since the delay last woke up: older frames read as 0.
    valid: usize,
    send: Ramp,
    feedback: Ramp,
    /// The tap in use and the one being faded to (frames).
    tap: usize,
    next: usize,
    target: usize,
    fade: Ramp,
    fading: bool,
    damp_a: f32,
    damp_l: f32,
    damp_r: f32,
    silence: Silence,
    sr_hz: f32,
    len: u32,
}

impl Delay {
    /// Off; the 4 s lines are allocated here.
    pub fn new(sr_hz: f32, len: u32) -> Delay {
        let size = (MAX_S * sr_hz).ceil() as usize + 2;
        let tap = (DEFAULT_TIME_S * sr_hz).round() as usize;
        let damp_hz = DAMP_HZ.min(0.45 * sr_hz);
        Delay {
            l: vec![0.0; size].into_boxed_slice(), // rt: built on the script thread
            r: vec![0.0; size].into_boxed_slice(), // rt: built on the script thread
            pos: 0,
            valid: 0,
            send: Ramp::new(0.0),
            feedback: Ramp::new(DEFAULT_FEEDBACK),
            tap,
            next: tap,
            target: tap,
            fade: Ramp::new(0.0),
            fading: false,
            damp_a: 1.0 - (-std::f32::consts::TAU * damp_hz / sr_hz).exp(),
            damp_l: 0.0,
            damp_r: 0.0,
            silence: Silence::new(),
            sr_hz,
            len,
        }
    }

    /// Every setting at its target now (a fresh chain on a silent bus).
    pub fn settle(&mut self) {
        self.send.finish();
        self.feedback.finish();
        (self.tap, self.next, self.fading) = (self.target, self.target, false);
        self.fade = Ramp::new(0.0);
    }

    /// Set the send level (wet), 0..1. Waking from silence, the lines count
    /// as empty (their old contents are never heard).
    pub fn set_send(&mut self, wet: f32) {
        let Some(w) = clean(wet, 0.0, 1.0) else {
            return;
        };
        if self.idle() && w > 0.0 {
            self.valid = 0;
            self.damp_l = 0.0;
            self.damp_r = 0.0;
            self.silence.reset();
        }
        fade_to(&mut self.send, w, self.len);
    }

    /// Set the delay time, 0.001..4 s.
    pub fn set_time(&mut self, seconds: f32) {
        let Some(s) = clean(seconds, 0.001, MAX_S) else {
            return;
        };
        let frames = ((s * self.sr_hz).round() as usize).clamp(1, self.l.len() - 1);
        if self.idle() {
            (self.tap, self.next) = (frames, frames);
        }
        self.target = frames;
    }

    /// Set the feedback, 0..0.95.
    pub fn set_feedback(&mut self, fb: f32) {
        if let Some(f) = clean(fb, 0.0, 0.95) {
            let idle = self.idle();
            retarget(&mut self.feedback, f, self.len, idle);
        }
    }

    /// The sample written `d` frames ago, or 0 if it predates the wake-up.
    #[inline]
    fn read(&self, buf: &[f32], d: usize) -> f32 {
        if d > self.valid {
            return 0.0;
        }
        let i = if self.pos >= d {
            self.pos - d
        } else {
            self.pos + buf.len() - d
        };
        buf[i]
    }

    /// The echo now: the current tap, or a crossfade towards the next one.
    #[inline]
    fn echo(&mut self) -> (f32, f32) {
        if self.fading && !self.fade.moving() {
            self.tap = self.next;
            self.fading = false;
        }
        if !self.fading && self.target != self.tap {
            self.next = self.target;
            self.fade = Ramp::new(0.0);
            self.fade.set(1.0, self.len);
            self.fading = true;
        }
        let (l, r) = (self.read(&self.l, self.tap), self.read(&self.r, self.tap));
        if !self.fading {
            return (l, r);
        }
        let w = self.fade.value();
        self.fade.tick();
        let (nl, nr) = (self.read(&self.l, self.next), self.read(&self.r, self.next));
        (l + w * (nl - l), r + w * (nr - r))
    }
}

impl Stage for Delay {
    #[inline]
    fn idle(&self) -> bool {
        at_zero(&self.send)
            && !self.fading
            && self.target == self.tap
            && self.silence.frames() as usize > self.tap
    }

    #[inline]
    fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        let (el, er) = self.echo();
        let a = self.damp_a;
        self.damp_l = flush(self.damp_l + a * (el - self.damp_l));
        self.damp_r = flush(self.damp_r + a * (er - self.damp_r));
        let (s, fb) = (self.send.value(), self.feedback.value());
        self.send.tick();
        self.feedback.tick();
        let wl = flush(s * l + fb * self.damp_l);
        let wr = flush(s * r + fb * self.damp_r);
        self.l[self.pos] = wl;
        self.r[self.pos] = wr;
        self.pos = if self.pos + 1 == self.l.len() {
            0
        } else {
            self.pos + 1
        };
        self.valid = (self.valid + 1).min(self.l.len());
        let peak = wl.abs().max(wr.abs()).max(el.abs()).max(er.abs());
        self.silence.feed(peak);
        (l + el, r + er)
    }
}
