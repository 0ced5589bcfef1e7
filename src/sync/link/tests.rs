//! The steering, against a real Link object that never goes on the network
//! (a disabled Link keeps its timeline locally; a "peer" here is the test
//! committing to it, as a peer's change arrives).

use super::*;

const SR: u32 = 48_000;

struct Rig {
    sync: LinkSync,
    s: Session,
    now: u64,
    base_ns: u64,
}

impl Rig {
    /// A session at 60 bpm and a local Link at `link_bpm`, the audio clock
    /// starting now.
    fn new(link_bpm: f64) -> Rig {
        let mut sync = LinkSync::new(SampleRate(SR));
        sync.network = false;
        sync.link = Some(Box::leak(Box::new(AblLink::new(link_bpm))));
        let mut s = Session::new(SampleRate(SR), 256);
        s.link.update(|w| w.on = true);
        let base_ns = crate::time::nanos_since_epoch(std::time::Instant::now());
        let mut r = Rig {
            sync,
            s,
            now: 0,
            base_ns,
        };
        r.stamp();
        r
    }

    /// Advance the audio clock by `frames` and stamp it, as the callback does.
    fn run(&mut self, frames: u64) {
        let mut left = frames;
        while left > 0 {
            let step = left.min(256);
            self.now += step;
            left -= step;
            self.stamp();
        }
    }

    /// Frame 0 began when the rig was made; the frames run at exactly
    /// 48 kHz from there (a virtual clock: the test runs faster).
    fn stamp(&mut self) {
        let ns = self.base_ns + self.now * 1_000_000_000 / SR as u64;
        self.sync.clock.push(self.now, ns);
    }

    fn horizon(&self) -> Frame {
        Frame(self.now + 256 + 4800)
    }

    fn tick(&mut self) -> Vec<String> {
        let (now, h) = (Frame(self.now), self.horizon());
        self.sync.step(&mut self.s, now, h, 0.0)
    }

    /// Link's beat when `frame` plays, and the map's, at the quantum.
    fn beats_at(&self, frame: Frame) -> (f64, f64) {
        let link = self.sync.link.as_ref().unwrap();
        let clocks = Clocks::read(&self.sync.clock, link, Frame(self.now), 0.0).unwrap();
        let mut state = SessionState::new();
        link.capture_app_session_state(&mut state);
        let q = self.s.link.quantum;
        let lb = beat_at(&state, clocks.host_us(frame), q);
        (lb, self.s.tempo.frame_to_beats(frame, self.s.sr).0)
    }

    /// The map's phase error against Link at `frame`, in beats.
    fn phase_error(&self, frame: Frame) -> f64 {
        let (lb, mb) = self.beats_at(frame);
        wrap(mb - self.s.bar_origin.0 - lb, self.s.link.quantum)
    }

    fn link_bpm(&self) -> f64 {
        let mut state = SessionState::new();
        self.sync
            .link
            .as_ref()
            .unwrap()
            .capture_app_session_state(&mut state);
        state.tempo()
    }
}

/// Let Link's own thread apply a commit, as it has long done when a real
/// peer's change arrives from the network.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(20));
}

#[test]
fn a_join_takes_links_tempo_and_puts_the_bars_on_the_shared_bar() {
    let mut r = Rig::new(120.0);
    let lines = r.tick();
    assert!(lines[0].starts_with("Link on: quantum 4"), "{lines:?}");
    let h = r.horizon();
    assert_eq!(r.s.tempo.bpm_at(r.s.tempo.frame_to_beats(h, r.s.sr)), 120.0);
    // From the horizon's beat on (after a wait for the shared bar when the
    // session's is more than a little behind), Tactus's bars are Link's (a
    // micro-second's rounding of Link's clock is 2e-6 beats at 120 bpm).
    let b = r.s.tempo.frame_to_beats(h, r.s.sr);
    let from = r.s.tempo.beats_to_frame(b, r.s.sr);
    assert!(from.0 <= h.0 + 96_000, "waits at most a bar");
    for k in 0..50 {
        let f = Frame(from.0 + 1 + k * 9_600);
        let e = r.phase_error(f);
        assert!(e.abs() < 1e-5, "frame {}: {e} beats off", f.0);
    }
    // A loop started now begins on a shared bar line.
    let bar = r.s.next_bar(r.s.tempo.frame_to_beats(h, r.s.sr).0);
    let (lb, _) = r.beats_at(r.s.tempo.beats_to_frame(Beats(bar), r.s.sr));
    let off = wrap(lb, 4.0);
    assert!(off.abs() < 1e-4, "the bar is {off} beats off Link's");
    assert_eq!(r.s.link_view.unwrap().peers, 0);
}

