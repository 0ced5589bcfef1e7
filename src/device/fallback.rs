//! The no-device fallback: a clock thread runs the engine at real-time pace
//! and a writer thread records what it plays to a 32-bit float WAV file.
//!
//! The clock sleeps to absolute deadlines (`start + k * block`), so it never
//! drifts. A block computed a whole block or more after its deadline is an
//! xrun (a device would have run dry): the engine counts one per late
//! stretch, and `status()` shows it. Up to [`MAX_BEHIND_BLOCKS`] behind, the
//! clock catches up in a burst; further behind (the machine stalled) it
//! skips ahead instead, and the engine's clock simply resumes (events whose
//! frame has passed are counted late by the engine).
//! The clock does no I/O and no allocation per block: each block goes through
//! a preallocated ring buffer to the recording's writer thread
//! ([`crate::record::writer`]), which brings the WAV header up to date every
//! second (the file stays valid if the process is killed) and completes it on stop.

use super::{DeviceError, DeviceEvent};
use crate::audio::tap::TapStats;
use crate::audio::Engine;
use crate::record::writer::{RecordEvent, Summary, Writer};
use crate::record::{WavFile, WavFormat};
use crate::time::SampleRate;
use crossbeam_channel::Sender;
use rtrb::{Producer, RingBuffer};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Frames per block the fallback clock renders.
pub const BLOCK_FRAMES: usize = 256;
/// How far behind (in blocks) the clock may fall before it skips ahead.
pub const MAX_BEHIND_BLOCKS: u64 = 8;

/// The running fallback: stops (and finalises the WAV) on [`Fallback::stop`] or drop.
pub struct Fallback {
    stop: Arc<AtomicBool>,
    clock: Option<JoinHandle<()>>,
    writer: Option<JoinHandle<Summary>>,
    path: std::path::PathBuf,
}

/// Where the clock's time comes from: real time, or a test's.
pub(super) trait Pace: Send + 'static {
    /// The current instant.
    fn now(&mut self) -> Instant;
    /// Wait `d`.
    fn sleep(&mut self, d: Duration);
}

/// Real time.
pub(super) struct RealTime;

impl Pace for RealTime {
    fn now(&mut self) -> Instant {
        Instant::now()
    }
    fn sleep(&mut self, d: Duration) {
        thread::sleep(d);
    }
}

/// Start the clock and the writer, recording to `path`.
///
/// # Errors
/// [`DeviceError::Recording`] when the WAV file cannot be created;
/// [`DeviceError::Thread`] when a thread cannot be spawned.
pub fn start(
    engine: Engine,
    sr: SampleRate,
    path: &Path,
    errors: Sender<DeviceEvent>,
) -> Result<Fallback, DeviceError> {
    start_paced(engine, sr, path, errors, RealTime)
}

/// [`start`] with the clock's time from `pace`.
///
/// # Errors
/// As [`start`].
pub(super) fn start_paced(
    engine: Engine,
    sr: SampleRate,
    path: &Path,
    errors: Sender<DeviceEvent>,
    pace: impl Pace,
) -> Result<Fallback, DeviceError> {
    let create = |e: std::io::Error| DeviceError::Recording {
        path: path.to_path_buf(),
        source: hound::Error::IoError(e),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(create)?;
    }
    let wav = WavFile::create(path, WavFormat::Float32, 2, sr.0).map_err(create)?;
    let ring_frames = sr.0.max(1) as usize * crate::record::RING_SECONDS as usize;
    let (tx, rx) = RingBuffer::new(ring_frames * 2);
    let stop = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(TapStats::new());
    let writer = Writer {
        wav,
        input: rx,
        stats: stats.clone(),
        finish: Arc::new(AtomicBool::new(false)),
        path: path.to_path_buf(),
        report: Box::new(move |e| {
            let _ = errors.try_send(match e {
                RecordEvent::Dropped { frames, .. } => DeviceEvent::RecordingDropped { frames },
                RecordEvent::Failed { kind, .. } => DeviceEvent::RecordingFailed(kind),
            });
        }),
    };
    let writer = spawn("tactus-wav-writer", move || writer.run().0)?;
    (engine.telemetry().no_device).store(true, Ordering::Relaxed);
    let clock = Clock {
        engine,
        block: vec![0.0; BLOCK_FRAMES * 2].into_boxed_slice(),
        output: tx,
        stats,
        sr,
        stop: stop.clone(),
        pace,
    };
    let mut running = Fallback {
        stop,
        clock: None,
        writer: Some(writer),
        path: path.to_path_buf(),
    };
    // On failure `running` drops: the writer sees the ring abandoned and finalises.
    running.clock = Some(spawn("tactus-fallback-clock", move || clock.run())?);
    Ok(running)
}

