//! The session: everything the script thread knows, and the outbox of
//! commands for the audio thread.

use super::callback::Callback;
use super::channels::ChannelConfig;
use super::gen::MAX_TABLE_POINTS_TOTAL;
use super::log::ScoreLog;
use super::loops::{LiveLoop, LoopChange};
use super::midi_out::{amp_to_vel, hz_to_key, MidiOutbox};
use super::scheduler::{Item, NoteSpec, Scheduler};
use super::seqs::Seq;
use super::txn::{TxCell, TxLog, TxMap, Undo};
use crate::audio::table::{Table, USER_TABLES};
use crate::command::{ChannelChange, Command, NoteOn, CHANNELS};
use crate::midi::output::OutCmd;
use crate::time::{Beats, Frame, SampleRate, Seconds, TempoMap};
use crossbeam_channel::{Sender, TrySendError};
use std::collections::{BTreeSet, VecDeque};
use std::ops::{Deref, DerefMut};

crate::tx_state! {
    /// Everything an evaluation can change. Each field is a journaled store
    /// ([`super::txn`]), so one transaction covers all of it: a failed
    /// evaluation leaves every field as it was, a successful one keeps all.
    #[derive(Debug)]
    pub struct Doc {
        /// Channel configurations, index 0..16.
        pub channels: TxCell<Vec<ChannelConfig>>,
        /// Effect settings per channel and option, as set (for reading back).
        pub fx_values: TxMap<(u8, String), f32>,
        /// Channels whose effect chain has been sent to the engine.
        pub fx_installed: TxCell<[bool; CHANNELS]>,
        /// Function tables (control-side copies).
        pub tables: TxMap<u32, Vec<f32>>,
        /// Tables changed by this evaluation, published at its end.
        pub dirty: TxCell<BTreeSet<u32>>,
        /// Beats to frames.
        pub tempo: TxCell<TempoMap>,
        /// Channels whose new notes are dropped (Csound `q`, `quiet()`).
        pub quiet: TxCell<[bool; CHANNELS]>,
        /// Where the performance ends (`end()`, score `e`), if set.
        pub end_at: TxCell<Option<Beats>>,
        /// Beat 0 of score time (`score_abs`, `score_time()`, `rewind()`).
        pub score_origin: TxCell<Beats>,
        /// P-field maps for foreign scores, by channel index (`pmap()`).
        pub pmaps: TxMap<u8, super::pmap::PMap>,
        /// Instrument numbers or names mapped to channel indexes (`instr()`).
        pub instrs: TxMap<String, u8>,
        /// Every score text placed so far, with its start relative to the origin.
        pub score_history: TxLog<(f64, Vec<super::score::Statement>)>,
        /// Pending notes, callbacks, loop iterations and sequence steps.
        pub scheduler: Scheduler,
        /// Commands waiting for the audio thread.
        pub outbox: Outbox,
        /// Live loops by name.
        pub loops: TxMap<String, LiveLoop>,
        /// Step sequences by name.
        pub seqs: TxMap<String, Seq>,
        /// `at()` callbacks by id.
        pub calls: TxMap<u64, Callback>,
        /// Values that survive reloads (`set` / `get`).
        pub kept: TxMap<String, rhai::Dynamic>,
        /// The random seed (`seed(n)`).
        pub seed: TxCell<u64>,
        /// Random streams by name ("" top level, loop and sequence names).
        pub streams: TxMap<String, u64>,
        /// Transport: when false, loop iterations pass silently (phase kept).
        pub playing: TxCell<bool>,
        /// How far ahead loops and sequences are computed.
        pub lookahead: TxCell<Seconds>,
        /// `revert()` was called: the live thread plays an earlier version
        /// of the watched file.
        pub revert_requested: TxCell<Option<RevertRequest>>,
        /// The score log, when `log_score()` is on.
        pub log: LogSlot,
        /// `keyboard(ch)` was called: the REPL plays channel ch from the keys.
        pub keyboard_request: TxCell<Option<u8>>,
        /// Controller handlers by name (`on_note`, `on_cc(74) ch 1`, ...).
        pub handlers: TxMap<String, super::handlers::Handler>,
        /// Notes held by MIDI input: (channel index, key) -> note id.
        pub midi_held: TxMap<(u8, u8), u64>,
        /// Notes released while the sustain pedal was down: id -> channel index.
        pub midi_sustained: TxMap<u64, u8>,
        /// The sustain pedal (CC 64) per channel.
        pub midi_pedal: TxCell<[bool; CHANNELS]>,
        /// Messages waiting for the MIDI output thread.
        pub midi_outbox: MidiOutbox,
        /// The output `midi_out("name")` chose (`midi_out: true` uses it).
        pub midi_default: TxCell<Option<std::sync::Arc<str>>>,
        /// Nudge per MIDI output, ms (`nudge("name", ms)`).
        pub midi_nudge: TxMap<String, f64>,
        /// MIDI inputs to open once the evaluation commits (`midi_in`).
        pub midi_in_opens: super::txn::TxQueue<String>,
        /// The MIDI clock sent (`clock_out("port")`).
        pub clock_out: TxCell<Option<super::clock_out::ClockOut>>,
        /// Where the beat grid comes from (`clock("midi")`, `clock_in`).
        pub clock_in: TxCell<super::clock_follow::ClockSource>,
        /// Recordings to start or stop (`record_audio`), performed by the
        /// live thread after the evaluation commits.
        pub audio_records: super::txn::TxQueue<crate::record::RecordRequest>,
        /// Audio input requests (`input`, `record_input`), performed by the
        /// live thread after the evaluation commits.
        pub input_requests: super::txn::TxQueue<crate::input::InputRequest>,
        /// The MIDI take being recorded (`record("take.mid")`).
        pub take: TxCell<Option<super::take::TakeHead>>,
        /// Notes that sounded while a take ran (each take reads from its first).
        pub take_events: TxLog<super::take::TakeEvent>,
        /// Takes stopped, waiting for the scheduler to pass their end.
        pub take_ending: super::txn::TxQueue<super::take::TakeHead>,
        /// Files to write once the evaluation committed: (path, bytes).
        pub file_writes: super::txn::TxQueue<(std::path::PathBuf, Vec<u8>)>,
        /// What Ableton Link should do (`link(true)`, `link_quantum`, ...).
        pub link: TxCell<super::link_state::LinkWant>,
        /// Controller maps as the engine holds them: (channel index, cc) ->
        /// the parameter's name and its ends (`cc()`; saved in sessions,
        /// followed by the score log).
        pub cc_maps: TxMap<(u8, u8), super::snapshot::CcMapping>,
        /// The drum pattern `drums()` last started (None: none, or "off").
        pub drum_pattern: TxCell<Option<String>>,
    }
}

