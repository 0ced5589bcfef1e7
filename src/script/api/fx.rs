//! Channel effects from scripts: `channel(n, #{ lowpass: 800, reverb: 0.3 })`
//! and `ch.lowpass = 1200`. Each change goes to the audio thread as a
//! timestamped command; the bus smooths it.

use super::args::{self, Res};
use crate::audio::fx::FxParam;
use crate::command::ChannelChange;
use crate::script::state::Shared;
use rhai::Dynamic;

/// Effect options, with their ranges.
pub const FX_OPTIONS: &[&str] = &[
    "lowpass",
    "highpass",
    "q",
    "reverb",
    "reverb_decay",
    "chorus",
    "delay",
    "delay_time",
    "delay_feedback",
    "tremolo",
    "tremolo_rate",
    "distortion",
    "saturation",
    "phaser",
];

/// The range of an effect option.
pub fn range(key: &str) -> (f64, f64) {
    match key {
        "lowpass" | "highpass" => (0.0, 20_000.0),
        "q" => (0.5, 20.0),
        "reverb_decay" => (0.1, 20.0),
        "delay_time" => (0.001, 4.0),
        "delay_feedback" => (0.0, 0.95),
        "tremolo_rate" => (0.1, 30.0),
        _ => (0.0, 1.0),
    }
}

/// The parameter for an option and value.
pub fn param(key: &str, x: f32) -> Option<FxParam> {
    Some(match key {
        "lowpass" => FxParam::Lowpass(x),
        "highpass" => FxParam::Highpass(x),
        "q" => FxParam::Q(x),
        "reverb" => FxParam::Reverb(x),
        "reverb_decay" => FxParam::ReverbDecay(x),
        "chorus" => FxParam::Chorus(x),
        "delay" => FxParam::Delay(x),
        "delay_time" => FxParam::DelayTime(x),
        "delay_feedback" => FxParam::DelayFeedback(x),
        "tremolo" => FxParam::Tremolo(x),
        "tremolo_rate" => FxParam::TremoloRate(x),
        "distortion" => FxParam::Distortion(x),
        "saturation" => FxParam::Saturation(x),
        "phaser" => FxParam::Phaser(x),
        _ => return None,
    })
}

/// Set an effect option on a channel, at the evaluation's frame.
pub fn set(st: &Shared, index: u8, key: &str, v: &rhai::Dynamic) -> Res<()> {
    let (lo, hi) = range(key);
    let x = args::num_in(v, "channel", key, lo, hi)? as f32;
    let mut st = st.borrow_mut();
    st.session.install_fx(index);
    if let Some(p) = param(key, x) {
        st.session.channel_change(index, ChannelChange::Fx(p));
    }
    st.session.fx_values.insert((index, key.to_string()), x);
    Ok(())
}

/// Turn every effect of a channel off (a preset starts from a clean bus).
pub fn reset(st: &Shared, index: u8) {
    let keys: Vec<String> = (st.borrow().session.fx_values.keys())
        .filter(|(ch, _)| *ch == index)
        .map(|(_, k)| k.clone())
        .collect();
    for k in keys {
        let _ = set(st, index, &k, &Dynamic::from_float(off(&k) as f64));
    }
}

/// The value that turns an effect option off: its default.
pub fn off(key: &str) -> f32 {
    match key {
        "q" => 0.707,
        "reverb_decay" => 1.5,
        "delay_time" => 0.375,
        "delay_feedback" => 0.35,
        "tremolo_rate" => 5.0,
        _ => 0.0,
    }
}
