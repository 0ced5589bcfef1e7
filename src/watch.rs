//! Hot reload: watch a script file and report each save.
//!
//! The watch is on the script's *directory* (non-recursive), filtered by the
//! file's path: editors save by writing a temporary file and renaming it over
//! the script, and a watch on the file itself dies at the first such save.
//! Raw events are grouped by `notify-debouncer-full`; each debounced batch
//! that touches the script sends one [`WatchEvent::Changed`].

use std::path::{Path, PathBuf};
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
    /// sends one [`WatchEvent::Changed`] per debounced batch of events that
    /// creates, writes or renames onto the file. `debounce` is the
    /// debouncer's timeout (use [`DEBOUNCE`]). Sends never block: when `tx`
    /// is full, a reload is already pending and the event is dropped.
    pub fn watch(
        path: &Path,
        debounce: Duration,
        tx: Sender<WatchEvent>,
    ) -> Result<ScriptWatcher, WatchError> {
        let (dir, target) = resolve(path)?;
        let mut handler = Handler {
            target,
            reported: path.to_path_buf(),
            tx,
            last: None,
        };
        let notify_err = |source| WatchError::Notify {
            path: dir.clone(),
            source,
        };
        let mut debouncer =
            new_debouncer(debounce, None, move |r| handler.handle(r)).map_err(notify_err)?;
        debouncer
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(notify_err)?;
        Ok(ScriptWatcher {
            debouncer: Some(debouncer),
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
    fn handle(&mut self, result: DebounceEventResult) {
        match result {
            Ok(events) => {
                if events.iter().any(|e| touches(e, &self.target)) {
                    self.changed();
                }
            }
            Err(errors) => {
                for e in errors {
                    self.send(WatchEvent::Error(e.to_string()));
                }
            }
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

/// True when the event writes the script or puts a new version in its place.
fn touches(e: &DebouncedEvent, target: &Path) -> bool {
    if e.need_rescan() {
        return true; // events were lost: reload to be safe
    }
    match e.kind {
        EventKind::Create(_)
        | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any)
        | EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
            e.paths.iter().any(|p| p == target)
        }
        // Deleted: the live session says so (the playing version plays on).
        EventKind::Remove(_) => e.paths.iter().any(|p| p == target),
        // Renamed away (e.g. a backup before writing): the new file comes later.
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => false,
        // Renamed onto the script: the destination is the last path.
        EventKind::Modify(ModifyKind::Name(_)) => e.paths.last().is_some_and(|p| p == target),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