/// Session state owned by the script thread: the transactional [`Doc`]
/// (reached through `Deref`) and the clock and counters around it.
#[derive(Debug)]
pub struct Session {
    /// Sample rate of the engine.
    pub sr: SampleRate,
    /// Frames per audio block (informational, for `block()`).
    pub block_frames: u32,
    /// The logical cursor of the evaluation running now.
    pub cursor: Beats,
    /// The frame at which this evaluation's edits are published.
    pub eval_frame: Frame,
    /// Notes sent to the audio thread so far.
    pub notes_sent: u64,
    /// Notes dropped because their channel was quiet.
    pub notes_quieted: u64,
    /// Notes starting before this frame have passed (after a stall): they
    /// are counted and skipped, never played in a burst.
    pub skip_before: Frame,
    /// Notes skipped because their time had passed.
    pub skipped_past: u64,
    /// Loop iterations that passed without running because their time had
    /// passed (after a stall).
    pub iterations_passed: u64,
    /// Bars are counted from this beat (where a live session started; with
    /// Link on, a beat where the shared bar begins).
    pub bar_origin: Beats,
    /// Beats per bar: where loops and sequences start (4; Link's quantum
    /// while Link is on).
    pub bar_beats: f64,
    /// The Link session as the live thread last saw it (`None`: Link off).
    pub link_view: Option<super::link_state::LinkView>,
    /// What the definitions of the evaluation running (or just run) did to
    /// loops and sequences, for the reload summary; cleared as each begins.
    pub changes: Vec<(String, LoopChange)>,
    /// The WAV files being recorded now (set by the live thread, for `status()`).
    pub recording_paths: Vec<std::path::PathBuf>,
    /// What the audio input is doing (set by the live thread, for `status()`).
    pub input_lines: Vec<String>,
    /// Following MIDI clock in: the estimate and the grid (set by clock
    /// messages, not by evaluations).
    pub clock_follow: super::clock_follow::ClockFollow,
    /// The furthest horizon items were released up to: the tempo map
    /// before it has been used (an external clock steers only after it).
    pub released_to: Frame,
    /// The latest beat an item was released at: what lies before it was
    /// sent with the tempo map of then, so a tempo change from an
    /// evaluation takes effect from here on (see [`Self::tempo_beat`]).
    pub released_beat: Beats,
    /// Commands go out as if before the open transaction (the scheduler's
    /// progress during a long evaluation, [`Self::release_committed`]).
    pub(super) committed_sends: bool,
    next_note_id: u64,
    next_item_id: u64,
    doc: Doc,
}