fn spawn<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<JoinHandle<T>, DeviceError> {
    thread::Builder::new()
        .name(name.to_string())
        .spawn(f)
        .map_err(DeviceError::Thread)
}

impl Fallback {
    /// Stop the clock, let the writer drain the ring and finalise the WAV.
    /// Returns the number of frames recorded. Calling it again returns `Ok(0)`.
    ///
    /// # Errors
    /// [`DeviceError::Recording`] when writing or finalising the WAV failed
    /// (what was written before is kept);
    /// [`DeviceError::ThreadPanicked`] when a thread panicked.
    pub fn stop(&mut self) -> Result<u64, DeviceError> {
        self.stop.store(true, Ordering::Release);
        let clock = match self.clock.take().map(JoinHandle::join) {
            Some(Err(_)) => Err(DeviceError::ThreadPanicked("fallback clock")),
            _ => Ok(()),
        };
        let frames = match self.writer.take().map(JoinHandle::join) {
            Some(Ok(s)) if s.failed => Err(DeviceError::Recording {
                path: self.path.clone(),
                source: hound::Error::IoError(std::io::Error::other(
                    "writing failed; the file holds what came before",
                )),
            }),
            Some(Ok(s)) => Ok(s.frames),
            Some(Err(_)) => Err(DeviceError::ThreadPanicked("WAV writer")),
            None => Ok(0),
        };
        clock.and(frames)
    }
}

impl Drop for Fallback {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Nanoseconds from the clock's start to the deadline of block `k`.
fn block_deadline(k: u64, sr: SampleRate) -> Duration {
    let nanos = k as u128 * BLOCK_FRAMES as u128 * 1_000_000_000 / sr.0.max(1) as u128;
    Duration::from_nanos(nanos.min(u64::MAX as u128) as u64)
}

/// Whole blocks in `late`.
fn blocks_in(late: Duration, sr: SampleRate) -> u64 {
    let blocks = late.as_nanos() * sr.0 as u128 / (BLOCK_FRAMES as u128 * 1_000_000_000);
    blocks.min(u64::MAX as u128) as u64
}

/// The real-time clock: owns the engine.
struct Clock<P: Pace> {
    engine: Engine,
    block: Box<[f32]>,
    output: Producer<f32>,
    stats: Arc<TapStats>,
    sr: SampleRate,
    stop: Arc<AtomicBool>,
    pace: P,
}

impl<P: Pace> Clock<P> {
    fn run(mut self) {
        let start = self.pace.now();
        let mut k: u64 = 0;
        // Inside a stretch of blocks computed a block or more late.
        let mut late = false;
        while !self.stop.load(Ordering::Acquire) {
            let deadline = start + block_deadline(k, self.sr);
            let now = self.pace.now();
            if now < deadline {
                late = false;
                self.pace.sleep(deadline - now);
                continue;
            }
            let behind = blocks_in(now - deadline, self.sr);
            if behind >= 1 && !late {
                late = true;
                self.engine.count_xruns(1);
            }
            if behind > MAX_BEHIND_BLOCKS {
                k += behind;
            }
            self.engine.process(&mut self.block);
            let counter = match self.output.push_entire_slice(&self.block) {
                Ok(()) => &self.stats.pushed_frames,
                Err(_) => &self.stats.dropped_frames,
            };
            counter.fetch_add(BLOCK_FRAMES as u64, Ordering::Release);
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_exact_and_do_not_drift() {
        let sr = SampleRate(48_000);
        // 187500 blocks of 256 frames at 48 kHz = exactly 1000 s.
        assert_eq!(block_deadline(187_500, sr), Duration::from_secs(1000));
        assert_eq!(block_deadline(3, sr), Duration::from_nanos(16_000_000));
        assert_eq!(blocks_in(Duration::from_millis(16), sr), 3);
        assert_eq!(blocks_in(Duration::from_micros(15_999), sr), 2);
    }
}
