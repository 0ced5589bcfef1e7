//! GM programs 33-64: bass, strings, ensemble, brass.

use super::gm::{env, o, p, syn, Gm};

/// Programs 33-64 (wire 32-63).
#[rustfmt::skip]
pub const PART: [Gm; 32] = [
    // Bass
    p("acoustic_bass", 28, 67, &[syn("pluck"), o("damping", 0.7), o("sub_osc", 0.4), env(0.002, 0.1, 1.0, 0.15), o("lowpass", 2000.0), o("volume", 0.931)]),
    p("electric_bass_finger", 28, 67, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 1.5), env(0.003, 0.8, 0.4, 0.1), o("lowpass", 1200.0), o("volume", 0.564)]),
    p("electric_bass_pick", 28, 67, &[syn("pluck"), o("damping", 0.05), env(0.001, 0.4, 0.5, 0.1), o("highpass", 90.0), o("lowpass", 4000.0), o("q", 2.0), o("volume", 0.793)]),
    p("fretless_bass", 28, 67, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.7), env(0.03, 0.6, 0.7, 0.15), o("chorus", 0.25), o("volume", 0.521)]),
    p("slap_bass_1", 28, 67, &[syn("pluck"), o("damping", 0.1), env(0.001, 0.3, 0.3, 0.1), o("distortion", 0.2), o("highpass", 80.0), o("volume", 0.924)]),
    p("slap_bass_2", 28, 67, &[syn("fm"), o("fm_ratio", 2.0), o("fm_index", 3.0), env(0.001, 0.35, 0.25, 0.08), o("volume", 0.509)]),
    p("synth_bass_1", 28, 67, &[syn("saw"), o("sub_osc", 0.3), env(0.003, 0.3, 0.5, 0.1), o("lowpass", 1600.0), o("q", 4.0), o("volume", 0.466)]),
    p("synth_bass_2", 28, 67, &[syn("square"), o("detune", 8.0), env(0.003, 0.25, 0.6, 0.08), o("lowpass", 1500.0), o("q", 6.0), o("volume", 0.334)]),
    // Strings
    p("violin", 55, 103, &[syn("saw"), env(0.12, 0.2, 0.85, 0.3), o("lowpass", 3500.0), o("tremolo", 0.08), o("tremolo_rate", 5.5), o("reverb", 0.2), o("volume", 0.616)]),
    p("viola", 48, 91, &[syn("saw"), o("detune", 4.0), env(0.2, 0.2, 0.85, 0.3), o("lowpass", 3000.0), o("chorus", 0.1), o("reverb", 0.3), o("volume", 0.635)]),
    p("cello", 36, 76, &[syn("saw"), o("sub_osc", 0.2), env(0.15, 0.2, 0.85, 0.3), o("lowpass", 3000.0), o("reverb", 0.2), o("volume", 0.573)]),
    p("contrabass", 28, 67, &[syn("saw"), o("sub_osc", 0.4), env(0.18, 0.2, 0.85, 0.3), o("lowpass", 2000.0), o("volume", 0.543)]),
    p("tremolo_strings", 36, 96, &[syn("saw"), o("detune", 8.0), env(0.1, 0.2, 0.85, 0.3), o("lowpass", 3000.0), o("tremolo", 0.7), o("tremolo_rate", 9.0), o("volume", 0.621)]),
    p("pizzicato_strings", 28, 96, &[syn("pluck"), o("damping", 0.75), env(0.001, 0.3, 0.0, 0.2), o("lowpass", 2500.0), o("reverb", 0.25), o("volume", 2.04)]),
    p("orchestral_harp", 24, 103, &[syn("pluck"), o("damping", 0.3), env(0.001, 0.1, 1.0, 0.8), o("lowpass", 4000.0), o("reverb", 0.35), o("volume", 1.43)]),
    p("timpani", 40, 60, &[syn("fm"), o("fm_ratio", 1.5), o("fm_index", 1.5), o("noise", 0.1), env(0.002, 1.2, 0.0, 0.6), o("lowpass", 700.0), o("reverb", 0.3), o("volume", 0.458)]),
    // Ensemble
    p("string_ensemble_1", 28, 96, &[syn("saw"), o("detune", 7.0), env(0.12, 0.3, 0.9, 0.5), o("lowpass", 4500.0), o("phaser", 0.3), o("reverb", 0.3), o("volume", 0.521)]),
    p("string_ensemble_2", 28, 96, &[syn("saw"), o("detune", 15.0), env(0.4, 0.3, 0.9, 0.8), o("lowpass", 2200.0), o("reverb", 0.45), o("reverb_decay", 3.0), o("volume", 0.389)]),
    p("synth_strings_1", 36, 96, &[syn("saw"), o("detune", 20.0), env(0.05, 0.3, 0.8, 0.4), o("lowpass", 5000.0), o("phaser", 0.5), o("volume", 0.757)]),
    p("synth_strings_2", 36, 96, &[syn("square"), o("detune", 12.0), env(0.3, 0.3, 0.8, 0.5), o("lowpass", 2000.0), o("chorus", 0.6), o("volume", 0.312)]),
    p("choir_aahs", 48, 79, &[syn("triangle"), o("detune", 6.0), env(0.25, 0.3, 0.9, 0.5), o("lowpass", 2000.0), o("q", 3.0), o("chorus", 0.5), o("reverb", 0.4), o("volume", 0.443)]),
    p("voice_oohs", 48, 79, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.7), o("sub_osc", 0.2), env(0.2, 0.3, 0.9, 0.4), o("chorus", 0.4), o("reverb", 0.3), o("volume", 0.467)]),
    p("synth_voice", 48, 84, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.6), env(0.1, 0.3, 0.85, 0.4), o("chorus", 0.6), o("tremolo", 0.1), o("volume", 0.556)]),
    p("orchestra_hit", 36, 84, &[syn("saw"), o("detune", 25.0), o("sub_osc", 0.5), o("noise", 0.1), env(0.001, 0.35, 0.0, 0.3), o("reverb", 0.4), o("volume", 0.592)]),
    // Brass
    p("trumpet", 54, 86, &[syn("saw"), env(0.02, 0.1, 0.9, 0.1), o("highpass", 300.0), o("saturation", 0.35), o("volume", 0.833)]),
    p("trombone", 40, 72, &[syn("saw"), env(0.05, 0.15, 0.8, 0.12), o("lowpass", 1500.0), o("volume", 0.634)]),
    p("tuba", 28, 58, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 2.0), o("sub_osc", 0.4), env(0.06, 0.15, 0.8, 0.12), o("lowpass", 1200.0), o("volume", 0.522)]),
    p("muted_trumpet", 54, 82, &[syn("saw"), env(0.02, 0.15, 0.7, 0.08), o("highpass", 600.0), o("lowpass", 2500.0), o("q", 5.0), o("volume", 0.427)]),
    p("french_horn", 41, 77, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 1.2), o("sub_osc", 0.2), env(0.08, 0.2, 0.85, 0.2), o("lowpass", 1500.0), o("reverb", 0.35), o("volume", 0.48)]),
    p("brass_section", 36, 84, &[syn("saw"), o("detune", 12.0), env(0.05, 0.2, 0.8, 0.15), o("lowpass", 2800.0), o("reverb", 0.2), o("volume", 0.511)]),
    p("synth_brass_1", 36, 84, &[syn("saw"), o("detune", 15.0), env(0.005, 0.6, 0.4, 0.3), o("lowpass", 1200.0), o("q", 6.0), o("volume", 0.46)]),
    p("synth_brass_2", 36, 84, &[syn("square"), o("detune", 10.0), env(0.02, 0.3, 0.7, 0.2), o("lowpass", 1500.0), o("q", 2.0), o("phaser", 0.3), o("volume", 0.397)]),
];
