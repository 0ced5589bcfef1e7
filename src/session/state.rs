//! The session: everything the script thread knows, and the outbox of
//! commands for the audio thread.

use super::channels::ChannelConfig;
use super::scheduler::{Item, NoteSpec, Scheduler};
use crate::audio::table::{Table, USER_TABLES};
use crate::command::{ChannelChange, Command, NoteOn, CHANNELS};
use crate::time::{Beats, Frame, SampleRate, TempoMap};
use crossbeam_channel::{Sender, TrySendError};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Session state owned by the script thread.
#[derive(Debug)]
pub struct Session {
    /// Sample rate of the engine.
    pub sr: SampleRate,
    /// Frames per audio block (informational, for `block()`).
    pub block_frames: u32,
    /// Beats to frames.
    pub tempo: TempoMap,
    /// The logical cursor of the evaluation running now.
    pub cursor: Beats,
    /// The frame at which this evaluation's edits are published.
    pub eval_frame: Frame,
    /// Channel configurations, index 0..16.
    pub channels: Vec<ChannelConfig>,
    tables: BTreeMap<u32, Vec<f32>>,
    dirty: BTreeSet<u32>,
    /// Pending notes and callbacks.
    pub scheduler: Scheduler,
    outbox: VecDeque<Command>,
    next_id: u64,
    /// Notes sent to the audio thread so far.
    pub notes_sent: u64,
}

impl Session {
    /// A fresh session at a sample rate.
    pub fn new(sr: SampleRate, block_frames: u32) -> Session {
        Session {
            sr,
            block_frames,
            tempo: TempoMap::default(),
            cursor: Beats(0.0),
            eval_frame: Frame(0),
            channels: vec![ChannelConfig::default(); CHANNELS],
            tables: BTreeMap::new(),
            dirty: BTreeSet::new(),
            scheduler: Scheduler::default(),
            outbox: VecDeque::new(),
            next_id: 1,
            notes_sent: 0,
        }
    }

    /// Start an evaluation whose logical time is `at`.
    pub fn begin_eval(&mut self, at: Beats) {
        self.cursor = at;
        self.eval_frame = self.tempo.beats_to_frame(at, self.sr);
    }

    /// End the evaluation: publish every table it changed, as one change each,
    /// at the evaluation's frame.
    pub fn end_eval(&mut self) {
        let frame = self.eval_frame;
        for n in std::mem::take(&mut self.dirty) {
            let table = self.tables.get(&n).map(|p| Table::from_points(p));
            self.outbox.push_back(Command::Table {
                frame,
                number: n,
                table,
            });
        }
    }

    /// Beats to frames through the tempo map.
    pub fn frame_at(&self, b: Beats) -> Frame {
        self.tempo.beats_to_frame(b, self.sr)
    }

    // ----- tables -----

    /// The control-side copy of a table.
    pub fn table(&self, n: u32) -> Option<&[f32]> {
        self.tables.get(&n).map(Vec::as_slice)
    }

    /// Mutable access to a table; the edit is published at the end of the evaluation.
    pub fn table_mut(&mut self, n: u32) -> Option<&mut Vec<f32>> {
        let t = self.tables.get_mut(&n)?;
        self.dirty.insert(n);
        Some(t)
    }

    /// Create or replace table `n`.
    pub fn set_table(&mut self, n: u32, points: Vec<f32>) {
        self.tables.insert(n, points);
        self.dirty.insert(n);
    }

    /// Table numbers defined so far.
    pub fn table_numbers(&self) -> Vec<u32> {
        self.tables.keys().copied().collect()
    }

    /// Valid table numbers.
    pub fn table_range() -> std::ops::RangeInclusive<i64> {
        1..=(USER_TABLES as i64 - 1)
    }

    // ----- channels -----

    /// Send a channel change at the evaluation's frame.
    pub fn channel_change(&mut self, channel: u8, change: ChannelChange) {
        self.outbox.push_back(Command::Channel {
            frame: self.eval_frame,
            channel,
            change,
        });
    }

    /// Fade everything out at the evaluation's frame and forget pending notes.
    pub fn all_off(&mut self) {
        self.scheduler.clear();
        self.outbox.push_back(Command::AllOff {
            frame: self.eval_frame,
        });
    }

    // ----- notes and time -----

    /// Place a note at a beat.
    pub fn schedule_note(&mut self, at: Beats, note: NoteSpec) {
        self.scheduler.push(at, Item::Note(note));
    }

    /// The next due item before `horizon`.
    pub fn pop_due(&mut self, horizon: Frame) -> Option<(Beats, Item)> {
        self.scheduler.pop_due(horizon, &self.tempo, self.sr)
    }

    /// Turn a note at a beat into a command with frames.
    pub fn emit_note(&mut self, at: Beats, n: &NoteSpec) {
        let start = self.frame_at(at);
        let end = self.frame_at(Beats(at.0 + n.dur_beats.max(0.0)));
        let dur_frames = end.0.saturating_sub(start.0);
        let fit = n.fit || n.env.fits_duration();
        let id = self.next_id;
        self.next_id += 1;
        self.notes_sent += 1;
        self.outbox.push_back(Command::Note(NoteOn {
            frame: start,
            id,
            channel: n.channel,
            source: n.source,
            freq_hz: n.freq_hz,
            amp: n.amp as f32,
            pan: n.pan as f32,
            env: n.env.to_frames(dur_frames, fit, self.sr),
            filter: n.filter,
        }));
    }

    /// Commands waiting to be sent.
    pub fn outbox_len(&self) -> usize {
        self.outbox.len()
    }

    /// Send what fits into the audio channel; the rest waits for the next call
    /// (nothing is dropped). Returns how many were sent.
    pub fn flush(&mut self, tx: &Sender<Command>) -> usize {
        let mut sent = 0;
        while let Some(cmd) = self.outbox.pop_front() {
            match tx.try_send(cmd) {
                Ok(()) => sent += 1,
                Err(TrySendError::Full(cmd)) | Err(TrySendError::Disconnected(cmd)) => {
                    self.outbox.push_front(cmd);
                    break;
                }
            }
        }
        sent
    }

    /// Take every waiting command (a dry run discards them).
    pub fn take_outbox(&mut self) -> VecDeque<Command> {
        std::mem::take(&mut self.outbox)
    }
}