impl Deref for Session {
    type Target = Doc;
    fn deref(&self) -> &Doc {
        &self.doc
    }
}

impl DerefMut for Session {
    fn deref_mut(&mut self) -> &mut Doc {
        &mut self.doc
    }
}

/// Commands for the audio thread, in order; a failed evaluation's are
/// taken back (they were never sent: nothing is flushed mid-evaluation).
pub type Outbox = super::txn::TxQueue<Command>;

/// The open score log. A log opened by a failed evaluation is closed; one
/// closed by it is kept open.
#[derive(Debug, Default)]
pub struct LogSlot {
    log: Option<ScoreLog>,
    saved: Option<Option<ScoreLog>>,
    open: bool,
}

impl LogSlot {
    /// Open (`Some`) or close (`None`) the log.
    pub fn replace(&mut self, log: Option<ScoreLog>) {
        let old = std::mem::replace(&mut self.log, log);
        if self.open && self.saved.is_none() {
            self.saved = Some(old);
        }
    }

    /// The log, to write to.
    pub fn get_mut(&mut self) -> Option<&mut ScoreLog> {
        self.log.as_mut()
    }
}

impl Undo for LogSlot {
    fn begin(&mut self) {
        self.open = true;
    }
    fn commit(&mut self) {
        self.open = false;
        self.saved = None;
    }
    fn rollback(&mut self) {
        if let Some(old) = self.saved.take() {
            self.log = old;
        }
        self.open = false;
    }
    fn is_clean(&self) -> bool {
        self.saved.is_none()
    }
}

impl Session {
    /// A fresh session at a sample rate.
    pub fn new(sr: SampleRate, block_frames: u32) -> Session {
        let channels = (0..CHANNELS)
            .map(|i| {
                if i == 9 {
                    ChannelConfig::drums()
                } else {
                    ChannelConfig::default()
                }
            })
            .collect();
        Session {
            sr,
            block_frames,
            cursor: Beats(0.0),
            eval_frame: Frame(0),
            notes_sent: 0,
            notes_quieted: 0,
            skip_before: Frame(0),
            skipped_past: 0,
            iterations_passed: 0,
            bar_origin: Beats(0.0),
            bar_beats: super::loops::BAR_BEATS,
            link_view: None,
            changes: Vec::new(),
            recording_paths: Vec::new(),
            input_lines: Vec::new(),
            clock_follow: Default::default(),
            released_to: Frame(0),
            released_beat: Beats(0.0),
            committed_sends: false,
            next_note_id: 1,
            next_item_id: 1,
            doc: Doc {
                channels: TxCell::new(channels),
                fx_values: TxMap::default(),
                fx_installed: TxCell::new([false; CHANNELS]),
                tables: TxMap::default(),
                dirty: TxCell::default(),
                tempo: TxCell::default(),
                quiet: TxCell::new([false; CHANNELS]),
                end_at: TxCell::default(),
                score_origin: TxCell::new(Beats(0.0)),
                pmaps: TxMap::default(),
                instrs: TxMap::default(),
                score_history: TxLog::default(),
                scheduler: Scheduler::default(),
                outbox: Outbox::default(),
                loops: TxMap::default(),
                seqs: TxMap::default(),
                calls: TxMap::default(),
                kept: TxMap::default(),
                seed: TxCell::new(0),
                streams: TxMap::default(),
                playing: TxCell::new(true),
                lookahead: TxCell::new(Seconds(0.1)),
                revert_requested: TxCell::new(None),
                log: LogSlot::default(),
                keyboard_request: TxCell::new(None),
                handlers: TxMap::default(),
                midi_held: TxMap::default(),
                midi_sustained: TxMap::default(),
                midi_pedal: TxCell::new([false; CHANNELS]),
                midi_outbox: MidiOutbox::default(),
                midi_default: TxCell::default(),
                midi_nudge: TxMap::default(),
                midi_in_opens: Default::default(),
                clock_out: TxCell::default(),
                clock_in: TxCell::default(),
                audio_records: Default::default(),
                input_requests: Default::default(),
                take: TxCell::new(None),
                take_events: TxLog::default(),
                take_ending: Default::default(),
                file_writes: Default::default(),
                link: TxCell::default(),
                cc_maps: TxMap::default(),
                drum_pattern: TxCell::default(),
            },
        }
    }

