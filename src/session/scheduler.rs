//! The pending events of a session in logical time (beats), released in time
//! order once they fall inside the lookahead window.
//!
//! Beats become frames only when an item is released, through the tempo map
//! in force then, so a tempo change placed later in a score still applies to
//! the notes after it.

use super::channels::EnvSpec;
use crate::command::Source;
use crate::time::{Beats, Frame, SampleRate, TempoMap};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// A note waiting to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteSpec {
    /// Channel index 0..16.
    pub channel: u8,
    /// What the oscillator reads.
    pub source: Source,
    /// Frequency.
    pub freq_hz: f64,
    /// Peak amplitude.
    pub amp: f64,
    /// Pan 0..1.
    pub pan: f64,
    /// Envelope.
    pub env: EnvSpec,
    /// Duration in beats.
    pub dur_beats: f64,
    /// Keep the release inside the duration (score semantics).
    pub fit: bool,
    /// Optional biquad after the oscillator, `[b0, b1, b2, a1, a2]`.
    pub filter: Option<[f32; 5]>,
    /// Extra oscillator layers.
    pub layers: crate::command::Layers,
}

/// Something the scheduler releases at a logical time.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Send a note.
    Note(NoteSpec),
    /// Run the script callback with this id (kept by the script host).
    Call(u64),
    /// Run one iteration of the live loop with this id (kept by the script host).
    Loop(u64),
    /// Play the next step of the sequence with this id (kept by the script host).
    Seq(u64),
    /// Send tick `tick` of the MIDI clock with this id (`clock_out`).
    Clock {
        /// The clock's id.
        id: u64,
        /// The tick's number from the clock's origin.
        tick: u64,
    },
    /// Publish a table at this time (an `f` statement with p2 > 0).
    Table {
        /// Table number.
        number: u32,
        /// Its points.
        points: Vec<f32>,
    },
    /// Play or stop the transport at this beat (a start Link shares,
    /// on the shared bar).
    Transport {
        /// True: play.
        playing: bool,
    },
    /// Set a channel option at this time (a score `c` statement).
    Channel {
        /// Channel index 0..16.
        channel: u8,
        /// The option and its value.
        set: super::channel_set::ChannelSet,
    },
    /// Mute (`on: false`) or unmute new notes on a channel (Csound `q`).
    Quiet {
        /// Channel index 0..16.
        channel: u8,
        /// True: notes play again.
        on: bool,
    },
}

/// A heap entry: small, so the heap moves little memory; the item waits in
/// the slab.
#[derive(Debug, Clone)]
struct Entry {
    beat: f64,
    seq: u64,
    slot: usize,
    from_score: bool,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.beat
            .total_cmp(&other.beat)
            .then(self.seq.cmp(&other.seq))
    }
}

/// Items in logical time; ties keep the order they were placed in.
///
/// In a transaction, items placed are forgotten on rollback (by their
/// sequence mark), and the first change that removes or moves items saves
/// the whole schedule first, so `stop()`, `panic()`, `advance()` and
/// `rewind()` are undone too.
#[derive(Debug, Default)]
pub struct Scheduler {
    heap: BinaryHeap<Reverse<Entry>>,
    slab: Vec<Option<Item>>,
    free: Vec<usize>,
    seq: u64,
    txn: Option<SchedTxn>,
    /// The items an open transaction placed, set aside (beat, item, from a
    /// score) in the order placed: see [`Undo::set_aside`](super::txn::Undo::set_aside).
    aside: Vec<(f64, Item, bool)>,
}

/// What a transaction needs to undo the schedule.
#[derive(Debug)]
struct SchedTxn {
    mark: u64,
    saved: Option<(Vec<Reverse<Entry>>, Vec<Option<Item>>, Vec<usize>)>,
    /// Items placed during the transaction as if before it (kept by a
    /// rollback): see [`Scheduler::push_committed`].
    kept: Vec<u64>,
}

