//! Audio output: a cpal stream whose callback runs the [`Engine`], or, when
//! there is no usable device, a real-time fallback that records to WAV.
//!
//! [`start`] chooses the device (the one `--device` names, else the
//! default), requests `--sr` and `--buffer` (falling back to the device's
//! default config if it refuses, and saying so in
//! [`OutputInfo::description`]), starts the stream, waits for its first
//! callback, then builds the engine for the rate and block size in use and
//! hands it to the callback. The callback converts the engine's interleaved
//! stereo `f32` to the device's channels and sample format in a scratch
//! buffer allocated beforehand ([`convert`]); it never allocates, locks,
//! prints or does I/O.
//!
//! With no usable default device (cpal's ALSA host still reports a
//! `default` device on a machine with no sound card; opening it fails), the
//! session runs on the fallback instead: the engine is driven at real-time
//! pace in 256-frame blocks and what it plays is recorded to a 32-bit float
//! WAV file. A device the user named that is missing or fails is an error
//! ([`DeviceError::NoSuchDevice`] lists the outputs there are).
//!
//! # Threads
//! The device thread (cpal's) or the fallback clock thread owns the engine;
//! the fallback's writer thread owns the WAV file. Device errors after start
//! arrive on [`RunningOutput::errors`] as small [`DeviceEvent`] values (the
//! audio side builds no strings): poll it with `try_recv` (never block on it
//! with `recv` or in `select!`: its sender is on the audio side). Xruns are
//! not events: they are counted in the engine's telemetry (`status()`).

pub mod capture;
mod config;
pub mod convert;
mod cpal_out;
mod event;
mod fallback;
mod noise;
#[cfg(test)]
mod tests;
mod xrun;

pub use event::{DeviceEvent, ShortText};

use crate::audio::Engine;
use crate::time::SampleRate;
use cpal_out::OpenError;
use crossbeam_channel::{Receiver, Sender};
use std::path::{Path, PathBuf};
use thiserror::Error;

pub use fallback::BLOCK_FRAMES as FALLBACK_BLOCK_FRAMES;

/// Sample rate of the fallback when `--sr` is not given.
pub const FALLBACK_SR: u32 = 48_000;
/// Device errors kept until read; later ones are dropped.
const ERROR_CAPACITY: usize = 64;

/// Errors of the audio output layer.
#[derive(Debug, Error)]
pub enum DeviceError {
    /// `--device NAME` matched no output.
    #[error("no audio output matches \"{name}\"; {}", list_names(.available))]
    NoSuchDevice {
        /// What the user asked for.
        name: String,
        /// The outputs there are.
        available: Vec<String>,
    },
    /// The named output exists but cannot be opened or started.
    #[error("audio output \"{name}\" cannot be used: {reason}")]
    Unusable {
        /// The device's full name.
        name: String,
        /// What failed.
        reason: String,
    },
    /// The outputs cannot be listed.
    #[error("cannot list audio outputs: {0}")]
    List(String),
    /// No device, and the fallback cannot start either.
    #[error("no usable audio output ({reason}), and the fallback failed: {source}")]
    NoOutput {
        /// Why no device was usable.
        reason: String,
        /// Why the fallback failed.
        #[source]
        source: Box<DeviceError>,
    },
    /// The fallback's WAV file cannot be created, written or finalised.
    #[error("cannot record to {}: {source}", path.display())]
    Recording {
        /// The WAV file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: hound::Error,
    },
    /// A thread cannot be spawned.
    #[error("cannot start a thread: {0}")]
    Thread(#[source] std::io::Error),
    /// A fallback thread panicked.
    #[error("the {0} thread panicked")]
    ThreadPanicked(&'static str),
}

fn list_names(names: &[String]) -> String {
    if names.is_empty() {
        "no audio outputs were found".into()
    } else {
        format!("available: {}", names.join(", "))
    }
}

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceOptions {
    /// `--device NAME`: the first output whose name contains NAME (ignoring
    /// case); `None` for the default output.
    pub device: Option<String>,
    /// `--buffer FRAMES`: the device buffer to request.
    pub buffer_frames: Option<u32>,
    /// `--sr HZ`: the sample rate to request (and the fallback's rate).
    pub sr: Option<u32>,
}

/// What is actually running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputInfo {
    /// The sample rate the engine runs at.
    pub sr: SampleRate,
    /// Frames per block: the device's first callback, or the fallback's block.
    pub block_frames: u32,
    /// The device name, with any request it refused; or
    /// `no audio device: recording to X.wav`.
    pub description: String,
    /// True when running on the fallback (no device).
    pub fallback: bool,
    /// Why the fallback was taken (the device errors), for a verbose report.
    pub fallback_reason: Option<String>,
}

enum Backend {
    Device(cpal::Stream),
    Fallback(fallback::Fallback),
}

/// Keeps the output running; dropping it stops the stream (or the fallback
/// threads) cleanly and finalises any WAV file.
pub struct RunningOutput {
    info: OutputInfo,
    errors: Receiver<DeviceEvent>,
    backend: Backend,
}

impl std::fmt::Debug for RunningOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningOutput")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl RunningOutput {
    /// What is running.
    pub fn info(&self) -> &OutputInfo {
        &self.info
    }

