//! Offline rendering: the live engine and scheduler on a virtual clock, as
//! fast as the machine allows, deterministic (same script, same samples).

use crate::audio::{Engine, EngineConfig};
use crate::command::Command;
use crate::script::state::Printer;
use crate::script::{ScriptError, ScriptHost};
use crate::session::Session;
use crate::time::{Frame, SampleRate, Seconds};
use crossbeam_channel::{bounded, Sender};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Sample rate.
    pub sr: SampleRate,
    /// Frames per engine call (any size: the samples do not depend on it).
    pub block_frames: usize,
    /// Exact length; `None` renders until the sound ends (see [`RenderEnd`]).
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

/// Below this level (-120 dBFS, on either side) an output frame is quiet.
pub const QUIET_LEVEL: f32 = 1e-6;

/// [`QUIET_LEVEL`] in dBFS.
pub const QUIET_LEVEL_DB: i32 = -120;

/// How long the output must stay quiet, once nothing is left to play, before
/// an open-ended render ends. It must outlast every quiet gap inside a sound
/// that is still going: the longest is a delay's gap between two echoes,
/// shorter than its delay time, at most 4 s (the upper bound of
/// `delay_time` and the length of the delay line); one second more is a
/// margin for the low-pass in the delay's feedback path and the reverb
/// smearing an echo's onset. Rendering these 5 s of a quiet tail costs well
/// under 0.1 s of wall time.
pub const QUIET_HOLD: Seconds = Seconds(5.0);

/// An open-ended render checks whether it has ended only on frames that are
/// multiples of this (85 ms at 48 kHz), so its end does not depend on the
/// block size.
pub const END_CHECK_FRAMES: u64 = 4096;

/// Why a render stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RenderEnd {
    /// It reached the `duration` asked for.
    #[default]
    Duration,
    /// It reached the performance's end (`end()`, score `e`); the silence
    /// before it is kept.
    EndMark,
    /// Nothing was left to play and the output had stayed quiet for
    /// [`QUIET_HOLD`] (or the engine fell idle: no voice, no effect
    /// ringing): the delivered frames end after the last frame at or above
    /// [`QUIET_LEVEL`] (unless it came more than 87 s earlier: see
    /// `QuietTail`).
    Quiet,
    /// It reached `max_duration` first. `sound_going`: the output was at or
    /// above [`QUIET_LEVEL`] within the last [`QUIET_HOLD`], and every frame
    /// up to `max_duration` is delivered; otherwise (events were still
    /// scheduled, but silent) the quiet tail is not.
    MaxDuration {
        /// Sound was still going.
        sound_going: bool,
    },
}

/// What a render produced, besides the samples.
#[derive(Debug, Clone, Default)]
pub struct RenderReport {
    /// Frames delivered to the sink.
    pub frames: u64,
    /// Frames the engine rendered: more than `frames` by the quiet tail
    /// that an open-ended render does not deliver.
    pub rendered_frames: u64,
    /// Frames up to and including the last one at or above
    /// [`QUIET_LEVEL`]: where the sound fell below it for the last time.
    pub sound_frames: u64,
    /// Why the render stopped.
    pub end: RenderEnd,
    /// Notes sent to the engine.
    pub notes: u64,
    /// Events that reached the engine after their frame.
    pub late_events: u64,
    /// Notes dropped (every voice busy) or commands refused (out of range).
    pub dropped_notes: u64,
    /// Errors raised by `at()` callbacks (the render went on).
    pub errors: Vec<ScriptError>,
}

impl RenderReport {
    /// True when the render stopped at `max_duration` with sound still going.
    pub fn truncated(&self) -> bool {
        self.end == RenderEnd::MaxDuration { sound_going: true }
    }
}

