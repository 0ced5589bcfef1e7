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
    /// A `.sco` statement Tactus cannot honour refuses the score
    /// (`--strict`); otherwise it is reported with its position and skipped.
    pub strict: bool,
    /// Threads rendering the voices (see [`default_threads`]); the samples
    /// do not depend on it.
    pub threads: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            sr: SampleRate(48_000),
            block_frames: 256,
            duration: None,
            max_duration: Seconds(600.0),
            lookahead: Seconds(0.1),
            strict: false,
            threads: 1,
        }
    }
}

/// Every core of this machine (1 when unknown): the default of `tactus
/// render --threads` and `tactus bench --threads`.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `tactus render`'s block when none is given: 256 frames on one thread;
/// on several, the engine's largest block, so the render workers meet
/// once per 85 ms of audio (the samples are the same).
pub fn default_block(threads: usize) -> usize {
    if threads > 1 {
        crate::audio::engine::MAX_BLOCK
    } else {
        256
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
/// `delay_time`, and the length of the delay line). One second more is a
/// margin: the low-pass in the delay's feedback path and a reverb after it
/// move where an echo crosses -120 dBFS. It costs little: the reverb render
/// of one note (3.5 s of sound, 8.5 s rendered) takes 0.09 s.
pub const QUIET_HOLD: Seconds = Seconds(5.0);

/// An open-ended render checks whether it has ended only on frames that are
/// multiples of this (85 ms at 48 kHz), so its end does not depend on the
/// block size.
pub const END_CHECK_FRAMES: u64 = 4096;

/// The longest render: a day of sound (`--duration` at most; an open-ended
/// render that goes on for notes scheduled past `max_duration` stops here).
pub const LONGEST: Seconds = Seconds(86_400.0);

/// What was still scheduled when a render stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Leftover {
    /// Notes not yet started.
    pub notes: u64,
    /// Where the first of them starts.
    pub first_note_frame: Option<Frame>,
    /// Where the last of them ends.
    pub last_note_end_frame: Frame,
    /// Live loop iterations, sequence steps, `at()` callbacks and clock
    /// ticks waiting: they may go on for ever.
    pub repeating: u64,
    /// The cap the render stopped at (what was left comes after it).
    pub cap_frame: Frame,
}

impl Leftover {
    /// One line naming what a render stopped at its cap did not play,
    /// and the `--duration` that would play it; `None` when nothing was left.
    pub fn describe(&self, sr: SampleRate) -> Option<String> {
        let s = |f: Frame| f.0 as f64 / sr.0 as f64;
        let stopped_s = s(self.cap_frame);
        let mut parts = Vec::new();
        if let Some(first) = self.first_note_frame {
            let (n, was) = match self.notes {
                1 => ("1 note".to_string(), "was"),
                n => (format!("{n} notes"), "were"),
            };
            parts.push(format!(
                "{n} after it {was} not rendered (the first at {:.1} s)",
                s(first)
            ));
        }
        if self.repeating > 0 {
            parts.push(format!(
                "{} live loop, sequence or at() item{} still going",
                self.repeating,
                if self.repeating == 1 {
                    " was"
                } else {
                    "s were"
                }
            ));
        }
        if parts.is_empty() {
            return None;
        }
        let advice = if self.notes > 0 {
            let want = (s(self.last_note_end_frame) + 1.0).ceil().min(LONGEST.0);
            format!(
                "give --duration {want} to render {}",
                if self.notes == 1 { "it" } else { "them" }
            )
        } else {
            "give --duration to choose the length".to_string()
        };
        Some(format!(
            "render stopped at the {stopped_s:.0} s cap: {}; {advice}",
            parts.join(", and ")
        ))
    }
}

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
    /// [`QUIET_LEVEL`] (unless it came long before, more than 87 s of
    /// quiet that is not digital silence: see `QuietTail`).
    Quiet,
    /// It reached `max_duration` first. `sound_going`: the output was at or
    /// above [`QUIET_LEVEL`] within the last [`QUIET_HOLD`], and every frame
    /// up to `max_duration` is delivered; otherwise (a note held silent, say)
    /// the quiet tail is not.
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
    /// Non-finite samples (NaN, inf) silenced before an effect chain or at
    /// the output (as `status()` counts them).
    pub non_finite_samples: u64,
    /// Errors raised by `at()` callbacks (the render went on).
    pub errors: Vec<ScriptError>,
    /// What an open-ended render that reached its cap left unplayed.
    pub left: Leftover,
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
    host.strict_scores = opts.strict;
    host.load(file, src)?;
    Ok(run_offline(
        &mut host,
        EngineConfig {
            threads: opts.threads,
            ..EngineConfig::new(opts.sr)
        },
        opts,
        sink,
        process,
    ))
}

