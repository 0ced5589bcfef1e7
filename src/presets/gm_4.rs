//! GM programs 97-128: synth effects, ethnic, percussive, sound effects.

use super::gm::{env, o, p, syn, Gm};

/// Programs 97-128 (wire 96-127).
#[rustfmt::skip]
pub const PART: [Gm; 32] = [
    // Synth effects
    p("fx_1_rain", 48, 96, &[syn("pluck"), o("damping", 0.2), env(0.001, 0.1, 1.0, 0.5), o("highpass", 800.0), o("delay", 0.5), o("delay_time", 0.19), o("delay_feedback", 0.6), o("reverb", 0.4), o("volume", 1.09)]),
    p("fx_2_soundtrack", 36, 96, &[syn("fm"), o("fm_ratio", 0.5), o("fm_index", 3.0), env(1.0, 0.5, 0.8, 2.0), o("reverb", 0.6), o("reverb_decay", 5.0), o("volume", 0.428)]),
    p("fx_3_crystal", 48, 108, &[syn("fm"), o("fm_ratio", 7.0), o("fm_index", 2.0), env(0.001, 2.0, 0.0, 1.5), o("delay", 0.3), o("reverb", 0.4), o("volume", 0.375)]),
    p("fx_4_atmosphere", 36, 96, &[syn("pluck"), o("damping", 0.4), env(0.001, 0.1, 1.0, 1.5), o("chorus", 0.6), o("reverb", 0.5), o("reverb_decay", 4.0), o("volume", 1.14)]),
    p("fx_5_brightness", 48, 96, &[syn("fm"), o("fm_ratio", 4.0), o("fm_index", 2.5), env(0.3, 0.5, 0.8, 1.0), o("highpass", 1200.0), o("chorus", 0.5), o("reverb", 0.5), o("volume", 0.725)]),
    p("fx_6_goblins", 36, 84, &[syn("fm"), o("fm_ratio", 0.25), o("fm_index", 5.0), env(0.4, 0.5, 0.8, 1.0), o("tremolo", 0.6), o("tremolo_rate", 3.0), o("phaser", 0.5), o("volume", 0.658)]),
    p("fx_7_echoes", 36, 96, &[syn("square"), env(0.01, 0.3, 0.6, 0.3), o("lowpass", 2000.0), o("delay", 0.6), o("delay_time", 0.3), o("delay_feedback", 0.6), o("volume", 0.382)]),
    p("fx_8_sci_fi", 36, 96, &[syn("fm"), o("fm_ratio", 2.41), o("fm_index", 6.0), env(0.05, 0.5, 0.7, 0.8), o("tremolo", 0.5), o("tremolo_rate", 11.0), o("reverb", 0.3), o("volume", 0.492)]),
    // Ethnic
    p("sitar", 48, 84, &[syn("pluck"), o("damping", 0.15), env(0.001, 0.1, 1.0, 0.4), o("lowpass", 3000.0), o("q", 6.0), o("distortion", 0.15), o("volume", 0.528)]),
    p("banjo", 48, 84, &[syn("pluck"), o("damping", 0.4), env(0.001, 0.6, 0.0, 0.1), o("highpass", 400.0), o("volume", 1.11)]),
    p("shamisen", 50, 79, &[syn("pluck"), o("damping", 0.6), env(0.001, 0.1, 1.0, 0.15), o("highpass", 600.0), o("distortion", 0.2), o("volume", 0.942)]),
    p("koto", 48, 91, &[syn("pluck"), o("damping", 0.1), env(0.001, 0.1, 1.0, 0.6), o("highpass", 300.0), o("lowpass", 5000.0), o("q", 3.0), o("reverb", 0.2), o("volume", 0.654)]),
    p("kalimba", 60, 96, &[syn("fm"), o("fm_ratio", 7.0), o("fm_index", 0.5), env(0.001, 0.6, 0.0, 0.4), o("lowpass", 3000.0), o("volume", 0.428)]),
    p("bagpipe", 55, 81, &[syn("saw"), o("detune", 5.0), o("sub_osc", 0.4), env(0.02, 0.1, 0.95, 0.1), o("highpass", 300.0), o("lowpass", 3000.0), o("q", 2.0), o("volume", 0.303)]),
    p("fiddle", 55, 96, &[syn("saw"), env(0.05, 0.15, 0.85, 0.15), o("highpass", 500.0), o("q", 3.0), o("tremolo", 0.2), o("tremolo_rate", 6.5), o("distortion", 0.1), o("volume", 0.493)]),
    p("shanai", 60, 91, &[syn("saw"), env(0.03, 0.1, 0.9, 0.1), o("highpass", 1000.0), o("q", 4.0), o("saturation", 0.5), o("tremolo", 0.15), o("tremolo_rate", 7.0), o("volume", 0.709)]),
    // Percussive
    p("tinkle_bell", 72, 108, &[syn("fm"), o("fm_ratio", 8.0), o("fm_index", 2.0), env(0.001, 0.8, 0.0, 0.5), o("volume", 0.422)]),
    p("agogo", 60, 96, &[syn("fm"), o("fm_ratio", 2.7), o("fm_index", 1.5), env(0.001, 0.4, 0.0, 0.2), o("volume", 0.435)]),
    p("steel_drums", 52, 88, &[syn("fm"), o("fm_ratio", 2.0), o("fm_index", 1.8), env(0.001, 0.7, 0.0, 0.3), o("chorus", 0.3), o("volume", 0.384)]),
    p("woodblock", 60, 96, &[syn("fm"), o("fm_ratio", 1.4), o("fm_index", 2.0), env(0.001, 0.08, 0.0, 0.05), o("highpass", 400.0), o("volume", 0.875)]),
    p("taiko_drum", 28, 60, &[syn("fm"), o("fm_ratio", 1.5), o("fm_index", 1.0), o("sub_osc", 0.5), o("noise", 0.3), env(0.001, 0.7, 0.0, 0.4), o("lowpass", 1500.0), o("reverb", 0.3), o("volume", 0.337)]),
    p("melodic_tom", 36, 72, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.5), o("noise", 0.1), env(0.001, 0.4, 0.0, 0.2), o("volume", 0.453)]),
    p("synth_drum", 36, 72, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 1.5), env(0.001, 0.3, 0.0, 0.1), o("distortion", 0.2), o("volume", 0.503)]),
    p("reverse_cymbal", 36, 96, &[syn("noise"), env(1.5, 0.01, 1.0, 0.05), o("highpass", 3000.0), o("volume", 1.34)]),
    // Sound effects
    p("guitar_fret_noise", 40, 86, &[syn("noise"), env(0.001, 0.06, 0.0, 0.03), o("highpass", 2000.0), o("lowpass", 6000.0), o("volume", 2.02)]),
    p("breath_noise", 48, 84, &[syn("noise"), env(0.15, 0.3, 0.4, 0.3), o("lowpass", 1200.0), o("volume", 2.26)]),
    p("seashore", 36, 84, &[syn("noise"), env(1.0, 0.5, 0.9, 1.5), o("lowpass", 1500.0), o("tremolo", 0.8), o("tremolo_rate", 0.2), o("reverb", 0.4), o("volume", 2.41)]),
    p("bird_tweet", 72, 108, &[syn("fm"), o("fm_ratio", 0.012), o("fm_index", 25.0), o("noise", 0.08), env(0.01, 0.3, 0.5, 0.1), o("tremolo", 0.9), o("tremolo_rate", 18.0), o("volume", 0.724)]),
    p("telephone_ring", 60, 84, &[syn("fm"), o("fm_ratio", 3.5), o("fm_index", 2.0), env(0.005, 0.1, 0.9, 0.05), o("tremolo", 1.0), o("tremolo_rate", 18.0), o("volume", 0.7)]),
    p("helicopter", 28, 60, &[syn("noise"), o("sub_osc", 0.5), env(0.5, 0.5, 0.9, 0.5), o("lowpass", 900.0), o("q", 3.0), o("tremolo", 1.0), o("tremolo_rate", 12.0), o("volume", 0.897)]),
    p("applause", 36, 84, &[syn("noise"), env(0.3, 0.5, 0.8, 1.0), o("highpass", 800.0), o("lowpass", 5000.0), o("tremolo", 0.5), o("tremolo_rate", 14.0), o("reverb", 0.5), o("volume", 1.41)]),
    p("gunshot", 36, 84, &[syn("noise"), env(0.001, 0.25, 0.0, 0.2), o("lowpass", 2500.0), o("distortion", 0.5), o("reverb", 0.5), o("volume", 0.659)]),
];
