//! `record("take.mid")`: every note that sounds (script notes, sequences,
//! drums, MIDI input, the computer keyboard) kept with the frames it played
//! on, and written as a Standard MIDI File when the take ends.
//!
//! Notes are kept as they are sent to the engine (journaled: a failed
//! evaluation's notes are not kept). `stop_record()` marks the take's end
//! frame; the file is built once the scheduler has sent everything before
//! that frame, and written after the evaluation committed (the host's
//! flush), so a failed evaluation writes nothing. Ticks come from frames
//! through the session's tempo map: `round((beat(frame) - beat(start)) * PPQ)`.

use super::state::Session;
use crate::midi_file::{self, TakeNote, PPQ};
use crate::time::{Beats, Frame};
use std::path::PathBuf;

/// A take being recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct TakeHead {
    /// Where the file goes.
    pub path: PathBuf,
    /// The frame of tick 0.
    pub start: Frame,
    /// Its first event in [`super::state::Doc::take_events`].
    pub first_event: usize,
    /// Where it ends, once `stop_record()` was called.
    pub stop: Option<Frame>,
}

/// One note as it sounded: channel index, key, velocity, on and off frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakeEvent {
    /// Channel index 0..16.
    pub channel: u8,
    /// Key.
    pub key: u8,
    /// Velocity 1..127 (0 for the end of a held note).
    pub vel: u8,
    /// Frame of the note-on (or, for `vel == 0`, of the note-off).
    pub frame: u64,
    /// Frame of the note-off when known at the start (script notes).
    pub off: Option<u64>,
}

impl Session {
    /// Keep a note that was sent to the engine, if a take is running.
    pub fn take_note(&mut self, channel: u8, key: u8, vel: u8, frame: Frame, off: Option<Frame>) {
        if self.take.is_none() {
            return;
        }
        self.take_events.push(TakeEvent {
            channel,
            key,
            vel,
            frame: frame.0,
            off: off.map(|f| f.0),
        });
    }

    /// Start a take at `frame` writing to `path` (a running take ends there).
    pub fn start_take(&mut self, path: PathBuf, frame: Frame) {
        self.stop_take(frame);
        let first_event = self.take_events.len();
        self.take.set(Some(TakeHead {
            path,
            start: frame,
            first_event,
            stop: None,
        }));
    }

    /// End the running take at `frame` (its file is built when the
    /// scheduler has passed that frame). Returns false with no take running.
    pub fn stop_take(&mut self, frame: Frame) -> bool {
        let Some(mut head) = (*self.take).clone() else {
            return false;
        };
        head.stop = Some(frame.max(head.start));
        self.take.set(None);
        self.take_ending.push(head);
        true
    }

    /// Build the files of the takes that ended before `horizon` (every
    /// ended take with `Frame(u64::MAX)`), queued for writing.
    pub fn finish_takes(&mut self, horizon: Frame) {
        let ended = self.take_ending.take();
        for head in ended {
            match head.stop {
                Some(stop) if stop <= horizon => {
                    let bytes = self.take_file(&head, stop);
                    self.file_writes.push((head.path.clone(), bytes));
                }
                _ => self.take_ending.push(head),
            }
        }
    }

    /// At the end of a session: end a running take now and build every file.
    pub fn finish_all_takes(&mut self, now: Frame) {
        self.stop_take(now);
        self.finish_takes(Frame(u64::MAX));
    }

    fn take_file(&self, head: &TakeHead, stop: Frame) -> Vec<u8> {
        let b0 = self.tempo.frame_to_beats(head.start, self.sr).0;
        let tick = |f: u64| {
            let b = self.tempo.frame_to_beats(Frame(f), self.sr).0 - b0;
            (b * PPQ as f64).round().max(0.0) as u64
        };
        let notes = self.take_notes(head, stop, &tick);
        let mut programs = Vec::new();
        for (i, c) in self.channels.iter().enumerate() {
            if let Some(p) = c.instrument.and_then(midi_file::preset_to_gm) {
                programs.push((i as u8, p));
            }
        }
        let tempos = self.tempo_events(b0, self.tempo.frame_to_beats(stop, self.sr).0);
        midi_file::write(&tempos, &programs, &notes)
    }

    /// The take's notes, in ticks, each ending by the take's end.
    fn take_notes(&self, head: &TakeHead, stop: Frame, tick: &dyn Fn(u64) -> u64) -> Vec<TakeNote> {
        let events = &self.take_events[head.first_event.min(self.take_events.len())..];
        let in_take = |f: u64| f >= head.start.0 && f < stop.0;
        let mut notes = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if e.vel == 0 || !in_take(e.frame) {
                continue;
            }
            // A held note ends at its note-off event (MIDI input), else at
            // its known end, else at the take's end.
            let off = e.off.or_else(|| {
                events[i + 1..]
                    .iter()
                    .find(|o| o.vel == 0 && o.channel == e.channel && o.key == e.key)
                    .map(|o| o.frame)
            });
            let off = off.unwrap_or(stop.0).min(stop.0);
            notes.push(TakeNote {
                channel: e.channel,
                key: e.key,
                vel: e.vel,
                on_tick: tick(e.frame),
                off_tick: tick(off),
            });
        }
        notes
    }

    /// Tempo events (tick, µs per quarter) for beats `b0..b1`; a ramp is
    /// written as a step every sixteenth note.
    fn tempo_events(&self, b0: f64, b1: f64) -> Vec<(u64, u32)> {
        let us = |bpm: f64| (60e6 / bpm.max(1e-3)).round() as u32;
        let tick = |b: f64| ((b - b0) * PPQ as f64).round().max(0.0) as u64;
        let mut out = vec![(0, us(self.tempo.bpm_at(Beats(b0))))];
        let segs = self.tempo.segments();
        for (i, &(start, bpm, slope)) in segs.iter().enumerate() {
            let end = segs.get(i + 1).map_or(f64::INFINITY, |s| s.0).min(b1);
            if end <= b0 || start >= b1 {
                continue;
            }
            if slope == 0.0 {
                if start > b0 {
                    out.push((tick(start), us(bpm)));
                }
                continue;
            }
            let mut b = start.max(b0);
            while b < end {
                out.push((tick(b), us(self.tempo.bpm_at(Beats(b + 0.125)))));
                b += 0.25;
            }
        }
        // At one tick, the last change wins.
        let mut events: Vec<(u64, u32)> = Vec::new();
        for e in out {
            match events.last_mut() {
                Some(last) if last.0 == e.0 => last.1 = e.1,
                _ => events.push(e),
            }
        }
        events
    }
}
