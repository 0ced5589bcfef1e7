//! Small building blocks shared by the effects: the stage driver, parameter
//! smoothing lengths, a polynomial sine for LFOs, a rational tanh, the
//! denormal flush and the silence monitor that lets tails end.

use crate::audio::mix::Ramp;

/// Parameter smoothing time: long enough that a step is not heard as a
/// click, short enough that a change still feels immediate.
pub const SMOOTH_S: f32 = 0.015;

/// Below this (-120 dBFS) a tail counts as silent.
pub const SILENCE: f32 = 1e-6;

/// Smoothing length in frames at a sample rate.
pub fn smooth_frames(sr_hz: f32) -> u32 {
    (SMOOTH_S * sr_hz).round().max(1.0) as u32
}

/// One stage of the chain, driven one frame at a time.
pub trait Stage {
    /// True when the stage would pass the signal through untouched and has
    /// nothing left to ring out: it is skipped.
    fn idle(&self) -> bool;
    /// Process one stereo frame.
    fn tick(&mut self, l: f32, r: f32) -> (f32, f32);
}

/// Run a stage over a block. Idleness is checked before every frame, so a
/// stage that falls idle mid-block stops exactly where a frame-by-frame
/// caller would have stopped: the output does not depend on the block size.
#[inline]
pub fn run<S: Stage>(stage: &mut S, left: &mut [f32], right: &mut [f32]) {
    for (l, r) in left.iter_mut().zip(right.iter_mut()) {
        if stage.idle() {
            return;
        }
        (*l, *r) = stage.tick(*l, *r);
    }
}

/// True when a ramp rests at zero.
#[inline]
pub fn at_zero(r: &Ramp) -> bool {
    !r.moving() && r.value() == 0.0
}

/// Fade a stage's amount to `target` over `len` frames; a no-op when it
/// already rests there (so a stage that is off stays idle).
#[inline]
pub fn fade_to(r: &mut Ramp, target: f32, len: u32) {
    if r.moving() || r.value() != target {
        r.set(target, len);
    }
}

/// Move a ramp to `target`: smoothly while the stage sounds, at once while it
/// is idle (nothing can click then).
#[inline]
pub fn retarget(r: &mut Ramp, target: f32, len: u32, idle: bool) {
    if idle {
        *r = Ramp::new(target);
    } else {
        r.set(target, len);
    }
}

/// Clamp a parameter value; `None` for NaN (the change is ignored).
#[inline]
pub fn clean(x: f32, lo: f32, hi: f32) -> Option<f32> {
    if x.is_nan() {
        None
    } else {
        Some(x.clamp(lo, hi))
    }
}

/// Below this (-400 dBFS) a value in a feedback path is zero.
pub const TINY: f32 = 1e-20;

/// Flush values below [`TINY`] to zero in feedback paths, so a decaying
/// tail ends in exact zeros (and never reaches denormals, even without FTZ).
/// Exact for larger values. (Adding and subtracting an offset instead
/// quantizes the state to the offset's ulp, and a feedback gain near 1 then
/// holds a multiple of it for ever: the old `(x + 1e-18) - 1e-18` left a
/// constant 1.8e-25 in the reverb.)
#[inline]
pub fn flush(x: f32) -> f32 {
    if x.abs() < TINY {
        0.0
    } else {
        x
    }
}

/// `sin(2 pi p)` for a phase `p` in turns, `0 <= p < 1`; error below 4e-6.
#[inline]
pub fn sin_turns(p: f32) -> f32 {
    // sin(2 pi p) = -sin(2 pi x) with x = p - 0.5 in [-0.5, 0.5); fold x
    // into [-0.25, 0.25] where the odd Taylor series converges fast.
    let mut x = p - 0.5;
    if x > 0.25 {
        x = 0.5 - x;
    } else if x < -0.25 {
        x = -0.5 - x;
    }
    let y = x * std::f32::consts::TAU;
    let y2 = y * y;
    let s = y
        * (1.0
            + y2 * (-1.0 / 6.0
                + y2 * (1.0 / 120.0 + y2 * (-1.0 / 5040.0 + y2 * (1.0 / 362_880.0)))));
    -s
}

/// Advance an LFO phase (turns) by `inc`, wrapping into `[0, 1)`.
#[inline]
pub fn advance(phase: &mut f32, inc: f32) {
    *phase += inc;
    if *phase >= 1.0 {
        *phase -= 1.0;
    }
}

/// A rational tanh: exact slope 1 at 0, reaches +-1 with zero slope at
/// +-3 and stays there (within 2.5 % of tanh everywhere).
#[inline]
pub fn tanh_fast(x: f32) -> f32 {
    let x = x.clamp(-3.0, 3.0);
    let x2 = x * x;
    x * (27.0 + x2) / (27.0 + 9.0 * x2)
}

/// Counts consecutive frames whose peak stayed below [`SILENCE`].
#[derive(Debug, Clone, Copy)]
pub struct Silence {
    run: u32,
}

impl Silence {
    /// A monitor that has heard nothing yet (silent for ever).
    pub fn new() -> Silence {
        Silence { run: u32::MAX }
    }

    /// Note one frame's peak.
    #[inline]
    pub fn feed(&mut self, peak: f32) {
        self.run = if peak < SILENCE {
            self.run.saturating_add(1)
        } else {
            0
        };
    }

    /// Frames since the last one above [`SILENCE`].
    #[inline]
    pub fn frames(&self) -> u32 {
        self.run
    }

    /// Forget the history: the tail starts anew.
    pub fn reset(&mut self) {
        self.run = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_turns_matches_sin() {
        let worst = (0..10_000)
            .map(|i| {
                let p = i as f32 / 10_000.0;
                (sin_turns(p) - (p as f64 * std::f64::consts::TAU).sin() as f32).abs()
            })
            .fold(0.0f32, f32::max);
        assert!(worst < 4e-6, "worst error {worst}");
    }

    #[test]
    fn tanh_fast_is_close_and_bounded() {
        for i in -500..=500 {
            let x = i as f32 / 50.0;
            assert!((tanh_fast(x) - x.tanh()).abs() < 0.025, "x {x}");
            assert!(tanh_fast(x).abs() <= 1.0);
        }
    }

    #[test]
    fn flush_keeps_audio_and_drops_denormals() {
        assert_eq!(flush(0.25), 0.25);
        assert_eq!(flush(-1e-9), -1e-9);
        assert_eq!(flush(1e-39), 0.0);
        assert_eq!(flush(2.07e-25), 0.0);
        assert_eq!(flush(-1e-19), -1e-19);
    }
}
