//! The cpal backend: choose the host, the device and its config, build the
//! stream, and hand the engine to its callback once the stream is known to run.
//!
//! The stream is built and started before the engine exists: its callback
//! plays silence until a [`Renderer`] arrives through a one-slot ring
//! (lock-free, no allocation). That way a device that refuses the requested
//! config can be retried with its default (perhaps at another sample rate),
//! and the engine is built once, for the rate and block size actually in use.

use super::config::{choose_config, show, Config};
use super::convert::{DeviceSample, Renderer};
use super::event::{DeviceEvent, ShortText};
use super::xrun::XrunDetector;
use super::{DeviceError, DeviceOptions};
use crate::audio::{rt, Engine};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{OutputCallbackInfo, SampleFormat, SizedSample, StreamConfig, StreamError};
use crossbeam_channel::Sender;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a started stream may take to call back before it counts as dead.
const FIRST_CALLBACK_TIMEOUT: Duration = Duration::from_secs(2);

/// Why no stream was opened.
pub enum OpenError {
    /// No usable default device: fall back to recording (the reason, for display).
    NoDevice(String),
    /// The device the user named is missing or unusable.
    Named(DeviceError),
}

/// A running stream, playing silence until [`Opened::hand_over`].
pub struct Opened {
    /// The stream; dropping it stops the callback.
    pub stream: cpal::Stream,
    /// The sample rate in use.
    pub sr: u32,
    /// Frames the device asked for in its first callback.
    pub block_frames: u32,
    /// The device name, plus any request the device refused.
    pub description: String,
    channels: u16,
    slot: rtrb::Producer<Renderer>,
}

impl Opened {
    /// Give the engine to the callback; returns the stream.
    ///
    /// # Errors
    /// A message when the slot is taken (cannot happen: it is used once).
    pub fn hand_over(mut self, engine: Engine) -> Result<cpal::Stream, String> {
        let renderer = Renderer::new(engine, self.channels);
        match self.slot.push(renderer) {
            Ok(()) => Ok(self.stream),
            Err(_) => Err("the engine could not be handed to the audio callback".into()),
        }
    }
}

/// The hosts to try, in order: JACK first when built with the `jack` feature
/// (it has no output device unless a server runs), then the platform default.
pub fn hosts() -> Vec<cpal::Host> {
    let mut hosts = Vec::new();
    // cpal's JACK host prints "Failed to open client" when no server runs.
    #[cfg(all(feature = "jack", target_os = "linux"))]
    if super::is_verbose() || super::noise::jack_server_running() {
        if let Ok(host) = cpal::host_from_id(cpal::HostId::Jack) {
            hosts.push(host);
        }
    }
    hosts.push(cpal::default_host());
    hosts
}

/// Every output device with its name, over all [`hosts`], in order.
///
/// # Errors
/// The last enumeration error, when every host failed to enumerate.
pub fn outputs() -> Result<Vec<(cpal::Device, String)>, String> {
    let mut found = Vec::new();
    let mut failure = None;
    let mut listed = false;
    for host in hosts() {
        #[cfg(all(feature = "jack", target_os = "linux"))]
        if host.id() == cpal::HostId::Jack {
            // cpal's JACK host also offers its input client as an output.
            let out = host.default_output_device();
            found.extend(out.and_then(|d| d.name().ok().map(|n| (d, n))));
            listed = true;
            continue;
        }
        match host.output_devices() {
            Ok(devices) => {
                listed = true;
                found.extend(devices.filter_map(|d| d.name().ok().map(|n| (d, n))));
            }
            Err(e) => failure = Some(e.to_string()),
        }
    }
    match failure {
        Some(e) if !listed => Err(e),
        _ => Ok(found),
    }
}

/// Every output device's name with the host (backend) it came from.
pub fn outputs_by_host() -> Vec<(String, &'static str)> {
    let mut found = Vec::new();
    for host in hosts() {
        let backend = host.id().name();
        #[cfg(all(feature = "jack", target_os = "linux"))]
        if host.id() == cpal::HostId::Jack {
            let out = host.default_output_device();
            found.extend(out.and_then(|d| d.name().ok()).map(|n| (n, backend)));
            continue;
        }
        if let Ok(devices) = host.output_devices() {
            found.extend(devices.filter_map(|d| d.name().ok()).map(|n| (n, backend)));
        }
    }
    found
}

/// Names of the hosts' default output devices.
pub fn default_names() -> Vec<String> {
    hosts()
        .iter()
        .filter_map(|h| h.default_output_device())
        .filter_map(|d| d.name().ok())
        .collect()
}

