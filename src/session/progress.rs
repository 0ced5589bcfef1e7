//! The music goes on during a long evaluation: while one runs (a busy line
//! at the prompt, a slow reload), the script host calls
//! [`Session::release_committed`] every few milliseconds, which releases
//! what the *committed* state has due: the notes already scheduled and the
//! steps of sequences and drum patterns (data, not script). What the open
//! evaluation placed or changed waits for it to end, and a rollback of it
//! neither brings back what was released nor takes back a step played.
//!
//! Live loop iterations and `at()` callbacks are script closures, each its
//! own transaction. While the open evaluation has changed nothing yet, or
//! only appended (placed notes, queued commands), it is set aside with what
//! it appended ([`Session::suspend_evaluation`]) and they run as they would
//! between evaluations: loops play on. Once it has changed anything else,
//! they wait for it to end (the notes and steps already committed play on).

use super::loops::LoopChange;
use super::scheduler::Item;
use super::seqs::Step;
use super::txn::Undo;
use super::Session;
use crate::command::CHANNELS;
use crate::time::{Beats, Frame};

/// An open evaluation set aside, clean, while committed work runs: its
/// logical time and what it has defined so far.
#[derive(Debug)]
pub struct Suspended {
    cursor: Beats,
    eval_frame: Frame,
    changes: Vec<(String, LoopChange)>,
}

/// Most items one call releases (a bound, far above a lookahead's worth).
const MAX_ITEMS: usize = 10_000;

impl Session {
    /// During an open evaluation that has changed nothing yet, or only
    /// placed notes, callbacks' items and commands (appends): take its
    /// changes out and close its transaction, so that loop iterations and
    /// callbacks can run as their own on the committed state, as if before
    /// it; [`Self::resume_evaluation`] opens it again and puts its changes
    /// back. `None` (nothing done) when it changed anything else (a value,
    /// a channel, a table, a loop) or no evaluation is open.
    pub fn suspend_evaluation(&mut self) -> Option<Suspended> {
        if !self.scheduler.in_txn() || !(**self).can_set_aside() {
            return None;
        }
        Undo::set_aside(&mut **self);
        Some(Suspended {
            cursor: self.cursor,
            eval_frame: self.eval_frame,
            changes: std::mem::take(&mut self.changes),
        })
    }

    /// Open the evaluation set aside by [`Self::suspend_evaluation`]
    /// again, at its own logical time.
    pub fn resume_evaluation(&mut self, s: Suspended) {
        self.cursor = s.cursor;
        self.eval_frame = s.eval_frame;
        self.changes = s.changes;
        Undo::take_back(&mut **self);
    }

    /// During an open evaluation: release the committed notes and sequence
    /// steps due before `horizon` (notes before `skip_before` are counted
    /// as passed). Their commands are queued ahead of the evaluation's own
    /// (`outbox.flush_committed` sends them now). Nothing is released when
    /// the evaluation changed what a release reads (tempo, channels,
    /// transport, quiet, the end), a score log or a MIDI take is running,
    /// or no evaluation is open. Returns how many items were released.
    pub fn release_committed(&mut self, horizon: Frame, skip_before: Frame) -> usize {
        if !self.releases_committed() {
            return 0;
        }
        self.skip_before = skip_before;
        self.committed_sends = true;
        let mut released = 0;
        while released < MAX_ITEMS {
            let Some((at, item)) = self.pop_committed_due(horizon) else {
                break;
            };
            self.released_beat = Beats(self.released_beat.0.max(at.0));
            match item {
                Item::Note(n) => self.emit_note(at, &n),
                Item::Seq(id) => self.seq_step_committed(at, id),
                _ => {}
            }
            released += 1;
        }
        self.committed_sends = false;
        released
    }

    /// True when a release reads only committed state.
    fn releases_committed(&mut self) -> bool {
        self.scheduler.in_txn()
            && !self.tempo.touched()
            && !self.channels.touched()
            && !self.playing.touched()
            && !self.quiet.touched()
            && !self.end_at.touched()
            && self.take.is_none()
            && self.log.get_mut().is_none()
    }

