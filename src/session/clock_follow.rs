//! Following MIDI clock in (`clock("midi")`, `clock_in("port")`): the
//! estimator ([`super::clock_in`]) turns ticks into a tempo and a beat
//! grid, and the session's tempo map is steered to that grid, so loops,
//! sequences and drums (all placed in beats) follow the clock.
//!
//! Steering: on every tick, from the beat the map has at a frame beyond
//! what the scheduler may already have released (the tick's frame plus the
//! lookahead and a block), the map takes the estimated tempo and its beats
//! are moved in time so that the map's beat there is the estimator's: the
//! fitted curve, not each tick, drives the grid, so tick jitter never
//! reaches the sound. The map before that frame is never touched.
//!
//! Transport: Start plays the clock's beat 0 (on the next tick) on a bar
//! line of Tactus's grid, Continue plays the song position (set by Song
//! Position Pointer, in sixteenths) on the matching beat of a bar; both
//! pick the first such beat the scheduler has not released yet, and the
//! beats between (released silently, the transport stopped) take no time.
//! Stop acts as `stop()`. Each is one transaction of the session. A
//! second Start or Continue before the tick the first one placed is
//! ignored.

use super::clock_in::{ClockEstimator, TickKind, TICKS_PER_BEAT};
use super::loops::next_bar;
use super::Session;
use crate::time::{Beats, Frame, Seconds};
use std::sync::Arc;

/// Where the beat grid comes from (`clock(...)`).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ClockSource {
    /// The tempo map alone (`tempo()`).
    #[default]
    Internal,
    /// MIDI clock from an input: the named one, or (None) the first that
    /// sends clock.
    Midi(Option<Arc<str>>),
}

impl ClockSource {
    /// What `clock()` returns and `clock(...)` accepts.
    pub fn name(&self) -> &'static str {
        match self {
            ClockSource::Internal => "internal",
            ClockSource::Midi(_) => "midi",
        }
    }
}

/// The valid arguments of `clock(...)`.
pub const CLOCK_SOURCES: &[&str] = &["internal", "midi"];

/// Beyond this phase error (beats) the grid is not steered but taken as
/// it is (the estimator restarted, or Start was missed).
const REBASE_BEATS: f64 = 0.5;

/// The map keeps this many beats of history (a long performance would
/// otherwise keep a segment per tick).
const KEEP_BEATS: f64 = 64.0;

/// The follower's own state (set by MIDI messages, not by evaluations).
#[derive(Debug, Clone, Default)]
pub struct ClockFollow {
    /// The tick estimator.
    pub est: ClockEstimator,
    /// The input the ticks come from (the first that sent clock).
    pub port: Option<Arc<str>>,
    /// The source this state follows (None: not following); a new
    /// `clock(...)` or `clock_in(...)` starts afresh.
    source: Option<ClockSource>,
    /// The grid: tick index `.0` is Tactus beat `.1`.
    base: Option<(f64, f64)>,
    /// The clock's transport runs from tick index `.0`, at song position
    /// `.1` (ticks) there.
    running: Option<(i64, i64)>,
    /// Song position (ticks) for the next Continue.
    position: i64,
    /// The index Start or Continue placed on the grid, until its tick
    /// arrives (a clock sent only while running starts again there).
    located: Option<i64>,
    /// The input went away: the last tempo holds.
    pub lost: bool,
}

impl ClockFollow {
    /// The estimated tempo, once there is one.
    pub fn bpm(&self) -> Option<f64> {
        self.est.fit().map(|f| f.bpm())
    }

    /// The clock's transport is running (between Start or Continue and Stop).
    pub fn running(&self) -> bool {
        self.running.is_some()
    }

    /// The song position (ticks) of the next tick.
    fn position_now(&self) -> i64 {
        match self.running {
            Some((i, p)) => p + self.est.next_index() - i,
            None => self.position,
        }
    }
}