/// Open the device `opts` names, or the first working default device.
///
/// # Errors
/// [`OpenError::Named`] when a named device is missing or fails;
/// [`OpenError::NoDevice`] when no default device works.
pub fn open(opts: &DeviceOptions, errors: &Sender<DeviceEvent>) -> Result<Opened, OpenError> {
    if let Some(wanted) = &opts.device {
        let (device, name) = find_named(wanted).map_err(OpenError::Named)?;
        return open_device(&device, &name, opts, errors)
            .map_err(|reason| OpenError::Named(DeviceError::Unusable { name, reason }));
    }
    let mut reasons = Vec::new();
    for host in hosts() {
        let Some(device) = host.default_output_device() else {
            reasons.push(format!("{}: no output device", host.id().name()));
            continue;
        };
        let name = device.name().unwrap_or_else(|_| "default".into());
        match open_device(&device, &name, opts, errors) {
            Ok(opened) => return Ok(opened),
            Err(reason) => reasons.push(format!("{name}: {reason}")),
        }
    }
    Err(OpenError::NoDevice(reasons.join("; ")))
}

/// The first output whose name contains `wanted` (ignoring case).
fn find_named(wanted: &str) -> Result<(cpal::Device, String), DeviceError> {
    let mut outputs = outputs().unwrap_or_default();
    let needle = wanted.to_lowercase();
    let pos = outputs
        .iter()
        .position(|(_, n)| n.to_lowercase().contains(&needle));
    match pos {
        Some(i) => Ok(outputs.swap_remove(i)),
        None => Err(DeviceError::NoSuchDevice {
            name: wanted.to_string(),
            available: outputs.into_iter().map(|(_, n)| n).collect(),
        }),
    }
}

/// Open one device: the requested config, else its default; start it and
/// wait for its first callback.
fn open_device(
    device: &cpal::Device,
    name: &str,
    opts: &DeviceOptions,
    errors: &Sender<DeviceEvent>,
) -> Result<Opened, String> {
    let default = device.default_output_config().map_err(|e| e.to_string())?;
    let default_config = (default.config(), default.sample_format());
    let (wanted, mut notes) = choose_config(device, &default, opts);
    let started = match run(device, &wanted, errors) {
        Err(e) if wanted != default_config => {
            notes.push(format!(
                "the device refused {} ({e}); using its default",
                show(&wanted)
            ));
            run(device, &default_config, errors)?
        }
        other => other?,
    };
    let ((stream, slot, _, (config, _)), block_frames) = started;
    let description = if notes.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({})", notes.join("; "))
    };
    Ok(Opened {
        stream,
        sr: config.sample_rate.0,
        block_frames,
        description,
        channels: config.channels,
        slot,
    })
}

type Built = (
    cpal::Stream,
    rtrb::Producer<Renderer>,
    Arc<AtomicU32>,
    Config,
);

/// Build and start a stream for `config`; wait for its first callback and
/// return its frame count.
fn run(
    device: &cpal::Device,
    config: &Config,
    errors: &Sender<DeviceEvent>,
) -> Result<(Built, u32), String> {
    let built = build(device, config, errors)?;
    built.0.play().map_err(|e| e.to_string())?;
    let block_frames = wait_first_callback(&built.2)?;
    Ok((built, block_frames))
}

/// Build a stream for `config` whose callback waits for its engine.
fn build(
    device: &cpal::Device,
    config: &Config,
    errors: &Sender<DeviceEvent>,
) -> Result<Built, String> {
    let (slot, slot_rx) = rtrb::RingBuffer::new(1);
    let first_frames = Arc::new(AtomicU32::new(0));
    let reported_xruns = Arc::new(AtomicU64::new(0));
    let cb = Callback::new(
        slot_rx,
        first_frames.clone(),
        &config.0,
        reported_xruns.clone(),
    );
    let (c, e) = (&config.0, ErrorReport::new(errors.clone(), reported_xruns));
    let stream = match config.1 {
        SampleFormat::F32 => typed::<f32>(device, c, cb, e),
        SampleFormat::F64 => typed::<f64>(device, c, cb, e),
        SampleFormat::I8 => typed::<i8>(device, c, cb, e),
        SampleFormat::I16 => typed::<i16>(device, c, cb, e),
        SampleFormat::I24 => typed::<cpal::I24>(device, c, cb, e),
        SampleFormat::I32 => typed::<i32>(device, c, cb, e),
        SampleFormat::U8 => typed::<u8>(device, c, cb, e),
        SampleFormat::U16 => typed::<u16>(device, c, cb, e),
        SampleFormat::U32 => typed::<u32>(device, c, cb, e),
        other => Err(format!("sample format {other} is not supported")),
    }?;
    Ok((stream, slot, first_frames, config.clone()))
}