    /// Errors reported by the device after start (e.g. the device vanished),
    /// or by the fallback's recorder, to print; the session keeps its state.
    /// Poll with `try_recv`: the sender is on the audio side, and a blocked
    /// receiver makes the sender take a lock to wake it.
    pub fn errors(&self) -> &Receiver<DeviceEvent> {
        &self.errors
    }

    /// Stop the output and finalise any WAV file.
    ///
    /// # Errors
    /// [`DeviceError::Recording`] when the fallback's WAV could not be written
    /// or finalised; [`DeviceError::ThreadPanicked`] if a fallback thread panicked.
    pub fn stop(self) -> Result<(), DeviceError> {
        match self.backend {
            Backend::Device(stream) => {
                drop(stream);
                Ok(())
            }
            Backend::Fallback(mut f) => f.stop().map(|_| ()),
        }
    }
}

/// Open the output: choose the config, build the engine for its sample rate
/// via `make_engine(sr, block_frames)`, and start the stream; with no usable
/// device, start the real-time fallback that records to `fallback_wav`.
///
/// # Errors
/// [`DeviceError::NoSuchDevice`] when `opts.device` names no output;
/// [`DeviceError::Unusable`] when the named output fails to open or start;
/// [`DeviceError::NoOutput`] when there is no usable device and the fallback
/// cannot start (e.g. the WAV cannot be created).
pub fn start(
    opts: &DeviceOptions,
    fallback_wav: &Path,
    make_engine: impl FnOnce(SampleRate, u32) -> Engine,
) -> Result<RunningOutput, DeviceError> {
    let (tx, rx) = crossbeam_channel::bounded(ERROR_CAPACITY);
    match quietly(|| cpal_out::open(opts, &tx)) {
        Ok(opened) => {
            let sr = SampleRate(opened.sr);
            let info = OutputInfo {
                sr,
                block_frames: opened.block_frames,
                description: opened.description.clone(),
                fallback: false,
                fallback_reason: None,
            };
            let stream = opened
                .hand_over(make_engine(sr, info.block_frames))
                .map_err(|reason| DeviceError::Unusable {
                    name: info.description.clone(),
                    reason,
                })?;
            let backend = Backend::Device(stream);
            Ok(RunningOutput {
                info,
                errors: rx,
                backend,
            })
        }
        Err(OpenError::Named(e)) => Err(e),
        Err(OpenError::NoDevice(reason)) => run_fallback(
            opts.sr,
            fallback_wav,
            make_engine,
            (tx, rx),
            Some(reason.clone()),
        )
        .map_err(|e| DeviceError::NoOutput {
            reason,
            source: Box::new(e),
        }),
    }
}

