//! Ableton Link on the script thread: Tactus's beats become the Link
//! session's beats.
//!
//! Every tick, [`LinkSync::tick`] looks at the frame up to which the
//! scheduler is about to release events (the lookahead horizon) and asks:
//! when does that frame leave the speaker on Link's host clock (the audio
//! clock's line from [`HostClock`], plus the device's output latency and the
//! audio nudge), and which Link beat is that? Then it steers the session's
//! tempo map from that beat on:
//! - a peer changed the tempo: the map takes it there;
//! - a script changed the map (`tempo(bpm)`, a ramp): Link takes it, so the
//!   whole session follows (a ramp goes as a series of tempo changes);
//! - the map's beat is off Link's phase at the quantum: the map's seconds
//!   from there on move by the difference (at a join: to the nearest shared
//!   bar line, or to the next one when that is far), so loops, sequences and
//!   drums that start on a bar start on the shared bar.
//!
//! Events already released (inside the lookahead) keep their frames: a
//! peer's tempo change reaches the sound one lookahead later, in phase.
//! Only the script thread steers and commits; the audio callback reads
//! Link too, with the realtime-safe capture of Link's audio session state
//! ([`super::link_tap`]): it gives the frame-to-host-time relation (the
//! telemetry's stamps, fitted to a line) and, each block, the Link beat its
//! first frame leaves the speaker on, which `status()` compares with the
//! beat the map put there ("sound +0.01 ms off the shared beat"). Steering
//! is done ahead, on the script thread, because Tactus places every event
//! on its frame before the callback plays it; the callback's reading is the
//! check that the sound is on the shared beat.

use super::host_clock::HostClock;
use super::link_tap::TapReading;
use crate::audio::Telemetry;
use crate::session::link_state::{LinkView, LinkWant};
use crate::session::Session;
use crate::time::{Beats, Frame, SampleRate, Seconds};
use rusty_link::{AblLink, SessionState};
use std::sync::atomic::Ordering;

/// A phase difference below this many beats is left alone (10 µs at 120 bpm).
const PHASE_EPSILON_BEATS: f64 = 2e-5;

/// At a join, a shared bar line more than this many beats back is not
/// jumped to (that would skip what was about to play): the next one is.
const JOIN_BACK_BEATS: f64 = 0.05;

/// How many of the tempi sent lately are recognised as echoes.
const SENT_KEPT: usize = 256;

/// How many ticks' output latencies the median is taken over.
const LATENCY_TICKS: usize = 31;

/// Tempi closer than this are the same.
const BPM_EPSILON: f64 = 1e-6;

/// The script thread's side of Ableton Link.
pub struct LinkSync {
    /// Made at the first `link(true)` and never freed: the audio callback
    /// reads it too ([`super::link_tap`]).
    link: Option<&'static AblLink>,
    /// The callback's last reading of Link, and the sound's offsets from
    /// the shared beat at the last ticks (ms, positive late).
    tap: Option<TapReading>,
    speaker_late_ms: std::collections::VecDeque<f64>,
    state: SessionState,
    clock: HostClock,
    sr: SampleRate,
    applied: LinkWant,
    /// Aligned to the session since the last join (or quantum change).
    joined: bool,
    /// Link's tempo after the last tick.
    last_bpm: f64,
    /// The tempi this side sent lately: Link's network thread applies a
    /// commit after it returns, so a capture can still show an earlier one
    /// of ours for a moment (an echo, not a peer's change).
    sent_bpms: std::collections::VecDeque<f64>,
    /// Link's transport after the last tick (start/stop sync on).
    last_link_playing: Option<bool>,
    /// The transport states (playing, at µs) this side sent lately, to
    /// tell their echoes (see `sent_bpms`) from a peer's change.
    sent_transport: std::collections::VecDeque<(bool, i64)>,
    /// Tactus's transport after the last tick.
    last_playing: bool,
    /// Tactus follows a MIDI clock: Link does not steer the map meanwhile.
    yielded: bool,
    /// The device's output latency at the last ticks.
    latencies: std::collections::VecDeque<f64>,
    /// Enable Link on the network when asked (false only in unit tests,
    /// which must never reach a network: Link then runs alone, locally).
    network: bool,
}

/// Link's host clock against the audio clock, for one tick.
struct Clocks {
    /// A frame on the audio clock's line, and when it begins (ns since the
    /// wall epoch).
    frame: u64,
    frame_ns: f64,
    /// The line's slope.
    ns_per_frame: f64,
    /// Nanoseconds since the wall epoch, read now.
    now_ns: f64,
    /// Link's clock now, in µs.
    link_now_us: f64,
    /// Output latency less the audio nudge, ns.
    extra_ns: f64,
}

