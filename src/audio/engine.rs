//! The synthesis engine: the audio thread's state and its `process` call.
//!
//! Each block: pull commands from the channel into the frame-ordered pending
//! queue, then walk the block. Voice-local commands (note on, release) are
//! applied up front (a voice knows the frame where it starts or releases);
//! global ones (table swap, channel change, all-off, recording start and
//! stop) split the block so they land on their exact frame. Old tables go
//! back through the garbage channel. Recording taps copy the finished block.

use super::env::Env;
use super::fx::ChannelFx;
use super::input::InputSource;
use super::meter::Level;
use super::mix::{pan_gains, soft_clip, Ramp};
use super::queue::PendingQueue;
use super::rt;
use super::table::TableBank;
use super::tap::Tap;
use super::voice::{phase_inc, Biquad, Kind, Voice};
use super::voice_build;
use crate::command::{
    CcParam, CcTarget, ChannelChange, Command, Garbage, NoteOn, Source, CHANNELS,
};
use crate::time::{Frame, SampleRate};
use crossbeam_channel::{Receiver, Sender};
use groups::{Group, Span, GROUPS};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use workers::Workers;

/// The longest block processed in one piece; longer device buffers are split.
pub const MAX_BLOCK: usize = 4096;
/// Recordings of the master output that can run at once.
pub const MAX_TAPS: usize = 4;

/// Fixed capacities, chosen before the stream starts.
#[derive(Debug, Clone, Copy)]
pub struct EngineConfig {
    /// Sample rate.
    pub sr: SampleRate,
    /// Voices across all channels.
    pub max_voices: usize,
    /// Commands waiting for their frame.
    pub pending_capacity: usize,
    /// Old buffers held when the garbage channel is full.
    pub overflow_capacity: usize,
    /// Fade applied to a stolen voice, in seconds.
    pub steal_fade_s: f64,
    /// Ramp for channel volume changes, in seconds.
    pub smoothing_s: f64,
    /// Soft clip on the master.
    pub soft_clip: bool,
    /// Threads that render the voice groups (offline only: the live engine
    /// keeps 1). The samples do not depend on it.
    pub threads: usize,
}

impl EngineConfig {
    /// Defaults at a sample rate.
    pub fn new(sr: SampleRate) -> EngineConfig {
        EngineConfig {
            sr,
            max_voices: 1024,
            pending_capacity: 8192,
            overflow_capacity: 256,
            steal_fade_s: 0.005,
            smoothing_s: 0.010,
            soft_clip: true,
            threads: 1,
        }
    }
}

/// Counters and gauges the audio thread publishes (read from any thread).
#[derive(Debug, Default)]
pub struct Telemetry {
    /// First frame of the next block: the master clock.
    pub frame: AtomicU64,
    /// Events that arrived after their frame (played at the block start).
    pub late_events: AtomicU64,
    /// Notes dropped because every voice was busy.
    pub dropped_notes: AtomicU64,
    /// Voices sounding at the end of the last block.
    pub active_voices: AtomicU64,
    /// Replaced buffers leaked because every return slot was full.
    pub leaked_buffers: AtomicU64,
    /// Commands that named a channel or table out of range.
    pub bad_commands: AtomicU64,
    /// The device callback's worst processing time over the last second,
    /// in thousandths of its buffer's duration (set by the device layer).
    pub load_permille: AtomicU64,
    /// Time spent computing blocks so far, ns (with [`Self::budget_ns`],
    /// the average load).
    pub busy_ns: AtomicU64,
    /// The real duration of the blocks computed so far, ns.
    pub budget_ns: AtomicU64,
    /// Buffer under/overruns the device reported.
    pub xruns: AtomicU64,
    /// The audio clock against the wall clock (see [`Telemetry::frame_at`]):
    /// a sequence count, odd while the pair below is being written.
    pub clock_seq: AtomicU64,
    /// The frame at which the last `process` call began.
    pub clock_frame: AtomicU64,
    /// When it began, in nanoseconds since [`crate::time::wall_epoch`].
    pub clock_nanos: AtomicU64,
    /// How long after its callback a block leaves the speaker, in ns, as
    /// the device reports it (0 when it does not): Link's timing uses it.
    pub output_latency_ns: AtomicU64,
    /// Ableton Link read in the callback (when Link is on).
    pub link: crate::sync::link_tap::LinkTap,
    /// Samples that were not finite numbers (NaN, inf), silenced before an
    /// effect chain or the output could keep them.
    pub non_finite_samples: AtomicU64,
    /// No sound card: the fallback's clock thread renders the blocks (its
    /// "xruns" are blocks it computed late).
    pub no_device: std::sync::atomic::AtomicBool,
    /// Level meters of every channel and the master.
    pub meters: super::meter::Meters,
}