/// What feeds the engine: a script host, or a bare session (benchmarks).
pub trait Driver {
    /// Release everything due before `horizon` into the outbox.
    fn advance(&mut self, horizon: Frame) -> Vec<ScriptError>;
    /// The render ended at `frame`: finish what is still open (MIDI takes).
    fn finish(&mut self, _frame: Frame) {}
    /// Send the outbox (what does not fit waits).
    fn flush(&mut self, tx: &Sender<Command>);
    /// Nothing waits and nothing is scheduled before `until`.
    fn is_idle_until(&self, until: Frame) -> bool;
    /// Notes sent so far.
    fn notes_sent(&self) -> u64;
    /// Where the performance ends (`end()`, score `e`), if set.
    fn end_frame(&self) -> Option<Frame>;
    /// What is still scheduled.
    fn leftover(&self) -> Leftover;
}

impl Driver for ScriptHost {
    fn advance(&mut self, horizon: Frame) -> Vec<ScriptError> {
        ScriptHost::advance(self, horizon)
    }
    fn finish(&mut self, frame: Frame) {
        ScriptHost::finish_takes(self, frame);
    }
    fn flush(&mut self, tx: &Sender<Command>) {
        ScriptHost::flush(self, tx);
        // Offline, MIDI output goes nowhere, and the render is the recording.
        self.with_session(|s| s.midi_outbox.clear());
        for req in self.with_session(|s| s.input_requests.take()) {
            if let Some(note) = req.offline_note() {
                self.with_state(|st| (st.printer)(&note));
            }
        }
        if !self.with_session(|s| s.audio_records.take()).is_empty() {
            self.with_state(|st| {
                (st.printer)("record_audio(): a render is already recorded (-o); ignored")
            });
        }
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
    fn leftover(&self) -> Leftover {
        self.with_session(|s| s.leftover())
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
        self.midi_outbox.clear();
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
    fn leftover(&self) -> Leftover {
        Session::leftover(self)
    }
}

/// The offline loop: release events a lookahead ahead of the engine's clock,
/// process a block, deliver it, until the end (see [`RenderEnd`]).
///
/// An open-ended render decides its end from the output samples, never from
/// the effects' state (an effect that is on may ring or echo for long below
/// the quiet level before its state reaches exact zero). It checks only on
/// frames that are multiples of [`END_CHECK_FRAMES`], cutting blocks there: at such a frame the engine
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
    let mut cap = opts
        .sr
        .seconds_to_frames(opts.duration.unwrap_or(opts.max_duration));
    let open_ended = opts.duration.is_none();
    let lookahead = opts.sr.seconds_to_frames(opts.lookahead);
    let hold = opts.sr.seconds_to_frames(QUIET_HOLD);
    let block = opts.block_frames.max(1);
    let mut buf = vec![0.0f32; block * 2];
    let mut report = RenderReport::default();
    let mut tail = QuietTail::default();
    loop {
        let now = engine.frame().0;
        if driver.end_frame().is_some_and(|e| now >= e.0) {
            // The performance was told where to end: its silence counts.
            report.frames += tail.flush(&mut sink);
            report.end = RenderEnd::EndMark;
            break;
        }
        let limit = driver.end_frame().map_or(cap, |e| e.0.min(cap));
        if now >= limit && open_ended && driver.end_frame().is_none() {
            if stretch_cap(driver, &mut cap, opts.sr, &mut report.left) {
                continue;
            }
        }
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
            if now.is_multiple_of(END_CHECK_FRAMES)
                && driver.is_idle_until(Frame(limit))
                && engine.has_no_voice_or_command()
                && (engine.is_idle() || tail.quiet_frames() >= hold)
            {
                if stretch_cap(driver, &mut cap, opts.sr, &mut report.left) {
                    continue;
                }
                // Nothing is left to play before the cap, and the effects
                // are off or have stayed quiet for the hold.
                report.end = RenderEnd::Quiet;
                break;
            }
            n = n.min((END_CHECK_FRAMES - now % END_CHECK_FRAMES) as usize);
        }
        report
            .errors
            .extend(driver.advance(Frame(now + n as u64 + lookahead)));
        // Offline nothing need be late: everything released goes into the
        // engine's queue before the block, however many wait.
        loop {
            driver.flush(&tx);
            let more = tx.is_full();
            engine.admit_all_offline();
            if !more {
                break;
            }
        }
        process(&mut engine, &mut buf[..n * 2]);
        grx.try_iter().for_each(drop);
        if opts.duration.is_some() {
            sink(&buf[..n * 2]);
            report.frames += n as u64;
        } else {
            report.frames += tail.push(&buf[..n * 2], &mut sink);
        }
    }
    driver.finish(engine.frame());
    let t = engine.telemetry();
    report.rendered_frames = engine.frame().0;
    report.sound_frames = tail.sound_frames();
    report.notes = driver.notes_sent();
    report.late_events = t.late_events.load(Ordering::Relaxed);
    report.dropped_notes =
        t.dropped_notes.load(Ordering::Relaxed) + t.bad_commands.load(Ordering::Relaxed);
    report.non_finite_samples = t.non_finite_samples.load(Ordering::Relaxed);
    report
}

