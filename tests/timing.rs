//! Onsets land on their exact frames, at any tempo and block size, and the
//! samples do not depend on the block size.

use crate::common::*;

const BLOCKS: [usize; 5] = [1, 4, 63, 256, 257];

/// Notes at awkward beats on a constant tempo: each onset at round(b*60/T*sr).
fn score(bpm: f64, beats: &[f64]) -> String {
    let mut s = format!("{DC_SETUP}\ntempo({bpm});\n");
    for b in beats {
        s.push_str(&format!("note(1, 60, 0.01, #{{ at: {b}, amp: 0.5 }});\n"));
    }
    s
}

#[test]
fn onsets_exact_at_many_beats_and_tempi_for_every_block_size() {
    let beats = [0.0, 0.3, 1.0, 2.37, 3.1415, 5.123, 7.77, 9.999];
    for bpm in [60.0, 97.0, 120.0, 133.3, 181.0] {
        let src = score(bpm, &beats);
        let want: Vec<usize> = beats.iter().map(|&b| beat_frame(b, bpm)).collect();
        let (reference, _) = render_block(&src, 256);
        for block in BLOCKS {
            let (out, report) = render_block(&src, block);
            assert_eq!(onsets(&left(&out)), want, "bpm {bpm}, block {block}");
            assert_eq!(report.late_events, 0);
            assert!(
                out == reference,
                "bpm {bpm}: block {block} changed the samples"
            );
        }
    }
}

#[test]
fn onsets_exact_across_tempo_changes() {
    // 4 beats at 120, then 90 from beat 4, then 150 from beat 10.
    let src = format!(
        "{DC_SETUP}
        tempo(120);
        for b in [0.5, 3.75] {{ note(1, 60, 0.01, #{{ at: b }}); }}
        wait(4); tempo(90);
        for b in [0.0, 1.1, 5.9] {{ note(1, 60, 0.01, #{{ at: b }}); }}
        wait(6); tempo(150);
        for b in [0.0, 2.25] {{ note(1, 60, 0.01, #{{ at: b }}); }}"
    );
    let secs = |b: f64| -> f64 {
        if b < 4.0 {
            b * 0.5
        } else if b < 10.0 {
            2.0 + (b - 4.0) * 60.0 / 90.0
        } else {
            2.0 + 4.0 + (b - 10.0) * 0.4
        }
    };
    let want: Vec<usize> = [0.5, 3.75, 4.0, 5.1, 9.9, 10.0, 12.25]
        .iter()
        .map(|&b| (secs(b) * SR).round() as usize)
        .collect();
    let (reference, _) = render_block(&src, 256);
    for block in BLOCKS {
        let (out, _) = render_block(&src, block);
        assert_eq!(onsets(&left(&out)), want, "block {block}");
        assert!(out == reference, "block {block} changed the samples");
    }
}

/// A busy score (ADSR envelopes, several channels, stealing, table swaps in
/// at() callbacks, volume changes) gives identical samples at every block size.
#[test]
fn busy_score_is_block_size_invariant() {
    let src = r#"
        tempo(133);
        table(1, 4096, gen10([1, 0.5, 0.3]));
        channel(1, #{ table: 1, max_voices: 2, env: adsr(0.013, 0.05, 0.6, 0.1) });
        channel(2, #{ synth: "saw", env: adsr(0.002, 0.2, 0.3, 0.3), pan: 0.8 });
        for k in 0..24 {
            note(1, 50 + k, 0.7);
            note(2, 70 - k, 0.13, #{ at: 0.11 });
            if k % 5 == 0 {
                at(0.07, || {
                    table(1, 4096, gen10([1, 0.1 * k, 0.3]));
                    let c = channel(2);
                    c.volume = 0.5 + 0.02 * k;
                });
            }
            wait(0.37);
        }
    "#;
    let (reference, _) = render_block(src, 256);
    assert!(reference.len() > 4 * 48_000, "a long enough render");
    for block in BLOCKS {
        let (out, _) = render_block(src, block);
        assert_eq!(out.len(), reference.len(), "block {block}: length");
        let first_diff = out.iter().zip(&reference).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "block {block}: samples differ");
    }
}

/// A note lasts exactly its duration with a linen envelope (Csound p3).
#[test]
fn note_length_is_exact() {
    let src = format!("{DC_SETUP}\ntempo(100);\nnote(1, 60, 1.37, #{{ at: 0.5 }});");
    let out = left(&render(&src));
    let start = beat_frame(0.5, 100.0);
    let end = beat_frame(0.5 + 1.37, 100.0);
    let sounding: Vec<usize> = (0..out.len()).filter(|&i| out[i] != 0.0).collect();
    assert_eq!(sounding.first(), Some(&start));
    assert_eq!(sounding.last(), Some(&(end - 1)));
    assert_eq!(sounding.len(), end - start);
}

/// Ten minutes of offline time: the last onsets are as exact as the first.
#[test]
fn no_drift_over_ten_minutes() {
    let src = format!(
        "{DC_SETUP}
        tempo(127);
        for k in 0..1270 {{ note(1, 60, 0.01, #{{ at: k * 1.0 + 0.001 * (k % 7) }}); }}"
    );
    let got = streamed_onsets(&src);
    assert_eq!(got.len(), 1270);
    for (k, f) in got.iter().enumerate() {
        let b = k as f64 + 0.001 * (k % 7) as f64;
        assert_eq!(*f, beat_frame(b, 127.0), "note {k}");
    }
}
