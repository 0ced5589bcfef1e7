//! Hot reload: watch a script file and report each save.
//!
//! The watch is on the script's *directory* (non-recursive), filtered by the
//! file's path: editors save by writing a temporary file and renaming it over
//! the script, and a watch on the file itself dies at the first such save.
//! Raw events are grouped by `notify-debouncer-full`; each debounced batch
//! that completes a save of the script sends one [`WatchEvent::Changed`].
//!
//! A save completes when the writer closes the file (or renames a new file
//! over it). An editor that saves in place truncates the file and writes it,
//! sometimes in pieces: a batch that only writes leaves the file half
//! written, and is not reported until the close comes (or, where the system
//! reports no closes, until the file has not changed for [`SETTLE`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crossbeam_channel::Sender;
use notify_debouncer_full::notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify_debouncer_full::notify::{self, EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    new_debouncer, DebounceEventResult, DebouncedEvent, Debouncer, RecommendedCache,
};

/// The default debounce: long enough to group one save's events, short
/// enough to reload within the 50 ms budget (SPEC §5).
pub const DEBOUNCE: Duration = Duration::from_millis(20);

/// How long a file written in place without a reported close must stay
/// unchanged before what it holds counts as the saved version.
pub const SETTLE: Duration = Duration::from_millis(300);

/// What the watcher reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// The script was saved (or deleted): re-read and re-evaluate it, or
    /// say it is gone. Carries the path
    /// as given to [`ScriptWatcher::watch`].
    Changed(PathBuf),
    /// The watcher reported an error (it keeps running).
    Error(String),
}

/// Why a watch could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The path has no file name (e.g. `/` or `..`).
    #[error("{0}: not a file path")]
    NotAFile(PathBuf),
    /// The script's directory does not exist or cannot be resolved.
    #[error("{path}: {source}")]
    Dir {
        /// The directory that could not be resolved.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file-system watcher failed to start or to watch the directory.
    #[error("cannot watch {path}: {source}")]
    Notify {
        /// The directory being watched.
        path: PathBuf,
        /// The underlying notify error.
        source: notify::Error,
    },
}

/// A running watch on one script. Dropping it stops the watch; once the
/// drop returns, no further event is sent.
pub struct ScriptWatcher {
    debouncer: Option<Debouncer<RecommendedWatcher, RecommendedCache>>,
    handler: Arc<Mutex<Handler>>,
    path: PathBuf,
}

impl std::fmt::Debug for ScriptWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptWatcher")
            .field("path", &self.path)
            .finish()
    }
}

impl ScriptWatcher {
    /// Watches `path` (the file need not exist yet; its directory must) and
    /// sends one [`WatchEvent::Changed`] per save: a batch of events that
    /// closes the file after writing it or renames a new file onto it (a
    /// write still open waits for its close). `debounce` is the
    /// debouncer's timeout (use [`DEBOUNCE`]). Sends never block: when `tx`
    /// is full, a reload is already pending and the event is dropped.
    pub fn watch(
        path: &Path,
        debounce: Duration,
        tx: Sender<WatchEvent>,
    ) -> Result<ScriptWatcher, WatchError> {
        let (dir, target) = resolve(path)?;
        let handler = Arc::new(Mutex::new(Handler::new(target, path.to_path_buf(), tx)));
        let notify_err = |source| WatchError::Notify {
            path: dir.clone(),
            source,
        };
        let shared = handler.clone();
        let on_batch = move |r| {
            if let Some(stamp) = lock(&shared).handle(r) {
                settle_later(shared.clone(), stamp);
            }
        };
        let mut debouncer = new_debouncer(debounce, None, on_batch).map_err(notify_err)?;
        debouncer
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(notify_err)?;
        Ok(ScriptWatcher {
            debouncer: Some(debouncer),
            handler,
            path: path.to_path_buf(),
        })
    }

    /// The script path being watched, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScriptWatcher {
    fn drop(&mut self) {
        // Joins the debouncer thread (at most one tick) so nothing is sent after.
        if let Some(d) = self.debouncer.take() {
            d.stop();
        }
        // A write waiting to settle is not reported any more.
        lock(&self.handler).stopped = true;
    }
}

/// The handler, even after a panic elsewhere poisoned its lock.
fn lock(h: &Mutex<Handler>) -> MutexGuard<'_, Handler> {
    h.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where no close is reported: report the write waiting as `stamp` once
/// the file has stayed as it is for [`SETTLE`].
fn settle_later(handler: Arc<Mutex<Handler>>, stamp: Stamp) {
    let spawned = std::thread::Builder::new()
        .name("tactus-watch-settle".into())
        .spawn(move || {
            std::thread::sleep(SETTLE);
            lock(&handler).settled(stamp);
        });
    if spawned.is_err() {
        // No thread: the close (or the next save) reports it.
    }
}