impl Telemetry {
    /// The last (frame, nanoseconds since the epoch) pair, read consistently.
    pub fn clock(&self) -> Option<(u64, u64)> {
        for _ in 0..8 {
            let s1 = self.clock_seq.load(Ordering::Acquire);
            let f = self.clock_frame.load(Ordering::Acquire);
            let n = self.clock_nanos.load(Ordering::Acquire);
            let s2 = self.clock_seq.load(Ordering::Acquire);
            if s1 == s2 && s1 % 2 == 0 {
                return (s1 > 0).then_some((f, n));
            }
        }
        None
    }

    /// The audio frame that was playing at wall time `t` (extrapolated from
    /// the last callback at `sr`); `None` before the first callback.
    pub fn frame_at(&self, t: std::time::Instant, sr: crate::time::SampleRate) -> Option<u64> {
        let (f, n) = self.clock()?;
        let t_ns = crate::time::nanos_since_epoch(t) as f64;
        let frames = (t_ns - n as f64) * 1e-9 * sr.hz();
        Some((f as f64 + frames).round().max(0.0) as u64)
    }

    /// The wall time at which audio frame `frame` plays (extrapolated from
    /// the last callback at `sr`); `None` before the first callback.
    pub fn instant_at(
        &self,
        frame: u64,
        sr: crate::time::SampleRate,
    ) -> Option<std::time::Instant> {
        let (f, n) = self.clock()?;
        let ns = n as f64 + (frame as f64 - f as f64) / sr.hz() * 1e9;
        Some(crate::time::wall_epoch() + std::time::Duration::from_nanos(ns.max(0.0) as u64))
    }

    fn publish_clock(&self, frame: u64, at: std::time::Instant) {
        self.clock_seq.fetch_add(1, Ordering::AcqRel);
        self.clock_frame.store(frame, Ordering::Release);
        let ns = crate::time::nanos_since_epoch(at);
        self.clock_nanos.store(ns, Ordering::Release);
        self.clock_seq.fetch_add(1, Ordering::AcqRel);
    }
}

/// A channel's bus on the audio thread.
struct Bus {
    volume: Ramp,
    fx: Option<Box<ChannelFx>>,
    /// Controller maps of this channel, by controller number.
    cc: [Option<CcTarget>; 128],
    max_voices: u16,
    /// Voices not being stolen.
    held: u16,
    /// Voices still sounding (stolen ones included).
    sounding: u16,
    left: Box<[f32]>,
    right: Box<[f32]>,
    /// Pitch bend the channel glides to, semitones.
    bend_target: f32,
    /// Pitch bend now, semitones (moves toward the target every
    /// [`BEND_STEP_FRAMES`] frames of the audio clock).
    bend_now: f32,
    /// A live input played on this bus, before its effects (`input(ch)`).
    input: Option<Box<InputSource>>,
    /// Its level, after volume and effects, for the meters.
    level: Level,
}

/// Pitch bend moves in steps on this grid of absolute frames, so the output
/// does not depend on the block size. 64 frames is 1.3 ms at 48 kHz: a glide
/// of many small steps, heard as smooth.
pub const BEND_STEP_FRAMES: u64 = 64;

/// The fraction of the remaining distance a bend covers each step: about
/// 30 ms (23 steps at 48 kHz) from a full 2-semitone bend to within
/// 0.05 cent of it.
const BEND_GLIDE: f32 = 0.3;

/// Pitch ratio of a bend in semitones.
fn bend_ratio(semitones: f32) -> f64 {
    (semitones as f64 / 12.0).exp2()
}

/// Replace every sample that is not a finite number by silence; how many.
fn silence_non_finite(x: &mut [f32]) -> u64 {
    let mut bad = 0u64;
    for v in x.iter_mut() {
        let ok = v.is_finite();
        bad += u64::from(!ok);
        *v = if ok { *v } else { 0.0 };
    }
    bad
}

