//! What a listener hears: the pan law, live table swaps, click-free voice
//! stealing, channel volume.

use crate::common::*;

const CENTRE: f32 = std::f32::consts::FRAC_1_SQRT_2;

#[test]
fn pan_law_centre_is_minus_3_db_per_side() {
    let src = format!(
        "{DC_SETUP}
        note(1, 60, 0.5, #{{ amp: 0.5, pan: 0.5 }});
        note(1, 60, 0.5, #{{ amp: 0.5, pan: 0.0, at: 1 }});
        note(1, 60, 0.5, #{{ amp: 0.5, pan: 1.0, at: 2 }});"
    );
    let out = render(&src);
    let (l, r) = (left(&out), right(&out));
    let centre = 12_000;
    assert!(
        (l[centre] - 0.5 * CENTRE).abs() < 1e-6,
        "centre left {}",
        l[centre]
    );
    assert!(
        (r[centre] - 0.5 * CENTRE).abs() < 1e-6,
        "centre right {}",
        r[centre]
    );
    let db = 20.0 * (l[centre] / 0.5).log10();
    assert!((db + 3.0103).abs() < 0.01, "centre is {db} dB");
    let hard_left = 48_000 + 12_000;
    assert!((l[hard_left] - 0.5).abs() < 1e-6 && r[hard_left].abs() < 1e-6);
    let hard_right = 96_000 + 12_000;
    assert!(l[hard_right].abs() < 1e-6 && (r[hard_right] - 0.5).abs() < 1e-6);
}

#[test]
fn channel_pan_is_the_default_for_its_notes() {
    let src = "table(1, 64, gen7([1, 64, 1]));
        channel(1, #{ table: 1, env: linen(0, 0), pan: 0.0 });
        note(1, 60, 1, #{ amp: 0.5 });";
    let out = render(src);
    assert!((left(&out)[100] - 0.5).abs() < 1e-6);
    assert_eq!(right(&out)[100], 0.0);
}

/// A table replaced at beat 1 changes a sounding note at exactly that frame.
#[test]
fn table_swap_heard_by_sounding_note_at_its_frame() {
    let src = "table(1, 64, raw(gen7([0.5, 64, 0.5])));
        channel(1, #{ table: 1, env: linen(0, 0) });
        note(1, 60, 2, #{ amp: 1.0 });
        at(1, || table(1, 64, raw(gen7([0.25, 64, 0.25]))));";
    for block in [1, 63, 256, 4096] {
        let out = left(&render_block(src, block).0);
        let swap = beat_frame(1.0, 60.0);
        assert!(
            (out[swap - 1] - 0.5 * CENTRE).abs() < 1e-6,
            "block {block}: before the swap"
        );
        assert!(
            (out[swap] - 0.25 * CENTRE).abs() < 1e-6,
            "block {block}: at the swap frame"
        );
        assert!(
            (out[swap + 1000] - 0.25 * CENTRE).abs() < 1e-6,
            "block {block}: after"
        );
    }
}

/// Edits made in one top-level evaluation are published together: only the
/// last version of the table is ever heard.
#[test]
fn edits_in_one_evaluation_publish_once() {
    let src = "table(1, 64, raw(gen7([0.9, 64, 0.9])));
        channel(1, #{ table: 1, env: linen(0, 0) });
        note(1, 60, 0.5, #{ amp: 1.0 });
        table(1, 64, raw(gen7([0.1, 64, 0.1])));";
    let out = left(&render(src));
    let frames_at = |level: f32| {
        out.iter()
            .filter(|&&x| (x - level * CENTRE).abs() < 1e-6)
            .count()
    };
    assert_eq!(frames_at(0.9), 0, "the first version is never heard");
    assert_eq!(
        frames_at(0.1),
        beat_frame(0.5, 60.0),
        "the last version sounds for the whole note"
    );
    assert!(out
        .iter()
        .all(|&x| x == 0.0 || (x - 0.1 * CENTRE).abs() < 1e-6));
}

fn max_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// Stealing the oldest voice fades it out in 5 ms: no jump bigger than the
/// waveforms' own steepest step, and afterwards only the new note sounds.
#[test]
fn voice_stealing_has_no_click() {
    let setup = "channel(1, #{ synth: \"sine\", max_voices: 1, env: adsr(0.005, 0, 1, 0.01) });";
    // The steal happens a quarter period of A4 after beat 0.5: near its peak.
    let both = left(&render_for(
        &format!("{setup} note(1, 69, 2, #{{ amp: 0.6 }}); note(1, 76, 1, #{{ amp: 0.6, at: 0.5005682 }});"),
        256,
        3.0,
    ));
    let first_alone = left(&render_for(
        &format!("{setup} note(1, 69, 2, #{{ amp: 0.6 }});"),
        256,
        3.0,
    ));
    let second_alone = left(&render_for(
        &format!("{setup} note(1, 76, 1, #{{ amp: 0.6, at: 0.5005682 }});"),
        256,
        3.0,
    ));
    let steal = beat_frame(0.5005682, 60.0);
    let natural = 2.0 * std::f32::consts::PI * 659.3 / 48_000.0 * 0.6 * CENTRE;
    let threshold = 1.5 * natural;
    assert!(
        first_alone[steal].abs() > 5.0 * threshold,
        "the stolen note is loud at the steal frame ({}), so a hard cut would click",
        first_alone[steal]
    );
    let window = &both[steal - 100..steal + 1000];
    assert!(
        max_step(window) < threshold,
        "jump {} >= {threshold}",
        max_step(window)
    );
    let faded = steal + 240 + 1;
    assert_eq!(
        &both[faded..faded + 20_000],
        &second_alone[faded..faded + 20_000],
        "only the new note after the fade"
    );
    assert_ne!(
        &both[steal + 10..steal + 200],
        &second_alone[steal + 10..steal + 200],
        "the old note fades, not cut"
    );
}

#[test]
fn channel_volume_scales_output_and_ramps() {
    let src = format!(
        "{DC_SETUP}
        note(1, 60, 2, #{{ amp: 0.5 }});
        at(1, || {{ let c = channel(1); c.volume = 0.5; }});"
    );
    let out = left(&render(&src));
    let change = beat_frame(1.0, 60.0);
    assert!((out[change - 1] - 0.5 * CENTRE).abs() < 1e-6);
    assert!(
        (out[change + 480] - 0.25 * CENTRE).abs() < 1e-6,
        "ramped down after 10 ms"
    );
    assert!(
        max_step(&out[change - 10..change + 600]) < 0.01,
        "smooth, no step"
    );
}

#[test]
fn master_soft_clip_bounds_the_output() {
    let src = format!("{DC_SETUP} for k in 0..8 {{ note(1, 60, 1, #{{ amp: 1.0 }}); }}");
    let out = render(&src);
    let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(peak <= 1.0 && peak > 0.95, "peak {peak}");
}