/// The canonical directory to watch and the canonical path of the script in it.
fn resolve(path: &Path) -> Result<(PathBuf, PathBuf), WatchError> {
    let name = path
        .file_name()
        .ok_or_else(|| WatchError::NotAFile(path.to_path_buf()))?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = parent.canonicalize().map_err(|source| WatchError::Dir {
        path: parent.to_path_buf(),
        source,
    })?;
    let target = dir.join(name);
    Ok((dir, target))
}

/// Runs on the debouncer's thread: filters a batch and forwards one event.
struct Handler {
    target: PathBuf,
    reported: PathBuf,
    tx: Sender<WatchEvent>,
    /// The file's identity when the last change was reported.
    last: Option<Stamp>,
    /// The file as a write still open left it (waiting for its close).
    pending: Option<Stamp>,
    /// The watch was dropped: nothing more is sent.
    stopped: bool,
}

/// What a batch of events did to the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Touch {
    /// Nothing.
    None,
    /// Wrote to it, and the writer still has it open: maybe half written.
    Writing,
    /// A save completed: closed after writing, or a new file renamed onto it.
    Saved,
}

/// What tells one save of the file from another: its inode (an atomic save
/// puts a new one in place) and its modification time (ns resolution), so
/// a save of unchanged text still counts as a new save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    modified: Option<std::time::SystemTime>,
    len_bytes: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            dev: m.dev(),
            ino: m.ino(),
            modified: m.modified().ok(),
            len_bytes: m.len(),
        })
    }
}

impl Handler {
    fn new(target: PathBuf, reported: PathBuf, tx: Sender<WatchEvent>) -> Handler {
        Handler {
            target,
            reported,
            tx,
            last: None,
            pending: None,
            stopped: false,
        }
    }

    /// One debounced batch. A write still open is remembered, not reported:
    /// the stamp returned is what [`Self::settled`] checks later (for a
    /// system that reports no close).
    fn handle(&mut self, result: DebounceEventResult) -> Option<Stamp> {
        match result {
            Ok(events) => {
                // The last event that touched it says whether a writer
                // still has it open.
                let touch = events.iter().map(|e| touches(e, &self.target));
                match touch.rev().find(|t| *t != Touch::None) {
                    None | Some(Touch::None) => None,
                    Some(Touch::Saved) => {
                        self.pending = None;
                        self.changed();
                        None
                    }
                    Some(Touch::Writing) => {
                        let now = Stamp::of(&self.target);
                        self.pending = now.filter(|s| Some(*s) != self.last);
                        self.pending
                    }
                }
            }
            Err(errors) => {
                for e in errors {
                    self.send(WatchEvent::Error(e.to_string()));
                }
                None
            }
        }
    }

    /// [`SETTLE`] after a write that was not closed: if nothing came since
    /// and the file is as that write left it, it is the saved version.
    fn settled(&mut self, stamp: Stamp) {
        if self.stopped || self.pending != Some(stamp) {
            return;
        }
        self.pending = None;
        if Stamp::of(&self.target) == Some(stamp) {
            self.changed();
        }
    }

    /// Reports a change unless the file is the very version already
    /// reported: under load the debouncer can split one save's events
    /// (a write, then the rename onto the script) into two batches.
    fn changed(&mut self) {
        let now = Stamp::of(&self.target);
        if now.is_some() && now == self.last {
            return;
        }
        self.last = now;
        self.send(WatchEvent::Changed(self.reported.clone()));
    }

    fn send(&self, event: WatchEvent) {
        // Full: a reload is already pending. Disconnected: nobody listens.
        let _ = self.tx.try_send(event);
    }
}

/// What the event did to the script: wrote to it (the writer may not be
/// done), or completed a save (closed it after writing, or put a new
/// version in its place).
fn touches(e: &DebouncedEvent, target: &Path) -> Touch {
    if e.need_rescan() {
        return Touch::Saved; // events were lost: reload to be safe
    }
    let on_target = |yes: Touch| match e.paths.iter().any(|p| p == target) {
        true => yes,
        false => Touch::None,
    };
    match e.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => on_target(Touch::Saved),
        EventKind::Create(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
            on_target(Touch::Writing)
        }
        // Deleted: the live session says so (the playing version plays on).
        EventKind::Remove(_) => on_target(Touch::Saved),
        // Renamed away (e.g. a backup before writing): the new file comes later.
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => Touch::None,
        // Renamed onto the script: the destination is the last path.
        EventKind::Modify(ModifyKind::Name(_)) if e.paths.last().is_some_and(|p| p == target) => {
            Touch::Saved
        }
        _ => Touch::None,
    }
}

#[cfg(test)]
mod tests;