/// Silence the non-finite samples of a stereo pair and add their number to
/// the telemetry count `status()` and the render report show.
fn silence_and_count(telemetry: &Telemetry, left: &mut [f32], right: &mut [f32]) {
    let bad = silence_non_finite(left) + silence_non_finite(right);
    if bad > 0 {
        telemetry
            .non_finite_samples
            .fetch_add(bad, Ordering::Relaxed);
    }
}

/// Fade a voice out from frame `at`; it stops counting toward its
/// channel's polyphony (a voice already fading keeps the earlier end).
fn fade_out(v: &mut Voice, bus: &mut Bus, at: u64, fade: u32) {
    v.env.release(at, fade);
    if !v.stolen {
        v.stolen = true;
        bus.held -= 1;
    }
}

impl Bus {
    /// An effect is on or still ringing.
    fn fx_active(&self) -> bool {
        self.fx.as_ref().is_some_and(|f| f.active())
    }

    /// Something to render: voices, a live input, or effects ringing.
    fn is_live(&self) -> bool {
        self.sounding > 0 || self.input.is_some() || self.fx_active()
    }
}

/// The synthesis engine. Build it on the control side, then move it to the
/// audio thread and call [`Engine::process`] from the callback.
pub struct Engine {
    cfg: EngineConfig,
    commands: Receiver<Command>,
    garbage: Sender<Garbage>,
    overflow: Vec<Garbage>,
    pending: PendingQueue,
    tables: TableBank,
    /// Every voice, in [`GROUPS`] groups (see [`groups`]).
    groups: Box<[Group]>,
    /// Voices started so far: the next voice's start number.
    started: u64,
    /// Voices sounding, across groups (at most `cfg.max_voices`).
    voice_count: usize,
    /// Plucked strings ringing, across groups (at most [`voice_build::STRINGS`]).
    plucks: usize,
    /// Threads rendering groups beside this one (offline only).
    workers: Option<Workers>,
    buses: Vec<Bus>,
    master_l: Box<[f32]>,
    master_r: Box<[f32]>,
    /// Recordings of the master output (fixed capacity: no allocation).
    taps: [Option<Box<Tap>>; MAX_TAPS],
    frame: u64,
    steal_fade: u32,
    smoothing: u32,
    telemetry: Arc<Telemetry>,
    /// Link's audio session state, captured each callback.
    link_capture: crate::sync::link_tap::LinkCapture,
    /// The master's level, before the soft clipper, for the meters.
    master_level: Level,
}

impl Engine {
    /// Build an engine reading `commands` and returning old buffers through
    /// `garbage`. Allocates everything it will ever use.
    pub fn new(cfg: EngineConfig, commands: Receiver<Command>, garbage: Sender<Garbage>) -> Engine {
        // Fix the wall-clock epoch here, not in the first callback.
        let _ = crate::time::wall_epoch();
        let block = || vec![0.0f32; MAX_BLOCK].into_boxed_slice(); // rt: Engine::new, before the stream
        let buses = (0..CHANNELS)
            .map(|_| Bus {
                volume: Ramp::new(1.0),
                fx: None,
                cc: [None; 128],
                max_voices: 128,
                held: 0,
                sounding: 0,
                left: block(),
                right: block(),
                bend_target: 0.0,
                bend_now: 0.0,
                input: None,
                level: Level::default(),
            })
            .collect(); // rt: Engine::new, before the stream
        Engine {
            commands,
            garbage,
            overflow: Vec::with_capacity(cfg.overflow_capacity), // rt: Engine::new, before the stream
            pending: PendingQueue::with_capacity(cfg.pending_capacity), // rt: Engine::new, before the stream
            tables: TableBank::new(),
            groups: (0..GROUPS).map(|_| Group::new(cfg.max_voices)).collect(), // rt: Engine::new, before the stream
            started: 0,
            voice_count: 0,
            plucks: 0,
            workers: (cfg.threads > 1).then(|| Workers::start(cfg.threads.min(GROUPS))),
            buses,
            master_l: block(),
            master_r: block(),
            taps: Default::default(),
            frame: 0,
            steal_fade: cfg
                .sr
                .seconds_to_frames(crate::time::Seconds(cfg.steal_fade_s))
                .max(1) as u32,
            smoothing: cfg
                .sr
                .seconds_to_frames(crate::time::Seconds(cfg.smoothing_s))
                .max(1) as u32,
            telemetry: Arc::new(Telemetry::default()), // rt: Engine::new, before the stream
            link_capture: Default::default(),          // rt: Engine::new, before the stream
            master_level: Level::default(),
            cfg,
        }
    }

