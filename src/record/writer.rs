//! The writer thread of SPEC §6: drains one recording's ring into its WAV
//! file, brings the header up to date every second, and reports samples the
//! audio side could not keep (the ring was full) and disk errors.
//!
//! It stops when the ring's writer end is gone (the tap came back from the
//! audio thread and was dropped, or the engine stopped) or when told to
//! ([`Writer::finish_flag`]), after writing everything the ring holds.

use super::wav::WavFile;
use crate::audio::tap::TapStats;
use rtrb::Consumer;
use std::io::{self, Seek, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// How often the header is brought up to date (and drops reported).
pub const HEADER_EVERY: Duration = Duration::from_secs(1);
/// How long the writer sleeps when the ring is empty.
const POLL: Duration = Duration::from_millis(5);

/// What a writer reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordEvent {
    /// The ring was full: this many more frames could not be kept.
    Dropped {
        /// The recording.
        path: PathBuf,
        /// Frames lost since the last report.
        frames: u64,
    },
    /// Writing failed; what was written before is kept, the rest is not recorded.
    Failed {
        /// The recording.
        path: PathBuf,
        /// The error's kind.
        kind: io::ErrorKind,
        /// The error, as text.
        error: String,
    },
}

impl std::fmt::Display for RecordEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordEvent::Dropped { path, frames } => write!(
                f,
                "recording {}: the disk fell behind; {frames} frames could not be kept",
                path.display()
            ),
            RecordEvent::Failed { path, error, .. } => write!(
                f,
                "recording {}: {error}; what was recorded before is kept, the rest is not",
                path.display()
            ),
        }
    }
}

/// Where a writer reports.
pub type Reporter = Box<dyn FnMut(RecordEvent) + Send>;

/// How a recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Frames in the file.
    pub frames: u64,
    /// Frames the ring could not hold.
    pub dropped_frames: u64,
    /// True when a write failed (the file holds what came before).
    pub failed: bool,
}

/// One recording's writer, run on its own thread by [`Writer::run`].
pub struct Writer<W: Write + Seek> {
    /// The file.
    pub wav: WavFile<W>,
    /// The ring's reading end.
    pub input: Consumer<f32>,
    /// The tap's counters.
    pub stats: Arc<TapStats>,
    /// Set to stop after draining what the ring holds now.
    pub finish: Arc<AtomicBool>,
    /// The file's path (for reports).
    pub path: PathBuf,
    /// Where events go.
    pub report: Reporter,
}

impl<W: Write + Seek> Writer<W> {
    /// A flag that, once set, ends the writer after one last drain.
    pub fn finish_flag(&self) -> Arc<AtomicBool> {
        self.finish.clone()
    }

    /// Drain, write and update the header until the ring is abandoned or
    /// the finish flag is set; then finalise. Returns the file's writer end.
    pub fn run(mut self) -> (Summary, Option<W>) {
        let mut error: Option<io::Error> = None;
        let mut last_header = Instant::now();
        let mut reported = 0;
        loop {
            let done = self.input.is_abandoned() || self.finish.load(Ordering::Acquire);
            let n = self.drain(&mut error);
            if done {
                break;
            }
            if last_header.elapsed() >= HEADER_EVERY {
                last_header = Instant::now();
                if error.is_none() {
                    if let Err(e) = self.wav.update_header() {
                        self.fail(&mut error, e);
                    }
                }
                reported = self.report_drops(reported);
            }
            if n == 0 {
                thread::sleep(POLL);
            }
        }
        let dropped = self.report_drops(reported);
        if error.is_none() {
            if let Err(e) = self.wav.update_header() {
                self.fail(&mut error, e);
            }
        }
        let failed = error.is_some();
        let frames;
        let out = if failed {
            let salvaged = self.wav.salvage();
            frames = salvaged.as_ref().map_or(0, |(_, f)| *f);
            salvaged.ok().map(|(w, _)| w)
        } else {
            frames = self.wav.frames();
            self.wav.finish().ok()
        };
        let summary = Summary {
            frames,
            dropped_frames: dropped,
            failed: failed || out.is_none(),
        };
        (summary, out)
    }

    /// Write what the ring holds (or, after an error, discard it); returns
    /// the number of samples taken.
    fn drain(&mut self, error: &mut Option<io::Error>) -> usize {
        let n = self.input.slots();
        let Ok(chunk) = self.input.read_chunk(n) else {
            return 0;
        };
        let (a, b) = chunk.as_slices();
        let result = if error.is_none() {
            self.wav.write(a).and_then(|()| self.wav.write(b))
        } else {
            Ok(())
        };
        chunk.commit_all();
        if let Err(e) = result {
            self.fail(error, e);
        }
        n
    }

    fn fail(&mut self, error: &mut Option<io::Error>, e: io::Error) {
        (self.report)(RecordEvent::Failed {
            path: self.path.clone(),
            kind: e.kind(),
            error: e.to_string(),
        });
        *error = Some(e);
    }

    fn report_drops(&mut self, reported: u64) -> u64 {
        let dropped = self.stats.dropped_frames.load(Ordering::Acquire);
        if dropped > reported {
            (self.report)(RecordEvent::Dropped {
                path: self.path.clone(),
                frames: dropped - reported,
            });
        }
        dropped
    }
}
