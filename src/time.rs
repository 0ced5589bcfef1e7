//! Typed time: the audio frame clock, beats, seconds and the tempo map that
//! turns logical time (beats) into frames.
//!
//! A note at beat `b` on a constant tempo `T` at sample rate `sr` starts at
//! frame `round(b * 60 / T * sr)`. Across tempo changes the map accumulates
//! exact (unrounded) seconds per segment, and rounds only once, at the end.
//! `tempo(bpm, over)` ramps are linear in tempo over beats; their seconds
//! come from the closed form `(60 / k) ln(tempo(b) / T0)` for slope `k`.
//! Csound's `t` statement ramps are linear in seconds per beat instead
//! (Csound's `twarp.c`: `time = timbas + durbas d + durslp d^2`), and a
//! score's `a` statement makes a stretch of beats take no time at all.

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

/// How a segment's tempo moves over its beats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    /// Tempo linear in beats (`tempo(bpm, over)`); `slope` is bpm per beat.
    Tempo,
    /// Seconds per beat linear in beats (Csound's `t`); `slope` is seconds
    /// per beat, per beat.
    Period,
    /// The beats take no time (Csound's `a`: skipped score time).
    Skip,
}

/// One segment of the tempo map, starting at `start_beats`: constant when
/// `slope` is 0, otherwise a ramp of the kind `curve` says.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    start_beats: f64,
    /// Seconds at `start_beats`, unrounded.
    start_seconds: f64,
    /// Tempo at `start_beats`.
    bpm: f64,
    /// Tempo change per beat (see [`Curve`] for its unit); 0 when constant.
    slope: f64,
    curve: Curve,
}

/// Below this relative tempo change a ramp uses the series form, not logs.
const FLAT: f64 = 1e-9;

impl Segment {
    /// Tempo `db` beats into the segment (before its start: its start tempo).
    fn bpm_after(&self, db: f64) -> f64 {
        match self.curve {
            Curve::Tempo => self.bpm + self.slope * db.max(0.0),
            Curve::Period => 60.0 / (60.0 / self.bpm + self.slope * db.max(0.0)),
            Curve::Skip => self.bpm,
        }
    }

    /// Seconds from the segment start to `db` beats into it:
    /// `(60 / k) ln(1 + k db / T0)` for a tempo ramp, `p0 db + k db^2 / 2`
    /// for a period ramp (p0 = 60 / T0).
    fn seconds_after(&self, db: f64) -> f64 {
        match self.curve {
            Curve::Skip => return 0.0,
            Curve::Period if db > 0.0 => {
                return (60.0 / self.bpm + 0.5 * self.slope * db) * db;
            }
            _ => {}
        }
        if self.slope == 0.0 || db <= 0.0 {
            return db * 60.0 / self.bpm;
        }
        let x = self.slope * db / self.bpm;
        if x.abs() < FLAT {
            // ln(1 + x) / x = 1 - x/2 + O(x^2).
            db * 60.0 / self.bpm * (1.0 - 0.5 * x)
        } else {
            60.0 / self.slope * x.ln_1p()
        }
    }

    /// Beats from the segment start to `dt` seconds into it (inverse of
    /// [`Self::seconds_after`]): `(T0 / k)(exp(k dt / 60) - 1)` for a ramp.
    fn beats_after(&self, dt: f64) -> f64 {
        if self.curve == Curve::Period && self.slope != 0.0 && dt > 0.0 {
            // The root of k db^2 / 2 + p0 db - dt, in the form without cancellation.
            let p0 = 60.0 / self.bpm;
            return 2.0 * dt / (p0 + (p0 * p0 + 2.0 * self.slope * dt).sqrt());
        }
        if self.slope == 0.0 || dt <= 0.0 {
            return dt * self.bpm / 60.0;
        }
        let y = self.slope * dt / 60.0;
        if y.abs() < FLAT {
            // (exp(y) - 1) / y = 1 + y/2 + O(y^2).
            dt * self.bpm / 60.0 * (1.0 + 0.5 * y)
        } else {
            self.bpm / self.slope * y.exp_m1()
        }
    }
}

/// Tempo map: tempo changes and linear tempo ramps at given beats; beats to
/// seconds and frames.
///
/// The first segment starts at beat 0. A change at a beat replaces any later
/// changes (the map describes the performance from now on, as a score does).
/// Tempi should be positive and finite. Before beat 0 the map extrapolates
/// the starting tempo as constant.
#[derive(Debug, Clone)]
pub struct TempoMap {
    segments: Vec<Segment>,
}

