//! Sample playback position arithmetic at absurd ratios.

use super::*;
use crate::audio::voice::Kind;
use crate::audio::voice_build::{self, StringPool, MAX_SAMPLE_RATIO};
use crate::command::{EnvFrames, Layers, NoteOn, Source};
use crate::time::Frame;

/// A ramp: point i holds i + 1, so an output names the position it read.
fn ramp(len: usize) -> Table {
    Table::from_points(&(0..len).map(|i| (i + 1) as f32).collect::<Vec<_>>())
}

/// What a looped sample must play at output k: the interpolated point at
/// (k * step) mod (len << 32), computed without overflow.
fn expected(data: &[f32], step: u64, k: u64) -> f32 {
    let len = data.len() as u64;
    let pos = ((k as u128 * step as u128) % ((len as u128) << 32)) as u64;
    let idx = (pos >> 32) as usize;
    let frac = (pos as u32) as f32 * FRAC_SCALE;
    let (a, b) = (data[idx], data[(idx + 1) % data.len()]);
    a + (b - a) * frac
}

#[test]
fn a_looped_sample_at_a_huge_ratio_wraps_modulo_its_length() {
    let t = ramp(1000);
    // hz(1e9) over a C4 root, unclamped; and a step near the top of a u64.
    for step in [(1e9 / 261.625_565 * 4_294_967_296.0) as u64, u64::MAX - 7] {
        let mut s = SamplePlay {
            pos: 0,
            step,
            looped: true,
            ended: false,
        };
        let mut out = [0.0f32; 64];
        for block in 0..80u64 {
            s.run(&t, &mut out);
            // Wrapped before each read: it never gets past two loop lengths.
            assert!(s.pos < 2 * (1000 << 32), "position {} left the loop", s.pos);
            for (j, &x) in out.iter().enumerate() {
                let k = block * 64 + j as u64;
                assert_eq!(x, expected(t.points(), step, k), "step {step}, output {k}");
            }
        }
        assert!(!s.ended);
    }
}

#[test]
fn a_one_shot_at_a_huge_ratio_ends_after_its_first_point() {
    let t = ramp(1000);
    let mut s = SamplePlay {
        pos: 0,
        step: u64::MAX,
        looped: false,
        ended: false,
    };
    let mut out = [9.0f32; 8];
    s.run(&t, &mut out);
    assert_eq!(
        out,
        [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "point 0, then silence"
    );
    assert!(s.ended);
}

#[test]
fn note_on_clamps_the_playback_ratio() {
    let note = |freq_hz: f64| NoteOn {
        frame: Frame(0),
        id: 1,
        channel: 0,
        source: Source::Sample {
            table: 1,
            root_hz: 256.0,
            looped: true,
        },
        freq_hz,
        amp: 1.0,
        pan: 0.5,
        env: EnvFrames {
            attack: 0,
            decay: 0,
            sustain: 1.0,
            release: 0,
            gate: 100,
        },
        filter: None,
        layers: Layers::default(),
    };
    let step = |freq_hz| match voice_build::kind(&note(freq_hz), 48_000.0, &mut StringPool::new()) {
        Some((_, Kind::Sample(s))) => s.step,
        _ => panic!("a sample voice"),
    };
    let max = (MAX_SAMPLE_RATIO * 4_294_967_296.0) as u64;
    assert_eq!(step(1e9), max);
    assert_eq!(step(f64::INFINITY), max);
    assert_eq!(step(f64::NAN), 0);
    assert_eq!(step(256.0), 1 << 32, "the root plays at its own speed");
    assert_eq!(step(512.0), 2 << 32, "an octave up");
}