fn typed<T: DeviceSample + SizedSample>(
    device: &cpal::Device,
    config: &StreamConfig,
    mut cb: Callback,
    errors: ErrorReport,
) -> Result<cpal::Stream, String> {
    device
        .build_output_stream(
            config,
            move |data: &mut [T], info: &OutputCallbackInfo| cb.run(data, info),
            move |e| errors.report(&e),
            None,
        )
        .map_err(|e| e.to_string())
}

/// The stream's error callback: an xrun is counted (the data callback adds
/// the count to the engine's telemetry), anything else goes on as a
/// [`DeviceEvent`]. Never blocks, never allocates (cpal runs it on the audio
/// thread, or on JACK's notification thread).
struct ErrorReport {
    events: Sender<DeviceEvent>,
    xruns: Arc<AtomicU64>,
}

impl ErrorReport {
    /// Report to `events`, counting xruns in `xruns`.
    fn new(events: Sender<DeviceEvent>, xruns: Arc<AtomicU64>) -> ErrorReport {
        ErrorReport { events, xruns }
    }

    /// Count or pass on one stream error (a full channel drops it).
    fn report(&self, e: &StreamError) {
        let event = match e {
            StreamError::DeviceNotAvailable => DeviceEvent::DeviceGone,
            // cpal's JACK host: "xrun (buffer over or under run)".
            StreamError::BackendSpecific { err } if err.description.contains("xrun") => {
                self.xruns.fetch_add(1, Ordering::Relaxed);
                return;
            }
            StreamError::BackendSpecific { err } => {
                DeviceEvent::Backend(ShortText::new(&err.description))
            }
        };
        let _ = self.events.try_send(event);
    }
}

/// Poll until the callback has run once; returns its frame count.
fn wait_first_callback(first_frames: &AtomicU32) -> Result<u32, String> {
    let deadline = Instant::now() + FIRST_CALLBACK_TIMEOUT;
    loop {
        match first_frames.load(Ordering::Acquire) {
            0 if Instant::now() >= deadline => {
                let s = FIRST_CALLBACK_TIMEOUT.as_secs();
                return Err(format!(
                    "the stream started but never called back within {s} s"
                ));
            }
            0 => std::thread::sleep(Duration::from_millis(1)),
            frames => return Ok(frames),
        }
    }
}

/// What the device callback owns.
struct Callback {
    slot: rtrb::Consumer<Renderer>,
    renderer: Option<Renderer>,
    first_frames: Arc<AtomicU32>,
    channels: u32,
    xruns: XrunDetector,
    /// Xruns the error callback counted, not yet in the telemetry.
    reported_xruns: Arc<AtomicU64>,
}

impl Callback {
    /// A callback for a stream of `config`, waiting for its renderer in `slot`.
    fn new(
        slot: rtrb::Consumer<Renderer>,
        first_frames: Arc<AtomicU32>,
        config: &StreamConfig,
        reported_xruns: Arc<AtomicU64>,
    ) -> Callback {
        Callback {
            slot,
            renderer: None,
            first_frames,
            channels: config.channels.max(1) as u32,
            xruns: XrunDetector::new(config.sample_rate.0),
            reported_xruns,
        }
    }

    /// The audio callback, in one guard: no allocation, lock, I/O or printing.
    fn run<T: DeviceSample>(&mut self, data: &mut [T], info: &OutputCallbackInfo) {
        let frames = data.len() / self.channels as usize;
        rt::guarded(|g| {
            let t = info.timestamp();
            let late = self.xruns.on_callback(t.callback, t.playback, frames);
            if self.renderer.is_none() {
                self.renderer = self.slot.pop().ok();
            }
            match self.renderer.as_mut() {
                Some(r) => {
                    // One xrun seen both ways (JACK) counts once.
                    let reported = self.reported_xruns.swap(0, Ordering::Relaxed);
                    let xruns = reported.max(u64::from(late));
                    if xruns > 0 {
                        r.engine().count_xruns(xruns);
                    }
                    if let Some(d) = t.playback.duration_since(&t.callback) {
                        r.engine().set_output_latency_ns(d.as_nanos() as u64);
                    }
                    r.fill(g, data);
                }
                None => data.fill(T::silence()),
            }
        });
        if self.first_frames.load(Ordering::Relaxed) == 0 {
            self.first_frames
                .store((frames as u32).max(1), Ordering::Release);
        }
    }

    /// The renderer, once handed over.
    #[cfg(test)]
    fn renderer(&self) -> Option<&Renderer> {
        self.renderer.as_ref()
    }
}

#[cfg(test)]
mod tests;
