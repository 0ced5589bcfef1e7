//! A workload's notes read (decompressed, parsed) on a thread of their own,
//! a few batches ahead of the render, so the render thread only takes them.
//!
//! Why: streamed inline, W3's gzip inflate, line reads and float parses were
//! ~590 M of the render thread's 7,350 M instructions (callgrind, 8 %):
//! work the render waited on between blocks. On its own thread it runs
//! beside the render, and a second core takes it. The notes arrive in the
//! same order whatever the threads' timing, so the samples do not change.
//! Memory stays bounded: at most `BATCHES_AHEAD` batches of `BATCH_NOTES`
//! notes wait in the channel.

use super::workload::{NoteRead, NoteStream, Workload, WorkloadError};
use crossbeam_channel::{bounded, Receiver};
use std::thread::JoinHandle;

/// Notes handed over at once (one wake-up of the render thread per batch).
const BATCH_NOTES: usize = 256;
/// Batches the reader may be ahead.
const BATCHES_AHEAD: usize = 2;

/// The notes of a workload, read on their own thread (or on the caller's
/// when no thread can be started).
pub struct ReadAhead {
    batches: Option<Receiver<Vec<NoteRead>>>,
    batch: std::vec::IntoIter<NoteRead>,
    reader: Option<JoinHandle<()>>,
    /// Used when no thread could be started.
    inline: Option<NoteStream>,
}

impl ReadAhead {
    /// Start reading `w`'s notes.
    pub fn start(w: Workload) -> ReadAhead {
        let (tx, rx) = bounded(BATCHES_AHEAD);
        let spawned = std::thread::Builder::new()
            .name("tactus-score".to_string())
            .spawn(move || {
                let mut batch = Vec::with_capacity(BATCH_NOTES);
                for note in w.notes() {
                    let last = note.is_err();
                    batch.push(note);
                    if batch.len() == BATCH_NOTES || last {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_NOTES));
                        if tx.send(full).is_err() || last {
                            return;
                        }
                    }
                }
                let _ = tx.send(batch);
            });
        let (batches, reader, inline) = match spawned {
            Ok(handle) => (Some(rx), Some(handle), None),
            Err(_) => (None, None, Some(w.notes())),
        };
        ReadAhead {
            batches,
            batch: Vec::new().into_iter(),
            reader,
            inline,
        }
    }
}

impl Iterator for ReadAhead {
    type Item = NoteRead;

    fn next(&mut self) -> Option<NoteRead> {
        if let Some(notes) = self.inline.as_mut() {
            return notes.next();
        }
        loop {
            if let Some(note) = self.batch.next() {
                return Some(note);
            }
            // Blocks the render thread (offline, never an audio callback)
            // only when the reader is behind.
            match self.batches.as_ref()?.recv() {
                Ok(batch) => self.batch = batch.into_iter(),
                Err(_) => return self.ended(),
            }
        }
    }
}

impl ReadAhead {
    /// The reader has gone: at the end of the notes, or (reported) because
    /// it panicked.
    fn ended(&mut self) -> Option<NoteRead> {
        self.batches = None;
        let panicked = self.reader.take().is_some_and(|r| r.join().is_err());
        let gone = || std::io::Error::other("the thread reading the score stopped");
        panicked.then(|| Err(WorkloadError::Gzip(gone())))
    }
}

impl Drop for ReadAhead {
    /// Stop the reader (its next send fails once the channel is gone) and
    /// wait for it.
    fn drop(&mut self) {
        self.batches = None;
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}
