//! MIDI clock out: `clock_out("port")` sends 24 ticks per beat (0xF8) to a
//! MIDI output, each on the exact frame of its beat (the tempo map gives
//! it, so ramps space the ticks right), through the MIDI outbox and output
//! thread like every MIDI message (the output's nudge applies). Ticks begin
//! on the next bar at least a beat away, with Start (0xFA), so a drum machine starts on Tactus's
//! downbeat; `stop()` sends Stop (0xFC) and the ticks go on (devices keep
//! the tempo); `play()` resumes at the next bar with Song Position Pointer
//! (0xF2: the bar's place since the first, in sixteenths) and Continue
//! (0xFB), so the device picks up where Tactus's bars are, not from its top.
//! A jump of the beat grid (beats that take no time: a score's `a`, a
//! followed clock's Continue) skips their ticks and sends Stop, Song
//! Position Pointer and Continue instead of a burst.
//!
//! Tick k is at `origin + k / 24` beats, computed from the origin, never by
//! adding up intervals: over hours the ticks do not drift.

use super::scheduler::Item;
use super::Session;
use crate::midi::output::OutCmd;
use crate::time::Beats;
use std::sync::Arc;

/// MIDI clock ticks per beat (quarter note).
pub const TICKS_PER_BEAT: u64 = 24;

/// MIDI clock messages.
const TICK: u8 = 0xF8;
const START: u8 = 0xFA;
const CONTINUE: u8 = 0xFB;
const STOP: u8 = 0xFC;
const SONG_POSITION: u8 = 0xF2;

/// Clock ticks per sixteenth note (Song Position Pointer's unit).
const TICKS_PER_SIXTEENTH: u64 = 6;

/// The clock being sent.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockOut {
    /// The output port (its full name).
    pub port: Arc<str>,
    /// Identifies its scheduled ticks (an old clock's ticks are ignored).
    pub id: u64,
    /// The beat of tick 0 (a bar line).
    pub origin: f64,
    /// The tick at which Start is sent (before the tick), if one is due.
    pub start_tick: Option<u64>,
    /// The next tick to be scheduled (those before it are already sent).
    pub next_tick: u64,
    /// The frame of the last tick sent.
    pub last_frame: Option<u64>,
}

impl ClockOut {
    /// The beat of tick `k`.
    pub fn beat_of(&self, k: u64) -> Beats {
        Beats(self.origin + k as f64 / TICKS_PER_BEAT as f64)
    }

    /// The tick of the first bar line at or after `beat` whose tick has
    /// not been sent yet.
    fn tick_at_bar_after(&self, beat: f64) -> u64 {
        let bar = super::loops::next_bar(self.origin, beat);
        let mut tick = ((bar - self.origin) * TICKS_PER_BEAT as f64)
            .round()
            .max(0.0) as u64;
        let per_bar = (super::loops::BAR_BEATS * TICKS_PER_BEAT as f64) as u64;
        while tick < self.next_tick {
            tick += per_bar;
        }
        tick
    }
}

impl Session {
    /// Send MIDI clock to `port` from the next bar (replacing a clock sent
    /// elsewhere, which gets Stop), or with None stop sending it.
    pub fn set_clock_out(&mut self, port: Option<Arc<str>>) {
        let frame = self.frame_at(self.cursor).0;
        if let Some(old) = self.clock_out.take() {
            let port = old.port;
            self.midi_outbox.push(OutCmd::Send {
                port,
                frame,
                bytes: vec![STOP],
            });
        }
        let Some(port) = port else {
            return;
        };
        // At least a beat ahead: the output's port may still be opening, and
        // a drum machine should hear the whole first bar's clock on time.
        let origin = self.next_bar(self.cursor.0 + 1.0);
        let id = self.fresh_id();
        let start_tick = self.playing.then_some(0);
        self.clock_out.set(Some(ClockOut {
            port,
            id,
            origin,
            start_tick,
            next_tick: 0,
            last_frame: None,
        }));
        self.scheduler
            .push(Beats(origin), Item::Clock { id, tick: 0 });
    }

    /// Send tick `tick` of the clock `id` (Start first when due) and
    /// schedule the next.
    pub(crate) fn clock_tick(&mut self, id: u64, tick: u64) {
        let Some(c) = self.clock_out.as_ref().filter(|c| c.id == id).cloned() else {
            return;
        };
        let frame = self.frame_at(c.beat_of(tick)).0;
        if let Some(resume) = self.clock_jump(&c, tick, frame) {
            let next = Item::Clock { id, tick: resume };
            self.scheduler.push(c.beat_of(resume), next);
            return;
        }
        let start = c.start_tick == Some(tick);
        self.clock_out.update(|c| {
            if let Some(c) = c {
                c.next_tick = tick + 1;
                c.last_frame = Some(frame);
                if start {
                    c.start_tick = None;
                }
            }
        });
        if start {
            for bytes in start_messages(tick) {
                let port = c.port.clone();
                self.midi_outbox.push(OutCmd::Send { port, frame, bytes });
            }
        }
        let port = c.port.clone();
        self.midi_outbox.push(OutCmd::Send {
            port,
            frame,
            bytes: vec![TICK],
        });
        let next = Item::Clock { id, tick: tick + 1 };
        self.scheduler.push(c.beat_of(tick + 1), next);
    }

