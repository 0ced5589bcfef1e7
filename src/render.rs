//! Offline rendering: the live engine and scheduler on a virtual clock, as
//! fast as the machine allows, deterministic (same script, same samples).

use crate::audio::{Engine, EngineConfig};
use crate::command::Command;
use crate::script::state::Printer;
use crate::script::{ScriptError, ScriptHost};
use crate::session::Session;
use crate::time::{Frame, SampleRate, Seconds};
use crossbeam_channel::{bounded, Sender};
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Sample rate.
    pub sr: SampleRate,
    /// Frames per engine call (any size: the samples do not depend on it).
    pub block_frames: usize,
    /// Exact length; `None` renders until the last sound ends.
    pub duration: Option<Seconds>,
    /// Longest render when no duration is given.
    pub max_duration: Seconds,
    /// How far ahead of the audio clock the scheduler works.
    pub lookahead: Seconds,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            sr: SampleRate(48_000),
            block_frames: 256,
            duration: None,
            max_duration: Seconds(600.0),
            lookahead: Seconds(0.1),
        }
    }
}

/// What a render produced, besides the samples.
#[derive(Debug, Clone, Default)]
pub struct RenderReport {
    /// Frames delivered to the sink.
    pub frames: u64,
    /// Notes sent to the engine.
    pub notes: u64,
    /// Events that reached the engine after their frame.
    pub late_events: u64,
    /// Notes dropped (every voice busy) or commands refused (out of range).
    pub dropped_notes: u64,
    /// Errors raised by `at()` callbacks (the render went on).
    pub errors: Vec<ScriptError>,
    /// True when the render stopped at `max_duration` with sound still going.
    pub truncated: bool,
}

/// Render a script, handing interleaved stereo blocks to `sink`. Without a
/// duration, trailing silence is not delivered, so the length does not
/// depend on the block size.
pub fn render(
    file: &str,
    src: &str,
    opts: &RenderOptions,
    printer: Printer,
    sink: impl FnMut(&[f32]),
) -> Result<RenderReport, ScriptError> {
    render_with(file, src, opts, printer, sink, |engine, block| {
        engine.process(block)
    })
}

/// [`render`], with the engine's process call made through `process` (a test
/// wraps it in an allocation counter).
pub fn render_with(
    file: &str,
    src: &str,
    opts: &RenderOptions,
    printer: Printer,
    sink: impl FnMut(&[f32]),
    process: impl FnMut(&mut Engine, &mut [f32]),
) -> Result<RenderReport, ScriptError> {
    let mut host = ScriptHost::new(Session::new(opts.sr, opts.block_frames as u32), printer);
    host.load(file, src)?;
    Ok(run_offline(
        &mut host,
        EngineConfig::new(opts.sr),
        opts,
        sink,
        process,
    ))
}

/// What feeds the engine: a script host, or a bare session (benchmarks).
pub trait Driver {
    /// Release everything due before `horizon` into the outbox.
    fn advance(&mut self, horizon: Frame) -> Vec<ScriptError>;
    /// Send the outbox (what does not fit waits).
    fn flush(&mut self, tx: &Sender<Command>);
    /// Nothing waits and nothing is scheduled before `until`.
    fn is_idle_until(&self, until: Frame) -> bool;
    /// Notes sent so far.
    fn notes_sent(&self) -> u64;
    /// Where the performance ends (`end()`, score `e`), if set.
    fn end_frame(&self) -> Option<Frame>;
}

impl Driver for ScriptHost {
    fn advance(&mut self, horizon: Frame) -> Vec<ScriptError> {
        ScriptHost::advance(self, horizon)
    }
    fn flush(&mut self, tx: &Sender<Command>) {
        ScriptHost::flush(self, tx);
    }
    fn is_idle_until(&self, until: Frame) -> bool {
        ScriptHost::is_idle_until(self, until)
    }
    fn notes_sent(&self) -> u64 {
        self.with_session(|s| s.notes_sent)
    }
    fn end_frame(&self) -> Option<Frame> {
        self.with_session(|s| s.end_frame())
    }
}

impl Driver for Session {
    fn advance(&mut self, horizon: Frame) -> Vec<ScriptError> {
        while let Some((at, item)) = self.pop_due(horizon) {
            // A bare session has no script: callbacks cannot occur.
            let _no_callback = self.release(at, item);
        }
        Vec::new()
    }
    fn flush(&mut self, tx: &Sender<Command>) {
        Session::flush(self, tx);
    }
    fn is_idle_until(&self, until: Frame) -> bool {
        Session::is_idle_until(self, until)
    }
    fn notes_sent(&self) -> u64 {
        self.notes_sent
    }
    fn end_frame(&self) -> Option<Frame> {
        Session::end_frame(self)
    }
}