impl Session {
    /// True when `port` is the clock being followed (or may become it).
    fn clock_port_matches(&mut self, port: &Arc<str>) -> bool {
        let source = (*self.clock_in).clone();
        let ClockSource::Midi(want) = &source else {
            self.clock_follow.source = None;
            return false;
        };
        if self.clock_follow.source.as_ref() != Some(&source) {
            self.clock_follow = ClockFollow {
                port: want.clone(),
                source: Some(source.clone()),
                ..ClockFollow::default()
            };
        }
        let f = &mut self.clock_follow;
        match &f.port {
            Some(p) => p == port,
            None => {
                f.port = Some(port.clone());
                true
            }
        }
    }

    /// A frame whose beat the scheduler has not released yet, for a
    /// message stamped `frame`: a block beyond both the furthest horizon
    /// released so far and the one a release now would use.
    fn clock_horizon(&self, frame: Frame) -> Frame {
        let ahead = self.sr.seconds_to_frames(*self.lookahead);
        let block = self.block_frames as u64;
        Frame((frame.0 + ahead).max(self.released_to.0) + block)
    }

    /// A MIDI clock tick from `port`, stamped `frame`: update the estimate
    /// and steer the map.
    pub fn clock_in_tick(&mut self, port: &Arc<str>, frame: Frame) {
        if !self.clock_port_matches(port) {
            return;
        }
        let sr = self.sr.hz();
        let f = &mut self.clock_follow;
        f.lost = false;
        let (i, kind) = f.est.tick(frame.0 as f64 / sr);
        // After a silence the grid is lost, unless Start or Continue just
        // placed this very tick on it.
        if kind == TickKind::Restart && f.located != Some(i) {
            f.base = None;
        }
        f.located = None;
        let steer = self.clock_horizon(frame);
        self.clock_steer(steer);
    }

    /// Steer the map from the beat it has at frame `at` onto the estimate.
    fn clock_steer(&mut self, at: Frame) {
        let Some(fit) = self.clock_follow.est.fit() else {
            return;
        };
        let t = at.0 as f64 / self.sr.hz();
        let x = fit.index_at(t);
        let here = self.tempo.seconds_to_beats(Seconds(t)).0;
        let (i0, b0) = *self.clock_follow.base.get_or_insert((x, here));
        let mut want = b0 + (x - i0) / TICKS_PER_BEAT;
        if (want - here).abs() > REBASE_BEATS {
            self.clock_follow.base = Some((x, here));
            want = here;
        }
        let bpm = fit.bpm();
        self.tempo.update(|m| {
            if want > here {
                m.skip(Beats(here), Beats(want - here));
                m.set_tempo(Beats(want), bpm);
            } else {
                m.set_tempo(Beats(here), bpm);
                m.shift_from(Beats(here), Seconds((here - want) * 60.0 / bpm));
            }
            m.forget_before(Beats(here - KEEP_BEATS));
        });
    }

    /// Start (`from_start`) or Continue from `port`, stamped `frame`: place
    /// the song position of the next tick on the first beat of Tactus's grid
    /// that matches it and has not been released. Returns the frame of that
    /// beat: the caller releases what comes before it (silently: the
    /// transport is stopped here) and then calls [`Self::clock_play`].
    pub fn clock_in_locate(
        &mut self,
        port: &Arc<str>,
        frame: Frame,
        from_start: bool,
    ) -> Option<Frame> {
        if !self.clock_port_matches(port) {
            return None;
        }
        let sr = self.sr.hz();
        let f = &self.clock_follow;
        let next = f.est.next_index();
        if f.located == Some(next) {
            // A second Start or Continue before the tick: already placed.
            return None;
        }
        let pos = if from_start { 0 } else { f.position_now() };
        let fit = f.est.fit();
        let first = fit.map_or(frame.0, |fit| {
            ((fit.seconds_of(next as f64) * sr).round() as u64).max(frame.0)
        });
        let first = Frame(first.max(1));
        if *self.playing {
            self.clock_transport_stop(first);
        }
        let released = self.clock_horizon(frame).max(first);
        let spent = self.tempo.frame_to_beats(released, self.sr).0;
        let offset = pos as f64 / TICKS_PER_BEAT;
        let target = offset + next_bar(self.bar_origin.0, spent + 1e-6 - offset);
        let cut = self.tempo.frame_to_beats(Frame(first.0 - 1), self.sr).0;
        let bpm = fit.map_or(self.tempo.bpm_at(Beats(cut)), |f| f.bpm());
        self.tempo.update(|m| {
            m.skip(Beats(cut), Beats(target - cut));
            m.set_tempo(Beats(target), bpm);
            let late = first.0 as f64 / sr - m.beats_to_seconds(Beats(target)).0;
            m.shift_from(Beats(target), Seconds(late));
        });
        let f = &mut self.clock_follow;
        f.base = Some((next as f64, target));
        f.running = Some((next, pos));
        f.located = Some(next);
        Some(first)
    }