impl super::txn::Undo for Scheduler {
    fn begin(&mut self) {
        self.txn = Some(SchedTxn {
            mark: self.seq,
            saved: None,
            kept: Vec::new(),
        });
    }
    fn commit(&mut self) {
        self.txn = None;
    }
    fn rollback(&mut self) {
        let Some(t) = self.txn.take() else { return };
        if let Some((heap, slab, free)) = t.saved {
            self.heap = BinaryHeap::from(heap);
            self.slab = slab;
            self.free = free;
        }
        self.forget_after(t.mark, &t.kept);
    }
    fn is_clean(&self) -> bool {
        self.txn
            .as_ref()
            .is_none_or(|t| t.saved.is_none() && self.seq - t.mark == t.kept.len() as u64)
    }
    /// Placed items can be set aside; a removal or a move cannot.
    fn can_set_aside(&self) -> bool {
        self.txn.as_ref().is_none_or(|t| t.saved.is_none())
    }
    fn set_aside(&mut self) {
        self.aside = self.take_placed();
        self.txn = None;
    }
    fn take_back(&mut self) {
        self.begin();
        for (beat, item, from_score) in std::mem::take(&mut self.aside) {
            self.push_tagged(Beats(beat), item, from_score);
        }
    }
}

impl Scheduler {
    /// Take out the items the open transaction placed (not those placed as
    /// committed), in the order placed.
    fn take_placed(&mut self) -> Vec<(f64, Item, bool)> {
        let Some(t) = self.txn.as_ref() else {
            return Vec::new();
        };
        let mut placed = Vec::new();
        let mut keep = Vec::with_capacity(self.heap.len());
        for Reverse(e) in std::mem::take(&mut self.heap).into_vec() {
            if e.seq <= t.mark || t.kept.contains(&e.seq) {
                keep.push(Reverse(e));
                continue;
            }
            if let Some(item) = self.slab[e.slot].take() {
                placed.push((e.seq, e.beat, item, e.from_score));
            }
            self.free.push(e.slot);
        }
        self.heap = BinaryHeap::from(keep);
        placed.sort_by_key(|p| p.0);
        placed.into_iter().map(|(_, b, i, f)| (b, i, f)).collect()
    }

    /// Place an item at a beat.
    pub fn push(&mut self, at: Beats, item: Item) {
        self.push_tagged(at, item, false);
    }

    /// Place an item; `from_score` marks items of score text (`rewind()` replaces them).
    pub fn push_tagged(&mut self, at: Beats, item: Item, from_score: bool) {
        self.seq += 1;
        let slot = match self.free.pop() {
            Some(i) => {
                self.slab[i] = Some(item);
                i
            }
            None => {
                self.slab.push(Some(item));
                self.slab.len() - 1
            }
        };
        self.heap.push(Reverse(Entry {
            beat: at.0,
            seq: self.seq,
            slot,
            from_score,
        }));
    }

    /// Number of waiting items.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The beat of the next item.
    pub fn next_beat(&self) -> Option<Beats> {
        self.heap.peek().map(|Reverse(e)| Beats(e.beat))
    }

    /// The next item if it starts before `horizon`.
    pub fn pop_due(
        &mut self,
        horizon: Frame,
        tempo: &TempoMap,
        sr: SampleRate,
    ) -> Option<(Beats, Item)> {
        let due = self.next_beat()?;
        if tempo.beats_to_frame(due, sr) >= horizon {
            return None;
        }
        let Reverse(e) = self.heap.pop()?;
        let item = self.slab[e.slot].take()?;
        self.free.push(e.slot);
        Some((Beats(e.beat), item))
    }

    /// Keep only the entries for which `keep(beat, from_score)` holds, moving
    /// each kept entry to the beat `keep` returns.
    pub fn rebuild(&mut self, mut keep: impl FnMut(f64, bool) -> Option<f64>) {
        self.rebuild_entries(|e, _| keep(e.beat, e.from_score));
    }

    /// The one rebuild: keep each entry for which `keep` gives a beat (moving
    /// it there), and free the slots of the others.
    fn rebuild_entries(&mut self, mut keep: impl FnMut(&Entry, Option<&Item>) -> Option<f64>) {
        self.save();
        let mut kept = Vec::with_capacity(self.heap.len());
        for Reverse(mut e) in std::mem::take(&mut self.heap).into_vec() {
            match keep(&e, self.slab[e.slot].as_ref()) {
                Some(beat) => {
                    e.beat = beat;
                    kept.push(Reverse(e));
                }
                None => {
                    self.slab[e.slot] = None;
                    self.free.push(e.slot);
                }
            }
        }
        self.heap = BinaryHeap::from(kept);
    }

    /// Csound `a`: skip `dur` beats from `from`: what starts inside the window
    /// is dropped, what comes after moves `dur` earlier.
    pub fn skip(&mut self, from: f64, dur: f64) {
        self.rebuild(|b, _| {
            if b < from {
                Some(b)
            } else if b < from + dur {
                None
            } else {
                Some(b - dur)
            }
        });
    }

