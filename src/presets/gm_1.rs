//! GM programs 1-32: piano, chromatic percussion, organ, guitar.

use super::gm::{env, o, p, syn, Gm};

/// Programs 1-32 (wire 0-31).
#[rustfmt::skip]
pub const PART: [Gm; 32] = [
    // Piano
    p("acoustic_grand_piano", 21, 108, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 1.5), o("detune", 3.0), env(0.002, 3.0, 0.0, 0.6), o("lowpass", 6000.0), o("reverb", 0.2), o("volume", 0.417)]),
    p("bright_acoustic_piano", 21, 108, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 2.6), env(0.002, 2.4, 0.0, 0.5), o("highpass", 150.0), o("reverb", 0.12), o("volume", 0.497)]),
    p("electric_grand_piano", 21, 108, &[syn("fm"), o("fm_ratio", 2.0), o("fm_index", 1.2), o("detune", 6.0), env(0.002, 2.0, 0.1, 0.5), o("chorus", 0.3), o("volume", 0.33)]),
    p("honky_tonk_piano", 21, 108, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 1.8), o("detune", 22.0), env(0.002, 2.2, 0.0, 0.4), o("lowpass", 5000.0), o("volume", 0.373)]),
    p("electric_piano_1", 28, 103, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.9), env(0.002, 2.8, 0.15, 0.6), o("tremolo", 0.35), o("tremolo_rate", 4.0), o("volume", 0.49)]),
    p("electric_piano_2", 28, 103, &[syn("fm"), o("fm_ratio", 14.0), o("fm_index", 1.4), o("sub_osc", 0.2), env(0.001, 1.6, 0.2, 0.5), o("chorus", 0.45), o("volume", 0.447)]),
    p("harpsichord", 29, 89, &[syn("pluck"), o("damping", 0.05), env(0.001, 0.05, 1.0, 0.12), o("highpass", 350.0), o("reverb", 0.15), o("volume", 1.04)]),
    p("clavinet", 29, 89, &[syn("pluck"), o("damping", 0.6), env(0.001, 0.05, 1.0, 0.06), o("lowpass", 2400.0), o("q", 4.0), o("saturation", 0.3), o("volume", 0.834)]),
    // Chromatic percussion
    p("celesta", 60, 108, &[syn("fm"), o("fm_ratio", 4.0), o("fm_index", 1.0), env(0.001, 1.2, 0.0, 0.8), o("reverb", 0.3), o("volume", 0.417)]),
    p("glockenspiel", 79, 108, &[syn("fm"), o("fm_ratio", 5.0), o("fm_index", 1.8), env(0.001, 1.8, 0.0, 1.2), o("highpass", 400.0), o("reverb", 0.2), o("volume", 0.475)]),
    p("music_box", 60, 96, &[syn("fm"), o("fm_ratio", 6.0), o("fm_index", 0.8), env(0.001, 1.0, 0.0, 0.6), o("delay", 0.2), o("delay_time", 0.2), o("volume", 0.419)]),
    p("vibraphone", 53, 89, &[syn("fm"), o("fm_ratio", 4.0), o("fm_index", 0.3), env(0.002, 3.0, 0.0, 1.0), o("tremolo", 0.5), o("tremolo_rate", 5.5), o("volume", 0.446)]),
    p("marimba", 45, 96, &[syn("fm"), o("fm_ratio", 3.9), o("fm_index", 0.8), env(0.001, 0.5, 0.0, 0.3), o("lowpass", 4000.0), o("reverb", 0.15), o("volume", 0.432)]),
    p("xylophone", 65, 108, &[syn("fm"), o("fm_ratio", 3.0), o("fm_index", 1.4), env(0.001, 0.25, 0.0, 0.15), o("highpass", 300.0), o("reverb", 0.2), o("volume", 0.56)]),
    p("tubular_bells", 60, 77, &[syn("fm"), o("fm_ratio", 2.76), o("fm_index", 2.2), env(0.001, 4.0, 0.0, 3.0), o("reverb", 0.4), o("volume", 0.415)]),
    p("dulcimer", 48, 96, &[syn("pluck"), o("damping", 0.35), env(0.001, 0.1, 1.0, 0.4), o("chorus", 0.45), o("highpass", 200.0), o("volume", 1.12)]),
    // Organ
    p("drawbar_organ", 36, 96, &[syn("fm"), o("fm_ratio", 3.0), o("fm_index", 0.6), o("sub_osc", 0.5), env(0.005, 0.01, 1.0, 0.05), o("tremolo", 0.15), o("tremolo_rate", 6.5), o("volume", 0.361)]),
    p("percussive_organ", 36, 96, &[syn("fm"), o("fm_ratio", 2.0), o("fm_index", 1.3), env(0.002, 0.3, 0.55, 0.05), o("highpass", 150.0), o("volume", 0.359)]),
    p("rock_organ", 36, 96, &[syn("square"), o("sub_osc", 0.4), env(0.003, 0.02, 1.0, 0.05), o("distortion", 0.35), o("lowpass", 3500.0), o("tremolo", 0.2), o("tremolo_rate", 7.0), o("volume", 0.268)]),
    p("church_organ", 24, 96, &[syn("saw"), o("detune", 5.0), o("sub_osc", 0.5), env(0.08, 0.1, 1.0, 0.5), o("lowpass", 2500.0), o("reverb", 0.5), o("reverb_decay", 4.0), o("volume", 0.303)]),
    p("reed_organ", 36, 96, &[syn("square"), o("detune", 6.0), env(0.05, 0.1, 0.9, 0.1), o("lowpass", 1800.0), o("volume", 0.279)]),
    p("accordion", 53, 89, &[syn("square"), o("detune", 14.0), env(0.04, 0.1, 0.9, 0.1), o("lowpass", 3000.0), o("tremolo", 0.1), o("volume", 0.284)]),
    p("harmonica", 60, 84, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 2.2), o("noise", 0.05), env(0.04, 0.1, 0.85, 0.1), o("tremolo", 0.3), o("tremolo_rate", 6.0), o("volume", 0.665)]),
    p("tango_accordion", 53, 89, &[syn("saw"), o("detune", 10.0), env(0.03, 0.1, 0.9, 0.1), o("lowpass", 2600.0), o("chorus", 0.2), o("volume", 0.565)]),
    // Guitar
    p("acoustic_guitar_nylon", 40, 83, &[syn("pluck"), o("damping", 0.5), env(0.001, 0.1, 1.0, 0.3), o("lowpass", 3000.0), o("reverb", 0.2), o("volume", 1.68)]),
    p("acoustic_guitar_steel", 40, 86, &[syn("pluck"), o("damping", 0.2), env(0.001, 0.1, 1.0, 0.3), o("highpass", 100.0), o("chorus", 0.15), o("volume", 1.07)]),
    p("electric_guitar_jazz", 40, 86, &[syn("pluck"), o("damping", 0.7), env(0.001, 0.1, 1.0, 0.2), o("lowpass", 1600.0), o("reverb", 0.15), o("volume", 2.41)]),
    p("electric_guitar_clean", 40, 86, &[syn("pluck"), o("damping", 0.5), env(0.001, 0.1, 1.0, 0.2), o("lowpass", 2600.0), o("q", 2.5), o("chorus", 0.35), o("delay", 0.15), o("volume", 1.15)]),
    p("electric_guitar_muted", 40, 86, &[syn("pluck"), o("damping", 0.9), env(0.001, 0.15, 0.0, 0.05), o("lowpass", 2500.0), o("volume", 2.23)]),
    p("overdriven_guitar", 40, 86, &[syn("pluck"), o("damping", 0.3), env(0.001, 0.1, 1.0, 0.2), o("saturation", 0.7), o("lowpass", 4000.0), o("volume", 1.51)]),
    p("distortion_guitar", 40, 86, &[syn("pluck"), o("damping", 0.25), env(0.001, 0.1, 1.0, 0.2), o("distortion", 0.8), o("lowpass", 3200.0), o("volume", 0.338)]),
    p("guitar_harmonics", 52, 88, &[syn("fm"), o("fm_ratio", 2.0), o("fm_index", 0.6), env(0.001, 2.5, 0.0, 0.8), o("reverb", 0.3), o("volume", 0.38)]),
];