    /// After [`Self::clock_in_locate`]: the transport plays (as `play()`),
    /// one transaction.
    pub fn clock_play(&mut self, at: Frame) {
        let beat = self.tempo.frame_to_beats(at, self.sr);
        self.open_evaluation(beat);
        if !*self.playing {
            self.playing.set(true);
            self.clock_transport(true);
        }
        self.close_evaluation(true);
    }

    /// Stop from `port`, stamped `frame`: the transport stops (as `stop()`)
    /// and the song position is kept for Continue.
    pub fn clock_in_stop(&mut self, port: &Arc<str>, frame: Frame) {
        if !self.clock_port_matches(port) {
            return;
        }
        let f = &mut self.clock_follow;
        f.position = f.position_now();
        f.running = None;
        f.located = None;
        self.clock_transport_stop(frame);
    }

    /// Song Position Pointer from `port`: the position (sixteenths) the
    /// next Continue plays from.
    pub fn clock_in_position(&mut self, port: &Arc<str>, sixteenths: u16) {
        if self.clock_port_matches(port) {
            self.clock_follow.position = sixteenths as i64 * 6;
        }
    }

    /// The followed input went away: the last tempo holds. Returns the line
    /// to print, when it was the clock.
    pub fn clock_in_lost(&mut self, port: &str) -> Option<String> {
        let midi = matches!(*self.clock_in, ClockSource::Midi(_));
        let f = &mut self.clock_follow;
        let ours = f.source.is_some() && f.port.as_deref() == Some(port);
        if !ours || !midi {
            return None;
        }
        let bpm = f.bpm();
        f.est = ClockEstimator::new();
        f.base = None;
        f.lost = true;
        let bpm = bpm.unwrap_or_else(|| self.tempo.bpm_at(self.cursor));
        Some(format!(
            "MIDI clock from \"{port}\" lost: Tactus keeps {bpm:.2} bpm and plays on (it follows again when the clock returns)"
        ))
    }

    /// Stop the transport at `frame` as `stop()` does, as one transaction.
    fn clock_transport_stop(&mut self, frame: Frame) {
        let beat = self.tempo.frame_to_beats(frame, self.sr);
        self.open_evaluation(beat);
        if *self.playing {
            self.clock_transport(false);
        }
        self.playing.set(false);
        self.all_off();
        self.close_evaluation(true);
    }

