//! A session fed from a score read while it renders: before each release,
//! the notes that start before the release horizon are read (parsed, and
//! for W3 decompressed, one row at a time) and scheduled, so the scheduler
//! holds only the lookahead window, never the whole score.
//!
//! Why: W3 held all of its 100,000 notes in the scheduler before the first
//! block (a 128-byte slot and a 32-byte heap entry each, in vectors grown by
//! doubling to 131,072: 21 MiB of its 27 MiB heap peak, valgrind massif),
//! and the parse ran before the render could start. Streamed, the scheduler
//! holds the ~200 notes of the window, and the parse runs between blocks.
//!
//! The samples do not change: every note due before a horizon is scheduled
//! before the session releases up to it, and notes are scheduled in file
//! order, so ties on one beat keep their order.

use super::workload::{NoteRead, WorkloadError};
use crate::command::Command;
use crate::render::{Driver, Leftover};
use crate::script::ScriptError;
use crate::session::scheduler::NoteSpec;
use crate::session::Session;
use crate::time::{Beats, Frame};
use crossbeam_channel::Sender;

/// A [`Session`] driver that schedules the notes of a stream (a
/// [`super::NoteStream`], or one read ahead on its own thread by
/// [`super::read_ahead`]) as the render reaches them.
pub struct Streamed<'a> {
    session: &'a mut Session,
    notes: Box<dyn Iterator<Item = NoteRead> + 'a>,
    /// The next note, read but not yet due.
    next: Option<(Beats, NoteSpec)>,
    /// The first error the stream gave (it is read no further).
    error: Option<WorkloadError>,
    /// The most items the session's scheduler held after a feed.
    peak_scheduled: usize,
}

impl<'a> Streamed<'a> {
    /// Feed `session` from `notes` as the render goes.
    pub fn new(
        session: &'a mut Session,
        notes: impl Iterator<Item = NoteRead> + 'a,
    ) -> Streamed<'a> {
        let mut s = Streamed {
            session,
            notes: Box::new(notes),
            next: None,
            error: None,
            peak_scheduled: 0,
        };
        s.read_next();
        s
    }

    /// The most items the scheduler held at once (the window, not the score).
    pub fn peak_scheduled(&self) -> usize {
        self.peak_scheduled
    }

    /// The error that stopped the stream, if one did.
    pub fn finish(self) -> Result<(), WorkloadError> {
        self.error.map_or(Ok(()), Err)
    }

    /// Notes not yet read from the stream stay unknown to the session.
    fn read_next(&mut self) {
        if self.error.is_some() {
            return;
        }
        self.next = match self.notes.next() {
            Some(Ok(note)) => Some(note),
            Some(Err(e)) => {
                self.error = Some(e);
                None
            }
            None => None,
        };
    }

    /// Schedule every note that starts before `horizon`.
    fn feed(&mut self, horizon: Frame) {
        while let Some((at, _)) = &self.next {
            if self.session.frame_at(*at) >= horizon {
                break;
            }
            if let Some((at, note)) = self.next.take() {
                self.session.schedule_note(at, note);
            }
            self.read_next();
        }
        self.peak_scheduled = self.peak_scheduled.max(self.session.scheduler.len());
    }
}

impl Driver for Streamed<'_> {
    fn advance(&mut self, horizon: Frame) -> Vec<ScriptError> {
        self.feed(horizon);
        Driver::advance(self.session, horizon)
    }
    fn flush(&mut self, tx: &Sender<Command>) {
        Driver::flush(self.session, tx);
    }
    fn is_idle_until(&self, until: Frame) -> bool {
        let next_due = |(at, _): &(Beats, NoteSpec)| self.session.frame_at(*at) < until;
        !self.next.as_ref().is_some_and(next_due) && self.session.is_idle_until(until)
    }
    fn notes_sent(&self) -> u64 {
        self.session.notes_sent
    }
    fn end_frame(&self) -> Option<Frame> {
        self.session.end_frame()
    }
    /// What the session holds (the notes still in the stream are not
    /// counted: the benchmarks render a fixed duration and never ask).
    fn leftover(&self) -> Leftover {
        self.session.leftover()
    }
}
