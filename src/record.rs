//! Keeping what was played: recordings of the master output to WAV.
//!
//! The audio thread copies each block into a recording's lock-free ring
//! ([`crate::audio::tap::Tap`]); a writer thread per recording
//! ([`writer::Writer`]) drains the ring into a [`wav::WavFile`] whose header
//! is brought up to date every second. The control side here names the
//! files (a folder of their own, names that sort by date and time), starts
//! and stops the writers, and reports what they could not keep.
//!
//! Headroom: the ring holds [`RING_SECONDS`] of audio, so a disk that stalls
//! for up to that long loses nothing (measured in the tests: a 3 s stall at
//! 48 kHz kept every frame); a longer stall drops whole blocks, counted and
//! reported, never silently.

pub mod live;
pub mod wav;
pub mod writer;

use crate::audio::tap::{Tap, TapStats};
use crate::time::Frame;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
pub use wav::{WavFile, WavFormat};
use writer::{Reporter, Summary, Writer};

/// Seconds of audio a recording's ring holds (the disk stall it absorbs).
pub const RING_SECONDS: u32 = 4;
/// The folder recordings go to when a name has no folder of its own.
pub const DEFAULT_DIR: &str = "recordings";

/// Why a recording could not start.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file (or its folder) cannot be created.
    #[error("cannot record to {}: {source}", path.display())]
    Create {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The name has the wrong extension.
    #[error("{func}(): \"{name}\" is not a .{ext} name")]
    NotWav {
        /// The binding.
        func: &'static str,
        /// What was given.
        name: String,
        /// The extension wanted.
        ext: &'static str,
    },
    /// The writer thread cannot be spawned.
    #[error("cannot start the recording's writer thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// What an evaluation asks of the recorder; performed after it commits.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordRequest {
    /// Start recording the master output to `path` from `frame`.
    Start {
        /// The file (already resolved, see [`resolve`]).
        path: PathBuf,
        /// Its sample format.
        format: WavFormat,
        /// The first frame recorded.
        frame: Frame,
    },
    /// Stop the master recordings before `frame`.
    Stop {
        /// The first frame not recorded.
        frame: Frame,
    },
}

/// Where a recording named `name` goes, with extension `ext` (`wav`,
/// `mid`; `.midi` is taken for `mid`). No name: `<dir>/<date>_<time>.<ext>`.
/// A bare file name: `<dir>/<date>_<time>_<name>`, so takes sort by when
/// they were made. A name with a folder (or absolute): exactly there.
///
/// # Errors
/// [`RecordError::NotWav`] for a name with another extension.
pub fn resolve(
    dir: &Path,
    name: Option<&str>,
    func: &'static str,
    ext: &'static str,
) -> Result<PathBuf, RecordError> {
    let stamp = date_time_stamp();
    let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
        return Ok(dir.join(format!("{stamp}.{ext}")));
    };
    let path = Path::new(name);
    let given = path.extension().map(|e| e.to_string_lossy().to_lowercase());
    let path = match given.as_deref() {
        Some(e) if e == ext || (ext == "mid" && e == "midi") => path.to_path_buf(),
        None => path.with_extension(ext),
        Some(_) => {
            return Err(RecordError::NotWav {
                func,
                name: name.to_string(),
                ext,
            })
        }
    };
    let bare = path.parent().is_none_or(|p| p.as_os_str().is_empty());
    Ok(if bare {
        dir.join(format!("{stamp}_{}", path.display()))
    } else {
        path
    })
}

/// The local date and time as `YYYY-MM-DD_HH-MM-SS` (sorts as it reads).
pub fn date_time_stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as libc::time_t;
    // SAFETY: localtime_r writes only into the `tm` given; both live here.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm
    };
    format!(
        "{:04}-{:02}-{:02}_{:02}-{:02}-{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

/// A running recording, seen from the control side.
pub struct Recording {
    /// Its id (the tap's).
    pub id: u64,
    /// The file.
    pub path: PathBuf,
    /// The tap's counters.
    pub stats: Arc<TapStats>,
    finish: Arc<AtomicBool>,
    thread: Option<JoinHandle<Summary>>,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("id", &self.id)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Recording {
    /// Create `path` (and its folder), start its writer, and return the tap
    /// to install in the engine. The ring holds [`RING_SECONDS`] at `sr_hz`.
    ///
    /// # Errors
    /// [`RecordError::Create`] when the file cannot be created;
    /// [`RecordError::Thread`] when the writer cannot start.
    pub fn start(
        id: u64,
        path: &Path,
        format: WavFormat,
        sr_hz: u32,
        report: Reporter,
    ) -> Result<(Recording, Box<Tap>), RecordError> {
        Recording::start_width(id, path, format, sr_hz, 2, report)
    }

    /// [`Recording::start`] for `width` channels (a capture stream's).
    ///
    /// # Errors
    /// As [`Recording::start`].
    pub fn start_width(
        id: u64,
        path: &Path,
        format: WavFormat,
        sr_hz: u32,
        width: u16,
        report: Reporter,
    ) -> Result<(Recording, Box<Tap>), RecordError> {
        let create = |source| RecordError::Create {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(create)?;
        }
        let wav = WavFile::create(path, format, width, sr_hz).map_err(create)?;
        let frames = sr_hz.max(1) as usize * RING_SECONDS as usize;
        Recording::start_wide(id, path, wav, frames, width, report)
    }

    /// [`Recording::start`] onto any writer, with a ring of `ring_frames`.
    ///
    /// # Errors
    /// [`RecordError::Thread`] when the writer cannot start.
    pub fn start_with<W: Write + Seek + Send + 'static>(
        id: u64,
        path: &Path,
        wav: WavFile<W>,
        ring_frames: usize,
        report: Reporter,
    ) -> Result<(Recording, Box<Tap>), RecordError> {
        Recording::start_wide(id, path, wav, ring_frames, 2, report)
    }

    fn start_wide<W: Write + Seek + Send + 'static>(
        id: u64,
        path: &Path,
        wav: WavFile<W>,
        ring_frames: usize,
        width: u16,
        report: Reporter,
    ) -> Result<(Recording, Box<Tap>), RecordError> {
        let (tx, rx) = rtrb::RingBuffer::new(ring_frames.max(1) * width.max(1) as usize);
        let stats = Arc::new(TapStats::new());
        let finish = Arc::new(AtomicBool::new(false));
        let writer = Writer {
            wav,
            input: rx,
            stats: stats.clone(),
            finish: finish.clone(),
            path: path.to_path_buf(),
            report,
        };
        let thread = std::thread::Builder::new()
            .name("tactus-rec-writer".into())
            .spawn(move || writer.run().0)
            .map_err(RecordError::Thread)?;
        let tap = Box::new(Tap::with_width(id, tx, stats.clone(), width)); // control side, before it is sent
        let rec = Recording {
            id,
            path: path.to_path_buf(),
            stats,
            finish,
            thread: Some(thread),
        };
        Ok((rec, tap))
    }

    /// True once the writer has finished (the tap came back and was dropped).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Wait up to `wait` for the writer to end by itself (its tap returned
    /// from the audio thread), then tell it to finish with what the ring
    /// holds; returns how it ended.
    pub fn finish(mut self, wait: Duration) -> Summary {
        let deadline = Instant::now() + wait;
        while !self.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        self.finish.store(true, Ordering::Release);
        let failed = Summary {
            frames: 0,
            dropped_frames: self.stats.dropped_frames.load(Ordering::Acquire),
            failed: true,
        };
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(summary)) => summary,
            _ => failed,
        }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        self.finish.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