/// Render a script, handing interleaved stereo blocks to `sink`. Without a
/// duration (and without `end()`), the render ends once nothing is left to
/// play and the output has stayed below [`QUIET_LEVEL`] for [`QUIET_HOLD`],
/// and the quiet tail is not delivered, so the length does not depend on
/// the block size (see [`RenderEnd::Quiet`]).
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
/// process a block, deliver it, until the end (see [`RenderEnd`]).
///
/// An open-ended render decides its end from the output samples, never from
/// the effects' state (an effect that is on may ring, echo, or hum at 1e-23
/// for ever). It checks only on frames that are multiples of
/// [`END_CHECK_FRAMES`], cutting blocks there: at such a frame the engine
/// and the scheduler are in the same state whatever the block size (the
/// scheduler has released everything due before it plus the lookahead), so
/// the end frame, and with it the length delivered, do not depend on the
/// block size.
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
    let cap = opts
        .sr
        .seconds_to_frames(opts.duration.unwrap_or(opts.max_duration));
    let lookahead = opts.sr.seconds_to_frames(opts.lookahead);
    let hold = opts.sr.seconds_to_frames(QUIET_HOLD);
    let block = opts.block_frames.max(1);
    let mut buf = vec![0.0f32; block * 2];
    let mut report = RenderReport::default();
    let mut tail = QuietTail::new(hold + END_CHECK_FRAMES);
    loop {
        let now = engine.frame().0;
        if driver.end_frame().is_some_and(|e| now >= e.0) {
            // The performance was told where to end: its silence counts.
            report.frames += tail.flush(&mut sink);
            report.end = RenderEnd::EndMark;
            break;
        }
        let limit = driver.end_frame().map_or(cap, |e| e.0.min(cap));
        if now >= limit {
            let sound_going = tail.quiet_frames() < hold;
            report.end = match opts.duration {
                Some(_) => RenderEnd::Duration,
                None => RenderEnd::MaxDuration { sound_going },
            };
            if sound_going {
                // A gap inside a sound still going is part of the sound.
                report.frames += tail.flush(&mut sink);
            }
            break;
        }
        let mut n = block.min((limit - now) as usize);
        if opts.duration.is_none() && driver.end_frame().is_none() {
            if now % END_CHECK_FRAMES == 0
                && driver.is_idle_until(Frame(limit))
                && engine.has_no_voice_or_command()
                && (engine.is_idle() || tail.quiet_frames() >= hold)
            {
                // Nothing is left to play, and the effects are off or have
                // stayed quiet for the hold.
                report.end = RenderEnd::Quiet;
                break;
            }
            n = n.min((END_CHECK_FRAMES - now % END_CHECK_FRAMES) as usize);
        }
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
            report.frames += tail.push(&buf[..n * 2], &mut sink);
        }
    }
    let t = engine.telemetry();
    report.rendered_frames = engine.frame().0;
    report.sound_frames = tail.sound_frames();
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

/// Holds back the quiet frames (below [`QUIET_LEVEL`]) that follow the last
/// loud one, until a loud frame follows them, so that an open-ended render
/// can end after its last loud frame. At most `max_held` frames are held
/// (the oldest are delivered), so memory stays bounded through a long quiet
/// stretch, and a render that ends more than `max_held` frames after its
/// last loud frame keeps the beginning of that quiet stretch: the length
/// delivered is still a function of the samples and the end frame alone.
struct QuietTail {
    /// Held frames, interleaved.
    held: VecDeque<f32>,
    /// Most frames held.
    max_held: u64,
    /// Frames seen so far.
    seen_frames: u64,
    /// Frames up to and including the last loud one.
    sound_frames: u64,
}

impl QuietTail {
    /// A tail holding at least `min_held` frames, and up to 32 MiB (87 s at
    /// 48 kHz).
    fn new(min_held: u64) -> QuietTail {
        QuietTail {
            held: VecDeque::new(),
            max_held: min_held.max(1 << 22),
            seen_frames: 0,
            sound_frames: 0,
        }
    }

    /// Frames since the last loud one.
    fn quiet_frames(&self) -> u64 {
        self.seen_frames - self.sound_frames
    }

    /// Frames up to and including the last loud one.
    fn sound_frames(&self) -> u64 {
        self.sound_frames
    }

    /// Deliver the oldest `frames` held; returns frames delivered.
    fn deliver(&mut self, frames: usize, sink: &mut impl FnMut(&[f32])) -> u64 {
        let n = (frames * 2).min(self.held.len());
        let (a, b) = self.held.as_slices();
        let from_a = n.min(a.len());
        if from_a > 0 {
            sink(&a[..from_a]);
        }
        if n > from_a {
            sink(&b[..n - from_a]);
        }
        self.held.drain(..n);
        (n / 2) as u64
    }

    /// Deliver every held frame; returns frames delivered.
    fn flush(&mut self, sink: &mut impl FnMut(&[f32])) -> u64 {
        self.deliver(self.held.len() / 2, sink)
    }

    /// Pass a block on; returns frames delivered.
    fn push(&mut self, block: &[f32], sink: &mut impl FnMut(&[f32])) -> u64 {
        let loud = |f: &[f32]| f[0].abs() >= QUIET_LEVEL || f[1].abs() >= QUIET_LEVEL;
        let mut delivered = 0;
        let quiet = match block.chunks_exact(2).rposition(loud) {
            Some(last) => {
                delivered += self.flush(sink);
                let (sounding, quiet) = block.split_at((last + 1) * 2);
                sink(sounding);
                delivered += (last + 1) as u64;
                self.sound_frames = self.seen_frames + last as u64 + 1;
                quiet
            }
            None => block,
        };
        self.seen_frames += (block.len() / 2) as u64;
        self.held.extend(quiet);
        let held_frames = (self.held.len() / 2) as u64;
        if held_frames > self.max_held {
            delivered += self.deliver((held_frames - self.max_held) as usize, sink);
        }
        delivered
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