    /// Start recording what changes, so that [`Self::rollback`] can undo it.
    pub fn begin_txn(&mut self) {
        self.doc.begin();
    }

    /// Keep what changed since [`Self::begin_txn`].
    pub fn commit(&mut self) {
        self.doc.commit();
    }

    /// Undo everything since [`Self::begin_txn`]: every field of [`Doc`].
    pub fn rollback(&mut self) {
        self.doc.rollback();
    }

    /// Every field of the [`Doc`] as text, independent of how the stores
    /// hold it internally: two sessions with the same digest will play the
    /// same. (A test compares digests around a failed evaluation.)
    pub fn digest(&self) -> String {
        let Doc {
            channels,
            fx_values,
            fx_installed,
            tables,
            dirty,
            tempo,
            quiet,
            end_at,
            score_origin,
            pmaps,
            instrs,
            score_history,
            scheduler,
            outbox,
            loops,
            seqs,
            calls,
            kept,
            seed,
            streams,
            playing,
            lookahead,
            revert_requested,
            log,
            keyboard_request,
            handlers,
            midi_held,
            midi_sustained,
            midi_pedal,
            midi_outbox,
            midi_default,
            midi_nudge,
            midi_in_opens,
            clock_out,
            clock_in,
            audio_records,
            input_requests,
            take,
            take_events,
            take_ending,
            file_writes,
            link,
            cc_maps,
            drum_pattern,
        } = &self.doc;
        let loops: Vec<String> = loops
            .iter()
            .map(|(n, l)| {
                let pending = l.pending.as_ref().map(|(b, p)| (b.signature(), p));
                format!(
                    "{n}: {} {pending:?} {} {}",
                    l.body.signature(),
                    l.period,
                    l.stopping
                )
            })
            .collect();
        let calls: Vec<(&u64, String)> = calls.iter().map(|(k, c)| (k, c.signature())).collect();
        let kept: Vec<(&String, String)> =
            kept.iter().map(|(k, v)| (k, format!("{v:?}"))).collect();
        format!(
            "channels {:?}\nfx {:?} {:?}\ntables {:?} dirty {:?}\ntempo {:?}\nquiet {:?} end {:?} origin {:?} pmaps {:?} instrs {:?} history {}\nscheduled {:?}\noutbox {}\nloops {loops:?}\nseqs {:?}\ncalls {calls:?}\nkept {kept:?}\nseed {} streams {:?}\nplaying {} lookahead {:?} revert {:?} log {} keyboard {:?} handlers {:?}\nmidi held {:?} sustained {:?} pedal {:?}\nmidi out {} {:?} {:?} clock {:?} in {} clock in {:?}\nrecord {} input {} take {:?} {} {} {}\nlink {:?}\ncc maps {:?} drums {:?}",
            **channels,
            fx_values.as_map(),
            **fx_installed,
            tables.as_map(),
            **dirty,
            **tempo,
            **quiet,
            **end_at,
            **score_origin,
            pmaps.as_map(),
            instrs.as_map(),
            score_history.len(),
            scheduler.items(),
            outbox.len(),
            seqs.as_map(),
            **seed,
            streams.as_map(),
            **playing,
            **lookahead,
            **revert_requested,
            log.log.is_some(),
            **keyboard_request,
            handlers.iter().map(|(n, h)| (n, h.body.signature())).collect::<Vec<_>>(),
            midi_held.as_map(),
            midi_sustained.as_map(),
            **midi_pedal,
            midi_outbox.len(),
            **midi_default,
            midi_nudge.as_map(),
            **clock_out,
            midi_in_opens.len(),
            **clock_in,
            audio_records.len(),
            input_requests.len(),
            **take,
            take_events.len(),
            take_ending.len(),
            file_writes.len(),
            **link,
            cc_maps.as_map(),
            **drum_pattern,
        )
    }