/// When only notes (nothing that repeats: no live loop, sequence, `at()`
/// callback) are scheduled, some beyond `cap`, a cap that lets them play
/// and ring out: the last note's end plus [`QUIET_HOLD`], at most
/// [`LONGEST`]. `None` when the cap stays.
/// At the cap: moves it on when notes come after it and nothing repeats
/// (true), or notes in `left` what the cap cuts off (false).
fn stretch_cap(driver: &impl Driver, cap: &mut u64, sr: SampleRate, left: &mut Leftover) -> bool {
    if let Some(longer) = longer_cap(driver, *cap, sr) {
        *cap = longer;
        return true;
    }
    *left = Leftover {
        cap_frame: Frame(*cap),
        ..driver.leftover()
    };
    false
}

fn longer_cap(driver: &impl Driver, cap: u64, sr: SampleRate) -> Option<u64> {
    let left = driver.leftover();
    if left.repeating > 0 || left.notes == 0 {
        return None;
    }
    let ring = sr.seconds_to_frames(QUIET_HOLD) + END_CHECK_FRAMES;
    let longer = (left.last_note_end_frame.0 + ring).min(sr.seconds_to_frames(LONGEST));
    (longer > cap).then_some(longer)
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
/// can end after its last loud frame. Runs of exact zeros are counted, not
/// stored; the other quiet frames (a long reverb tail, a very quiet note) are
/// stored up to [`QuietTail::MAX_COST`] samples (32 MiB; 87 s at 48 kHz),
/// beyond which the oldest are delivered: a render that ends that long after
/// its last loud frame keeps the beginning of its quiet stretch. What is
/// delivered is a function of the samples and the end frame alone, never of
/// the block size.
struct QuietTail {
    /// Held frames, oldest first: runs of exact zeros and of other frames.
    held: VecDeque<Held>,
    /// What `held` costs: its stored samples, and 2 for each run of zeros.
    cost: usize,
    /// The most it may cost.
    max_cost: usize,
    /// Frames seen so far.
    seen_frames: u64,
    /// Frames up to and including the last loud one.
    sound_frames: u64,
}

/// A run of held frames.
enum Held {
    /// Frames whose both samples are +0.0.
    Zeros(u64),
    /// Other frames, interleaved (a deque: the oldest leave first).
    Frames(VecDeque<f32>),
}

impl Default for QuietTail {
    fn default() -> QuietTail {
        QuietTail::new(QuietTail::MAX_COST)
    }
}

impl QuietTail {
    /// Most samples held.
    const MAX_COST: usize = 1 << 23;

    /// A tail holding up to `max_cost` samples.
    fn new(max_cost: usize) -> QuietTail {
        QuietTail {
            held: VecDeque::new(),
            cost: 0,
            max_cost,
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

    /// Deliver the oldest held frames until `held` costs at most `max_cost`
    /// (all of them for 0); returns frames delivered.
    fn deliver(&mut self, max_cost: usize, sink: &mut impl FnMut(&[f32])) -> u64 {
        const ZEROS: [f32; 512] = [0.0; 512];
        let mut delivered = 0;
        while self.cost > max_cost {
            let Some(front) = self.held.front_mut() else {
                break;
            };
            match front {
                Held::Zeros(n) => {
                    delivered += *n;
                    while *n > 0 {
                        let k = (*n).min(256);
                        sink(&ZEROS[..k as usize * 2]);
                        *n -= k;
                    }
                    self.cost -= 2;
                    self.held.pop_front();
                }
                Held::Frames(v) => {
                    let k = (self.cost - max_cost).min(v.len());
                    let (a, b) = v.as_slices();
                    let from_a = k.min(a.len());
                    sink(&a[..from_a]);
                    if k > from_a {
                        sink(&b[..k - from_a]);
                    }
                    delivered += (k / 2) as u64;
                    self.cost -= k;
                    if k == v.len() {
                        self.held.pop_front();
                    } else {
                        v.drain(..k);
                    }
                }
            }
        }
        delivered
    }

    /// Deliver every held frame; returns frames delivered.
    fn flush(&mut self, sink: &mut impl FnMut(&[f32])) -> u64 {
        self.deliver(0, sink)
    }

    /// Hold quiet frames back.
    fn hold(&mut self, quiet: &[f32]) {
        for f in quiet.chunks_exact(2) {
            // Bit patterns: a -0.0 is stored, and comes back as -0.0.
            let zero = f[0].to_bits() == 0 && f[1].to_bits() == 0;
            match self.held.back_mut() {
                Some(Held::Zeros(n)) if zero => *n += 1,
                Some(Held::Frames(v)) if !zero => {
                    v.extend(f);
                    self.cost += 2;
                }
                _ => {
                    self.held.push_back(if zero {
                        Held::Zeros(1)
                    } else {
                        Held::Frames(f.iter().copied().collect())
                    });
                    self.cost += 2;
                }
            }
        }
        self.seen_frames += (quiet.len() / 2) as u64;
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
                self.seen_frames += (last + 1) as u64;
                self.sound_frames = self.seen_frames;
                quiet
            }
            None => block,
        };
        self.hold(quiet);
        delivered + self.deliver(self.max_cost, sink)
    }
}

/// Compile and dry-run a script: evaluate it and run every scheduled callback
/// up to `max_duration`, without audio. Returns every error found.
pub fn check(file: &str, src: &str, opts: &RenderOptions) -> Vec<ScriptError> {
    let printer: Printer = Rc::new(|_s: &str| {});
    let mut host = ScriptHost::new(Session::new(opts.sr, opts.block_frames as u32), printer);
    // A check reports what a render would skip: it is always strict.
    host.strict_scores = true;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream of loud frames, quiet ones, exact zeros and -0.0.
    fn stream() -> Vec<f32> {
        let mut x = Vec::new();
        for i in 0..3000u32 {
            let v = match i {
                0..=99 | 1000..=1009 => 0.5,
                100..=299 | 1500..=1799 => 0.0,
                300..=309 => -0.0,
                _ => 1e-9 * (i % 7) as f32,
            };
            x.extend_from_slice(&[v, v * 0.5]);
        }
        x
    }

    /// Push `x` in blocks of `block` frames, then flush or drop the held
    /// frames as a render ending there would.
    fn run(x: &[f32], block: usize, max_cost: usize, keep_tail: bool) -> (Vec<f32>, u64) {
        let mut tail = QuietTail::new(max_cost);
        let mut out = Vec::new();
        let mut sink = |b: &[f32]| out.extend_from_slice(b);
        let mut delivered = 0;
        for b in x.chunks(block * 2) {
            delivered += tail.push(b, &mut sink);
            assert!(tail.cost <= max_cost, "bounded: {}", tail.cost);
        }
        if keep_tail {
            delivered += tail.flush(&mut sink);
        }
        assert_eq!(tail.sound_frames(), 1010);
        assert_eq!(out.len() as u64, 2 * delivered);
        (out, delivered)
    }

    #[test]
    fn the_tail_is_cut_the_same_way_for_every_block_size() {
        let x = stream();
        let as_bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        for max_cost in [QuietTail::MAX_COST, 600, 2] {
            let (reference, n) = run(&x, 1, max_cost, false);
            for block in [2, 63, 256, 4096] {
                let (out, m) = run(&x, block, max_cost, false);
                assert_eq!((m, as_bits(&out)), (n, as_bits(&reference)), "{block}");
            }
            assert_eq!(&reference[..], &x[..reference.len()]);
            if max_cost == QuietTail::MAX_COST {
                assert_eq!(n, 1010, "cut after the last loud frame");
            } else {
                assert!(n > 1010, "a long quiet stretch keeps its start: {n}");
            }
            let (all, n) = run(&x, 63, max_cost, true);
            assert_eq!((n, as_bits(&all)), (3000, as_bits(&x)), "flushed: all");
        }
    }
}
