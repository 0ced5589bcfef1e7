//! Typed time: the audio frame clock, beats, seconds and the tempo map that
//! turns logical time (beats) into frames.
//!
//! A note at beat `b` on a constant tempo `T` at sample rate `sr` starts at
//! frame `round(b * 60 / T * sr)`. Across tempo changes the map accumulates
//! exact (unrounded) seconds per segment, and rounds only once, at the end.

use std::fmt;

/// A position on the audio clock, in sample frames since the performance started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Frame(pub u64);

/// Logical musical time in beats (quarter notes).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Beats(pub f64);

/// A duration or position in seconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Seconds(pub f64);

/// A sample rate in frames per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleRate(pub u32);

impl SampleRate {
    /// The rate as a float, for arithmetic.
    pub fn hz(self) -> f64 {
        self.0 as f64
    }

    /// Seconds to a whole number of frames (rounded to nearest; negatives clamp to 0).
    pub fn seconds_to_frames(self, s: Seconds) -> u64 {
        let f = (s.0 * self.hz()).round();
        if f.is_finite() && f > 0.0 {
            f as u64
        } else {
            0
        }
    }

    /// Frames to seconds.
    pub fn frames_to_seconds(self, frames: u64) -> Seconds {
        Seconds(frames as f64 / self.hz())
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "frame {}", self.0)
    }
}

/// One constant-tempo segment of the tempo map, starting at `start_beats`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    start_beats: f64,
    /// Seconds at `start_beats`, unrounded.
    start_seconds: f64,
    bpm: f64,
}

/// Tempo map: tempo changes at given beats; beats to seconds and frames.
///
/// The first segment starts at beat 0. A change at a beat replaces any later
/// changes (the map describes the performance from now on, as a score does).
#[derive(Debug, Clone)]
pub struct TempoMap {
    segments: Vec<Segment>,
}

/// The default tempo, as in Csound scores without a `t` statement.
pub const DEFAULT_BPM: f64 = 60.0;

impl Default for TempoMap {
    fn default() -> Self {
        Self::new(DEFAULT_BPM)
    }
}

impl TempoMap {
    /// A map with one constant tempo from beat 0.
    pub fn new(bpm: f64) -> Self {
        Self {
            segments: vec![Segment {
                start_beats: 0.0,
                start_seconds: 0.0,
                bpm,
            }],
        }
    }

    /// Set the tempo from `at` onwards. Changes after `at` are removed.
    pub fn set_tempo(&mut self, at: Beats, bpm: f64) {
        let at_b = at.0.max(0.0);
        self.segments
            .retain(|s| s.start_beats < at_b || s.start_beats == 0.0);
        if at_b == 0.0 {
            self.segments.clear();
            self.segments.push(Segment {
                start_beats: 0.0,
                start_seconds: 0.0,
                bpm,
            });
            return;
        }
        let start_seconds = self.beats_to_seconds(Beats(at_b)).0;
        self.segments.push(Segment {
            start_beats: at_b,
            start_seconds,
            bpm,
        });
    }

    /// The tempo in force at a beat.
    pub fn bpm_at(&self, at: Beats) -> f64 {
        self.segment_at(at.0).bpm
    }

    fn segment_at(&self, b: f64) -> &Segment {
        let i = self.segments.partition_point(|s| s.start_beats <= b);
        &self.segments[i.saturating_sub(1)]
    }

    /// Beats to seconds through the map, unrounded.
    pub fn beats_to_seconds(&self, b: Beats) -> Seconds {
        let s = self.segment_at(b.0);
        Seconds(s.start_seconds + (b.0 - s.start_beats) * 60.0 / s.bpm)
    }

    /// Beats to the frame at which they sound: `round(seconds * sr)`.
    pub fn beats_to_frame(&self, b: Beats, sr: SampleRate) -> Frame {
        Frame(sr.seconds_to_frames(self.beats_to_seconds(b)))
    }

    /// Seconds to beats through the map (inverse of [`Self::beats_to_seconds`]).
    pub fn seconds_to_beats(&self, t: Seconds) -> Beats {
        let i = self.segments.partition_point(|s| s.start_seconds <= t.0);
        let s = &self.segments[i.saturating_sub(1)];
        Beats(s.start_beats + (t.0 - s.start_seconds) * s.bpm / 60.0)
    }

    /// A frame back to beats (for `now()` on the audio clock).
    pub fn frame_to_beats(&self, f: Frame, sr: SampleRate) -> Beats {
        self.seconds_to_beats(sr.frames_to_seconds(f.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_tempo_matches_closed_form() {
        let sr = SampleRate(48000);
        for bpm in [60.0, 97.0, 120.0, 133.3] {
            let map = TempoMap::new(bpm);
            for k in 0..200 {
                let b = k as f64 * 0.37;
                let want = (b * 60.0 / bpm * 48000.0).round() as u64;
                assert_eq!(map.beats_to_frame(Beats(b), sr).0, want);
            }
        }
    }

    #[test]
    fn change_accumulates_seconds() {
        let sr = SampleRate(44100);
        let mut map = TempoMap::new(120.0);
        map.set_tempo(Beats(4.0), 60.0);
        // 4 beats at 120 = 2 s, then 2 beats at 60 = 2 s.
        assert_eq!(map.beats_to_frame(Beats(6.0), sr).0, 4 * 44100);
        assert_eq!(map.seconds_to_beats(Seconds(3.0)).0, 5.0);
        assert_eq!(map.bpm_at(Beats(3.9)), 120.0);
        assert_eq!(map.bpm_at(Beats(4.0)), 60.0);
    }
}