/// The wall clock (ns since the epoch) and Link's (µs) at one moment. A
/// thread preempted between the two readings (on a busy machine, for tens
/// of ms) would shift every frame against Link's timeline by that much:
/// Link's reading is bracketed by two wall-clock readings, and the closest
/// bracket of a few tries is kept.
fn read_both(link: &AblLink) -> (f64, f64) {
    let mut best = (f64::MAX, 0.0, 0.0);
    for _ in 0..8 {
        let before = crate::time::nanos_since_epoch(std::time::Instant::now()) as f64;
        let link_us = link.clock_micros() as f64;
        let after = crate::time::nanos_since_epoch(std::time::Instant::now()) as f64;
        let gap = after - before;
        if gap < best.0 {
            best = (gap, before + gap / 2.0, link_us);
        }
        if gap < 20_000.0 {
            break;
        }
    }
    (best.1, best.2)
}

impl Clocks {
    /// Read the clocks now (`None` before the audio clock's first stamp).
    fn read(line: &HostClock, link: &AblLink, at: Frame, extra_ns: f64) -> Option<Clocks> {
        let frame_ns = line.nanos_at(at.0)?;
        let second = line.nanos_at(at.0 + 48_000)?;
        let (now_ns, link_now_us) = read_both(link);
        Some(Clocks {
            frame: at.0,
            frame_ns,
            ns_per_frame: (second - frame_ns) / 48_000.0,
            now_ns,
            link_now_us,
            extra_ns,
        })
    }

    /// The frame that leaves the speaker at `host_us` on Link's clock.
    fn frame_at(&self, host_us: f64) -> Frame {
        let ns = (host_us - self.link_now_us) * 1000.0 + self.now_ns - self.extra_ns;
        let f = self.frame as f64 + (ns - self.frame_ns) / self.ns_per_frame;
        Frame(f.round().max(0.0) as u64)
    }

    /// When `frame` leaves the speaker, in µs on Link's clock.
    fn host_us(&self, frame: Frame) -> f64 {
        self.host_us_at(frame.0 as f64)
    }

    /// [`Self::host_us`] of a fractional frame.
    fn host_us_at(&self, frame: f64) -> f64 {
        let ns = self.frame_ns + (frame - self.frame as f64) * self.ns_per_frame;
        self.link_now_us + (ns + self.extra_ns - self.now_ns) / 1000.0
    }
}

impl LinkSync {
    /// Link is made at the first `link(true)`, not before.
    pub fn new(sr: SampleRate) -> LinkSync {
        LinkSync {
            link: None,
            tap: None,
            speaker_late_ms: std::collections::VecDeque::with_capacity(LATENCY_TICKS),
            state: SessionState::new(),
            clock: HostClock::new(sr.hz()),
            sr,
            applied: LinkWant::default(),
            joined: false,
            last_bpm: 0.0,
            sent_bpms: std::collections::VecDeque::with_capacity(SENT_KEPT),
            last_link_playing: None,
            sent_transport: std::collections::VecDeque::with_capacity(SENT_KEPT),
            last_playing: true,
            yielded: false,
            latencies: std::collections::VecDeque::with_capacity(LATENCY_TICKS),
            network: true,
        }
    }

    /// One tick of the live thread: carry out what the session asks of Link,
    /// steer the tempo map from the `horizon` frame on, and update the
    /// session's view of Link. Returns lines to print.
    pub fn tick(
        &mut self,
        s: &mut Session,
        now: Frame,
        horizon: Frame,
        telemetry: &Telemetry,
    ) -> Vec<String> {
        if let Some((frame, nanos)) = telemetry.clock() {
            self.clock.push(frame, nanos);
        }
        let latency_ns = telemetry.output_latency_ns.load(Ordering::Relaxed) as f64;
        let latency_ns = self.steady_latency(latency_ns);
        self.tap = telemetry.link.read();
        let lines = self.step(s, now, horizon, latency_ns);
        if let Some(link) = self.link {
            telemetry.link.install(link, self.applied.quantum);
        }
        lines
    }

    /// The median of the output latencies read at the last ticks: the
    /// device's figure can jump for one callback (JACK, as a client joins
    /// its graph), which would move one note by as much.
    fn steady_latency(&mut self, ns: f64) -> f64 {
        if self.latencies.len() == LATENCY_TICKS {
            self.latencies.pop_front();
        }
        self.latencies.push_back(ns);
        let mut sorted: Vec<f64> = self.latencies.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    }