    /// The counters this engine publishes.
    pub fn telemetry(&self) -> Arc<Telemetry> {
        self.telemetry.clone() // rt: an Arc (no allocation), taken on the control side
    }

    /// The frame the next block starts at.
    pub fn frame(&self) -> Frame {
        Frame(self.frame)
    }

    /// Number of sounding voices.
    pub fn active_voices(&self) -> usize {
        self.voice_count
    }

    /// Threads rendering the voices (1, or `cfg.threads` offline when they
    /// could be started, at most [`GROUPS`]).
    pub fn threads(&self) -> usize {
        self.workers.as_ref().map_or(1, Workers::threads)
    }

    /// True when nothing sounds and nothing waits (the channel included).
    pub fn is_idle(&self) -> bool {
        self.has_no_voice_or_command() && self.buses.iter().all(|b| !b.fx_active())
    }

    /// True when no voice sounds and no command waits (the channel
    /// included); effects may still ring, or be on with nothing to process.
    pub fn has_no_voice_or_command(&self) -> bool {
        self.voice_count == 0 && self.pending.is_empty() && self.commands.is_empty()
    }

    /// Fill `out` (interleaved stereo, any length) with the next frames,
    /// inside the real-time guard ([`rt::guarded`]).
    pub fn process(&mut self, out: &mut [f32]) {
        rt::guarded(|g| self.process_in(g, out));
    }

    /// [`Engine::process`] for a caller already inside the guard (a device
    /// callback that guards its whole body): one guard per callback.
    pub fn process_in(&mut self, _guard: &rt::InGuard, out: &mut [f32]) {
        let started = std::time::Instant::now();
        self.telemetry.publish_clock(self.frame, started);
        let latency_ns = self.telemetry.output_latency_ns.load(Ordering::Relaxed);
        let tap = &self.telemetry.link;
        tap.capture(self.frame, latency_ns, &mut self.link_capture);
        for chunk in out.chunks_mut(MAX_BLOCK * 2) {
            self.process_block(chunk);
        }
        // Load: processing time over the block's real duration (the worst
        // since `status()` last read it). Reading the clock neither allocates
        // nor blocks.
        let budget_s = (out.len() / 2) as f64 / self.cfg.sr.hz();
        let busy_s = started.elapsed().as_secs_f64();
        let permille = (busy_s / budget_s.max(1e-9) * 1000.0) as u64;
        let t = &self.telemetry;
        t.load_permille.fetch_max(permille, Ordering::Relaxed);
        t.busy_ns
            .fetch_add((busy_s * 1e9) as u64, Ordering::Relaxed);
        t.budget_ns
            .fetch_add((budget_s * 1e9) as u64, Ordering::Relaxed);
    }

    /// Count `n` buffers the output could not deliver in time (the device
    /// layer detects them; `status()` shows the total).
    pub fn count_xruns(&self, n: u64) {
        self.telemetry.xruns.fetch_add(n, Ordering::Relaxed);
    }

    /// The device's output latency, in ns (see [`Telemetry::output_latency_ns`]).
    pub fn set_output_latency_ns(&self, ns: u64) {
        self.telemetry
            .output_latency_ns
            .store(ns, Ordering::Relaxed);
    }

    fn process_block(&mut self, out: &mut [f32]) {
        let n = out.len() / 2;
        let t0 = self.frame;
        let end = t0 + n as u64;
        self.return_overflow();
        self.pull_commands();
        self.master_l[..n].fill(0.0);
        self.master_r[..n].fill(0.0);
        let mut cursor = t0;
        while let Some(cmd) = self.pending.pop_before(end) {
            if cmd.frame().0 < t0 {
                self.telemetry.late_events.fetch_add(1, Ordering::Relaxed);
            }
            if cmd.is_voice_local() {
                self.apply_voice_local(cmd, t0);
            } else {
                let at = cmd.frame().0.max(cursor);
                self.render_range(cursor, at, t0);
                cursor = at;
                self.apply_global(cmd, at);
            }
        }
        self.render_range(cursor, end, t0);
        self.write_output(out, n);
        self.publish_levels(n);
        self.feed_taps(&out[..n * 2], t0, end);
        self.frame = end;
        self.telemetry.frame.store(end, Ordering::Release);
        self.telemetry
            .active_voices
            .store(self.voice_count as u64, Ordering::Relaxed);
    }

