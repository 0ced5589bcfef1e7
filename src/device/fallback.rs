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
//! a preallocated ring buffer to the writer, which flushes the WAV header
//! about once a second (the file stays valid if the process is killed) and
//! finalises it on stop.

use super::{DeviceError, DeviceEvent};
use crate::audio::Engine;
use crate::time::SampleRate;
use crossbeam_channel::Sender;
use rtrb::{Consumer, Producer, RingBuffer};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Frames per block the fallback clock renders.
pub const BLOCK_FRAMES: usize = 256;
/// How far behind (in blocks) the clock may fall before it skips ahead.
pub const MAX_BEHIND_BLOCKS: u64 = 8;
/// Seconds of audio the ring between the clock and the writer holds.
const RING_SECONDS: usize = 2;
/// How often the writer flushes the WAV (header included) to disk.
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// How long the writer sleeps when the ring is empty.
const WRITER_POLL: Duration = Duration::from_millis(10);

type Wav = hound::WavWriter<BufWriter<File>>;

/// The running fallback: stops (and finalises the WAV) on [`Fallback::stop`] or drop.
pub struct Fallback {
    stop: Arc<AtomicBool>,
    clock: Option<JoinHandle<()>>,
    writer: Option<JoinHandle<Result<u64, DeviceError>>>,
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
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: sr.0,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let wav = Wav::create(path, spec).map_err(|source| DeviceError::Recording {
        path: path.to_path_buf(),
        source,
    })?;
    let (tx, rx) = RingBuffer::new(sr.0.max(1) as usize * 2 * RING_SECONDS);
    let stop = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicU64::new(0));
    let writer = Writer {
        wav,
        input: rx,
        dropped: dropped.clone(),
        errors,
        path: path.to_path_buf(),
        error: None,
    };
    let writer = spawn("tactus-wav-writer", move || writer.run())?;
    let clock = Clock {
        engine,
        block: vec![0.0; BLOCK_FRAMES * 2].into_boxed_slice(),
        output: tx,
        dropped,
        sr,
        stop: stop.clone(),
        pace,
    };
    let mut running = Fallback {
        stop,
        clock: None,
        writer: Some(writer),
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
    /// [`DeviceError::Recording`] when writing or finalising the WAV failed;
    /// [`DeviceError::ThreadPanicked`] when a thread panicked.
    pub fn stop(&mut self) -> Result<u64, DeviceError> {
        self.stop.store(true, Ordering::Release);
        let clock = match self.clock.take().map(JoinHandle::join) {
            Some(Err(_)) => Err(DeviceError::ThreadPanicked("fallback clock")),
            _ => Ok(()),
        };
        let frames = match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
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
    dropped: Arc<AtomicU64>,
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
            if self.output.push_entire_slice(&self.block).is_err() {
                self.dropped
                    .fetch_add(BLOCK_FRAMES as u64, Ordering::Relaxed);
            }
            k += 1;
        }
    }
}

/// The WAV writer: drains the ring, flushes once a second, finalises at the end.
struct Writer {
    wav: Wav,
    input: Consumer<f32>,
    dropped: Arc<AtomicU64>,
    errors: Sender<DeviceEvent>,
    path: PathBuf,
    /// The first write error; later samples are drained and discarded.
    error: Option<hound::Error>,
}

impl Writer {
    fn run(mut self) -> Result<u64, DeviceError> {
        let mut samples = 0u64;
        let mut last_flush = Instant::now();
        let mut reported_drops = 0;
        loop {
            let finished = self.input.is_abandoned();
            let n = self.drain();
            samples += n as u64;
            if finished {
                break;
            }
            if last_flush.elapsed() >= FLUSH_EVERY {
                last_flush = Instant::now();
                self.flush();
                reported_drops = self.report_drops(reported_drops);
            }
            if n == 0 {
                thread::sleep(WRITER_POLL);
            }
        }
        self.report_drops(reported_drops);
        self.finish().map(|()| samples / 2)
    }

    /// Write whatever the ring holds; returns the number of samples taken.
    fn drain(&mut self) -> usize {
        let n = self.input.slots();
        let Ok(chunk) = self.input.read_chunk(n) else {
            return 0;
        };
        let (a, b) = chunk.as_slices();
        let mut failure = None;
        if self.error.is_none() {
            for &x in a.iter().chain(b) {
                if let Err(e) = self.wav.write_sample(x) {
                    failure = Some(e);
                    break;
                }
            }
        }
        chunk.commit_all();
        if let Some(e) = failure {
            self.fail(e);
        }
        n
    }

    fn flush(&mut self) {
        if self.error.is_none() {
            if let Err(e) = self.wav.flush() {
                self.fail(e);
            }
        }
    }

    fn fail(&mut self, e: hound::Error) {
        let kind = match &e {
            hound::Error::IoError(io) => io.kind(),
            _ => std::io::ErrorKind::Other,
        };
        let _ = self.errors.try_send(DeviceEvent::RecordingFailed(kind));
        self.error = Some(e);
    }

    fn report_drops(&self, reported: u64) -> u64 {
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > reported {
            let frames = dropped - reported;
            let _ = self
                .errors
                .try_send(DeviceEvent::RecordingDropped { frames });
        }
        dropped
    }

    fn finish(self) -> Result<(), DeviceError> {
        let path = self.path;
        let result = match self.error {
            Some(e) => Err(e),
            None => self.wav.finalize(),
        };
        result.map_err(|source| DeviceError::Recording { path, source })
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
