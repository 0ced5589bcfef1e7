//! `tactus bench`: the three offline workloads (bench/workloads/, the same
//! events `bench/compare.sh` has Csound, scsynth and the C reference render),
//! rendered through the same session scheduler and engine as a live session,
//! timed.

pub mod read_ahead;
pub mod realtime;
mod release_behind;
pub mod stream;
pub mod workload;

use crate::audio::EngineConfig;
use crate::render::{run_offline, RenderOptions};
use crate::session::Session;
use crate::time::{Beats, SampleRate, Seconds};
use std::time::Instant;
pub use workload::{NoteRead, NoteStream, Workload, WorkloadError};

/// The figures of one workload's render.
#[derive(Debug, Clone)]
pub struct BenchResult {
    /// Workload name.
    pub name: &'static str,
    /// Seconds of audio rendered.
    pub audio_s: f64,
    /// Wall-clock seconds: reading the events, scheduling, rendering.
    pub wall_s: f64,
    /// Peak resident memory during the run, bytes (0 where unknown).
    pub peak_bytes: u64,
    /// Events that reached the engine after their frame.
    pub late: u64,
    /// Events dropped (no free voice, or refused).
    pub lost: u64,
}

impl BenchResult {
    /// Audio seconds per wall second.
    pub fn x_realtime(&self) -> f64 {
        self.audio_s / self.wall_s.max(1e-9)
    }
}

/// Sample rate of every workload.
pub const BENCH_SR: SampleRate = SampleRate(48_000);

/// Frames per engine call (the samples do not depend on it): the engine's
/// largest block, so the render workers meet once per 85 ms of audio.
pub const BENCH_BLOCK: usize = crate::audio::engine::MAX_BLOCK;

/// Render one workload on `threads` threads (the samples do not depend on
/// it); `sink` receives the interleaved stereo output.
pub fn run(
    w: Workload,
    threads: usize,
    sink: impl FnMut(&[f32]),
) -> Result<BenchResult, WorkloadError> {
    reset_peak_memory();
    let started = Instant::now();
    // The notes are read on their own thread, and scheduled as the render
    // reaches them (see `read_ahead` and `stream`).
    let notes = read_ahead::ReadAhead::start(w);
    let mut session = Session::new(BENCH_SR, 256);
    session.begin_eval(Beats(0.0));
    w.load_setup(&mut session)?;
    session.end_eval();
    let mut driver = stream::Streamed::new(&mut session, notes);
    let opts = RenderOptions {
        sr: BENCH_SR,
        block_frames: BENCH_BLOCK,
        duration: Some(Seconds(w.audio_seconds())),
        ..RenderOptions::default()
    };
    let cfg = EngineConfig {
        // The anchors write unclipped float: compare like with like.
        soft_clip: false,
        threads,
        ..EngineConfig::new(BENCH_SR)
    };
    let report = run_offline(&mut driver, cfg, &opts, sink, |e, b| e.process(b));
    driver.finish()?;
    Ok(BenchResult {
        name: w.name(),
        audio_s: report.frames as f64 / BENCH_SR.hz(),
        wall_s: started.elapsed().as_secs_f64(),
        peak_bytes: peak_memory(),
        late: report.late_events,
        lost: report.dropped_notes,
    })
}

/// Reset the kernel's peak-RSS mark for this process (Linux; elsewhere a no-op).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset (Linux `VmHWM`), bytes.
pub fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}
