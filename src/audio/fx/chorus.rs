//! Chorus: three modulated delay taps per side (10, 15 and 21 ms, each
//! swept +-3 ms by its own slow sine), averaged and mixed with the dry
//! signal. The right side's LFOs run a quarter turn ahead, for width.

use super::dsp::{advance, at_zero, clean, fade_to, sin_turns, Stage};
use crate::audio::mix::Ramp;

/// Centre delay of each voice (s).
const BASE_S: [f32; VOICES] = [0.010, 0.015, 0.021];
/// LFO rate of each voice (Hz).
const RATE_HZ: [f32; VOICES] = [0.33, 0.47, 0.61];
/// Sweep depth either side of the centre (s).
const DEPTH_S: f32 = 0.003;
/// Number of voices per side.
const VOICES: usize = 3;
/// Phase lead of the right side's LFOs (turns).
const RIGHT_LEAD: f32 = 0.25;

/// A stereo chorus.
#[derive(Debug, Clone)]
pub struct Chorus {
    l: Box<[f32]>,
    r: Box<[f32]>,
    mask: usize,
    pos: usize,
    phase: [f32; VOICES],
    inc: [f32; VOICES],
    base: [f32; VOICES],
    depth: f32,
    mix: Ramp,
    target: f32,
    /// Frames still to fill the lines before the wet signal fades in.
    warmup: u32,
    fill: u32,
    len: u32,
}

impl Chorus {
    /// Off; the delay lines are allocated here.
    pub fn new(sr_hz: f32, len: u32) -> Chorus {
        let longest = (BASE_S[VOICES - 1] + DEPTH_S) * sr_hz;
        let fill = longest.ceil() as u32 + 2;
        let size = (fill as usize + 1).next_power_of_two();
        Chorus {
            l: vec![0.0; size].into_boxed_slice(), // rt: built on the script thread
            r: vec![0.0; size].into_boxed_slice(), // rt: built on the script thread
            mask: size - 1,
            pos: 0,
            phase: [0.0, 1.0 / 3.0, 2.0 / 3.0],
            inc: RATE_HZ.map(|hz| hz / sr_hz),
            base: BASE_S.map(|s| s * sr_hz),
            depth: DEPTH_S * sr_hz,
            mix: Ramp::new(0.0),
            target: 0.0,
            warmup: 0,
            fill,
            len,
        }
    }

    /// Every setting at its target now (a fresh chain on a silent bus).
    pub fn settle(&mut self) {
        self.mix.finish();
    }

    /// Set the mix, 0..1. From off, the lines are cleared and filled first
    /// (about 25 ms), so the wet signal never starts with a step.
    pub fn set_mix(&mut self, mix: f32) {
        let Some(m) = clean(mix, 0.0, 1.0) else {
            return;
        };
        self.target = m;
        if self.warmup > 0 {
            if m == 0.0 {
                self.warmup = 0;
            }
        } else if self.idle() {
            if m > 0.0 {
                self.l.fill(0.0);
                self.r.fill(0.0);
                self.warmup = self.fill;
            }
        } else {
            fade_to(&mut self.mix, m, self.len);
        }
    }

    /// Linear-interpolated read `d` frames back (buf[pos] is delay 0).
    #[inline]
    fn read(&self, buf: &[f32], d: f32) -> f32 {
        let whole = d as usize;
        let frac = d - whole as f32;
        let a = buf[self.pos.wrapping_sub(whole) & self.mask];
        let b = buf[self.pos.wrapping_sub(whole + 1) & self.mask];
        a + frac * (b - a)
    }

    #[inline]
    fn wet(&self) -> (f32, f32) {
        let (mut wl, mut wr) = (0.0, 0.0);
        for v in 0..VOICES {
            let mut pr = self.phase[v] + RIGHT_LEAD;
            if pr >= 1.0 {
                pr -= 1.0;
            }
            wl += self.read(
                &self.l,
                self.base[v] + self.depth * sin_turns(self.phase[v]),
            );
            wr += self.read(&self.r, self.base[v] + self.depth * sin_turns(pr));
        }
        (wl * (1.0 / VOICES as f32), wr * (1.0 / VOICES as f32))
    }
}

impl Stage for Chorus {
    #[inline]
    fn idle(&self) -> bool {
        self.warmup == 0 && at_zero(&self.mix)
    }

    #[inline]
    fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        self.l[self.pos] = l;
        self.r[self.pos] = r;
        let out = if self.warmup > 0 {
            self.warmup -= 1;
            if self.warmup == 0 {
                self.mix.set(self.target, self.len);
            }
            (l, r)
        } else {
            let (wl, wr) = self.wet();
            let m = 0.5 * self.mix.value();
            self.mix.tick();
            (l + m * (wl - l), r + m * (wr - r))
        };
        for v in 0..VOICES {
            advance(&mut self.phase[v], self.inc[v]);
        }
        self.pos = (self.pos + 1) & self.mask;
        out
    }
}