/// Start the real-time fallback directly (no device is tried): the engine
/// runs at real-time pace in [`FALLBACK_BLOCK_FRAMES`]-frame blocks at `sr`
/// (default [`FALLBACK_SR`]) and its output is recorded to `wav`.
///
/// # Errors
/// [`DeviceError::Recording`] when `wav` cannot be created;
/// [`DeviceError::Thread`] when a thread cannot be spawned.
pub fn start_fallback(
    sr: Option<u32>,
    wav: &Path,
    make_engine: impl FnOnce(SampleRate, u32) -> Engine,
) -> Result<RunningOutput, DeviceError> {
    let channel = crossbeam_channel::bounded(ERROR_CAPACITY);
    run_fallback(sr, wav, make_engine, channel, None)
}

fn run_fallback(
    sr: Option<u32>,
    wav: &Path,
    make_engine: impl FnOnce(SampleRate, u32) -> Engine,
    (tx, rx): (Sender<DeviceEvent>, Receiver<DeviceEvent>),
    reason: Option<String>,
) -> Result<RunningOutput, DeviceError> {
    let sr = SampleRate(sr.filter(|&sr| sr > 0).unwrap_or(FALLBACK_SR));
    let block_frames = fallback::BLOCK_FRAMES as u32;
    let running = fallback::start(make_engine(sr, block_frames), sr, wav, tx)?;
    let info = OutputInfo {
        sr,
        block_frames,
        description: format!("no audio device: recording to {}", wav.display()),
        fallback: true,
        fallback_reason: reason,
    };
    let backend = Backend::Fallback(running);
    Ok(RunningOutput {
        info,
        errors: rx,
        backend,
    })
}

/// How often [`forward_events`] looks for a device event in a live session.
pub const EVENT_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// Hand each event of `events` to `show` until every sender is gone (the
/// output stopped). Polls with `try_recv` every `poll`, never blocking on the
/// channel: its sender is on the audio side (STYLE.md rule 5).
pub fn forward_events(
    events: &Receiver<DeviceEvent>,
    poll: std::time::Duration,
    mut show: impl FnMut(DeviceEvent),
) {
    loop {
        match events.try_recv() {
            Ok(e) => show(e),
            Err(crossbeam_channel::TryRecvError::Empty) => std::thread::sleep(poll),
            Err(crossbeam_channel::TryRecvError::Disconnected) => return,
        }
    }
}

/// Each output device's backend (cpal host name: "ALSA", "JACK"), by device name.
pub fn output_backends() -> Vec<(String, &'static str)> {
    quietly(cpal_out::outputs_by_host)
}

/// Output device names (for `tactus devices`), and which is the default.
///
/// # Errors
/// [`DeviceError::List`] when no audio host can enumerate its devices.
pub fn list_outputs() -> Result<Vec<(String, bool)>, DeviceError> {
    let (outputs, defaults) = quietly(|| (cpal_out::outputs(), cpal_out::default_names()));
    let outputs = outputs.map_err(DeviceError::List)?;
    Ok(outputs
        .into_iter()
        .map(|(_, name)| {
            let is_default = defaults.contains(&name);
            (name, is_default)
        })
        .collect())
}

/// Show the libraries' own lines (see [`quietly`]): `tactus devices --verbose`.
static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Let alsa-lib, libjack and cpal's JACK host print their own lines while
/// devices are probed and opened (`tactus devices --verbose`), instead of
/// dropping them.
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// `--verbose`, or `TACTUS_DEBUG_AUDIO` set: the libraries' lines are shown.
fn is_verbose() -> bool {
    VERBOSE.load(std::sync::atomic::Ordering::Relaxed)
        || std::env::var_os("TACTUS_DEBUG_AUDIO").is_some()
}

/// Run `f` (which probes or opens devices) with the libraries' own lines
/// dropped where they are made ([`noise`]): alsa-lib and the JACK client
/// print error lines while cpal probes a machine with no sound card, and
/// they would bury the one clear line Tactus prints. `--verbose`
/// ([`set_verbose`]) or `TACTUS_DEBUG_AUDIO=1` keeps them.
pub(crate) fn quietly<R>(f: impl FnOnce() -> R) -> R {
    let verbose = is_verbose();
    noise::jack_logger(verbose);
    if verbose {
        return f();
    }
    let _alsa = noise::AlsaHushed::new();
    f()
}
