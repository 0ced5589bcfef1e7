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
//! Only the script thread touches the Link object; the audio thread never
//! does. The timeline Link gives the script thread is the same line in host
//! time as the audio thread's capture; what must come from the callback is
//! the frame-to-host-time relation, and that does (the telemetry's stamps).

use super::host_clock::HostClock;
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

/// Tempi closer than this are the same.
const BPM_EPSILON: f64 = 1e-6;

/// The script thread's side of Ableton Link.
pub struct LinkSync {
    link: Option<AblLink>,
    state: SessionState,
    clock: HostClock,
    sr: SampleRate,
    applied: LinkWant,
    /// Aligned to the session since the last join (or quantum change).
    joined: bool,
    /// Link's tempo after the last tick.
    last_bpm: f64,
    /// Link's transport after the last tick (start/stop sync on).
    last_link_playing: Option<bool>,
    /// Tactus's transport after the last tick.
    last_playing: bool,
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
    /// Output latency plus the audio nudge, ns.
    extra_ns: f64,
}

impl Clocks {
    /// Read the clocks now (`None` before the audio clock's first stamp).
    fn read(line: &HostClock, link: &AblLink, at: Frame, extra_ns: f64) -> Option<Clocks> {
        let frame_ns = line.nanos_at(at.0)?;
        let second = line.nanos_at(at.0 + 48_000)?;
        Some(Clocks {
            frame: at.0,
            frame_ns,
            ns_per_frame: (second - frame_ns) / 48_000.0,
            now_ns: crate::time::nanos_since_epoch(std::time::Instant::now()) as f64,
            link_now_us: link.clock_micros() as f64,
            extra_ns,
        })
    }

    /// When `frame` leaves the speaker, in µs on Link's clock.
    fn host_us(&self, frame: Frame) -> f64 {
        let ns = self.frame_ns + (frame.0 as f64 - self.frame as f64) * self.ns_per_frame;
        self.link_now_us + (ns + self.extra_ns - self.now_ns) / 1000.0
    }
}

impl LinkSync {
    /// Link is made at the first `link(true)`, not before.
    pub fn new(sr: SampleRate) -> LinkSync {
        LinkSync {
            link: None,
            state: SessionState::new(),
            clock: HostClock::new(sr.hz()),
            sr,
            applied: LinkWant::default(),
            joined: false,
            last_bpm: 0.0,
            last_link_playing: None,
            last_playing: true,
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
        self.step(s, now, horizon, latency_ns)
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
        let extra_ns = latency_ns + want.audio_nudge_ms * 1e6;
        let Some(clocks) = Clocks::read(&self.clock, link, now, extra_ns) else {
            return lines;
        };
        link.capture_app_session_state(&mut self.state);
        let committed = steer_tempo(self, s, &clocks, now, horizon);
        if committed {
            let link = self.link.as_ref().expect("Link is on");
            link.commit_app_session_state(&self.state);
        }
        self.align_phase(s, &clocks, horizon, want.quantum);
        if want.start_stop {
            lines.extend(self.share_transport(s, &clocks, now));
        }
        let link = self.link.as_ref().expect("Link is on");
        let h = clocks.host_us(now);
        s.link_view = Some(LinkView {
            peers: link.num_peers(),
            bpm: self.state.tempo(),
            beat: beat_at(&self.state, h, want.quantum),
            phase: self.state.phase_at_time(h as i64, want.quantum),
            playing: self.state.is_playing(),
            latency_ms: latency_ns / 1e6,
        });
        let past = s.tempo.frame_to_beats(now, self.sr).0 - 64.0;
        s.tempo.update(|m| m.forget_before(Beats(past)));
        lines
    }

    /// Join, leave, and set start/stop sync and the quantum as asked.
    fn apply(&mut self, s: &mut Session, want: &LinkWant, now: Frame) -> Vec<String> {
        let mut lines = Vec::new();
        if want.on && self.link.is_none() {
            let bpm = s.tempo.bpm_at(s.tempo.frame_to_beats(now, self.sr));
            self.link = Some(AblLink::new(bpm));
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
        let link_beat = beat_at(&self.state, clocks.host_us(horizon), quantum);
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

    /// Share play and stop: a change on Link's side plays or stops Tactus;
    /// a change of Tactus's (`play()`, `stop()`) goes to the peers.
    fn share_transport(&mut self, s: &mut Session, clocks: &Clocks, now: Frame) -> Vec<String> {
        let link = self.link.as_ref().expect("Link is on");
        let link_playing = self.state.is_playing();
        let mut lines = Vec::new();
        match self.last_link_playing {
            Some(was) if was != link_playing => {
                s.cursor = s.tempo.frame_to_beats(now, self.sr);
                s.set_playing(link_playing);
                let what = if link_playing { "play" } else { "stop" };
                lines.push(format!("Link: {what} (from a peer)"));
            }
            // Start/stop sync just began: alone, Tactus's transport is the
            // session's; with peers, theirs is Tactus's.
            None if link.num_peers() > 0 => {
                s.cursor = s.tempo.frame_to_beats(now, self.sr);
                s.set_playing(link_playing);
            }
            _ if self.last_link_playing.is_none() || *s.playing != self.last_playing => {
                self.state
                    .set_is_playing(*s.playing, clocks.host_us(now) as i64);
                link.commit_app_session_state(&self.state);
            }
            _ => {}
        }
        self.last_link_playing = Some(self.state.is_playing());
        self.last_playing = *s.playing;
        lines
    }
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
    if !sync.joined || (link_bpm - sync.last_bpm).abs() > BPM_EPSILON {
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
    true
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
