//! Per-sample piecewise-linear envelopes (ADSR and Csound's `linen`).
//!
//! The level inside a stage is a closed form of the frame,
//! `start_level + slope * (frame - stage_start)`, so the samples do not depend
//! on where blocks begin or end. Stage changes happen at exact frames.

use crate::command::EnvFrames;

/// Envelope stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Rising to 1.
    Attack,
    /// Falling to the sustain level.
    Decay,
    /// Holding.
    Sustain,
    /// Falling to 0.
    Release,
    /// Finished: the voice can be freed.
    Done,
}

/// No pending release.
pub const NEVER: u64 = u64::MAX;

/// Envelope state of one voice.
#[derive(Debug, Clone, Copy)]
pub struct Env {
    stage: Stage,
    stage_start: u64,
    stage_len: u64,
    start_level: f32,
    slope: f32,
    spec: EnvFrames,
    release_at: u64,
    release_len: u32,
}

impl Env {
    /// An envelope whose attack starts at frame `start`.
    pub fn new(spec: EnvFrames, start: u64) -> Env {
        let mut e = Env {
            stage: Stage::Attack,
            stage_start: start,
            stage_len: spec.attack as u64,
            start_level: 0.0,
            slope: 1.0 / spec.attack.max(1) as f32,
            spec,
            release_at: start.saturating_add(spec.gate),
            release_len: spec.release,
        };
        e.settle(start);
        e
    }

    /// Current stage.
    #[inline]
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// Level at an absolute frame inside the current stage.
    #[inline]
    pub fn level_at(&self, frame: u64) -> f32 {
        self.start_level + self.slope * frame.saturating_sub(self.stage_start) as f32
    }

    /// Level at `frame`, and the frame at which the current linear piece ends.
    #[inline]
    pub fn piece(&self) -> (f32, f32, u64, u64) {
        let end = self
            .stage_start
            .saturating_add(self.stage_len)
            .min(self.release_at);
        (self.start_level, self.slope, self.stage_start, end)
    }

    /// End now (a one-shot sample ran out).
    pub fn finish(&mut self) {
        self.stage = Stage::Done;
    }

    /// Close the gate at `frame`, releasing over `len` frames; an earlier
    /// pending release wins.
    pub fn release(&mut self, frame: u64, len: u32) {
        if frame <= self.release_at || self.stage == Stage::Release {
            if self.stage == Stage::Release {
                // Already releasing: restart only if this ends sooner.
                let ends = self.stage_start.saturating_add(self.stage_len);
                if frame.saturating_add(len as u64) >= ends {
                    return;
                }
            }
            self.release_at = frame;
            self.release_len = len;
        }
    }

    /// Move to the next piece at `frame` (the end of the current one), and on
    /// through any pieces of length zero.
    pub fn advance(&mut self, frame: u64) {
        self.advance_once(frame);
        self.settle(frame);
    }

    fn enter(&mut self, stage: Stage, frame: u64, len: u64, level: f32, delta: f32) {
        self.stage = stage;
        self.stage_start = frame;
        self.stage_len = len;
        self.start_level = level;
        self.slope = if len == 0 || len == NEVER {
            0.0
        } else {
            delta / len as f32
        };
    }

    /// Skip pieces that end where they start.
    fn settle(&mut self, frame: u64) {
        while self.stage != Stage::Done {
            let (.., end) = self.piece();
            if end > frame {
                break;
            }
            self.advance_once(frame);
        }
    }

    fn advance_once(&mut self, frame: u64) {
        let before = (self.stage, self.stage_start, self.release_at);
        if frame >= self.release_at {
            let level = self.level_at(frame).clamp(0.0, 1.0);
            self.release_at = NEVER;
            self.enter(
                Stage::Release,
                frame,
                self.release_len as u64,
                level,
                -level,
            );
        } else {
            match self.stage {
                Stage::Attack => {
                    let s = self.spec.sustain;
                    self.enter(Stage::Decay, frame, self.spec.decay as u64, 1.0, s - 1.0);
                }
                Stage::Decay => {
                    let s = self.spec.sustain;
                    self.enter(Stage::Sustain, frame, NEVER, s, 0.0);
                }
                Stage::Release | Stage::Done => self.stage = Stage::Done,
                Stage::Sustain => {}
            }
        }
        if before == (self.stage, self.stage_start, self.release_at) {
            self.stage = Stage::Done;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(a: u32, d: u32, s: f32, r: u32, gate: u64) -> EnvFrames {
        EnvFrames {
            attack: a,
            decay: d,
            sustain: s,
            release: r,
            gate,
        }
    }

    fn run(mut e: Env, start: u64, frames: u64) -> Vec<f32> {
        let mut out = Vec::new(); // rt: unit test
        let mut f = start;
        while f < start + frames && e.stage() != Stage::Done {
            let (.., end) = e.piece();
            if end <= f {
                e.advance(f);
                continue;
            }
            out.push(e.level_at(f));
            f += 1;
        }
        out
    }

    #[test]
    fn linen_shape() {
        // rise 4, hold, decay 4 ending at frame 12
        let e = Env::new(spec(4, 0, 1.0, 4, 8), 100);
        let v = run(e, 100, 100);
        assert_eq!(v.len(), 12);
        assert_eq!(&v[..5], &[0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(v[7], 1.0);
        assert_eq!(&v[8..], &[1.0, 0.75, 0.5, 0.25]);
    }

    #[test]
    fn zero_attack_starts_at_full_level() {
        let e = Env::new(spec(0, 0, 1.0, 2, 3), 0);
        assert_eq!(run(e, 0, 10), vec![1.0, 1.0, 1.0, 1.0, 0.5]); // rt: unit test
    }

    #[test]
    fn early_release_from_current_level() {
        let mut e = Env::new(spec(10, 0, 1.0, 4, NEVER), 0);
        e.release(5, 4);
        let v = run(e, 0, 100);
        assert_eq!(v.len(), 9);
        assert_eq!(v[5], 0.5);
        assert_eq!(v[8], 0.125);
    }
}