    /// The next committed note or sequence step due before `horizon` that
    /// sounds only here (no MIDI route, no pads to light).
    fn pop_committed_due(&mut self, horizon: Frame) -> Option<(Beats, Item)> {
        let sr = self.sr;
        let doc = &mut **self;
        let (channels, seqs) = (&doc.channels, &doc.seqs);
        let no_midi = |ch: u8| {
            channels[ch as usize & (CHANNELS - 1)]
                .midi
                .target(ch)
                .is_none()
        };
        let ok = |item: &Item| match item {
            Item::Note(n) => no_midi(n.channel),
            Item::Seq(id) => seqs.iter().any(|(name, q)| {
                q.id == *id
                    && !seqs.touched(name)
                    && !q.stopping
                    && q.mirror.is_none()
                    && no_midi(q.channel)
            }),
            _ => false,
        };
        doc.scheduler.pop_committed_due(horizon, &doc.tempo, sr, ok)
    }

    /// A sequence step as [`Session::seq_step`] plays it, made as if before
    /// the open evaluation (its pattern is the committed one).
    fn seq_step_committed(&mut self, at: Beats, id: u64) {
        let found = self.seqs.iter().find(|(_, q)| q.id == id);
        let Some((name, q)) = found.map(|(n, q)| (n.clone(), q.clone())) else {
            return;
        };
        let (_, step, swing) = q.now_playing();
        self.seqs.update_committed(&name, |q| q.count += 1);
        let next = Beats(at.0 + q.step_beats);
        self.scheduler.push_committed(next, Item::Seq(id));
        if step == Step::Off || !*self.playing {
            return;
        }
        let note = self.hit_note(&q, step);
        self.scheduler
            .push_committed(Beats(at.0 + swing), Item::Note(note));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SampleRate;

    fn session() -> Session {
        Session::new(SampleRate(48_000), 256)
    }

    /// The scheduled items, in order, as text.
    fn scheduled(s: &Session) -> Vec<String> {
        let items = s.scheduler.items();
        items.iter().map(|(_, i)| format!("{i:?}")).collect()
    }

    /// An evaluation that has changed nothing is set aside; what runs
    /// meanwhile commits on its own, and a later rollback of the evaluation
    /// undoes only its own changes.
    #[test]
    fn work_beside_a_clean_evaluation_survives_its_rollback() {
        let mut s = session();
        s.open_evaluation(Beats(2.0));
        let aside = s.suspend_evaluation().expect("clean: set aside");
        s.open_evaluation(Beats(3.0));
        s.kept.insert("beside".into(), rhai::Dynamic::from(1_i64));
        s.close_evaluation(true);
        s.resume_evaluation(aside);
        assert_eq!(s.cursor, Beats(2.0), "the evaluation's own time again");
        s.kept.insert("outer".into(), rhai::Dynamic::from(2_i64));
        s.close_evaluation(false);
        assert!(s.kept.get(&"beside".to_string()).is_some());
        assert!(s.kept.get(&"outer".to_string()).is_none());
    }

    /// An evaluation that only placed items is set aside too: its items
    /// are out of the schedule meanwhile, come back after what ran beside
    /// it, and go with its rollback.
    #[test]
    fn placed_items_are_set_aside_and_come_back() {
        let mut s = session();
        s.open_evaluation(Beats(0.0));
        s.scheduler.push(Beats(0.0), Item::Loop(7));
        let aside = s.suspend_evaluation().expect("only appends: set aside");
        assert!(s.scheduler.is_empty(), "the open evaluation's item is out");
        s.open_evaluation(Beats(0.0));
        s.scheduler.push(Beats(0.0), Item::Loop(8));
        s.close_evaluation(true);
        s.resume_evaluation(aside);
        let order = scheduled(&s);
        assert_eq!(
            order,
            vec!["Loop(8)", "Loop(7)"],
            "beside first, then its own"
        );
        s.close_evaluation(false);
        let left = scheduled(&s);
        assert_eq!(left, vec!["Loop(8)"], "the rollback takes only its own");
    }

    /// Once an evaluation has changed anything but appends (a value, a
    /// removal from the schedule), it is not set aside.
    #[test]
    fn a_changed_evaluation_is_not_set_aside() {
        let mut s = session();
        s.open_evaluation(Beats(0.0));
        s.kept.insert("k".into(), rhai::Dynamic::from(1_i64));
        assert!(s.suspend_evaluation().is_none());
        s.close_evaluation(true);
        s.open_evaluation(Beats(0.0));
        s.scheduler.retain_items(|_| true);
        assert!(s.suspend_evaluation().is_none());
        s.close_evaluation(false);
        assert!(s.suspend_evaluation().is_none(), "none open");
    }
}