    /// A jump of the beat grid (a score's `a`, a MIDI clock followed to
    /// its song position): tick `tick`, due at `frame`, takes no time after
    /// the last tick sent, and neither do the ticks after it for at least a
    /// sixteenth. Sending them would be a burst that a device reads as a
    /// wild tempo: they are skipped, and the clock resumes on the first
    /// sixteenth after them (or the bar a pending start waits for) with
    /// Song Position Pointer and Continue, after a Stop now if the device
    /// was playing. Returns the tick it resumes on; `None` sends as usual
    /// (a few ticks at once, as a phase correction makes).
    fn clock_jump(&mut self, c: &ClockOut, tick: u64, frame: u64) -> Option<u64> {
        let last = c.last_frame.filter(|&l| frame <= l)?;
        let takes_time = |k: u64| self.frame_at(c.beat_of(k)).0 > last;
        let cap = tick + TICKS_PER_BEAT * 4096;
        let first_after = (tick + 1..cap).find(|&k| takes_time(k)).unwrap_or(cap);
        if first_after - tick < TICKS_PER_SIXTEENTH {
            return None;
        }
        let sixteenth = first_after.div_ceil(TICKS_PER_SIXTEENTH) * TICKS_PER_SIXTEENTH;
        let resume = match c.start_tick {
            Some(t) if t >= first_after => t,
            Some(_) => sixteenth,
            None if *self.playing => {
                let port = c.port.clone();
                self.midi_outbox.push(OutCmd::Send {
                    port,
                    frame,
                    bytes: vec![STOP],
                });
                sixteenth
            }
            // Stopped: the next `play()` sends the position.
            None => first_after,
        };
        let pending = c.start_tick.is_some() || *self.playing;
        self.clock_out.update(|c| {
            if let Some(c) = c {
                c.next_tick = resume;
                c.start_tick = pending.then_some(resume);
            }
        });
        Some(resume)
    }

    /// The transport stopped (`stop()`): Stop now; or started (`play()`):
    /// Song Position Pointer and Continue at the next bar.
    pub(crate) fn clock_transport(&mut self, playing: bool) {
        let Some(c) = (*self.clock_out).clone() else {
            return;
        };
        if playing {
            let tick = c.tick_at_bar_after(self.cursor.0);
            self.clock_out.update(|c| {
                if let Some(c) = c {
                    c.start_tick = Some(tick);
                }
            });
        } else {
            let frame = self.frame_at(self.cursor).0;
            let port = c.port;
            self.midi_outbox.push(OutCmd::Send {
                port,
                frame,
                bytes: vec![STOP],
            });
        }
    }
}