    /// The clock line of `status()`.
    pub fn clock_status(&self) -> String {
        let f = &self.clock_follow;
        match &*self.clock_in {
            ClockSource::Internal => "clock: internal (the tempo map)".to_string(),
            ClockSource::Midi(want) => {
                let from = match f.port.as_ref().or(want.as_ref()) {
                    Some(p) => format!("\"{p}\""),
                    None => "the first input that sends it".to_string(),
                };
                let state = match f.bpm() {
                    _ if f.lost => "lost, keeping the last tempo".to_string(),
                    Some(bpm) if f.running() => format!("following, {bpm:.2} bpm, running"),
                    Some(bpm) => format!("following, {bpm:.2} bpm, stopped"),
                    None => "waiting for clock".to_string(),
                };
                format!("clock: MIDI from {from}: {state}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SampleRate;

    /// A session following MIDI clock from "drums", its transport stopped.
    fn following() -> (Session, Arc<str>) {
        let mut s = Session::new(SampleRate(48_000), 256);
        s.clock_in.set(ClockSource::Midi(None));
        s.playing.set(false);
        (s, "drums".into())
    }

    /// Ideal tick frames of a clock at `bpm(beat)` from frame 48000.
    fn tick_frames(n: usize, bpm: impl Fn(f64) -> f64) -> Vec<f64> {
        let mut f = 48_000.0;
        (0..n)
            .map(|k| {
                let here = f;
                f += 48_000.0 * 60.0 / bpm(k as f64 / 24.0) / 24.0;
                here
            })
            .collect()
    }

    /// ±1 ms of jitter, deterministic.
    fn jitter(k: usize) -> f64 {
        ((k * 7919 % 97) as f64 / 48.0 - 1.0) * 48.0
    }

    #[test]
    fn the_map_follows_the_estimate_not_the_ticks_and_follows_a_ramp() {
        let (mut s, port) = following();
        let bpm = |b: f64| match b {
            b if b < 4.0 => 120.0,
            b if b < 12.0 => 120.0 - 30.0 * (b - 4.0) / 8.0,
            _ => 90.0,
        };
        let ideal = tick_frames(24 * 18, bpm);
        let mut worst_after = 0.0f64;
        for (k, f) in ideal.iter().enumerate() {
            s.clock_in_tick(&port, Frame((f + jitter(k)).round() as u64));
            let beat = k as f64 / 24.0;
            let est = s.clock_follow.bpm().unwrap_or(0.0);
            if (2.0..4.0).contains(&beat) || beat >= 14.0 {
                worst_after = worst_after.max((est - bpm(beat)).abs());
            }
            if k == 90 {
                // The grid laid down so far: beat k/24 apart at each tick's
                // ideal frame, whatever each tick's jitter.
                let b60 = s.tempo.frame_to_beats(Frame(ideal[60] as u64), s.sr).0;
                let spread: Vec<f64> = (60..=90)
                    .map(|j| {
                        let b = Beats(b60 + (j - 60) as f64 / 24.0);
                        s.tempo.beats_to_seconds(b).0 * 48_000.0 - ideal[j]
                    })
                    .collect();
                let worst = spread.iter().fold(0.0f64, |w, d| w.max(d.abs()));
                println!(
                    "grid: worst {:.3} ms from the ideal ticks (jitter ±1 ms)",
                    worst / 48.0
                );
                assert!(worst < 24.0, "the grid is within 0.5 ms: {spread:?}");
            }
        }
        println!("tempo: worst {worst_after:.4} bpm off when steady (2-4, 14-18)");
        assert!(worst_after < 0.1, "steady: {worst_after} bpm off");
        let last = *ideal.last().unwrap();
        let t = s.tempo.frame_to_beats(Frame(last as u64 + 4000), s.sr);
        assert!(
            (s.tempo.bpm_at(t) - 90.0).abs() < 0.1,
            "the map has the tempo"
        );
        assert!(
            s.tempo.segments().len() < 24 * 64 * 3,
            "the past is forgotten"
        );
    }

    #[test]
    fn start_stop_song_position_and_continue_act_on_the_grid() {
        let (mut s, port) = following();
        let ideal = tick_frames(24 * 30, |_| 120.0);
        let mut k = 0;
        let mut feed = |s: &mut Session, n: usize| {
            for _ in 0..n {
                s.clock_in_tick(&port, Frame(ideal[k] as u64));
                k += 1;
            }
        };
        feed(&mut s, 60);
        // Start between ticks 59 and 60: the clock's beat 0 is tick 60.
        let first = s
            .clock_in_locate(&port, Frame(ideal[59] as u64 + 300), true)
            .unwrap();
        assert!((first.0 as f64 - ideal[60]).abs() <= 1.0, "{first:?}");
        let b0 = s.tempo.frame_to_beats(first, s.sr).0;
        assert!(
            (b0 / 4.0 - (b0 / 4.0).round()).abs() < 1e-6,
            "on a bar: {b0}"
        );
        assert!(!*s.playing);
        s.clock_play(first);
        assert!(*s.playing, "Start plays");
        let again = s.clock_in_locate(&port, Frame(ideal[59] as u64 + 400), true);
        assert_eq!(
            again, None,
            "a repeated Start before the tick changes nothing"
        );
        feed(&mut s, 48 + 6);
        // Two beats later the map is on the clock's beat 2.
        let b2 = s.tempo.frame_to_beats(Frame(ideal[60 + 48] as u64), s.sr).0;
        assert!((b2 - (b0 + 2.0)).abs() < 1e-3, "{b2} vs {}", b0 + 2.0);
        s.clock_in_stop(&port, Frame(ideal[113] as u64 + 300));
        assert!(!*s.playing, "Stop stops");
        assert_eq!(s.clock_follow.position, 54, "the clock stopped at tick 54");
        feed(&mut s, 20);
        // Song position 6 sixteenths = 1.5 beats: Continue plays it on the
        // beat 1.5 into a bar.
        s.clock_in_position(&port, 6);
        // The scheduler has released further than one lookahead (a device
        // whose clock runs ahead): Continue lands beyond what it released.
        let released = Frame(ideal[133] as u64 + 30_000);
        let _ = s.pop_due(released);
        let spent = s.tempo.frame_to_beats(released, s.sr).0;
        let first = s
            .clock_in_locate(&port, Frame(ideal[133] as u64 + 300), false)
            .unwrap();
        assert!((first.0 as f64 - ideal[134]).abs() <= 1.0);
        let b = s.tempo.frame_to_beats(first, s.sr).0;
        assert!(
            ((b - 1.5) / 4.0 - ((b - 1.5) / 4.0).round()).abs() < 1e-6,
            "{b}"
        );
        assert!(b > b2, "the grid only moves forward");
        assert!(b > spent, "{b} is beyond the released {spent}");
        s.clock_play(first);
        assert!(*s.playing);
        s.clock_in.set(ClockSource::Internal);
        let before = s.tempo.segments();
        feed(&mut s, 10);
        assert_eq!(
            s.tempo.segments(),
            before,
            "clock(\"internal\"): ticks are ignored"
        );
        s.clock_in.set(ClockSource::Midi(Some("keys".into())));
        s.clock_in_tick(&"keys".into(), Frame(ideal[k] as u64));
        assert_eq!(
            s.clock_follow.port.as_deref(),
            Some("keys"),
            "clock_in(\"keys\") follows keys"
        );
        assert_eq!(s.clock_follow.est.ticks, 1, "afresh");
    }

    #[test]
    fn a_clock_sent_only_while_running_starts_on_the_bar() {
        let (mut s, port) = following();
        let ideal = tick_frames(24 * 8, |_| 120.0);
        for f in &ideal[..48] {
            s.clock_in_tick(&port, Frame(*f as u64));
        }
        // Two seconds of silence, Start, and the first tick 10 ms later.
        let start = ideal[47] as u64 + 96_000;
        let first = s.clock_in_locate(&port, Frame(start), true).unwrap();
        s.clock_play(first);
        let target = s.tempo.frame_to_beats(first, s.sr).0;
        let tick0 = start + 480;
        for k in 0..72 {
            s.clock_in_tick(&port, Frame(tick0 + k * 1000));
        }
        let b = s.tempo.frame_to_beats(Frame(tick0 + 48_000), s.sr).0;
        assert!((b - (target + 2.0)).abs() < 1e-3, "{b} vs {}", target + 2.0);
    }

    #[test]
    fn a_lost_clock_keeps_its_tempo_in_one_line() {
        let (mut s, port) = following();
        for f in tick_frames(48, |_| 100.0) {
            s.clock_in_tick(&port, Frame(f as u64));
        }
        let line = s.clock_in_lost("drums").unwrap();
        assert!(
            line.contains("100.00 bpm") && line.contains("plays on"),
            "{line}"
        );
        assert!(
            s.clock_in_lost("keys").is_none(),
            "another input is not the clock"
        );
        assert!((s.tempo.bpm_at(Beats(1e3)) - 100.0).abs() < 0.01);
        assert!(s.clock_status().contains("lost"), "{}", s.clock_status());
    }
}