/// The shortest tempo ramp, in beats; a shorter one is a jump.
pub const MIN_RAMP_BEATS: f64 = 1e-6;

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
        let mut map = Self {
            segments: Vec::new(),
        };
        map.push(0.0, bpm, 0.0);
        map
    }

    /// Set the tempo from `at` onwards. Changes after `at` are removed.
    pub fn set_tempo(&mut self, at: Beats, bpm: f64) {
        let at_b = at.0.max(0.0);
        self.cut(at_b);
        self.push(at_b, bpm, 0.0);
    }

    /// Ramp the tempo linearly (in beats) from the tempo in force at `at` to
    /// `bpm`, reaching it at `at + over` beats, then hold `bpm`. Later changes
    /// are removed, as with [`Self::set_tempo`]. `over <= 0` behaves as
    /// `set_tempo`. A negative `at` is clamped to 0 (as is `set_tempo`'s);
    /// the ramp still lasts `over` beats.
    pub fn ramp_tempo(&mut self, at: Beats, bpm: f64, over: Beats) {
        let at_b = at.0.max(0.0);
        self.ramp_between(at_b, at_b + over.0, bpm);
    }

    /// Csound `t` statement: `(beat, bpm)` points; between consecutive
    /// points the seconds per beat move linearly (Csound's `twarp.c`, not a
    /// tempo linear in beats), and the last tempo holds. `t 0 60` is
    /// constant 60.
    ///
    /// Point beats are relative to `from` (normally 0): the map is replaced
    /// from `from + points[0].0`, and is unchanged when `points` is empty.
    /// A point whose beat is not after the previous point's is a jump to its
    /// tempo at the previous point's beat (as Csound overwrites the point).
    pub fn set_points(&mut self, from: Beats, points: &[(f64, f64)]) {
        let Some(&(b0, bpm0)) = points.first() else {
            return;
        };
        let mut prev = ((from.0 + b0).max(0.0), bpm0);
        self.set_tempo(Beats(prev.0), bpm0);
        for &(b, bpm) in &points[1..] {
            let end = (from.0 + b).max(prev.0);
            if end > prev.0 && bpm != prev.1 {
                let slope = (60.0 / bpm - 60.0 / prev.1) / (end - prev.0);
                self.cut(prev.0);
                self.push_curve(prev.0, prev.1, slope, Curve::Period);
            }
            self.set_tempo(Beats(end), bpm);
            prev = (end, bpm);
        }
    }

    /// Csound `a`: the beats from `at` for `over` beats take no time; later
    /// beats keep their place on the tempo curve, each `over`'s worth of
    /// seconds earlier. Nothing changes when `over <= 0`.
    pub fn skip(&mut self, at: Beats, over: Beats) {
        let (start, end) = (at.0.max(0.0), at.0.max(0.0) + over.0);
        // Also nothing when `over` is NaN.
        if end.partial_cmp(&start) != Some(std::cmp::Ordering::Greater) {
            return;
        }
        let resume = self.split(end);
        self.split(start);
        self.segments
            .retain(|s| s.start_beats < start || s.start_beats >= end);
        let k = self.segments.partition_point(|s| s.start_beats < start);
        let skip = Segment {
            start_beats: start,
            start_seconds: 0.0,
            bpm: resume.bpm,
            slope: 0.0,
            curve: Curve::Skip,
        };
        self.segments.insert(k, skip);
        self.reseat(k);
    }

    /// Move every beat from `at` on by `by` seconds (later when positive),
    /// keeping the tempo curve: the segment containing `at` is split there.
    /// The phase corrections of an external clock (Link, MIDI clock) use it.
    pub fn shift_from(&mut self, at: Beats, by: Seconds) {
        let at_b = at.0.max(0.0);
        self.split(at_b);
        for s in self.segments.iter_mut().filter(|s| s.start_beats >= at_b) {
            s.start_seconds += by.0;
        }
        // Moved earlier than segments before it: those are overtaken (they
        // hold only beats now past), so the seconds stay in order.
        let i = self.segments.partition_point(|s| s.start_beats < at_b);
        let start = self.segments[i].start_seconds;
        let mut k = i;
        while k > 0 && self.segments[k - 1].start_seconds >= start {
            k -= 1;
        }
        if k < i {
            self.segments.drain(k..i);
        }
    }

    /// Forget the segments that end before `before` (the past of a map an
    /// external clock steers every few milliseconds), keeping at least one.
    /// Beats before `before` then extrapolate the first kept segment.
    pub fn forget_before(&mut self, before: Beats) {
        let i = self.segments.partition_point(|s| s.start_beats <= before.0);
        if i > 1 {
            self.segments.drain(..i - 1);
        }
    }

    /// The beat at which the segment in force at `at` starts (where the
    /// tempo last changed or a ramp began).
    pub fn segment_start(&self, at: Beats) -> Beats {
        Beats(self.segment_at(at.0).start_beats)
    }

    /// Make a segment start exactly at `b` (continuing the curve there) and
    /// return it.
    fn split(&mut self, b: f64) -> Segment {
        let i = self.segments.partition_point(|s| s.start_beats <= b);
        let s = self.segments[i.saturating_sub(1)];
        if s.start_beats == b {
            return s;
        }
        let db = b - s.start_beats;
        let mut at = s;
        at.start_beats = b;
        at.start_seconds = s.start_seconds + s.seconds_after(db);
        at.bpm = s.bpm_after(db);
        if s.curve == Curve::Skip {
            at.curve = Curve::Tempo;
        }
        self.segments.insert(i, at);
        at
    }

    /// Recompute the start seconds of the segments from index `k` on.
    fn reseat(&mut self, k: usize) {
        for i in k.max(1)..self.segments.len() {
            let p = self.segments[i - 1];
            let db = self.segments[i].start_beats - p.start_beats;
            self.segments[i].start_seconds = p.start_seconds + p.seconds_after(db);
        }
    }

    /// Ramp from the tempo in force at `start` (>= 0) to `bpm` at `end`, then
    /// hold it; a jump (as `set_tempo`) when there is nothing to ramp.
    fn ramp_between(&mut self, start: f64, end: f64, bpm: f64) {
        let from = self.bpm_at(Beats(start));
        // A ramp shorter than MIN_RAMP_BEATS is a jump: a slope over a
        // vanishing span (tempo(120, 1e-308)) is infinite and made the map
        // NaN. `!(... > ...)` also catches NaN.
        if !(end - start > MIN_RAMP_BEATS) || from == bpm {
            return self.set_tempo(Beats(start), bpm);
        }
        self.cut(start);
        self.push_curve(start, from, (bpm - from) / (end - start), Curve::Tempo);
        self.push(end, bpm, 0.0);
    }

    /// Remove the segments starting at or after `at` (all of them when `at <= 0`).
    fn cut(&mut self, at: f64) {
        if at <= 0.0 {
            self.segments.clear();
        } else {
            self.segments.retain(|s| s.start_beats < at);
        }
    }

    /// Append a constant or tempo-ramp segment (see [`Self::push_curve`]).
    fn push(&mut self, at: f64, bpm: f64, slope: f64) {
        self.push_curve(at, bpm, slope, Curve::Tempo);
    }

    /// Append a segment at `at`, its start seconds taken from the map so far.
    fn push_curve(&mut self, at: f64, bpm: f64, slope: f64, curve: Curve) {
        let start_seconds = if self.segments.is_empty() {
            0.0
        } else {
            self.beats_to_seconds(Beats(at)).0
        };
        self.segments.push(Segment {
            start_beats: at,
            start_seconds,
            bpm,
            slope,
            curve,
        });
    }

    /// The map's segments: (start beat, bpm there, bpm change per beat).
    pub fn segments(&self) -> Vec<(f64, f64, f64)> {
        let seg = |s: &Segment| (s.start_beats, s.bpm, s.slope);
        self.segments.iter().map(seg).collect()
    }

    /// The tempo in force at a beat (on a ramp, the ramped tempo there).
    pub fn bpm_at(&self, at: Beats) -> f64 {
        let s = self.segment_at(at.0);
        s.bpm_after(at.0 - s.start_beats)
    }

    fn segment_at(&self, b: f64) -> &Segment {
        let i = self.segments.partition_point(|s| s.start_beats <= b);
        &self.segments[i.saturating_sub(1)]
    }

    /// Beats to seconds through the map, unrounded.
    pub fn beats_to_seconds(&self, b: Beats) -> Seconds {
        let s = self.segment_at(b.0);
        Seconds(s.start_seconds + s.seconds_after(b.0 - s.start_beats))
    }

    /// Beats to the frame at which they sound: `round(seconds * sr)`.
    pub fn beats_to_frame(&self, b: Beats, sr: SampleRate) -> Frame {
        Frame(sr.seconds_to_frames(self.beats_to_seconds(b)))
    }

    /// Seconds to beats through the map (inverse of [`Self::beats_to_seconds`]).
    pub fn seconds_to_beats(&self, t: Seconds) -> Beats {
        let i = self.segments.partition_point(|s| s.start_seconds <= t.0);
        let s = &self.segments[i.saturating_sub(1)];
        let b = s.start_beats + s.beats_after(t.0 - s.start_seconds);
        // Seconds before a segment moved later (`shift_from`) hold its
        // first beat: the beats wait there.
        match self.segments.get(i) {
            Some(next) if i > 0 => Beats(b.min(next.start_beats)),
            _ => Beats(b),
        }
    }

    /// A frame back to beats (for `now()` on the audio clock).
    pub fn frame_to_beats(&self, f: Frame, sr: SampleRate) -> Beats {
        self.seconds_to_beats(sr.frames_to_seconds(f.0))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_vanishing_ramp_is_a_jump_not_a_nan_map() {
        let mut m = TempoMap::new(60.0);
        m.ramp_tempo(Beats(0.0), 120.0, Beats(1e-308));
        assert_eq!(m.beats_to_seconds(Beats(1.0)).0, 0.5);
        m.ramp_tempo(Beats(2.0), 60.0, Beats(1e-9));
        assert_eq!(m.beats_to_seconds(Beats(3.0)).0, 2.0);
    }

    use super::*;

    #[test]
    fn shift_from_moves_later_beats_and_keeps_the_curve() {
        let mut m = TempoMap::new(120.0);
        m.ramp_tempo(Beats(4.0), 60.0, Beats(4.0));
        let before = m.beats_to_seconds(Beats(10.0)).0;
        m.shift_from(Beats(2.0), Seconds(0.25));
        assert_eq!(m.beats_to_seconds(Beats(1.0)).0, 0.5);
        assert_eq!(m.beats_to_seconds(Beats(2.0)).0, 1.25);
        close(m.beats_to_seconds(Beats(10.0)).0, before + 0.25, 1e-12);
        close(m.bpm_at(Beats(6.0)), 90.0, 1e-9);
        assert_eq!(m.seconds_to_beats(Seconds(1.25)).0, 2.0);
        // The quarter second before beat 2 waits at beat 2.
        assert_eq!(m.seconds_to_beats(Seconds(1.1)).0, 2.0);
        assert_eq!(m.seconds_to_beats(Seconds(0.9)).0, 1.8);
        // Moved back past a segment before it: that one goes.
        let mut e = TempoMap::new(120.0);
        e.set_tempo(Beats(4.0), 120.0);
        e.shift_from(Beats(4.5), Seconds(-0.5));
        assert_eq!(e.segments().len(), 2);
        assert_eq!(e.beats_to_seconds(Beats(4.5)).0, 1.75);
        m.forget_before(Beats(9.0));
        close(m.beats_to_seconds(Beats(10.0)).0, before + 0.25, 1e-12);
        assert_eq!(m.segments().len(), 1);
        assert_eq!(m.segment_start(Beats(12.0)).0, 8.0);
    }

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

    const LN2X4: f64 = 2.772588722239781; // (60 / 15) ln 2

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "got {got}, want {want}");
    }

    /// Constant 100 to beat 2, ramp 100 -> 160 over 3, hold; 90 from beat 8,
    /// ramp 90 -> 45 over 6 from beat 10, hold.
    fn mixed_map() -> TempoMap {
        let mut map = TempoMap::new(100.0);
        map.ramp_tempo(Beats(2.0), 160.0, Beats(3.0));
        map.set_tempo(Beats(8.0), 90.0);
        map.ramp_tempo(Beats(10.0), 45.0, Beats(6.0));
        map
    }

    #[test]
    fn accelerating_ramp_closed_form() {
        let mut map = TempoMap::new(60.0);
        map.ramp_tempo(Beats(0.0), 120.0, Beats(4.0));
        close(map.beats_to_seconds(Beats(4.0)).0, LN2X4, 1e-12);
        close(
            map.beats_to_seconds(Beats(2.0)).0,
            1.6218604324326575,
            1e-12,
        );
        close(map.beats_to_seconds(Beats(6.0)).0, LN2X4 + 1.0, 1e-12);
        assert_eq!(map.bpm_at(Beats(0.0)), 60.0);
        assert_eq!(map.bpm_at(Beats(2.0)), 90.0);
        assert_eq!(map.bpm_at(Beats(4.0)), 120.0);
        assert_eq!(map.bpm_at(Beats(100.0)), 120.0);
        let sr = SampleRate(48000);
        let want = ((LN2X4 + 1.0) * 48000.0).round() as u64;
        assert_eq!(map.beats_to_frame(Beats(6.0), sr).0, want);
    }

    #[test]
    fn decelerating_ramp_closed_form() {
        let mut map = TempoMap::new(120.0);
        map.ramp_tempo(Beats(0.0), 60.0, Beats(4.0));
        // k = -15: (60 / -15) ln(90 / 120) and ln(60 / 120).
        close(
            map.beats_to_seconds(Beats(2.0)).0,
            1.1507282898071234,
            1e-12,
        );
        close(map.beats_to_seconds(Beats(4.0)).0, LN2X4, 1e-12);
        close(map.beats_to_seconds(Beats(5.0)).0, LN2X4 + 1.0, 1e-12);
        assert_eq!(map.bpm_at(Beats(3.0)), 75.0);
        assert_eq!(map.bpm_at(Beats(5.0)), 60.0);
        close(map.seconds_to_beats(Seconds(LN2X4)).0, 4.0, 1e-12);
    }

    #[test]
    fn ramp_starts_from_earlier_set_tempo() {
        let mut map = TempoMap::new(60.0);
        map.set_tempo(Beats(4.0), 90.0);
        map.ramp_tempo(Beats(6.0), 180.0, Beats(6.0));
        assert_eq!(map.bpm_at(Beats(5.9)), 90.0);
        assert_eq!(map.bpm_at(Beats(8.0)), 120.0);
        assert_eq!(map.bpm_at(Beats(12.0)), 180.0);
        close(map.beats_to_seconds(Beats(6.0)).0, 4.0 + 4.0 / 3.0, 1e-12);
        // k = 15: + (60 / 15) ln(180 / 90), then 2 beats at 180.
        close(
            map.beats_to_seconds(Beats(12.0)).0,
            8.105922055573114,
            1e-12,
        );
        let at14 = 8.105922055573114 + 2.0 / 3.0;
        close(map.beats_to_seconds(Beats(14.0)).0, at14, 1e-12);
    }

    #[test]
    fn seconds_to_beats_inverts_across_ramps() {
        let map = mixed_map();
        for i in 0..=2400 {
            let b = i as f64 * 0.01;
            let t = map.beats_to_seconds(Beats(b));
            close(map.seconds_to_beats(t).0, b, 1e-9);
        }
    }

    #[test]
    fn frame_round_trip_within_half_a_frame() {
        let map = mixed_map();
        let sr = SampleRate(44100);
        for i in 0..=2400 {
            let b = Beats(i as f64 * 0.0101);
            let back = map.frame_to_beats(map.beats_to_frame(b, sr), sr);
            let err = map.beats_to_seconds(back).0 - map.beats_to_seconds(b).0;
            assert!(err.abs() <= 0.5 / 44100.0 + 1e-12, "beat {}: {err}", b.0);
        }
    }

    #[test]
    fn set_points_is_csound_t() {
        // The example, with Csound's own times: `t 0 120 4 60`,
        // notes at beats 0, 1, 3 start at 0, 0.5625, 2.0625 s (seconds per
        // beat 0.5 -> 1 linearly over 4 beats: t = 0.5 b + b^2 / 16).
        let mut t = TempoMap::new(90.0);
        t.set_points(Beats(0.0), &[(0.0, 120.0), (4.0, 60.0)]);
        for (b, want) in [(0.0, 0.0), (1.0, 0.5625), (3.0, 2.0625), (4.0, 3.0)] {
            close(t.beats_to_seconds(Beats(b)).0, want, 1e-12);
            close(t.seconds_to_beats(Seconds(want)).0, b, 1e-12);
        }
        close(t.beats_to_seconds(Beats(6.0)).0, 5.0, 1e-12);
        close(t.bpm_at(Beats(2.0)), 80.0, 1e-12);
        assert_eq!(t.bpm_at(Beats(9.0)), 60.0);
        let sr = SampleRate(48000);
        assert_eq!(t.beats_to_frame(Beats(1.0), sr).0, 27000);
    }

    #[test]
    fn set_points_one_point_is_constant() {
        let mut t = TempoMap::new(90.0);
        t.set_tempo(Beats(3.0), 120.0);
        t.set_points(Beats(0.0), &[(0.0, 60.0)]);
        assert_eq!(t.segments, TempoMap::new(60.0).segments);
        t.set_points(Beats(0.0), &[]);
        assert_eq!(t.segments, TempoMap::new(60.0).segments);
    }

    #[test]
    fn set_points_several_points_and_jump() {
        let mut t = TempoMap::new(60.0);
        let pts = [(0.0, 60.0), (4.0, 120.0), (4.0, 90.0), (8.0, 60.0)];
        t.set_points(Beats(2.0), &pts);
        assert_eq!(t.bpm_at(Beats(1.0)), 60.0);
        // Seconds per beat 1 -> 0.5 over beats 2..6, 2/3 -> 1 over 6..10.
        close(t.bpm_at(Beats(4.0)), 80.0, 1e-12);
        assert_eq!(t.bpm_at(Beats(6.0)), 90.0);
        close(t.bpm_at(Beats(8.0)), 72.0, 1e-12);
        assert_eq!(t.bpm_at(Beats(11.0)), 60.0);
        let at6 = 2.0 + 4.0 * 0.75;
        close(t.beats_to_seconds(Beats(6.0)).0, at6, 1e-12);
        let at10 = at6 + 4.0 * (2.0 / 3.0 + 1.0) / 2.0;
        close(t.beats_to_seconds(Beats(10.0)).0, at10, 1e-12);
        close(t.beats_to_seconds(Beats(12.0)).0, at10 + 2.0, 1e-12);
    }

    #[test]
    fn skip_takes_no_time_and_keeps_the_curve_after_it() {
        let mut t = TempoMap::new(60.0);
        t.skip(Beats(2.0), Beats(3.0));
        close(t.beats_to_seconds(Beats(1.0)).0, 1.0, 1e-12);
        close(t.beats_to_seconds(Beats(3.0)).0, 2.0, 1e-12);
        close(t.beats_to_seconds(Beats(6.0)).0, 3.0, 1e-12);
        close(t.seconds_to_beats(Seconds(2.5)).0, 5.5, 1e-12);
        // On a Csound ramp the beats after the skip keep their tempo.
        let mut r = TempoMap::new(60.0);
        r.set_points(Beats(0.0), &[(0.0, 120.0), (4.0, 60.0)]);
        let whole = r.clone();
        r.skip(Beats(1.0), Beats(2.0));
        let gone = 2.0625 - 0.5625;
        for b in [3.0, 3.5, 4.0, 7.0] {
            let want = whole.beats_to_seconds(Beats(b)).0 - gone;
            close(r.beats_to_seconds(Beats(b)).0, want, 1e-12);
        }
        close(r.bpm_at(Beats(3.5)), whole.bpm_at(Beats(3.5)), 1e-12);
        let mut same = whole.clone();
        same.skip(Beats(1.0), Beats(0.0));
        assert_eq!(same.segments, whole.segments);
    }

    #[test]
    fn set_tempo_cuts_a_ramp() {
        let mut map = TempoMap::new(60.0);
        map.ramp_tempo(Beats(0.0), 120.0, Beats(4.0));
        map.set_tempo(Beats(2.0), 100.0);
        assert_eq!(map.bpm_at(Beats(1.0)), 75.0);
        close(map.bpm_at(Beats(1.99)), 89.85, 1e-12);
        assert_eq!(map.bpm_at(Beats(2.0)), 100.0);
        assert_eq!(map.bpm_at(Beats(3.0)), 100.0);
        assert_eq!(map.bpm_at(Beats(50.0)), 100.0);
        close(
            map.beats_to_seconds(Beats(2.0)).0,
            1.6218604324326575,
            1e-12,
        );
        close(
            map.beats_to_seconds(Beats(5.0)).0,
            1.6218604324326575 + 1.8,
            1e-12,
        );
    }

    #[test]
    fn ramp_from_inside_a_ramp_starts_at_ramped_tempo() {
        let mut map = TempoMap::new(60.0);
        map.ramp_tempo(Beats(0.0), 120.0, Beats(4.0));
        map.ramp_tempo(Beats(2.0), 60.0, Beats(2.0));
        assert_eq!(map.bpm_at(Beats(2.0)), 90.0);
        assert_eq!(map.bpm_at(Beats(3.0)), 75.0);
        assert_eq!(map.bpm_at(Beats(9.0)), 60.0);
        // (60 / 15) ln(90 / 60), then (60 / -15) ln(60 / 90).
        let want = 8.0 * 1.5f64.ln();
        close(map.beats_to_seconds(Beats(4.0)).0, want, 1e-12);
    }

    #[test]
    fn zero_length_or_flat_ramp_is_set_tempo() {
        let mut a = TempoMap::new(60.0);
        a.ramp_tempo(Beats(3.0), 120.0, Beats(0.0));
        a.ramp_tempo(Beats(5.0), 80.0, Beats(-1.0));
        let mut b = TempoMap::new(60.0);
        b.set_tempo(Beats(3.0), 120.0);
        b.set_tempo(Beats(5.0), 80.0);
        assert_eq!(a.segments, b.segments);
        // A "ramp" to the tempo already in force keeps exact constant frames.
        let mut c = TempoMap::new(97.0);
        c.ramp_tempo(Beats(0.0), 97.0, Beats(8.0));
        let sr = SampleRate(48000);
        let want = (5.3 * 60.0 / 97.0 * 48000.0f64).round() as u64;
        assert_eq!(c.beats_to_frame(Beats(5.3), sr).0, want);
    }

    #[test]
    fn nearly_flat_ramp_is_accurate_and_continuous() {
        // k = 1e-10 bpm/beat: x = k b / T0 crosses the series threshold
        // (1e-9) at b = 600; seconds = (60 b / T0)(1 - x/2 + x^2/3 - ...).
        let mut map = TempoMap::new(60.0);
        map.ramp_tempo(Beats(0.0), 60.0 + 1e-7, Beats(1000.0));
        for b in [0.1, 10.0, 599.9, 600.1, 1000.0] {
            let x: f64 = 1e-10 * b / 60.0;
            let want = b * (1.0 - x / 2.0 + x * x / 3.0);
            close(map.beats_to_seconds(Beats(b)).0, want, 1e-13 * b);
            close(map.seconds_to_beats(Seconds(want)).0, b, 1e-13 * b);
        }
        let mut prev = 0.0;
        for i in 0..2000 {
            let t = map.beats_to_seconds(Beats(599.9 + i as f64 * 1e-4)).0;
            assert!(t > prev);
            prev = t;
        }
    }

    #[test]
    fn frames_never_decrease() {
        let map = mixed_map();
        let sr = SampleRate(48000);
        let mut prev = 0;
        for i in 0..=240_000 {
            let f = map.beats_to_frame(Beats(i as f64 * 1e-4), sr).0;
            assert!(f >= prev, "beat {}: {f} < {prev}", i as f64 * 1e-4);
            prev = f;
        }
        // Continuity at every boundary: no jump in seconds.
        for b in [2.0, 5.0, 8.0, 10.0, 16.0] {
            let left = map.beats_to_seconds(Beats(b - 1e-12)).0;
            let right = map.beats_to_seconds(Beats(b)).0;
            assert!(right >= left && right - left < 1e-11, "at {b}");
        }
    }
}

/// The latest beat anything may be placed at: 1e9 beats, about 31 years
/// at 60 bpm. Far beyond (about 3.7e303 beats) a beat's frame number no
/// longer fits and would land on frame 0; well before, a set has ended.
pub const HORIZON_BEATS: f64 = 1e9;

/// The process's reference instant for wall-clock stamps that cross threads
/// as integers (MIDI arrival, the audio clock's wall time).
pub fn wall_epoch() -> std::time::Instant {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(std::time::Instant::now)
}

/// Nanoseconds from [`wall_epoch`] to `t` (0 for instants before it).
pub fn nanos_since_epoch(t: std::time::Instant) -> u64 {
    t.saturating_duration_since(wall_epoch()).as_nanos() as u64
}