    /// Offline only (allocates; call between blocks, outside the guard):
    /// move every command waiting in the channel into the pending queue,
    /// growing the queue when it is full, so that a burst larger than the
    /// live capacity still starts on its frames. Live, the queue keeps its
    /// fixed capacity and what does not fit arrives late (counted).
    pub fn admit_all_offline(&mut self) {
        loop {
            self.pull_commands();
            if self.commands.is_empty() {
                return;
            }
            self.pending.grow(self.pending.len().max(1024));
        }
    }

    fn pull_commands(&mut self) {
        while self.pending.has_room() {
            match self.commands.try_recv() {
                Ok(cmd) => {
                    if let Err(cmd) = self.pending.push(cmd) {
                        self.dispose(cmd);
                    }
                }
                Err(_) => break,
            }
        }
    }

    fn apply_voice_local(&mut self, cmd: Command, t0: u64) {
        match cmd {
            Command::Note(note) => self.start_note(&note, t0),
            Command::Release { frame, id } => {
                let at = frame.0.max(t0);
                let voices = self.groups.iter_mut().flat_map(|g| g.voices_mut());
                for v in voices.filter(|v| v.id == id && !v.stolen) {
                    v.env.release(at, v.release_len);
                }
            }
            other => self.dispose(other),
        }
    }

