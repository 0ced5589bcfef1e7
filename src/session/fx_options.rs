//! The effect options of a channel (`lowpass`, `reverb`, ...): names,
//! ranges, "off" values and the engine parameter each sets. One table read
//! by `channel()`, `cc()`, saved sessions and score `c` statements.

use crate::audio::fx::FxParam;

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

/// The option name and value of an engine parameter (the inverse of [`param`]).
pub fn name(p: FxParam) -> (&'static str, f32) {
    use FxParam::*;
    match p {
        Lowpass(x) => ("lowpass", x),
        Highpass(x) => ("highpass", x),
        Q(x) => ("q", x),
        Reverb(x) => ("reverb", x),
        ReverbDecay(x) => ("reverb_decay", x),
        Chorus(x) => ("chorus", x),
        Delay(x) => ("delay", x),
        DelayTime(x) => ("delay_time", x),
        DelayFeedback(x) => ("delay_feedback", x),
        Tremolo(x) => ("tremolo", x),
        TremoloRate(x) => ("tremolo_rate", x),
        Distortion(x) => ("distortion", x),
        Saturation(x) => ("saturation", x),
        Phaser(x) => ("phaser", x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_names_its_parameter_and_back() {
        for key in FX_OPTIONS {
            let p = param(key, 0.25).expect("a parameter");
            assert_eq!(name(p), (*key, 0.25));
        }
    }
}