/// What starts the device at tick `tick`: Start at the clock's first tick;
/// later (a `play()` after a stop), Song Position Pointer to the tick's
/// sixteenth (modulo the pointer's 14 bits) and Continue.
fn start_messages(tick: u64) -> Vec<Vec<u8>> {
    if tick == 0 {
        return vec![vec![START]];
    }
    let sixteenths = (tick / TICKS_PER_SIXTEENTH) % 16_384;
    let (lsb, msb) = ((sixteenths & 0x7F) as u8, (sixteenths >> 7) as u8);
    vec![vec![SONG_POSITION, lsb, msb], vec![CONTINUE]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Frame, SampleRate};

    /// Release everything due before `until` frames; the clock's messages
    /// as (frame, byte).
    fn run(s: &mut Session, until: u64) -> Vec<(u64, u8)> {
        while let Some((at, item)) = s.pop_due(Frame(until)) {
            s.release(at, item);
        }
        s.take_midi_sends()
            .into_iter()
            .map(|(frame, bytes)| (frame, bytes[0]))
            .collect()
    }

    #[test]
    fn five_minutes_of_ticks_never_drift_and_start_opens_the_first_bar() {
        let mut s = Session::new(SampleRate(48_000), 256);
        s.tempo.update(|t| t.set_tempo(Beats(0.0), 97.0));
        s.cursor = Beats(3.5);
        s.set_clock_out(Some("drums".into()));
        let sent = run(&mut s, 48_000 * 300);
        assert_eq!(
            sent[0],
            (s.frame_at(Beats(8.0)).0, START),
            "Start on the bar a beat away"
        );
        let ticks: Vec<u64> = sent.iter().filter(|m| m.1 == TICK).map(|m| m.0).collect();
        let per_tick = 48_000.0 * 60.0 / 97.0 / 24.0;
        let first = ticks[0] as f64;
        let worst = ticks
            .iter()
            .enumerate()
            .map(|(k, f)| (*f as f64 - (first + k as f64 * per_tick)).abs())
            .fold(0.0, f64::max);
        assert!(ticks.len() > 11_000, "{}", ticks.len());
        assert!(worst <= 1.0, "tick {worst} frames off its ideal frame");
    }

    #[test]
    fn a_ramp_spaces_the_ticks_and_stop_and_play_send_stop_then_position_and_continue() {
        let mut s = Session::new(SampleRate(48_000), 256);
        s.tempo.update(|t| {
            t.set_tempo(Beats(0.0), 120.0);
            t.ramp_tempo(Beats(8.0), 60.0, Beats(4.0))
        });
        s.set_clock_out(Some("drums".into()));
        let until = s.frame_at(Beats(14.0)).0;
        let sent = run(&mut s, until);
        let ticks: Vec<u64> = sent.iter().filter(|m| m.1 == TICK).map(|m| m.0).collect();
        let gap = |k: usize| ticks[k + 1] - ticks[k];
        assert_eq!(gap(0), 1000, "120 bpm: 1000 frames a tick");
        assert!(
            (1999..=2001).contains(&gap(24 * 9)),
            "60 bpm: {}",
            gap(24 * 9)
        );
        // Tick 0 is beat 4 (the bar a beat away): the ramp is ticks 96-192.
        assert!(
            (96..192).all(|k| gap(k) + 1 >= gap(k - 1)),
            "the ramp slows them"
        );
        s.cursor = Beats(13.0);
        s.playing.set(false);
        s.clock_transport(false);
        s.playing.set(true);
        s.clock_transport(true);
        let until = s.frame_at(Beats(20.0)).0;
        let sent = run(&mut s, until);
        assert_eq!(sent[0], (s.frame_at(Beats(13.0)).0, STOP));
        let at = sent.iter().position(|m| m.1 == SONG_POSITION).unwrap();
        let bar = s.frame_at(Beats(16.0)).0;
        assert_eq!(sent[at].0, bar, "the position on the next bar");
        assert_eq!(sent[at + 1], (bar, CONTINUE), "then Continue");
        assert_eq!(sent[at + 2], (bar, TICK), "then its tick");
        // Beat 16 is 12 beats (48 sixteenths) after the clock's first bar
        // (beat 4).
        let bytes = s.take_midi_sends();
        assert!(bytes.is_empty());
        assert_eq!(start_messages(12 * 24), vec![vec![0xF2, 48, 0], vec![0xFB]]);
        assert_eq!(
            start_messages(6 * 200),
            vec![vec![0xF2, 200 - 128, 1], vec![0xFB]]
        );
        assert_eq!(start_messages(0), vec![vec![0xFA]]);
    }

    #[test]
    fn a_jump_of_the_grid_sends_no_burst_but_stop_position_and_continue() {
        let mut s = Session::new(SampleRate(48_000), 256);
        s.tempo.update(|t| t.set_tempo(Beats(0.0), 120.0));
        s.set_clock_out(Some("drums".into())); // tick 0 on beat 4
        let until = s.frame_at(Beats(10.0)).0;
        let sent = run(&mut s, until);
        assert_eq!(
            sent.iter().filter(|m| m.1 == TICK).count(),
            6 * 24,
            "beats 4 to 10"
        );
        // A score's `a 12 8`: beats 12 to 20 take no time.
        s.tempo.update(|t| t.skip(Beats(12.0), Beats(8.0)));
        let until = s.frame_at(Beats(24.0)).0;
        let sent = run(&mut s, until);
        let jump = s.frame_at(Beats(12.0)).0;
        let ticks_at_jump = sent.iter().filter(|m| *m == &(jump, TICK)).count();
        assert_eq!(ticks_at_jump, 1, "beat 12's tick, no burst: {sent:?}");
        let stop = sent.iter().position(|m| m.1 == STOP).expect("Stop");
        assert_eq!(sent[stop].0, jump);
        // It resumes on the first sixteenth after the skipped beats: beat
        // 20.25, 16.25 beats after tick 0 (65 sixteenths).
        let resume = s.frame_at(Beats(20.25)).0;
        let bytes = s.take_midi_sends();
        assert!(bytes.is_empty());
        assert_eq!(sent[stop + 1], (resume, SONG_POSITION));
        assert_eq!(start_messages(65 * 6)[0], vec![0xF2, 65, 0]);
        assert_eq!(sent[stop + 2], (resume, CONTINUE));
        let after: Vec<u64> = sent[stop + 3..].iter().map(|m| m.0).collect();
        let want: Vec<u64> = (0..after.len() as u64)
            .map(|k| s.frame_at(Beats(20.25 + k as f64 / 24.0)).0)
            .collect();
        assert_eq!(after, want, "then every tick on its beat");
        assert!(sent[stop + 3..].iter().all(|m| m.1 == TICK));
    }
}
