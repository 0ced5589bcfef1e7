//! Audio input: a cpal capture stream whose callback hands the samples to
//! the engine (a live input's ring, see [`crate::audio::input`]) and to a
//! recording of the raw input (a [`Tap`] whose writer thread owns the file).
//!
//! One capture stream serves both. The callback is audio-thread code (one
//! guard, no allocation, lock, I/O or printing): it converts to `f32` in a
//! scratch buffer allocated before the stream starts, pushes into the rings
//! (a full ring counts the frames it could not take), and takes its orders
//! (a new ring, a recording to start or stop) from a small lock-free queue.
//! What it lets go of (an old ring, a finished tap) goes back through a
//! second queue, to be dropped on the control side.
//!
//! cpal has no duplex stream: capture and playback are two streams (two
//! JACK clients, `cpal_client_in` and `cpal_client_out`, on one clock under
//! JACK). The engine's reader absorbs any clock difference.

use super::cpal_out::hosts;
use crate::audio::tap::Tap;
use callback::{Callback, Order, Returned};

#[cfg(test)]
mod tests;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, InputCallbackInfo, SampleFormat, SizedSample, StreamConfig};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod callback;

/// Samples the callback converts at a time (longer buffers go in chunks).
const SCRATCH_SAMPLES: usize = 16_384;
/// Orders and returns waiting between the control side and the callback.
const QUEUE: usize = 8;
/// How long a started capture may take to deliver its first buffer.
const FIRST_BUFFER_TIMEOUT: Duration = Duration::from_secs(2);

/// Why no capture stream was opened.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// A device was named and none matches.
    #[error("no audio input matches \"{name}\"; {}", list(.available))]
    NoSuchDevice {
        /// What was asked for.
        name: String,
        /// The inputs there are.
        available: Vec<String>,
    },
    /// No device was named and no default input works.
    #[error("no audio input device could be opened ({reasons}); {}", list(.available))]
    NoDevice {
        /// Why each default failed.
        reasons: String,
        /// The inputs there are.
        available: Vec<String>,
    },
    /// The device exists but cannot capture as asked.
    #[error("audio input \"{name}\" cannot be used: {reason}")]
    Unusable {
        /// The device.
        name: String,
        /// What failed.
        reason: String,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "this machine has no audio inputs".into()
    } else {
        format!("available inputs: {}", names.join(", "))
    }
}

/// What the capture callback counts, shared with the control side.
#[derive(Debug, Default)]
pub struct CaptureStats {
    /// Frames the device delivered.
    pub frames: AtomicU64,
    /// Frames the live input's ring had no room for.
    pub dropped_frames: AtomicU64,
    /// Frames in the device's first buffer (0 until it arrives).
    pub first_block: AtomicU32,
}

/// A running capture stream, seen from the control side.
pub struct Capture {
    stream: cpal::Stream,
    /// The device's name.
    pub name: String,
    /// Channels captured (1 or 2).
    pub channels: u16,
    /// Frames per capture buffer (its first).
    pub block_frames: u32,
    /// The callback's counters.
    pub stats: Arc<CaptureStats>,
    orders: rtrb::Producer<Order>,
    returned: rtrb::Consumer<Returned>,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("name", &self.name)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

impl Capture {
    /// Open the input whose name contains `device` (ignoring case), or the
    /// first default input that works; capture `channels` channels (default:
    /// up to 2) at `sr_hz`, and wait for the first buffer.
    ///
    /// # Errors
    /// [`CaptureError::NoSuchDevice`] (listing the inputs) when `device`
    /// matches none; [`CaptureError::NoDevice`] when no default input
    /// opens; [`CaptureError::Unusable`] when the device refuses the rate,
    /// the channels, or never delivers a buffer.
    pub fn open(
        device: Option<&str>,
        channels: Option<u16>,
        sr_hz: u32,
    ) -> Result<Capture, CaptureError> {
        super::quietly(|| open_quietly(device, channels, sr_hz))
    }

    /// Feed `ring` (interleaved, [`Capture::channels`] wide) from now on,
    /// or stop feeding any with `None`. False when the order queue is full.
    pub fn monitor(&mut self, ring: Option<rtrb::Producer<f32>>) -> bool {
        self.orders.push(Order::Monitor(ring)).is_ok()
    }

    /// Record the raw input into `tap` from the next buffer. Gives the tap
    /// back when the order queue is full.
    pub fn record(&mut self, tap: Box<Tap>) -> Result<(), Box<Tap>> {
        if self.orders.slots() == 0 {
            return Err(tap);
        }
        let _ = self.orders.push(Order::Record(tap)); // room checked above
        Ok(())
    }

    /// End the recording at the next buffer (its tap comes back through
    /// [`Capture::collect`]). False when the order queue is full.
    pub fn stop_record(&mut self) -> bool {
        self.orders.push(Order::StopRecord).is_ok()
    }

    /// Drop what the callback let go of; returns the ids of the recording
    /// taps among them (each one's writer then finishes).
    pub fn collect(&mut self) -> Vec<u64> {
        let mut ended = Vec::new();
        while let Ok(r) = self.returned.pop() {
            match r {
                Returned::Tap(t) => ended.push(t.id()),
                Returned::Ring(ring) => drop(ring),
            }
        }
        ended
    }