    /// The first bar line at or after `beat`: bars of 4 beats from
    /// [`Self::bar_origin`], or with Link on the shared bars (of the quantum).
    pub fn next_bar(&self, beat: f64) -> f64 {
        match self.link_view {
            Some(_) => super::loops::next_bar_of(self.bar_origin.0, beat, self.bar_beats),
            None => super::loops::next_bar(self.bar_origin.0, beat),
        }
    }

    /// A fresh id for a note (for its later release).
    pub(super) fn fresh_note_id(&mut self) -> u64 {
        let id = self.next_note_id;
        self.next_note_id += 1;
        id
    }

    /// Open one evaluation at logical time `at`: its cursor, its frame, its
    /// transaction (every evaluation path goes through this pair).
    pub fn open_evaluation(&mut self, at: Beats) {
        self.begin_eval(at);
        self.begin_txn();
        self.changes.clear();
    }

    /// Close it: keep its changes when `ok`, undo them all otherwise, then
    /// publish its table edits.
    pub fn close_evaluation(&mut self, ok: bool) {
        if ok {
            self.commit();
        } else {
            self.rollback();
        }
        self.end_eval();
    }

    /// A fresh id for a loop, a sequence or a callback.
    pub fn fresh_id(&mut self) -> u64 {
        self.next_item_id += 1;
        self.next_item_id
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
        for n in self.doc.dirty.update(std::mem::take) {
            self.publish_table(frame, n);
        }
        if let Some(log) = self.doc.log.get_mut() {
            log.flush();
        }
    }