    /// Keep only the items for which `keep` holds.
    pub fn retain_items(&mut self, mut keep: impl FnMut(&Item) -> bool) {
        self.rebuild_entries(|e, item| item.is_some_and(&mut keep).then_some(e.beat));
    }

    /// The sequence number of the last item placed (a transaction mark).
    pub fn mark(&self) -> u64 {
        self.seq
    }

    /// Remove every item placed after `mark` (a failed evaluation's), but
    /// those in `kept`.
    fn forget_after(&mut self, mark: u64, kept: &[u64]) {
        if self.seq > mark {
            let keep = |e: &Entry| e.seq <= mark || kept.contains(&e.seq);
            self.rebuild_entries(|e, _| keep(e).then_some(e.beat));
        }
    }

    /// True while a transaction is open.
    pub fn in_txn(&self) -> bool {
        self.txn.is_some()
    }

    /// Place an item as if before the open transaction: a rollback keeps
    /// it (a sequence's next step while a long evaluation runs).
    pub fn push_committed(&mut self, at: Beats, item: Item) {
        let saved_item = self.txn.as_ref().map(|_| item.clone());
        self.push(at, item);
        let seq = self.seq;
        let Some(t) = self.txn.as_mut() else { return };
        t.kept.push(seq);
        if let (Some((heap, slab, _)), Some(item)) = (t.saved.as_mut(), saved_item) {
            slab.push(Some(item));
            let slot = slab.len() - 1;
            let beat = at.0;
            let from_score = false;
            heap.push(Reverse(Entry {
                beat,
                seq,
                slot,
                from_score,
            }));
        }
    }

    /// During a transaction: the first item due before `horizon` that was
    /// placed before it (or by [`Self::push_committed`]) and that `ok`
    /// accepts, taken out as if before the transaction (a rollback does
    /// not bring it back). Due items passed over stay where they are.
    pub fn pop_committed_due(
        &mut self,
        horizon: Frame,
        tempo: &TempoMap,
        sr: SampleRate,
        ok: impl Fn(&Item) -> bool,
    ) -> Option<(Beats, Item)> {
        let t = self.txn.as_ref()?;
        let committed = |e: &Entry| e.seq <= t.mark || t.kept.contains(&e.seq);
        let mut passed = Vec::new();
        let mut found = None;
        while let Some(Reverse(e)) = self.heap.peek() {
            if tempo.beats_to_frame(Beats(e.beat), sr) >= horizon {
                break;
            }
            let Some(Reverse(e)) = self.heap.pop() else {
                break;
            };
            if committed(&e) && self.slab[e.slot].as_ref().is_some_and(&ok) {
                found = Some(e);
                break;
            }
            passed.push(Reverse(e));
        }
        self.heap.extend(passed);
        let e = found?;
        let item = self.slab[e.slot].take()?;
        self.free.push(e.slot);
        self.forget_saved(e.seq);
        Some((Beats(e.beat), item))
    }

    /// Take the entry `seq` out of the schedule a rollback would restore.
    fn forget_saved(&mut self, seq: u64) {
        let Some((heap, slab, free)) = self.txn.as_mut().and_then(|t| t.saved.as_mut()) else {
            return;
        };
        if let Some(i) = heap.iter().position(|Reverse(e)| e.seq == seq) {
            let Reverse(e) = heap.swap_remove(i);
            slab[e.slot] = None;
            free.push(e.slot);
        }
    }

    /// Every waiting item with its beat, in the order they will be released.
    pub fn items(&self) -> Vec<(f64, &Item)> {
        let mut entries: Vec<&Entry> = self.heap.iter().map(|Reverse(e)| e).collect();
        entries.sort();
        let slot = |e: &Entry| self.slab[e.slot].as_ref().map(|i| (e.beat, i));
        entries.into_iter().filter_map(slot).collect()
    }

    /// Save the schedule before the first destructive change of a transaction.
    fn save(&mut self) {
        if let Some(t) = self.txn.as_mut().filter(|t| t.saved.is_none()) {
            let heap = self.heap.clone().into_vec();
            t.saved = Some((heap, self.slab.clone(), self.free.clone()));
        }
    }

    /// Drop everything.
    pub fn clear(&mut self) {
        self.save();
        self.heap.clear();
        self.slab.clear();
        self.free.clear();
    }
}