#[test]
fn a_peers_tempo_is_followed_in_phase() {
    let mut r = Rig::new(120.0);
    r.tick();
    r.run(4800);
    r.tick();
    // A peer sets 150 bpm now.
    let link = r.sync.link.as_ref().unwrap();
    let mut state = SessionState::new();
    link.capture_app_session_state(&mut state);
    state.set_tempo(150.0, link.clock_micros());
    link.commit_app_session_state(&state);
    settle();
    r.run(256);
    r.tick();
    let h = r.horizon();
    let at = r.s.tempo.frame_to_beats(Frame(h.0 + 1), r.s.sr);
    assert_eq!(r.s.tempo.bpm_at(at), 150.0);
    for k in 0..20 {
        let f = Frame(h.0 + 1 + k * 4_800);
        let e = r.phase_error(f);
        assert!(e.abs() < 1e-5, "frame {}: {e} beats off", f.0);
    }
}

#[test]
fn a_scripts_tempo_goes_to_the_session_and_a_ramp_as_a_series() {
    let mut r = Rig::new(120.0);
    r.tick();
    r.run(2560);
    r.tick();
    let at = r.s.tempo.frame_to_beats(Frame(r.now + 256), r.s.sr);
    r.s.tempo.update(|m| m.set_tempo(at, 100.0));
    r.tick();
    assert!((r.link_bpm() - 100.0).abs() < 1e-9, "{}", r.link_bpm());
    let e = r.phase_error(Frame(r.horizon().0 + 1));
    assert!(e.abs() < 1e-5, "{e} beats off after the change");
    // A ramp to 140 over 4 beats: Tactus's map ramps, and Link's tempo
    // climbs tick by tick (a capture may show one of our earlier tempi for
    // a moment while Link's thread applies the commits: the map must not
    // follow those echoes).
    let at = r.s.tempo.frame_to_beats(Frame(r.now + 256), r.s.sr);
    r.s.tempo.update(|m| m.ramp_tempo(at, 140.0, Beats(4.0)));
    let (mut sent, mut map) = (Vec::new(), Vec::new());
    for _ in 0..800 {
        r.run(240);
        r.tick();
        // Ticks come 5 ms apart in a session; here a little time passes
        // too, so Link's thread keeps up as it does there.
        std::thread::sleep(std::time::Duration::from_micros(300));
        sent.push(r.link_bpm());
        let h = r.s.tempo.frame_to_beats(r.horizon(), r.s.sr);
        map.push(r.s.tempo.bpm_at(h));
    }
    assert!(map.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{map:?}");
    assert!(sent.iter().filter(|&&b| b > 100.5 && b < 139.5).count() > 200);
    assert!((sent.last().unwrap() - 140.0).abs() < 1e-9);
    let e = r.phase_error(Frame(r.horizon().0 + 1));
    assert!(e.abs() < 1e-4, "{e} beats off after the ramp");
}

#[test]
fn start_and_stop_are_shared_both_ways_and_play_waits_for_the_shared_bar() {
    let mut r = Rig::new(120.0);
    r.s.link.update(|w| w.start_stop = true);
    r.tick();
    // Alone: Tactus's transport (playing) becomes the session's.
    let link = r.sync.link.as_ref().unwrap();
    let mut state = SessionState::new();
    link.capture_app_session_state(&mut state);
    assert!(state.is_playing());
    // A peer stops.
    state.set_is_playing(false, link.clock_micros());
    link.commit_app_session_state(&state);
    settle();
    r.run(256);
    let lines = r.tick();
    assert_eq!(lines, vec!["Link: stop (from a peer)".to_string()]);
    assert!(!*r.s.playing);
    // play(): the session plays from the next shared bar, and so does
    // Tactus (a transport change waits in the scheduler on that beat).
    r.s.set_playing(true);
    r.run(256);
    let lines = r.tick();
    assert!(
        lines[0].starts_with("Link: play on the next shared bar"),
        "{lines:?}"
    );
    assert!(!*r.s.playing && r.sync.state.is_playing());
    let items = r.s.scheduler.items();
    let (beat, _) = items
        .iter()
        .find(|(_, i)| {
            matches!(
                i,
                crate::session::scheduler::Item::Transport { playing: true }
            )
        })
        .expect("the start waits in the scheduler");
    let start = r.s.tempo.beats_to_frame(Beats(beat + 1e-9), r.s.sr);
    let (lb, _) = r.beats_at(start);
    assert!(
        wrap(lb, 4.0).abs() < 1e-4,
        "starts on Link's bar line, not {lb}"
    );
    let t = r.sync.state.time_for_is_playing() as f64;
    let clocks = Clocks::read(
        &r.sync.clock,
        r.sync.link.as_ref().unwrap(),
        Frame(r.now),
        0.0,
    );
    assert!(clocks.unwrap().frame_at(t).0.abs_diff(start.0) <= 1);
    // A peer's start in the future is kept for its frame, likewise.
    let link = r.sync.link.as_ref().unwrap();
    link.capture_app_session_state(&mut state);
    state.set_is_playing(false, link.clock_micros());
    link.commit_app_session_state(&state);
    settle();
    r.run(256);
    r.tick();
    assert!(!*r.s.playing && r.s.scheduler.items().is_empty());
    let link = r.sync.link.as_ref().unwrap();
    let when = link.clock_micros() + 500_000;
    state.set_is_playing(true, when);
    link.commit_app_session_state(&state);
    settle();
    r.run(256);
    assert_eq!(r.tick(), vec!["Link: play (from a peer)".to_string()]);
    assert!(!*r.s.playing);
    assert_eq!(r.s.scheduler.items().len(), 1);
    assert!(r.tick().is_empty());
}

#[test]
fn leaving_gives_back_the_four_beat_bar() {
    let mut r = Rig::new(120.0);
    r.s.link.update(|w| w.quantum = 3.0);
    r.tick();
    assert_eq!(r.s.bar_beats, 3.0);
    r.s.link.update(|w| w.on = false);
    let lines = r.tick();
    assert_eq!(
        lines,
        vec!["Link off: Tactus keeps its own tempo".to_string()]
    );
    assert_eq!(r.s.bar_beats, 4.0);
    assert!(r.s.link_view.is_none());
}

#[test]
fn the_audio_nudge_moves_the_sound_later_on_the_shared_timeline() {
    let mut r = Rig::new(120.0);
    r.tick();
    r.run(96_000);
    r.tick();
    let h = r.horizon();
    let bar = r.s.next_bar(r.s.tempo.frame_to_beats(h, r.s.sr).0 + 1.0);
    let before = r.s.tempo.beats_to_seconds(Beats(bar)).0;
    r.s.link.update(|w| w.audio_nudge_ms = 10.0);
    r.run(256);
    r.tick();
    let after = r.s.tempo.beats_to_seconds(Beats(bar)).0;
    assert!(
        (after - before - 0.010).abs() < 1e-5,
        "the bar moved {} s",
        after - before
    );
}

#[test]
fn while_tactus_follows_a_midi_clock_link_does_not_steer() {
    use crate::session::clock_follow::ClockSource;
    let mut r = Rig::new(120.0);
    r.s.clock_in.set(ClockSource::Midi(None));
    let lines = r.tick();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Link: the MIDI clock leads")),
        "{lines:?}"
    );
    let h = r.horizon();
    assert_eq!(r.s.tempo.bpm_at(r.s.tempo.frame_to_beats(h, r.s.sr)), 60.0);
    assert_eq!(r.s.link_view.unwrap().bpm, 120.0);
    // Back to the internal clock: Link leads again.
    r.s.clock_in.set(ClockSource::Internal);
    r.run(256);
    r.tick();
    let h = r.horizon();
    assert_eq!(r.s.tempo.bpm_at(r.s.tempo.frame_to_beats(h, r.s.sr)), 120.0);
}

#[test]
fn wrap_is_nearest() {
    assert_eq!(wrap(3.5, 4.0), -0.5);
    assert_eq!(wrap(-0.25, 4.0), -0.25);
    assert_eq!(wrap(6.0, 4.0), 2.0);
}