    /// Stop the stream (dropping the callback, its rings and any tap).
    pub fn close(self) {
        drop(self.stream);
    }
}

/// Every input device with its name, over all hosts, in order.
pub fn inputs() -> Vec<(cpal::Device, String)> {
    let mut found = Vec::new();
    for host in hosts() {
        #[cfg(all(feature = "jack", target_os = "linux"))]
        if host.id() == cpal::HostId::Jack {
            let dev = host.default_input_device();
            found.extend(dev.and_then(|d| d.name().ok().map(|n| (d, n))));
            continue;
        }
        if let Ok(devices) = host.input_devices() {
            found.extend(devices.filter_map(|d| d.name().ok().map(|n| (d, n))));
        }
    }
    found
}

/// Ok when an input's name contains `wanted` (ignoring case).
///
/// # Errors
/// [`CaptureError::NoSuchDevice`], listing the inputs there are.
pub fn check_name(wanted: &str) -> Result<(), CaptureError> {
    let names = input_names();
    let needle = wanted.to_lowercase();
    if names.iter().any(|n| n.to_lowercase().contains(&needle)) {
        return Ok(());
    }
    Err(CaptureError::NoSuchDevice {
        name: wanted.to_string(),
        available: names,
    })
}

/// The input devices' names (for messages and `tactus devices`).
pub fn input_names() -> Vec<String> {
    super::quietly(|| inputs().into_iter().map(|(_, n)| n).collect())
}

fn open_quietly(
    device: Option<&str>,
    channels: Option<u16>,
    sr_hz: u32,
) -> Result<Capture, CaptureError> {
    if let Some(wanted) = device {
        let mut all = inputs();
        let needle = wanted.to_lowercase();
        let Some(i) = all
            .iter()
            .position(|(_, n)| n.to_lowercase().contains(&needle))
        else {
            return Err(CaptureError::NoSuchDevice {
                name: wanted.to_string(),
                available: all.into_iter().map(|(_, n)| n).collect(),
            });
        };
        let (dev, name) = all.swap_remove(i);
        return start(&dev, &name, channels, sr_hz)
            .map_err(|reason| CaptureError::Unusable { name, reason });
    }
    let mut reasons = Vec::new();
    for host in hosts() {
        let Some(dev) = host.default_input_device() else {
            reasons.push(format!("{}: no input device", host.id().name()));
            continue;
        };
        let name = dev.name().unwrap_or_else(|_| "default".into());
        match start(&dev, &name, channels, sr_hz) {
            Ok(c) => return Ok(c),
            Err(e) => reasons.push(format!("{name}: {e}")),
        }
    }
    Err(CaptureError::NoDevice {
        reasons: reasons.join("; "),
        available: inputs().into_iter().map(|(_, n)| n).collect(),
    })
}

/// The config to capture with: the device's default at `sr_hz`, `channels` wide.
fn config_for(
    dev: &cpal::Device,
    channels: Option<u16>,
    sr_hz: u32,
) -> Result<(StreamConfig, SampleFormat), String> {
    let default = dev.default_input_config().map_err(|e| e.to_string())?;
    let want_ch = channels.unwrap_or(default.channels().min(2)).clamp(1, 2);
    let ranges: Vec<_> = dev
        .supported_input_configs()
        .map_err(|e| e.to_string())?
        .collect();
    let fits = |r: &&cpal::SupportedStreamConfigRange| {
        r.channels() == want_ch && r.min_sample_rate().0 <= sr_hz && r.max_sample_rate().0 >= sr_hz
    };
    let same_format = ranges
        .iter()
        .filter(fits)
        .find(|r| r.sample_format() == default.sample_format());
    match same_format.or_else(|| ranges.iter().find(fits)) {
        Some(r) => {
            let c = r.clone().with_sample_rate(cpal::SampleRate(sr_hz));
            Ok((c.config(), c.sample_format()))
        }
        None => Err(format!(
            "it cannot capture {want_ch} channel(s) at {sr_hz} Hz (its default is {} ch at {} Hz)",
            default.channels(),
            default.sample_rate().0
        )),
    }
}

/// Build and start a capture stream on `dev`; wait for its first buffer.
fn start(
    dev: &cpal::Device,
    name: &str,
    channels: Option<u16>,
    sr_hz: u32,
) -> Result<Capture, String> {
    let (config, format) = config_for(dev, channels, sr_hz)?;
    let stats = Arc::new(CaptureStats::default());
    let (cb, orders, returned) = Callback::new(config.channels as usize, stats.clone());
    let stream = match format {
        SampleFormat::F32 => typed::<f32>(dev, &config, cb),
        SampleFormat::I16 => typed::<i16>(dev, &config, cb),
        SampleFormat::I32 => typed::<i32>(dev, &config, cb),
        SampleFormat::U16 => typed::<u16>(dev, &config, cb),
        SampleFormat::F64 => typed::<f64>(dev, &config, cb),
        other => Err(format!("sample format {other} is not supported for input")),
    }?;
    stream.play().map_err(|e| e.to_string())?;
    let deadline = Instant::now() + FIRST_BUFFER_TIMEOUT;
    while stats.first_block.load(Ordering::Acquire) == 0 {
        if Instant::now() >= deadline {
            return Err(format!(
                "the capture stream started but delivered nothing within {} s",
                FIRST_BUFFER_TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(Capture {
        stream,
        name: name.to_string(),
        channels: config.channels,
        block_frames: stats.first_block.load(Ordering::Acquire),
        stats,
        orders,
        returned,
    })
}

fn typed<T>(
    dev: &cpal::Device,
    config: &StreamConfig,
    mut cb: Callback,
) -> Result<cpal::Stream, String>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    dev.build_input_stream(
        config,
        move |data: &[T], _: &InputCallbackInfo| cb.run(data),
        // Errors arrive as silence (the control side sees no frames); the
        // error callback may not print or allocate.
        |_| {},
        None,
    )
    .map_err(|e| e.to_string())
}