    /// [`Self::tick`] with the stamps already taken.
    fn step(
        &mut self,
        s: &mut Session,
        now: Frame,
        horizon: Frame,
        latency_ns: f64,
    ) -> Vec<String> {
        let want = (*s.link).clone();
        let mut lines = self.apply(s, &want, now);
        let Some(link) = self.link.as_ref().filter(|_| want.on) else {
            return lines;
        };
        // A positive nudge makes the sound later: the frames then leave
        // the speaker earlier on the shared timeline than the device says.
        let extra_ns = latency_ns - want.audio_nudge_ms * 1e6;
        let Some(clocks) = Clocks::read(&self.clock, link, now, extra_ns) else {
            return lines;
        };
        link.capture_app_session_state(&mut self.state);
        let follows_midi = *s.clock_in != crate::session::clock_follow::ClockSource::Internal;
        if follows_midi != self.yielded {
            self.yielded = follows_midi;
            self.joined = false;
            if follows_midi {
                lines.push("Link: the MIDI clock leads while Tactus follows it; Link's tempo and bars wait (clock(\"internal\") gives them back)".into());
            }
        }
        if follows_midi {
            self.update_view(s, &clocks, now, want.quantum, latency_ns);
            return lines;
        }
        let committed = steer_tempo(self, s, &clocks, now, horizon);
        if committed {
            let link = self.link.as_ref().expect("Link is on");
            link.commit_app_session_state(&self.state);
        }
        self.align_phase(s, &clocks, horizon, want.quantum);
        if want.start_stop {
            lines.extend(self.share_transport(s, &clocks, now, horizon));
        }
        self.update_view(s, &clocks, now, want.quantum, latency_ns);
        let past = s.tempo.frame_to_beats(now, self.sr).0 - 64.0;
        s.tempo.update(|m| m.forget_before(Beats(past)));
        lines
    }

    /// What `status()` and `link_peers()` show.
    fn update_view(
        &mut self,
        s: &mut Session,
        clocks: &Clocks,
        now: Frame,
        quantum: f64,
        latency_ns: f64,
    ) {
        let link = self.link.expect("Link is on");
        let h = clocks.host_us(now);
        let speaker_late_ms = self.speaker_late(s, clocks, quantum);
        s.link_view = Some(LinkView {
            peers: link.num_peers(),
            bpm: self.state.tempo(),
            beat: beat_at(&self.state, h, quantum),
            phase: self.state.phase_at_time(h as i64, quantum),
            playing: self.state.is_playing(),
            latency_ms: latency_ns / 1e6,
            speaker_late_ms,
        });
    }

    /// How late the sound leaves the speaker against the shared beat, in
    /// ms (the median over the last ticks): the beat the tempo map put on
    /// the callback's last block against the Link beat the callback read
    /// for the moment that block leaves the speaker (less the audio nudge).
    ///
    /// The callback reads Link when it wakes, and a callback wakes late by
    /// up to a millisecond on a busy machine while its frames still leave
    /// the speaker on the device's clock: so the reading is carried from
    /// the wake-up to the block's time on the audio clock's fitted line
    /// (at Link's tempo then), and the wake-up's lateness is not counted
    /// as the sound's.
    fn speaker_late(&mut self, s: &Session, clocks: &Clocks, quantum: f64) -> Option<f64> {
        let r = self.tap.filter(|r| r.bpm > 0.0)?;
        let map_beat = s.tempo.frame_to_beats(Frame(r.frame), self.sr).0;
        // The block's time on the line already has the latency and the
        // nudge in it.
        let leaves_us = clocks.host_us(Frame(r.frame));
        let link_beat = r.beat + (leaves_us - r.host_us as f64) * r.bpm / 60e6;
        let ahead = wrap(map_beat - s.bar_origin.0 - link_beat, quantum);
        if self.speaker_late_ms.len() == LATENCY_TICKS {
            self.speaker_late_ms.pop_front();
        }
        self.speaker_late_ms.push_back(-ahead * 60e3 / r.bpm);
        let mut sorted: Vec<f64> = self.speaker_late_ms.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        Some(sorted[sorted.len() / 2])
    }

