//! Which stream config to request: the device's default, with `--sr` and
//! `--buffer` applied where the device says it supports them.

use super::DeviceOptions;
use cpal::traits::DeviceTrait;
use cpal::{BufferSize, SampleFormat, StreamConfig};

/// A stream config and the sample format to open it with.
pub type Config = (StreamConfig, SampleFormat);

/// The config for a message: rate, channels, format, buffer.
pub fn show((config, format): &Config) -> String {
    let buffer = match config.buffer_size {
        BufferSize::Fixed(n) => format!(", {n}-frame buffer"),
        BufferSize::Default => String::new(),
    };
    let (sr, ch) = (config.sample_rate.0, config.channels);
    format!("{sr} Hz, {ch} ch, {format}{buffer}")
}

/// The config to request: the default, with `--sr` and `--buffer` applied
/// where the device says it supports them; notes say what was not.
pub fn choose_config(
    device: &cpal::Device,
    default: &cpal::SupportedStreamConfig,
    opts: &DeviceOptions,
) -> (Config, Vec<String>) {
    let mut chosen = default.clone();
    let mut notes = Vec::new();
    if let Some(sr) = opts.sr.filter(|&sr| sr != default.sample_rate().0) {
        match with_rate(device, default, sr) {
            Some(c) => chosen = c,
            None => notes.push(format!(
                "the device does not offer {sr} Hz; using {} Hz",
                default.sample_rate().0
            )),
        }
    }
    let mut config = chosen.config();
    if let Some(n) = opts.buffer_frames {
        match *chosen.buffer_size() {
            cpal::SupportedBufferSize::Range { min, max } if n < min || n > max => {
                notes.push(format!(
                    "a {n}-frame buffer is outside the device's {min}..{max}; using its default"
                ))
            }
            _ => config.buffer_size = BufferSize::Fixed(n),
        }
    }
    ((config, chosen.sample_format()), notes)
}

/// A supported config at `sr`, preferring the default's channels and format.
pub fn with_rate(
    device: &cpal::Device,
    default: &cpal::SupportedStreamConfig,
    sr: u32,
) -> Option<cpal::SupportedStreamConfig> {
    let ranges: Vec<_> = device.supported_output_configs().ok()?.collect();
    let rank = |r: &cpal::SupportedStreamConfigRange| {
        (r.channels() != default.channels()) as u8 * 2
            + (r.sample_format() != default.sample_format()) as u8
    };
    let mut fitting: Vec<_> = ranges
        .into_iter()
        .filter_map(|r| Some((rank(&r), r.try_with_sample_rate(cpal::SampleRate(sr))?)))
        .collect();
    fitting.sort_by_key(|(rank, _)| *rank);
    fitting.into_iter().next().map(|(_, c)| c)
}
