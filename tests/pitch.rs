//! Pitch: a rendered A4 measures 440 Hz, and every pitch form agrees.

use crate::common::*;

/// Frequency from upward zero crossings, interpolated between samples.
fn measure_hz(x: &[f32]) -> f64 {
    let mut crossings = Vec::new();
    for i in 1..x.len() {
        if x[i - 1] < 0.0 && x[i] >= 0.0 {
            let t = (i - 1) as f64 + (-x[i - 1] / (x[i] - x[i - 1])) as f64;
            crossings.push(t);
        }
    }
    let n = crossings.len();
    assert!(n > 10, "the signal should oscillate");
    (n - 1) as f64 * SR / (crossings[n - 1] - crossings[0])
}

fn a4(pitch: &str) -> Vec<f32> {
    render(&format!(
        "channel(1, #{{ synth: \"sine\", env: adsr(0.01, 0, 1, 0.01) }});\nnote(1, {pitch}, 2);"
    ))
}

#[test]
fn a4_measures_440_hz() {
    let out = left(&a4("\"A4\""));
    let steady = &out[4_800..96_000 - 4_800];
    let hz = measure_hz(steady);
    assert!((hz - 440.0).abs() < 0.5, "measured {hz} Hz");
}

#[test]
fn every_pitch_form_gives_the_same_samples() {
    let reference = a4("69");
    for form in ["\"A4\"", "hz(440)", "oct(8.75)", "pch(8.09)", "69.0"] {
        assert!(a4(form) == reference, "{form} differs from MIDI 69");
    }
    let other = a4("70");
    assert!(other != reference, "a different pitch must sound different");
}

#[test]
fn octaves_and_sharps() {
    let c4 = measure_hz(&left(&a4("\"C4\""))[4_800..91_200]);
    let fs3 = measure_hz(&left(&a4("\"F#3\""))[4_800..91_200]);
    let bb2 = measure_hz(&left(&a4("\"Bb2\""))[4_800..91_200]);
    assert!((c4 - 261.626).abs() < 0.5, "C4 {c4}");
    assert!((fs3 - 184.997).abs() < 0.5, "F#3 {fs3}");
    assert!((bb2 - 116.541).abs() < 0.5, "Bb2 {bb2}");
}