    fn publish_table(&mut self, frame: Frame, n: u32) {
        let doc = &mut self.doc;
        let table = doc.tables.get(&n).map(|p| Table::from_points(p));
        if let (Some(log), Some(points)) = (doc.log.get_mut(), doc.tables.get(&n)) {
            log.table(frame, n, points);
        }
        self.send(Command::Table {
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
        if !self.tables.contains_key(&n) {
            return None;
        }
        self.doc.dirty.update(|d| d.insert(n));
        self.doc.tables.get_mut(&n)
    }

    /// Create or replace table `n` (the caller checked
    /// [`Session::check_table_budget`]).
    pub fn set_table(&mut self, n: u32, points: Vec<f32>) {
        self.doc.tables.insert(n, points);
        self.doc.dirty.update(|d| d.insert(n));
    }

    /// Points held by all tables together.
    pub fn table_points_in_use(&self) -> usize {
        self.tables.values().map(Vec::len).sum()
    }

    /// An error when table `n` made (or replaced) with `points` points, with
    /// `pending` more points already planned, would take the tables past
    /// [`MAX_TABLE_POINTS_TOTAL`]; checked before the points are kept.
    ///
    /// # Errors
    /// One line naming the limit and how much is in use.
    pub fn check_table_budget(&self, n: u32, points: usize, pending: usize) -> Result<(), String> {
        let freed = self.table(n).map_or(0, <[f32]>::len);
        let what = format!("table {n} of {points} points");
        self.check_table_points(&what, points + pending, freed)
    }

    /// As [`Session::check_table_budget`]: `what` (in words) adds `adding`
    /// points and replaces tables holding `freed`.
    ///
    /// # Errors
    /// One line naming the limit and how much is in use.
    pub fn check_table_points(
        &self,
        what: &str,
        adding: usize,
        freed: usize,
    ) -> Result<(), String> {
        let in_use = self.table_points_in_use();
        let after = (in_use - freed.min(in_use)).saturating_add(adding);
        if after <= MAX_TABLE_POINTS_TOTAL {
            return Ok(());
        }
        let mib = |p: usize| (p >> 20) * 4;
        Err(format!(
            "{what} would bring all tables to {after} points ({} MiB); the limit is {MAX_TABLE_POINTS_TOTAL} points ({} MiB) in all, {in_use} in use ({} MiB): replace tables with smaller ones",
            mib(after),
            mib(MAX_TABLE_POINTS_TOTAL),
            mib(in_use)
        ))
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
        self.send(Command::Channel {
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
            self.doc.fx_installed.update(|f| f[i] = true);
            let fx = Box::new(crate::audio::fx::ChannelFx::new(self.sr.hz() as f32));
            self.send(Command::InstallFx {
                frame: self.eval_frame,
                channel: ch,
                fx,
            });
        }
    }

    /// Queue a command for the audio thread (sent in order, never dropped);
    /// the score log, when on, writes what it changes on a channel.
    pub fn send(&mut self, cmd: Command) {
        if let Command::Cc { cc, value, .. } = cmd {
            self.follow_cc(cc, value);
        }
        let doc = &mut self.doc;
        if let Some(log) = doc.log.get_mut() {
            log.command(&cmd, &doc.cc_maps);
        }
        match self.committed_sends {
            true => doc.outbox.push_committed(cmd),
            false => doc.outbox.push(cmd),
        }
    }

    /// A controller value moves what it is mapped to: the channels' volume
    /// and effect settings follow, so they read back (and are saved and
    /// logged) as the engine has them.
    fn follow_cc(&mut self, cc: u8, value: u8) {
        let moved: Vec<(u8, String, f32)> = (self.doc.cc_maps.iter())
            .filter(|((_, c), _)| *c == cc)
            .map(|((ch, _), m)| (*ch, m.param.clone(), super::log::cc_value(m, value)))
            .collect();
        for (ch, param, x) in moved {
            match param.as_str() {
                "volume" => (self.doc.channels).update(|c| c[ch as usize].volume = x as f64),
                _ => drop(self.doc.fx_values.insert((ch, param), x)),
            }
        }
    }

    /// Fade every sounding voice out at the evaluation's frame and forget
    /// pending notes; loop iterations, sequence steps, `at()` callbacks and
    /// timed table and quiet changes stay scheduled (`panic()` and `stop()`:
    /// definitions are kept, and loops keep their phase).
    pub fn all_off(&mut self) {
        self.doc
            .scheduler
            .retain_items(|item| !matches!(item, Item::Note(_)));
        let frame = self.eval_frame;
        self.send(Command::AllOff { frame });
        self.doc.midi_outbox.push(OutCmd::AllOff);
        self.mirrors_redraw();
    }

    // ----- notes and time -----

    /// Place a note at a beat.
    pub fn schedule_note(&mut self, at: Beats, note: NoteSpec) {
        self.scheduler.push(at, Item::Note(note));
    }

    /// The next due item before `horizon`.
    pub fn pop_due(&mut self, horizon: Frame) -> Option<(Beats, Item)> {
        self.released_to = self.released_to.max(horizon);
        let sr = self.sr;
        let doc = &mut self.doc;
        let due = doc.scheduler.pop_due(horizon, &doc.tempo, sr);
        if let Some((at, _)) = &due {
            self.released_beat = Beats(self.released_beat.0.max(at.0));
        }
        due
    }

    /// Where a tempo change made at `at` takes effect: `at`, or the latest
    /// beat already released if that is later. The notes released ahead of
    /// the audio clock (up to a lookahead) keep the frames they were sent
    /// with, so the new tempo starts right after them, with no gap and no
    /// overlap (a typed `tempo(60)` after `tempo(1000)` gave 1.7 s of
    /// silence when it applied from the next block).
    pub fn tempo_beat(&self, at: Beats) -> Beats {
        Beats(at.0.max(self.released_beat.0))
    }

    /// Release one due item: notes, tables and quiet changes become
    /// commands or state; script work (a callback, a loop iteration) is
    /// handed back for the host to run.
    pub fn release(&mut self, at: Beats, item: Item) -> Option<Item> {
        match item {
            Item::Note(n) => self.emit_note(at, &n),
            Item::Call(_) | Item::Loop(_) | Item::Seq(_) => return Some(item),
            Item::Clock { id, tick } => self.clock_tick(id, tick),
            Item::Transport { playing } => {
                let cursor = std::mem::replace(&mut self.cursor, at);
                self.set_playing(playing);
                self.cursor = cursor;
            }
            Item::Table { number, points } => {
                self.doc.tables.insert(number, points);
                let frame = self.frame_at(at);
                self.publish_table(frame, number);
            }
            Item::Channel { channel, set } => {
                let frame = self.frame_at(at);
                self.apply_channel_set(channel, &set, frame);
            }
            Item::Quiet { channel, on } => {
                let frame = self.frame_at(at);
                let doc = &mut self.doc;
                doc.quiet.update(|q| {
                    if let Some(q) = q.get_mut(channel as usize) {
                        *q = !on;
                    }
                });
                if let Some(log) = doc.log.get_mut() {
                    log.quiet(frame, channel, on);
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
        let (key, vel) = (hz_to_key(n.freq_hz), amp_to_vel(n.amp));
        self.take_note(
            n.channel,
            key,
            vel,
            start,
            Some(Frame(start.0 + dur_frames.max(1))),
        );
        let route = &self.channels[n.channel as usize & (CHANNELS - 1)].midi;
        let sound = route.sound;
        if let Some((port, ch)) = route.target(n.channel) {
            let (key, vel) = (hz_to_key(n.freq_hz), amp_to_vel(n.amp));
            let out = &mut self.doc.midi_outbox;
            out.push(OutCmd::Send {
                port: port.clone(),
                frame: start.0,
                bytes: vec![0x90 | ch, key, vel],
            });
            out.push(OutCmd::Send {
                port,
                frame: start.0 + dur_frames.max(1),
                bytes: vec![0x80 | ch, key, 0],
            });
            if !sound {
                self.notes_sent += 1;
                return;
            }
        }
        let fit = n.fit || n.env.fits_duration();
        let id = self.next_note_id;
        self.next_note_id += 1;
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
        if let Some(log) = self.doc.log.get_mut() {
            log.note(&note, n, dur_frames);
        }
        self.send(Command::Note(note));
    }

    /// Queue bytes for a channel's MIDI output at a frame (nothing when the
    /// channel does not go to MIDI).
    pub fn midi_to_channel(&mut self, channel: u8, frame: Frame, status: u8, data: &[u8]) {
        let route = &self.channels[channel as usize & (CHANNELS - 1)].midi;
        if let Some((port, ch)) = route.target(channel) {
            let mut bytes = vec![status | ch];
            bytes.extend_from_slice(data);
            self.doc.midi_outbox.push(OutCmd::Send {
                port,
                frame: frame.0,
                bytes,
            });
        }
    }

    /// Commands waiting to be sent.
    pub fn outbox_len(&self) -> usize {
        self.outbox.len()
    }

    /// Send what fits into the audio channel; the rest waits for the next call
    /// (nothing is dropped). Returns how many were sent.
    pub fn flush(&mut self, tx: &Sender<Command>) -> usize {
        self.doc
            .outbox
            .flush(|cmd| tx.try_send(cmd).map_err(TrySendError::into_inner))
    }

    /// True when nothing waits to be sent and nothing is scheduled before `until`.
    pub fn is_idle_until(&self, until: Frame) -> bool {
        let next = self.scheduler.next_beat().map(|b| self.frame_at(b));
        self.outbox.is_empty() && next.is_none_or(|f| f >= until)
    }

    /// What is still scheduled: notes not yet started (the first's frame,
    /// the last's end), and items that may go on for ever.
    pub fn leftover(&self) -> crate::render::Leftover {
        let mut left = crate::render::Leftover::default();
        for (beat, item) in self.scheduler.items() {
            match item {
                Item::Note(n) => {
                    let start = self.frame_at(Beats(beat));
                    let end = self.frame_at(Beats(beat + n.dur_beats.max(0.0)));
                    left.notes += 1;
                    left.first_note_frame =
                        Some(left.first_note_frame.map_or(start, |f| f.min(start)));
                    left.last_note_end_frame = left.last_note_end_frame.max(end);
                }
                Item::Call(_) | Item::Loop(_) | Item::Seq(_) | Item::Clock { .. } => {
                    left.repeating += 1
                }
                Item::Table { .. }
                | Item::Transport { .. }
                | Item::Channel { .. }
                | Item::Quiet { .. } => {}
            }
        }
        left
    }

    /// The frame where the performance ends, if `end()` or `e` set one.
    pub fn end_frame(&self) -> Option<Frame> {
        self.end_at.map(|b| self.frame_at(b))
    }

    /// Seconds of score time at the cursor (from the score origin).
    pub fn score_time(&self) -> f64 {
        self.tempo.beats_to_seconds(self.cursor).0
            - self.tempo.beats_to_seconds(*self.score_origin).0
    }

    /// Take every waiting command (a dry run discards them).
    pub fn take_outbox(&mut self) -> VecDeque<Command> {
        self.doc.outbox.take()
    }
}

/// What `revert()` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevertRequest {
    /// The version to play (numbered as `versions()` lists them), or None
    /// for the one before the version playing now.
    pub version: Option<i64>,
    /// Also write that version back to the file.
    pub write: bool,
}