/// The offline loop: release events a lookahead ahead of the engine's clock,
/// process a block, deliver it, until the end.
pub fn run_offline(
    driver: &mut impl Driver,
    cfg: EngineConfig,
    opts: &RenderOptions,
    mut sink: impl FnMut(&[f32]),
    mut process: impl FnMut(&mut Engine, &mut [f32]),
) -> RenderReport {
    let (tx, rx) = bounded(4096);
    let (gtx, grx) = bounded(1024);
    let mut engine = Engine::new(cfg, rx, gtx);
    let limit = opts
        .sr
        .seconds_to_frames(opts.duration.unwrap_or(opts.max_duration));
    let lookahead = opts.sr.seconds_to_frames(opts.lookahead);
    let block = opts.block_frames.max(1);
    let mut buf = vec![0.0f32; block * 2];
    let mut report = RenderReport::default();
    let mut trim = TrailingSilence::default();
    loop {
        let now = engine.frame().0;
        let ended = driver.end_frame().is_some_and(|e| now >= e.0);
        if ended {
            // The performance was told where to end: its silence counts.
            report.frames += trim.flush(&mut sink);
            break;
        }
        let limit = driver.end_frame().map_or(limit, |e| e.0.min(limit));
        if now >= limit {
            report.truncated = opts.duration.is_none() && !engine.is_idle();
            break;
        }
        let open_ended = opts.duration.is_none() && driver.end_frame().is_none();
        if open_ended && driver.is_idle_until(Frame(limit)) && engine.is_idle() {
            break;
        }
        let n = block.min((limit - now) as usize);
        report
            .errors
            .extend(driver.advance(Frame(now + n as u64 + lookahead)));
        driver.flush(&tx);
        process(&mut engine, &mut buf[..n * 2]);
        grx.try_iter().for_each(drop);
        if opts.duration.is_some() {
            sink(&buf[..n * 2]);
            report.frames += n as u64;
        } else {
            report.frames += trim.push(&buf[..n * 2], &mut sink);
        }
    }
    let t = engine.telemetry();
    report.notes = driver.notes_sent();
    report.late_events = t.late_events.load(Ordering::Relaxed);
    report.dropped_notes =
        t.dropped_notes.load(Ordering::Relaxed) + t.bad_commands.load(Ordering::Relaxed);
    report
}

/// Render to memory (interleaved stereo).
pub fn render_to_vec(
    file: &str,
    src: &str,
    opts: &RenderOptions,
) -> Result<(Vec<f32>, RenderReport), ScriptError> {
    let mut out = Vec::new();
    let report = render(file, src, opts, Rc::new(|s: &str| println!("{s}")), |b| {
        out.extend_from_slice(b)
    })?;
    Ok((out, report))
}

/// Holds back runs of silent frames until sound follows, so a render ends
/// at its last sounding frame.
#[derive(Default)]
struct TrailingSilence {
    held_frames: u64,
}

impl TrailingSilence {
    /// Deliver the held silence; returns frames delivered.
    fn flush(&mut self, sink: &mut impl FnMut(&[f32])) -> u64 {
        const ZEROS: [f32; 512] = [0.0; 512];
        let held = self.held_frames;
        while self.held_frames > 0 {
            let n = self.held_frames.min(256) as usize;
            sink(&ZEROS[..n * 2]);
            self.held_frames -= n as u64;
        }
        held
    }

    /// Pass a block on; returns frames delivered.
    fn push(&mut self, block: &[f32], sink: &mut impl FnMut(&[f32])) -> u64 {
        let last_sound = block
            .chunks_exact(2)
            .rposition(|f| f[0] != 0.0 || f[1] != 0.0);
        let Some(last) = last_sound else {
            self.held_frames += (block.len() / 2) as u64;
            return 0;
        };
        let delivered = self.flush(sink);
        sink(&block[..(last + 1) * 2]);
        self.held_frames = (block.len() / 2 - last - 1) as u64;
        delivered + last as u64 + 1
    }
}

/// Compile and dry-run a script: evaluate it and run every scheduled callback
/// up to `max_duration`, without audio. Returns every error found.
pub fn check(file: &str, src: &str, opts: &RenderOptions) -> Vec<ScriptError> {
    let printer: Printer = Rc::new(|_s: &str| {});
    let mut host = ScriptHost::new(Session::new(opts.sr, opts.block_frames as u32), printer);
    if let Err(e) = host.load(file, src) {
        return vec![e];
    }
    let limit = opts
        .sr
        .seconds_to_frames(opts.duration.unwrap_or(opts.max_duration));
    let errors = host.advance(Frame(limit));
    host.with_session(|s| s.take_outbox());
    errors
}
