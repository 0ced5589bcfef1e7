//! One channel option set at a time: the score's `c` statement (a Tactus
//! extension: `c <channel> <time> "<option>" <value>`), which the score log
//! writes for the channel state a note needs to sound the same.
//!
//! Bus options (`volume`, `max_voices`, the effects) reach the engine at
//! their time, on their frame. Synth options (`synth`, `table`, `fm_ratio`,
//! `fm_index`, `damping`, `root` in Hz, `looped`, `detune`, `sub_osc`,
//! `noise`, `vel_bright`, `pan`, `bend_range`) change the channel from their time on;
//! within a score, the notes written after the line take them.

use super::channels::{ChannelConfig, SYNTHS};
use super::fx_options;
use super::Session;
use crate::command::ChannelChange;
use crate::time::Frame;

/// Synth options a `c` statement may set, with their ranges.
const SYNTH_OPTIONS: &[(&str, f64, f64)] = &[
    ("table", 1.0, 9999.0),
    ("fm_ratio", 0.01, 64.0),
    ("fm_index", 0.0, 100.0),
    ("damping", 0.0, 1.0),
    ("root", 0.001, 1e6),
    ("looped", 0.0, 1.0),
    ("detune", 0.0, 1200.0),
    ("sub_osc", 0.0, 1.0),
    ("noise", 0.0, 1.0),
    ("vel_bright", 0.0, 1.0),
    ("pan", 0.0, 1.0),
    ("bend_range", 0.0, 48.0),
];

/// The loudest channel volume (as `channel()` allows).
const MAX_VOLUME: f64 = 4.0;

/// One option and its value.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelSet {
    /// Channel gain, linear 0-4.
    Volume(f64),
    /// Polyphony limit 1-1024.
    MaxVoices(u16),
    /// An effect option (`fx_options`) and its value.
    Fx(&'static str, f32),
    /// A synth option (see the module docs) and its value.
    Synth(&'static str, f64),
    /// The synth, by name.
    SynthName(&'static str),
}

/// A number or a name, as the statement gives the value.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    /// A number.
    Num(f64),
    /// A name (a synth).
    Str(String),
}

/// Every option a `c` statement takes, for messages.
pub fn option_names() -> Vec<&'static str> {
    let mut names = vec!["volume", "max_voices", "synth"];
    names.extend(SYNTH_OPTIONS.iter().map(|o| o.0));
    names.extend(fx_options::FX_OPTIONS);
    names
}

fn within(key: &str, x: f64, lo: f64, hi: f64) -> Result<f64, String> {
    match x.is_finite() && (lo..=hi).contains(&x) {
        true => Ok(x),
        false => Err(format!("c: {key} {x} is out of range {lo} to {hi}")),
    }
}

/// Check an option and its value.
///
/// # Errors
/// An unknown option (with the valid ones), a value out of its range, or a
/// name where a number belongs.
pub fn parse(key: &str, value: &SetValue) -> Result<ChannelSet, String> {
    if key == "synth" {
        let SetValue::Str(name) = value else {
            return Err("c: synth takes a name, such as \"saw\"".into());
        };
        return match SYNTHS.iter().find(|s| *s == name) {
            Some(s) => Ok(ChannelSet::SynthName(s)),
            None => Err(format!(
                "c: unknown synth \"{name}\"; valid synths: {}",
                SYNTHS.join(", ")
            )),
        };
    }
    let SetValue::Num(x) = *value else {
        return Err(format!("c: {key} takes a number"));
    };
    if key == "volume" {
        return within(key, x, 0.0, MAX_VOLUME).map(ChannelSet::Volume);
    }
    if key == "max_voices" {
        return within(key, x, 1.0, 1024.0).map(|m| ChannelSet::MaxVoices(m as u16));
    }
    if let Some(k) = fx_options::FX_OPTIONS.iter().find(|k| **k == key) {
        let (lo, hi) = fx_options::range(k);
        return within(key, x, lo, hi).map(|x| ChannelSet::Fx(k, x as f32));
    }
    match SYNTH_OPTIONS.iter().find(|o| o.0 == key) {
        Some(&(k, lo, hi)) => within(key, x, lo, hi).map(|x| ChannelSet::Synth(k, x)),
        None => Err(format!(
            "c: unknown channel option \"{key}\"; options: {}",
            option_names().join(", ")
        )),
    }
}

impl ChannelSet {
    /// The channel's configuration with this option set.
    pub fn apply_to(&self, c: &mut ChannelConfig) {
        match *self {
            ChannelSet::Volume(v) => c.volume = v,
            ChannelSet::MaxVoices(m) => c.max_voices = m,
            ChannelSet::Fx(..) => {}
            ChannelSet::SynthName(s) => c.synth = s,
            ChannelSet::Synth(key, x) => match key {
                "table" => {
                    c.table = Some(x as u32);
                    if c.synth != "sample" {
                        c.synth = "table";
                    }
                }
                "fm_ratio" => c.fm_ratio = x,
                "fm_index" => c.fm_index = x,
                "damping" => c.damping = x,
                "root" => c.root_hz = x,
                "looped" => c.looped = x != 0.0,
                "detune" => c.layers.detune_cents = x as f32,
                "sub_osc" => c.layers.sub_osc = x as f32,
                "noise" => c.layers.noise = x as f32,
                "vel_bright" => c.layers.vel_bright = x as f32,
                "pan" => c.pan = x,
                _ => c.bend_range = x,
            },
        }
        c.rebuild();
    }
}

impl Session {
    /// Set an option on channel index `channel` at `frame`: the engine hears
    /// a bus option on that frame.
    pub fn apply_channel_set(&mut self, channel: u8, set: &ChannelSet, frame: Frame) {
        let eval_frame = std::mem::replace(&mut self.eval_frame, frame);
        match *set {
            ChannelSet::Volume(v) => self.channel_change(channel, ChannelChange::Volume(v as f32)),
            ChannelSet::MaxVoices(m) => self.channel_change(channel, ChannelChange::MaxVoices(m)),
            ChannelSet::Fx(key, x) => {
                self.install_fx(channel);
                if let Some(p) = fx_options::param(key, x) {
                    self.channel_change(channel, ChannelChange::Fx(p));
                }
                self.fx_values.insert((channel, key.to_string()), x);
            }
            ChannelSet::Synth(..) | ChannelSet::SynthName(_) => {}
        }
        let i = channel as usize % crate::command::CHANNELS;
        self.channels.update(|all| set.apply_to(&mut all[i]));
        self.eval_frame = eval_frame;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_and_applied() {
        let num = |x| SetValue::Num(x);
        assert_eq!(parse("volume", &num(0.5)), Ok(ChannelSet::Volume(0.5)));
        assert_eq!(
            parse("lowpass", &num(800.0)),
            Ok(ChannelSet::Fx("lowpass", 800.0))
        );
        assert!(parse("volume", &num(5.0))
            .unwrap_err()
            .contains("out of range 0 to 4"));
        assert!(parse("wah", &num(1.0))
            .unwrap_err()
            .contains("options: volume, max_voices"));
        assert!(parse("synth", &num(1.0)).is_err());
        let mut c = ChannelConfig::default();
        parse("synth", &SetValue::Str("fm".into()))
            .unwrap()
            .apply_to(&mut c);
        parse("fm_ratio", &num(1.5)).unwrap().apply_to(&mut c);
        assert_eq!(
            c.source,
            crate::command::Source::Fm {
                ratio: 1.5,
                index: 3.0
            }
        );
    }
}
