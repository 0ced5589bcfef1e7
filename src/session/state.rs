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
    /// Channels whose new notes are dropped (Csound `q`, `quiet()`).
    pub quiet: [bool; CHANNELS],
    /// Notes dropped because their channel was quiet.
    pub notes_quieted: u64,
    /// Where the performance ends (`end()`, score `e`), if set.
    pub end_at: Option<Beats>,
    /// Beat 0 of score time (`score_abs`, `score_time()`, `rewind()`).
    pub score_origin: Beats,
    /// Every score text placed so far, with its start relative to the origin.
    pub score_history: Vec<(f64, Vec<super::score::Statement>)>,
    /// The score log, when `log_score()` is on.
    pub log: Option<super::log::ScoreLog>,
    txn: Option<Txn>,
    /// Notes starting before this frame have passed (after a stall): they
    /// are counted and skipped, never played in a burst.
    pub skip_before: Frame,
    /// Notes skipped because their time had passed.
    pub skipped_past: u64,
    /// Bars are counted from this beat (where a live session started).
    pub bar_origin: Beats,
    /// Channels whose effect chain has been sent to the engine.
    fx_installed: [bool; CHANNELS],
}

/// What an evaluation may change, saved so that a failed one changes nothing.
#[derive(Debug)]
struct Txn {
    seq_mark: u64,
    outbox_mark: usize,
    tables: BTreeMap<u32, Option<Vec<f32>>>,
    dirty: BTreeSet<u32>,
    channels: Vec<ChannelConfig>,
    tempo: TempoMap,
    quiet: [bool; CHANNELS],
    end_at: Option<Beats>,
    score_origin: Beats,
    score_history_len: usize,
    fx_installed: [bool; CHANNELS],
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
            channels: (0..CHANNELS)
                .map(|i| {
                    if i == 9 {
                        ChannelConfig::drums()
                    } else {
                        ChannelConfig::default()
                    }
                })
                .collect(),
            tables: BTreeMap::new(),
            dirty: BTreeSet::new(),
            scheduler: Scheduler::default(),
            outbox: VecDeque::new(),
            next_id: 1,
            notes_sent: 0,
            quiet: [false; CHANNELS],
            notes_quieted: 0,
            end_at: None,
            score_origin: Beats(0.0),
            score_history: Vec::new(),
            log: None,
            txn: None,
            skip_before: Frame(0),
            skipped_past: 0,
            bar_origin: Beats(0.0),
            fx_installed: [false; CHANNELS],
        }
    }

    /// Start recording what changes, so that [`Self::rollback`] can undo it.
    pub fn begin_txn(&mut self) {
        self.txn = Some(Txn {
            seq_mark: self.scheduler.mark(),
            outbox_mark: self.outbox.len(),
            tables: BTreeMap::new(),
            dirty: self.dirty.clone(),
            channels: self.channels.clone(),
            tempo: self.tempo.clone(),
            quiet: self.quiet,
            end_at: self.end_at,
            score_origin: self.score_origin,
            score_history_len: self.score_history.len(),
            fx_installed: self.fx_installed,
        });
    }

    /// Keep what changed since [`Self::begin_txn`].
    pub fn commit(&mut self) {
        self.txn = None;
    }

    /// Undo everything since [`Self::begin_txn`]: tables, channels, tempo,
    /// quiet state, scheduled items and unsent commands.
    pub fn rollback(&mut self) {
        let Some(t) = self.txn.take() else { return };
        for (n, old) in t.tables {
            match old {
                Some(points) => self.tables.insert(n, points),
                None => self.tables.remove(&n),
            };
        }
        self.dirty = t.dirty;
        self.channels = t.channels;
        self.tempo = t.tempo;
        self.quiet = t.quiet;
        self.end_at = t.end_at;
        self.score_origin = t.score_origin;
        self.score_history.truncate(t.score_history_len);
        self.fx_installed = t.fx_installed;
        self.scheduler.forget_after(t.seq_mark);
        self.outbox.truncate(t.outbox_mark);
    }

    /// Remember table `n`'s value before its first change in a transaction.
    fn journal(&mut self, n: u32) {
        if let Some(t) = self.txn.as_mut() {
            if !t.tables.contains_key(&n) {
                t.tables.insert(n, self.tables.get(&n).cloned());
            }
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
            self.publish_table(frame, n);
        }
        if let Some(log) = self.log.as_mut() {
            log.flush();
        }
    }

    fn publish_table(&mut self, frame: Frame, n: u32) {
        let table = self.tables.get(&n).map(|p| Table::from_points(p));
        if let (Some(log), Some(points)) = (self.log.as_mut(), self.tables.get(&n)) {
            log.table(frame, n, points);
        }
        self.outbox.push_back(Command::Table {
            frame,
            number: n,
            table,
        });
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
        if self.tables.contains_key(&n) {
            self.journal(n);
        }
        let t = self.tables.get_mut(&n)?;
        self.dirty.insert(n);
        Some(t)
    }

    /// Create or replace table `n`.
    pub fn set_table(&mut self, n: u32, points: Vec<f32>) {
        self.journal(n);
        self.tables.insert(n, points);
        self.dirty.insert(n);
    }

    /// Table numbers defined so far.
    pub fn table_numbers(&self) -> Vec<u32> {
        self.tables.keys().copied().collect()
    }

    /// An error naming the defined tables when table `n` does not exist.
    pub fn check_table(&self, n: u32) -> Result<(), String> {
        if self.tables.contains_key(&n) {
            return Ok(());
        }
        let list = if self.tables.is_empty() {
            "none yet".to_string()
        } else {
            self.tables
                .keys()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        Err(format!(
            "table {n} does not exist (defined: {list}); create it with table({n}, size, gen)"
        ))
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

    /// Build channel `ch`'s effect chain here (it allocates) and send it to
    /// the engine, the first time the channel uses an effect.
    pub fn install_fx(&mut self, ch: u8) {
        let i = ch as usize % CHANNELS;
        if !self.fx_installed[i] {
            self.fx_installed[i] = true;
            let fx = Box::new(crate::audio::fx::ChannelFx::new(self.sr.hz() as f32));
            self.outbox.push_back(Command::InstallFx {
                frame: self.eval_frame,
                channel: ch,
                fx,
            });
        }
    }

    /// Queue a command for the audio thread (sent in order, never dropped).
    pub fn send(&mut self, cmd: Command) {
        self.outbox.push_back(cmd);
    }

    /// Fade everything out at the evaluation's frame and forget pending notes.
    pub fn all_off(&mut self) {
        self.scheduler.clear();
        self.outbox.push_back(Command::AllOff {
            frame: self.eval_frame,
        });
    }

    /// Fade everything out and forget pending notes, keeping loop iterations
    /// and callbacks scheduled (the transport stops; loops keep their phase).
    pub fn all_off_keep_loops(&mut self) {
        self.scheduler
            .retain_items(|item| matches!(item, Item::Loop(_) | Item::Call(_) | Item::Seq(_)));
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

    /// Release one due item: notes, tables and quiet changes become
    /// commands or state; script work (a callback, a loop iteration) is
    /// handed back for the host to run.
    pub fn release(&mut self, at: Beats, item: Item) -> Option<Item> {
        match item {
            Item::Note(n) => self.emit_note(at, &n),
            Item::Call(_) | Item::Loop(_) | Item::Seq(_) => return Some(item),
            Item::Table { number, points } => {
                self.tables.insert(number, points);
                let frame = self.frame_at(at);
                self.publish_table(frame, number);
            }
            Item::Quiet { channel, on } => {
                if let Some(q) = self.quiet.get_mut(channel as usize) {
                    *q = !on;
                }
                if let Some(log) = self.log.as_mut() {
                    log.quiet(self.tempo.beats_to_frame(at, self.sr), channel, on);
                }
            }
        }
        None
    }

    /// Turn a note at a beat into a command with frames (dropped when its
    /// channel is quiet or the performance has ended by then).
    pub fn emit_note(&mut self, at: Beats, n: &NoteSpec) {
        if self.quiet[n.channel as usize & (CHANNELS - 1)] {
            self.notes_quieted += 1;
            return;
        }
        if self.end_at.is_some_and(|e| at.0 >= e.0) {
            return;
        }
        let start = self.frame_at(at);
        if start < self.skip_before {
            self.skipped_past += 1;
            return;
        }
        let end = self.frame_at(Beats(at.0 + n.dur_beats.max(0.0)));
        let dur_frames = end.0.saturating_sub(start.0);
        let fit = n.fit || n.env.fits_duration();
        let id = self.next_id;
        self.next_id += 1;
        self.notes_sent += 1;
        let note = NoteOn {
            frame: start,
            id,
            channel: n.channel,
            source: n.source,
            freq_hz: n.freq_hz,
            amp: n.amp as f32,
            pan: n.pan as f32,
            env: match n.source {
                // A drum rings out by itself: the voice ends when the hit does.
                crate::command::Source::Drum => crate::command::EnvFrames {
                    attack: 0,
                    decay: 0,
                    sustain: 1.0,
                    release: 240,
                    gate: u64::MAX,
                },
                _ => n.env.to_frames(dur_frames, fit, self.sr),
            },
            filter: n.filter,
            layers: n.layers,
        };
        if let Some(log) = self.log.as_mut() {
            let volume = self.channels[n.channel as usize].volume;
            log.note(&note, n, dur_frames, volume);
        }
        self.outbox.push_back(Command::Note(note));
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

    /// True when nothing waits to be sent and nothing is scheduled before `until`.
    pub fn is_idle_until(&self, until: Frame) -> bool {
        let next = self.scheduler.next_beat().map(|b| self.frame_at(b));
        self.outbox.is_empty() && next.is_none_or(|f| f >= until)
    }

    /// The frame where the performance ends, if `end()` or `e` set one.
    pub fn end_frame(&self) -> Option<Frame> {
        self.end_at.map(|b| self.frame_at(b))
    }

    /// Seconds of score time at the cursor (from the score origin).
    pub fn score_time(&self) -> f64 {
        self.tempo.beats_to_seconds(self.cursor).0
            - self.tempo.beats_to_seconds(self.score_origin).0
    }

    /// Take every waiting command (a dry run discards them).
    pub fn take_outbox(&mut self) -> VecDeque<Command> {
        std::mem::take(&mut self.outbox)
    }
}