    /// Join, leave, and set start/stop sync and the quantum as asked.
    fn apply(&mut self, s: &mut Session, want: &LinkWant, now: Frame) -> Vec<String> {
        let mut lines = Vec::new();
        if want.on && self.link.is_none() {
            let bpm = s.tempo.bpm_at(s.tempo.frame_to_beats(now, self.sr));
            self.link = Some(Box::leak(Box::new(AblLink::new(bpm))));
        }
        let Some(link) = self.link.as_ref() else {
            return lines;
        };
        if want.on != self.applied.on {
            if self.network {
                link.enable(want.on);
            }
            self.joined = false;
            if want.on {
                lines.push(format!(
                    "Link on: quantum {}, {} peers (link_peers() and status() tell more)",
                    want.quantum,
                    link.num_peers()
                ));
            } else {
                s.link_view = None;
                s.bar_beats = crate::session::loops::BAR_BEATS;
                lines.push("Link off: Tactus keeps its own tempo".into());
            }
        }
        if want.start_stop != self.applied.start_stop {
            link.enable_start_stop_sync(want.start_stop);
            self.last_link_playing = None;
        }
        if want.quantum != self.applied.quantum {
            self.joined = false;
        }
        self.applied = want.clone();
        lines
    }

    /// Move the map's seconds from the horizon on so that its beat there
    /// sits on Link's phase (bars from the session's bar origin).
    fn align_phase(&mut self, s: &mut Session, clocks: &Clocks, horizon: Frame, quantum: f64) {
        let map_beat = s.tempo.frame_to_beats(horizon, self.sr).0;
        // Where that beat sounds: after the horizon while the map waits for
        // a shared bar (a join), so the wait is not measured again.
        let sounds = s.tempo.beats_to_seconds(Beats(map_beat)).0 * self.sr.hz();
        let at = sounds.max(horizon.0 as f64);
        let link_beat = beat_at(&self.state, clocks.host_us_at(at), quantum);
        let mut ahead = wrap(map_beat - link_beat - s.bar_origin.0, quantum);
        if !self.joined {
            // Never jump far back at a join: wait for the next shared bar.
            if ahead < -JOIN_BACK_BEATS {
                ahead += quantum;
            }
            self.joined = true;
            s.bar_beats = quantum;
        }
        if ahead.abs() > PHASE_EPSILON_BEATS {
            let seconds = ahead * 60.0 / s.tempo.bpm_at(Beats(map_beat));
            s.tempo
                .update(|m| m.shift_from(Beats(map_beat), Seconds(seconds)));
        }
    }

    /// Share play and stop. A peer's stop stops Tactus at once; a peer's
    /// start starts it at the start's time on the shared timeline. Tactus's
    /// `play()` starts on the next shared bar past the lookahead, for every
    /// peer; its `stop()` stops them.
    fn share_transport(
        &mut self,
        s: &mut Session,
        clocks: &Clocks,
        now: Frame,
        horizon: Frame,
    ) -> Vec<String> {
        let link = self.link.as_ref().expect("Link is on");
        let link_state = (self.state.is_playing(), self.state.time_for_is_playing());
        let echo = self.sent_transport.contains(&link_state)
            && self.sent_transport.back() != Some(&link_state);
        // An echo of ours reads as no change.
        let link_playing = match (echo, self.last_link_playing) {
            (true, Some(was)) => was,
            _ => link_state.0,
        };
        let mut lines = Vec::new();
        let mut commit = false;
        match self.last_link_playing {
            // Start/stop sync just began: alone, Tactus's transport is the
            // session's; with peers, theirs is Tactus's.
            None if link.num_peers() > 0 => set_playing_now(s, now, link_playing),
            None => {
                self.state
                    .set_is_playing(*s.playing, clocks.host_us(now) as i64);
                commit = true;
            }
            Some(was) if was != link_playing => {
                if link_playing {
                    let at = clocks.frame_at(self.state.time_for_is_playing() as f64);
                    start_at(s, at, now, horizon);
                } else {
                    set_playing_now(s, now, false);
                }
                let what = if link_playing { "play" } else { "stop" };
                lines.push(format!("Link: {what} (from a peer)"));
            }
            _ if *s.playing != self.last_playing => {
                if !*s.playing {
                    self.state.set_is_playing(false, clocks.host_us(now) as i64);
                    commit = true;
                } else if !link_playing {
                    // play(): on the next shared bar at least 100 ms past
                    // the horizon, so every peer hears it in time.
                    let sr = self.sr;
                    let ahead = Frame(horizon.0 + sr.seconds_to_frames(Seconds(0.1)));
                    let bar = Beats(s.next_bar(s.tempo.frame_to_beats(ahead, sr).0));
                    let at = s.tempo.beats_to_frame(bar, sr);
                    s.playing.set(false);
                    start_at(s, at, now, horizon);
                    self.state.set_is_playing(true, clocks.host_us(at) as i64);
                    commit = true;
                    lines.push(format!(
                        "Link: play on the next shared bar (beat {:.2})",
                        bar.0
                    ));
                }
            }
            _ => {}
        }
        if commit {
            link.commit_app_session_state(&self.state);
            if self.sent_transport.len() == SENT_KEPT {
                self.sent_transport.pop_front();
            }
            let sent = (self.state.is_playing(), self.state.time_for_is_playing());
            self.sent_transport.push_back(sent);
        }
        self.last_link_playing = Some(if commit {
            self.state.is_playing()
        } else {
            link_playing
        });
        self.last_playing = *s.playing;
        lines
    }
}

