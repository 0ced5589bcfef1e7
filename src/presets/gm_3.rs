//! GM programs 65-96: reed, pipe, synth lead, synth pad.

use super::gm::{env, o, p, syn, Gm};

/// Programs 65-96 (wire 64-95).
#[rustfmt::skip]
pub const PART: [Gm; 32] = [
    // Reed
    p("soprano_sax", 56, 88, &[syn("square"), o("noise", 0.03), env(0.03, 0.15, 0.8, 0.1), o("lowpass", 3000.0), o("q", 1.5), o("volume", 0.352)]),
    p("alto_sax", 49, 81, &[syn("square"), o("noise", 0.04), env(0.03, 0.15, 0.8, 0.1), o("lowpass", 2200.0), o("saturation", 0.3), o("volume", 0.383)]),
    p("tenor_sax", 44, 76, &[syn("saw"), o("sub_osc", 0.15), o("noise", 0.04), env(0.035, 0.15, 0.8, 0.12), o("lowpass", 1400.0), o("saturation", 0.5), o("volume", 0.672)]),
    p("baritone_sax", 36, 69, &[syn("square"), o("sub_osc", 0.2), env(0.04, 0.15, 0.8, 0.12), o("lowpass", 2000.0), o("saturation", 0.4), o("volume", 0.386)]),
    p("oboe", 58, 91, &[syn("square"), env(0.03, 0.1, 0.85, 0.08), o("highpass", 700.0), o("lowpass", 4000.0), o("q", 3.0), o("volume", 0.362)]),
    p("english_horn", 52, 81, &[syn("triangle"), env(0.05, 0.1, 0.85, 0.1), o("highpass", 400.0), o("lowpass", 2500.0), o("q", 4.0), o("volume", 0.69)]),
    p("bassoon", 34, 75, &[syn("fm"), o("fm_ratio", 2.0), o("fm_index", 1.8), env(0.05, 0.1, 0.85, 0.1), o("lowpass", 1600.0), o("q", 2.0), o("volume", 0.322)]),
    p("clarinet", 50, 91, &[syn("square"), env(0.05, 0.1, 0.9, 0.1), o("lowpass", 1800.0), o("reverb", 0.15), o("volume", 0.357)]),
    // Pipe
    p("piccolo", 74, 108, &[syn("sine"), o("noise", 0.05), env(0.04, 0.1, 0.9, 0.1), o("highpass", 500.0), o("tremolo", 0.08), o("tremolo_rate", 6.0), o("volume", 1.71)]),
    p("flute", 60, 96, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.5), o("noise", 0.07), env(0.06, 0.1, 0.9, 0.15), o("lowpass", 3000.0), o("reverb", 0.2), o("volume", 0.43)]),
    p("recorder", 60, 96, &[syn("fm"), o("fm_ratio", 3.0), o("fm_index", 0.4), o("noise", 0.02), env(0.03, 0.1, 0.9, 0.08), o("lowpass", 2000.0), o("volume", 0.425)]),
    p("pan_flute", 60, 96, &[syn("sine"), o("noise", 0.15), env(0.08, 0.2, 0.8, 0.2), o("reverb", 0.3), o("volume", 0.424)]),
    p("blown_bottle", 60, 84, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.6), o("noise", 0.25), env(0.1, 0.2, 0.8, 0.2), o("lowpass", 1500.0), o("volume", 0.436)]),
    p("shakuhachi", 55, 84, &[syn("sine"), o("noise", 0.2), env(0.15, 0.2, 0.8, 0.2), o("highpass", 200.0), o("tremolo", 0.15), o("tremolo_rate", 5.0), o("volume", 0.494)]),
    p("whistle", 72, 108, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.5), env(0.05, 0.1, 0.95, 0.08), o("tremolo", 0.05), o("tremolo_rate", 5.5), o("volume", 0.444)]),
    p("ocarina", 60, 88, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.6), env(0.04, 0.1, 0.9, 0.1), o("reverb", 0.15), o("volume", 0.44)]),
    // Synth lead
    p("lead_1_square", 36, 96, &[syn("square"), env(0.005, 0.1, 0.9, 0.1), o("volume", 0.36)]),
    p("lead_2_sawtooth", 36, 96, &[syn("saw"), o("detune", 7.0), env(0.005, 0.1, 0.9, 0.1), o("lowpass", 5000.0), o("q", 3.0), o("delay", 0.2), o("volume", 0.459)]),
    p("lead_3_calliope", 48, 96, &[syn("fm"), o("fm_ratio", 2.0), o("fm_index", 0.5), o("noise", 0.1), env(0.02, 0.1, 0.9, 0.1), o("volume", 0.367)]),
    p("lead_4_chiff", 48, 96, &[syn("square"), o("noise", 0.2), env(0.001, 0.08, 0.6, 0.1), o("lowpass", 2500.0), o("volume", 0.398)]),
    p("lead_5_charang", 36, 96, &[syn("saw"), o("detune", 12.0), env(0.005, 0.2, 0.8, 0.1), o("distortion", 0.35), o("highpass", 200.0), o("phaser", 0.5), o("delay", 0.15), o("delay_time", 0.25), o("volume", 0.486)]),
    p("lead_6_voice", 48, 96, &[syn("triangle"), env(0.05, 0.2, 0.8, 0.2), o("lowpass", 1500.0), o("q", 3.0), o("chorus", 0.6), o("volume", 0.628)]),
    p("lead_7_fifths", 36, 96, &[syn("fm"), o("fm_ratio", 1.5), o("fm_index", 1.5), env(0.005, 0.2, 0.8, 0.15), o("volume", 0.431)]),
    p("lead_8_bass_lead", 28, 84, &[syn("saw"), o("sub_osc", 0.5), env(0.005, 0.2, 0.8, 0.1), o("lowpass", 2500.0), o("q", 2.0), o("saturation", 0.3), o("volume", 0.491)]),
    // Synth pad
    p("pad_1_new_age", 36, 96, &[syn("fm"), o("fm_ratio", 2.0), o("fm_index", 1.0), env(0.6, 0.5, 0.8, 1.5), o("chorus", 0.5), o("reverb", 0.5), o("volume", 0.377)]),
    p("pad_2_warm", 36, 96, &[syn("saw"), o("detune", 10.0), env(0.8, 0.5, 0.85, 1.5), o("lowpass", 1800.0), o("chorus", 0.4), o("volume", 0.625)]),
    p("pad_3_polysynth", 36, 96, &[syn("saw"), o("detune", 15.0), env(0.1, 0.5, 0.7, 0.6), o("lowpass", 2500.0), o("phaser", 0.2), o("volume", 0.594)]),
    p("pad_4_choir", 48, 84, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 1.0), o("detune", 8.0), env(0.7, 0.5, 0.85, 1.5), o("lowpass", 2500.0), o("chorus", 0.7), o("reverb", 0.5), o("volume", 0.35)]),
    p("pad_5_bowed", 36, 96, &[syn("saw"), env(1.0, 0.5, 0.85, 1.2), o("lowpass", 2400.0), o("q", 4.0), o("reverb", 0.4), o("volume", 0.446)]),
    p("pad_6_metallic", 36, 96, &[syn("fm"), o("fm_ratio", 3.7), o("fm_index", 2.0), env(0.5, 0.5, 0.8, 1.5), o("phaser", 0.4), o("volume", 0.472)]),
    p("pad_7_halo", 48, 96, &[syn("fm"), o("fm_ratio", 1.0), o("fm_index", 0.5), o("detune", 7.0), o("sub_osc", 0.3), env(1.0, 0.5, 0.85, 2.0), o("chorus", 0.8), o("reverb", 0.6), o("volume", 0.416)]),
    p("pad_8_sweep", 36, 96, &[syn("saw"), o("detune", 12.0), env(0.5, 0.5, 0.85, 1.5), o("lowpass", 2000.0), o("phaser", 0.8), o("volume", 0.901)]),
];