    fn start_note(&mut self, note: &NoteOn, t0: u64) {
        let ch = note.channel as usize;
        if ch >= CHANNELS {
            self.telemetry.bad_commands.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let start = note.frame.0.max(t0);
        if self.buses[ch].held >= self.buses[ch].max_voices {
            self.steal_oldest(ch, start);
        }
        let is_pluck = matches!(note.source, Source::Pluck { .. });
        // A full pool of strings refuses a pluck as one shared pool would.
        if self.voice_count >= self.cfg.max_voices
            || (is_pluck && self.plucks >= voice_build::STRINGS)
        {
            self.telemetry.dropped_notes.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let sr = self.cfg.sr.hz();
        let g = (self.started % GROUPS as u64) as usize;
        let strings = self.groups[g].strings_mut();
        let Some((slot, kind)) = voice_build::kind(note, sr, strings) else {
            self.telemetry.dropped_notes.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let (pl, pr) = pan_gains(note.pan);
        // A drum voice takes the velocity itself; a hat chokes its group.
        let amp = match kind {
            Kind::Drum(_, group) => {
                self.choke(ch, group, start);
                1.0
            }
            _ => note.amp,
        };
        let voice = Voice {
            id: note.id,
            channel: note.channel,
            slot,
            phase: 0,
            inc: phase_inc(note.freq_hz, sr),
            gain_l: amp * pl,
            gain_r: amp * pr,
            start,
            env: Env::new(note.env, start),
            stolen: false,
            release_len: note.env.release,
            filter: voice_build::filter(note, sr).map(Biquad::new),
            kind,
            layers: voice_build::layers(note, sr),
            unbent: Default::default(),
        };
        let bend = self.buses[ch].bend_now;
        let Some(v) = self.groups[g].push(voice, self.started) else {
            return;
        };
        v.keep_unbent();
        if bend != 0.0 {
            v.set_bend(bend_ratio(bend));
        }
        self.started += 1;
        self.voice_count += 1;
        self.plucks += usize::from(matches!(v.kind, Kind::Pluck(_)));
        self.buses[ch].held += 1;
        self.buses[ch].sounding += 1;
    }

    /// Choke the ringing drums of a choke group on a channel from frame
    /// `at` (the choking hit's frame, not the block's start).
    fn choke(&mut self, ch: usize, group: Option<u8>, at: u64) {
        let Some(g) = group else { return };
        let voices = self.groups.iter_mut().flat_map(|g| g.voices_mut());
        for v in voices.filter(|v| v.channel as usize == ch) {
            let age = at.saturating_sub(v.start).min(u32::MAX as u64) as u32;
            if let Kind::Drum(d, Some(vg)) = &mut v.kind {
                if *vg == g {
                    d.choke_at(age);
                }
            }
        }
    }

    /// Fade out the oldest held voice of a channel, starting at `at`.
    fn steal_oldest(&mut self, ch: usize, at: u64) {
        let fade = self.steal_fade;
        let oldest = (self.groups.iter().enumerate())
            .filter_map(|(g, group)| Some((group.oldest_held(ch as u8)?, g)))
            .min();
        if let Some(((_, i), g)) = oldest {
            let v = &mut self.groups[g].voices_mut()[i];
            fade_out(v, &mut self.buses[ch], at, fade);
        }
    }

    fn apply_global(&mut self, cmd: Command, at: u64) {
        match cmd {
            Command::Table { number, table, .. } => match self.tables.replace(number, table) {
                Ok(Some(old)) => self.dispose_garbage(Garbage::Table(old)),
                Ok(None) => {}
                Err(rejected) => {
                    self.telemetry.bad_commands.fetch_add(1, Ordering::Relaxed);
                    if let Some(t) = rejected {
                        self.dispose_garbage(Garbage::Table(t));
                    }
                }
            },
            Command::Channel {
                channel, change, ..
            } => match self.buses.get_mut(channel as usize) {
                Some(bus) => match change {
                    // A silent bus cannot click: jump straight there.
                    ChannelChange::Volume(v) if bus.sounding == 0 => bus.volume = Ramp::new(v),
                    ChannelChange::Volume(v) => bus.volume.set(v, self.smoothing),
                    ChannelChange::MaxVoices(m) => bus.max_voices = m.max(1),
                    ChannelChange::Bend(st) if st.is_finite() => {
                        bus.bend_target = st.clamp(-48.0, 48.0);
                        if bus.sounding == 0 {
                            bus.bend_now = bus.bend_target;
                        }
                    }
                    ChannelChange::Bend(_) => {
                        self.telemetry.bad_commands.fetch_add(1, Ordering::Relaxed);
                    }
                    ChannelChange::Fx(p) => match bus.fx.as_mut() {
                        // Nothing has gone through it and nothing sounds:
                        // no click is possible, so no sweep either.
                        Some(fx) if fx.is_fresh() && bus.sounding == 0 => fx.set_at_once(p),
                        Some(fx) => fx.set(p),
                        None => {}
                    },
                },
                None => {
                    self.telemetry.bad_commands.fetch_add(1, Ordering::Relaxed);
                }
            },
            Command::CcMap {
                cc,
                channel,
                target,
                ..
            } => {
                for (i, bus) in self.buses.iter_mut().enumerate() {
                    if channel.is_none_or(|c| c as usize == i) {
                        if let Some(slot) = bus.cc.get_mut(cc as usize) {
                            *slot = Some(target);
                        }
                    }
                }
            }
            Command::Cc { cc, value, .. } => {
                let smoothing = self.smoothing;
                for bus in self.buses.iter_mut() {
                    if let Some(t) = bus.cc.get(cc as usize).copied().flatten() {
                        let x = t.min + (t.max - t.min) * (value.min(127) as f32 / 127.0);
                        match t.param {
                            // As a volume change: at once on a silent bus
                            // (so a score log's `c` replays it exactly).
                            CcParam::Volume if bus.sounding == 0 => bus.volume = Ramp::new(x),
                            CcParam::Volume => bus.volume.set(x, smoothing),
                            CcParam::Fx(p) => {
                                if let Some(fx) = bus.fx.as_mut() {
                                    fx.set(p.with_value(x));
                                }
                            }
                        }
                    }
                }
            }
            Command::InstallFx { channel, fx, .. } => match self.buses.get_mut(channel as usize) {
                Some(bus) => {
                    if let Some(old) = bus.fx.replace(fx) {
                        self.dispose_garbage(Garbage::Fx(old));
                    }
                }
                None => self.dispose_garbage(Garbage::Fx(fx)),
            },
            Command::AllOff { .. } => {
                let fade = self.steal_fade;
                for v in self.groups.iter_mut().flat_map(|g| g.voices_mut()) {
                    fade_out(v, &mut self.buses[v.channel as usize], at, fade);
                }
            }
            Command::RecordStart { mut tap, .. } => {
                tap.start_at(at);
                match self.taps.iter_mut().find(|t| t.is_none()) {
                    Some(slot) => *slot = Some(tap),
                    None => {
                        self.telemetry.bad_commands.fetch_add(1, Ordering::Relaxed);
                        self.dispose_garbage(Garbage::Tap(tap));
                    }
                }
            }
            Command::RecordStop { id, .. } => {
                for tap in self.taps.iter_mut().flatten().filter(|t| t.id() == id) {
                    tap.stop_at(at);
                }
            }
            Command::InputStart { source, .. } => self.start_input(source),
            Command::InputStop { channel, .. } => {
                let old = self
                    .buses
                    .get_mut(channel as usize)
                    .and_then(|b| b.input.take());
                if let Some(old) = old {
                    self.dispose_garbage(Garbage::Input(old));
                }
            }
            other => self.dispose(other),
        }
    }

    /// Put a live input on its channel's bus; the one it replaces goes back.
    fn start_input(&mut self, source: Box<InputSource>) {
        match self.buses.get_mut(source.channel() as usize) {
            Some(bus) => {
                if let Some(old) = bus.input.replace(source) {
                    self.dispose_garbage(Garbage::Input(old));
                }
            }
            None => self.dispose(Command::InputStart {
                frame: Frame(0),
                source,
            }),
        }
    }

    /// Render `[from, to)`; while a channel's bend is gliding, in pieces
    /// that end on the [`BEND_STEP_FRAMES`] grid, stepping the bends there.
    fn render_range(&mut self, from: u64, to: u64, t0: u64) {
        let mut a = from;
        while a < to {
            if !self.buses.iter().any(|b| b.bend_now != b.bend_target) {
                self.render_span(a, to, t0);
                return;
            }
            let b = ((a / BEND_STEP_FRAMES + 1) * BEND_STEP_FRAMES).min(to);
            self.render_span(a, b, t0);
            if b.is_multiple_of(BEND_STEP_FRAMES) {
                self.step_bends();
            }
            a = b;
        }
    }

    /// Move every gliding bend one step and retune its channel's voices.
    fn step_bends(&mut self) {
        let mut ratios = [None; CHANNELS];
        for (bus, r) in self.buses.iter_mut().zip(ratios.iter_mut()) {
            if bus.bend_now != bus.bend_target {
                let d = bus.bend_target - bus.bend_now;
                bus.bend_now = if d.abs() < 5e-4 {
                    bus.bend_target
                } else {
                    bus.bend_now + d * BEND_GLIDE
                };
                *r = Some(bend_ratio(bus.bend_now));
            }
        }
        for v in self.groups.iter_mut().flat_map(|g| g.voices_mut()) {
            if let Some(r) = ratios[v.channel as usize & (CHANNELS - 1)] {
                v.set_bend(r);
            }
        }
    }

    /// Render every voice over `[from, to)` and mix the buses into the master.
    fn render_span(&mut self, from: u64, to: u64, t0: u64) {
        if to <= from {
            return;
        }
        let (a, b) = ((from - t0) as usize, (to - t0) as usize);
        for bus in self.buses.iter_mut().filter(|b| b.is_live()) {
            bus.left[a..b].fill(0.0);
            bus.right[a..b].fill(0.0);
        }
        self.render_groups(Span { from, to, t0 });
        for (ch, bus) in self.buses.iter_mut().enumerate() {
            if !bus.is_live() {
                bus.volume.skip((b - a) as u32);
                continue;
            }
            for group in self.groups.iter() {
                group.add_into(ch, a, b, &mut bus.left, &mut bus.right);
            }
            if let Some(input) = bus.input.as_mut() {
                input.add_to(&mut bus.left[a..b], &mut bus.right[a..b]);
            }
            if let Some(fx) = bus.fx.as_mut() {
                // A non-finite sample would stay in a filter's or reverb's
                // state for good: it is silenced before the chain sees it.
                silence_and_count(&self.telemetry, &mut bus.left[a..b], &mut bus.right[a..b]);
                fx.process(&mut bus.left[a..b], &mut bus.right[a..b]);
            }
            if bus.volume.moving() {
                for j in a..b {
                    let g = bus.volume.value();
                    let (l, r) = (bus.left[j] * g, bus.right[j] * g);
                    self.master_l[j] += l;
                    self.master_r[j] += r;
                    bus.level.add(l, r);
                    bus.volume.tick();
                }
            } else {
                // A steady volume: the same products and sums, in passes
                // the compiler runs eight frames a vector (the bus holds
                // its scaled samples until the next span clears it).
                let g = bus.volume.value();
                let (l, r) = (&mut bus.left[a..b], &mut bus.right[a..b]);
                super::mix::scale_into(l, g, &mut self.master_l[a..b]);
                super::mix::scale_into(r, g, &mut self.master_r[a..b]);
                bus.level.add_block(l, r);
                bus.volume.skip((b - a) as u32);
            }
        }
        self.free_finished();
    }

    /// Every group renders its voices over `span` into its partials: on
    /// the workers' threads and this one when there is enough to share.
    fn render_groups(&mut self, span: Span) {
        let work = self.voice_count * (span.to - span.from) as usize;
        match self.workers.as_ref() {
            Some(w) if work >= workers::MIN_PARALLEL_WORK => {
                w.render(&mut self.groups, &self.tables, span)
            }
            _ => {
                for group in self.groups.iter_mut() {
                    group.render(&self.tables, span);
                }
            }
        }
    }

    fn free_finished(&mut self) {
        let buses = &mut self.buses;
        let (mut voices, mut plucks) = (0, 0);
        for group in self.groups.iter_mut() {
            group.free_finished(|v| {
                voices += 1;
                plucks += usize::from(matches!(v.kind, Kind::Pluck(_)));
                let bus = &mut buses[v.channel as usize];
                bus.sounding -= 1;
                if !v.stolen {
                    bus.held -= 1;
                }
            });
        }
        self.voice_count -= voices;
        self.plucks -= plucks;
    }

    /// Copy the block (frames `t0..end`) into each recording's ring; a
    /// recording that has stopped goes back as garbage.
    fn feed_taps(&mut self, out: &[f32], t0: u64, end: u64) {
        for i in 0..MAX_TAPS {
            let Some(tap) = self.taps[i].as_mut() else {
                continue;
            };
            tap.push(out, t0);
            if tap.is_done(end) {
                if let Some(tap) = self.taps[i].take() {
                    self.dispose_garbage(Garbage::Tap(tap));
                }
            }
        }
    }

    /// End the block for every meter: the buses' and the master's.
    fn publish_levels(&mut self, n: usize) {
        let sr = self.cfg.sr.0 as f32;
        let meters = &self.telemetry.meters;
        for (bus, cell) in self.buses.iter_mut().zip(meters.channels.iter()) {
            bus.level.publish(cell, n, sr);
            cell.set_voices(u32::from(bus.sounding));
        }
        self.master_level.publish(&meters.master, n, sr);
    }

    fn write_output(&mut self, out: &mut [f32], n: usize) {
        let clip = self.cfg.soft_clip;
        let mut over = 0u64;
        let (l, r) = (&mut self.master_l[..n], &mut self.master_r[..n]);
        silence_and_count(&self.telemetry, l, r);
        self.master_level.add_block(l, r);
        for (j, frame) in out.chunks_exact_mut(2).take(n).enumerate() {
            let (l, r) = (self.master_l[j], self.master_r[j]);
            over += u64::from(l.abs() > 1.0 || r.abs() > 1.0);
            if clip {
                frame[0] = soft_clip(l);
                frame[1] = soft_clip(r);
            } else {
                frame[0] = l;
                frame[1] = r;
            }
        }
        if over > 0 {
            let clips = &self.telemetry.meters.clipped_samples;
            clips.fetch_add(over, Ordering::Relaxed);
        }
    }

    /// A command that cannot be applied: whatever it owns goes back through
    /// the garbage channel ([`Command::into_garbage`]), never freed here.
    fn dispose(&mut self, cmd: Command) {
        self.telemetry.bad_commands.fetch_add(1, Ordering::Relaxed);
        if let Some(g) = cmd.into_garbage() {
            self.dispose_garbage(g);
        }
    }

    fn dispose_garbage(&mut self, g: Garbage) {
        if let Err(e) = self.garbage.try_send(g) {
            let g = e.into_inner();
            if self.overflow.len() < self.overflow.capacity() {
                self.overflow.push(g);
            } else {
                // Never free on the audio thread: leak it and count.
                std::mem::forget(g);
                self.telemetry
                    .leaked_buffers
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn return_overflow(&mut self) {
        while let Some(g) = self.overflow.pop() {
            if let Err(e) = self.garbage.try_send(g) {
                self.overflow.push(e.into_inner());
                break;
            }
        }
    }
}

pub mod groups;
#[cfg(test)]
mod tests;
mod workers;