/// Play or stop now (at the frame `now`).
fn set_playing_now(s: &mut Session, now: Frame, playing: bool) {
    s.cursor = s.tempo.frame_to_beats(now, s.sr);
    s.set_playing(playing);
}

/// Start playing at frame `at`: on its beat through the scheduler, so loop
/// steps from there on sound; at once when that is already released.
fn start_at(s: &mut Session, at: Frame, now: Frame, horizon: Frame) {
    if at < horizon {
        return set_playing_now(s, now, true);
    }
    let mut beat = s.tempo.frame_to_beats(at, s.sr).0;
    // A start on a shared bar comes here through a rounded frame and Link's
    // whole microseconds: put it back on the bar line, so that bar's loop
    // steps play.
    let bar = s.next_bar(beat - 1e-3);
    if (bar - beat).abs() < 1e-3 {
        beat = bar;
    }
    // Just before the beat: ahead of the loop steps placed on it.
    let item = crate::session::scheduler::Item::Transport { playing: true };
    s.scheduler.push(Beats(beat - 1e-9), item);
}

/// Follow a peer's tempo, or hand the map's to Link: true when the state
/// must be committed.
fn steer_tempo(
    sync: &mut LinkSync,
    s: &mut Session,
    clocks: &Clocks,
    now: Frame,
    horizon: Frame,
) -> bool {
    let sr = sync.sr;
    let at = s.tempo.frame_to_beats(horizon, sr);
    let link_bpm = sync.state.tempo();
    let same = |a: f64, b: f64| (a - b).abs() <= BPM_EPSILON;
    let echo = sync.sent_bpms.iter().any(|&b| same(b, link_bpm));
    if !sync.joined || (!same(link_bpm, sync.last_bpm) && !echo) {
        sync.last_bpm = link_bpm;
        if (s.tempo.bpm_at(at) - link_bpm).abs() > BPM_EPSILON {
            s.tempo.update(|m| m.set_tempo(at, link_bpm));
        }
        return false;
    }
    let map_bpm = s.tempo.bpm_at(at);
    if (map_bpm - link_bpm).abs() <= BPM_EPSILON {
        return false;
    }
    // A step the script made since now takes effect where it was made; a
    // ramp in progress, at the horizon (each tick sends its next tempo).
    let start = s.tempo.segment_start(at);
    let start_frame = s.tempo.beats_to_frame(start, sr);
    let step = s.tempo.bpm_at(start) == map_bpm;
    let when = if step && start_frame >= now {
        start_frame
    } else {
        horizon
    };
    sync.state.set_tempo(map_bpm, clocks.host_us(when) as i64);
    sync.last_bpm = sync.state.tempo();
    if sync.sent_bpms.len() == SENT_KEPT {
        sync.sent_bpms.pop_front();
    }
    sync.sent_bpms.push_back(sync.last_bpm);
    true
}

impl Drop for LinkSync {
    /// The Link object outlives this (the audio callback may still read
    /// it): leave the session now, so peers see this one go at once.
    fn drop(&mut self) {
        if let Some(link) = self.link {
            link.enable(false);
        }
    }
}

/// Link's beat at a fractional host time (µs), at `quantum`.
fn beat_at(state: &SessionState, host_us: f64, quantum: f64) -> f64 {
    let whole = host_us.floor();
    let beat = state.beat_at_time(whole as i64, quantum);
    beat + (host_us - whole) * state.tempo() / 60e6
}

/// `x` into (-q/2, q/2].
fn wrap(x: f64, q: f64) -> f64 {
    let r = x.rem_euclid(q);
    if r > q / 2.0 {
        r - q
    } else {
        r
    }
}

#[cfg(test)]
mod tests;
