//! Issue 16, silent musical wrongs: short notes sound for their duration,
//! effect tails decay to exact zero, a burst of notes in one block lands on
//! its frame offline, pitches and `f` fields out of range are refused, and
//! effects at their extremes stay finite.

use crate::common::*;

/// RMS level in dB of the left channel over `[start, start + len)` frames.
fn rms_db(out: &[f32], start: usize, len: usize) -> f64 {
    let l = left(out);
    let w = &l[start..(start + len).min(l.len())];
    let sum: f64 = w.iter().map(|&x| (x as f64) * (x as f64)).sum();
    10.0 * (sum / w.len() as f64).max(1e-30).log10()
}

/// The level over a note's duration, for a short note and a long one set
/// up by `setup` and played by `play(dur_beats)`; at 120 bpm.
fn short_and_long(setup: &str, play: &dyn Fn(f64) -> String) -> (f64, f64) {
    let short_beats = 0.25; // 0.125 s
    let len = (short_beats * 0.5 * SR) as usize;
    let level = |beats: f64| {
        let src = format!("tempo(120); {setup} {}", play(beats));
        rms_db(&render_for(&src, 256, 3.0), 0, len)
    };
    (level(short_beats), level(4.0))
}

fn assert_audible(name: &str, setup: &str, play: &dyn Fn(f64) -> String) {
    let (short, long) = short_and_long(setup, play);
    assert!(
        (short - long).abs() < 6.0,
        "{name}: a 0.125 s note is {short:.1} dB over its duration, a long one {long:.1} dB"
    );
}

#[test]
fn a_score_note_shorter_than_the_release_sounds_for_its_duration() {
    let score = |b: f64| format!("score(\"i1 0 {b} 0.5 8.09\");");
    assert_audible("score, default envelope", "", &score);
    let adsr = "channel(1, #{ env: adsr(0.05, 0.1, 0.8, 0.5) });";
    assert_audible("score, long adsr", adsr, &score);
    let i = |b: f64| format!("i(1, 0, {b}, 0.5, 8.75);");
    assert_audible("i(), default envelope", "", &i);
}

#[test]
fn a_linen_decay_at_least_the_note_still_sounds() {
    let linen = "channel(1, #{ env: linen(0.01, 1.0) });";
    let score = |b: f64| format!("score(\"i1 0 {b} 0.5 8.09\");");
    assert_audible("score, linen decay 1 s", linen, &score);
    let slow_rise = "channel(1, #{ env: linen(1.0, 0.01) });";
    let (short, _) = short_and_long(slow_rise, &score);
    assert!(
        short > -30.0,
        "a linen rise of 1 s on a 0.125 s note: {short:.1} dB"
    );
    let note = |b: f64| format!("note(1, 69, {b}, #{{ amp: 0.5 }});");
    assert_audible("note(), linen decay 1 s", linen, &note);
    assert_audible("note(), default envelope", "", &note);
}

#[test]
fn a_fitted_short_note_ends_with_its_duration() {
    // The release is fitted inside p3: nothing sounds after 0.125 s.
    let out = render_for("tempo(120); score(\"i1 0 0.25 0.5 8.09\");", 256, 1.0);
    let l = left(&out);
    let end = (0.125 * SR) as usize;
    assert!(l[end + 1..].iter().all(|&x| x == 0.0), "sound after p3");
    assert!(l[..end].iter().any(|&x| x.abs() > 0.05), "the note sounds");
}

/// Offline nothing is late: a burst far beyond the live queue's capacity
/// starts on its frame.
#[test]
fn a_burst_of_notes_in_one_block_is_not_late_offline() {
    for (count, beat) in [(100_000, 0.0), (20_000, 1.0)] {
        let src = format!(
            "tempo(120); {DC_SETUP} channel(1, #{{ max_voices: 4 }});
             for k in 0..{count} {{ note(1, 69, 0.5, #{{ amp: 0.001, at: {beat} }}); }}"
        );
        let opts = tactus::render::RenderOptions {
            duration: Some(tactus::time::Seconds(beat * 0.5 + 0.1)),
            ..tactus::render::RenderOptions::default()
        };
        let (out, report) = tactus::render::render_to_vec("burst.rhai", &src, &opts)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.notes, count, "{report:?}");
        assert_eq!(
            report.late_events, 0,
            "{count} notes at beat {beat}: {report:?}"
        );
        let first = beat_frame(beat, 120.0);
        assert_eq!(
            onsets(&left(&out)).first(),
            Some(&first),
            "{count} notes at beat {beat}"
        );
    }
}

/// Every effect that keeps state, on at once with long tails.
const ALL_TAILS: &str = r#"channel(2, #{ synth: "saw", lowpass: 800, q: 8, highpass: 60,
    reverb: 0.5, reverb_decay: 4, chorus: 0.5, phaser: 0.5,
    delay: 0.5, delay_time: 0.3, delay_feedback: 0.5 });"#;

/// The tails of the filters, reverb, delay, chorus and phaser decay to exact
/// zero: a 1 s note's render ends by itself within seconds, and a fixed
/// duration render ends in exact zeros.
#[test]
fn effect_tails_decay_to_exact_zero() {
    for (name, setup) in [
        (
            "lowpass and reverb",
            r#"channel(2, #{ synth: "saw", lowpass: 800, reverb: 0.5 });"#,
        ),
        ("every effect", ALL_TAILS),
    ] {
        let src = format!("{setup} note(2, 69, 1);");
        let (_, report) = render_block(&src, 256);
        let len_s = report.rendered_frames as f64 / SR;
        assert!(
            len_s < 60.0,
            "{name}: a 1 s note rendered {len_s} s: {report:?}"
        );
        let out = render_for(&src, 256, 90.0);
        let last_s = &out[out.len() - 2 * SR as usize..];
        let nonzero = last_s.iter().filter(|&&x| x != 0.0).count();
        let biggest = last_s.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert_eq!(
            nonzero, 0,
            "{name}: the last second has {nonzero} samples that are not 0.0 (up to {biggest:e})"
        );
    }
}

#[test]
fn a_drum_channel_refuses_pitches_outside_the_kit() {
    for src in [
        r#"seq("s", 10, 100, "x...");"#,
        r#"seq("s", 10, 20, "x...");"#,
        r#"note(10, 100, 1);"#,
        r#"note(10, "C8", 1);"#,
    ] {
        let msg = check_error(src);
        assert!(
            msg.contains("is not a drum") && msg.contains("35-81") && msg.contains("38 snare"),
            "{src}: {msg}"
        );
    }
    let msg = check_error(r#"seq("s", 10, 200, "x...");"#);
    assert!(msg.contains("out of range"), "{msg}");
    for ok in [r#"seq("k", 10, 36, "x...");"#, r#"note(10, "D2", 1);"#] {
        render_for(ok, 256, 0.1);
    }
}

#[test]
fn note_names_outside_midi_are_refused() {
    // The name is built on line 1; the call that refuses it is on line 2.
    let long = format!("let n = \"C{}4\";\n", "#".repeat(20_000));
    for (src, want) in [
        (format!("{long}note(1, n, 1);"), "at most 2"),
        ("\nnote(1, \"G#9\", 1);".to_string(), "outside 0-127"),
        ("\nnote(1, \"Cb-1\", 1);".to_string(), "outside 0-127"),
        (format!("{long}i(1, 0, 1, 0.5, n);"), "at most 2"),
        (
            "\nscore(\"i1 0 1 0.5 \\\"B#9\\\"\");".to_string(),
            "outside 0-127",
        ),
        (format!("{long}seq(\"s\", 1, n, \"x\");"), "at most 2"),
    ] {
        let msg = check_error(&src);
        let call = src.lines().nth(1).unwrap_or_default();
        assert!(
            msg.contains(want) && msg.contains("bad.rhai:2:"),
            "{call}: {msg}"
        );
        assert!(
            msg.len() < 600,
            "{call}: the message is short: {} chars",
            msg.len()
        );
    }
    render_for(
        r#"note(1, "G9", 0.1); note(1, "C-1", 0.1); note(1, "C##4", 0.1);"#,
        256,
        0.1,
    );
}

#[test]
fn f_fields_that_would_be_truncated_are_refused() {
    for (src, want) in [
        (
            "f 1 0 16.9 10 1",
            "1:7: p3 (table size) must be a whole number, got 16.9",
        ),
        (
            "f 1 0 16 10.9 1",
            "1:10: p4 (GEN number) must be a whole number, got 10.9",
        ),
        (
            "f 1 0 16 10 1 \\\"x\\\"",
            "1:15: p6: GEN10 takes numbers, got the string \"x\"",
        ),
    ] {
        let msg = check_error(&format!("score(\"{src}\");"));
        assert!(
            msg.contains(want) && msg.contains("bad.rhai:1:1"),
            "{src}: {msg}"
        );
    }
    // Fields are checked left to right: the size first.
    let msg = check_error("score(\"f 1 0 16.9 10.9 1\");");
    assert!(msg.contains("1:7: p3 (table size)"), "{msg}");
    let msg = check_error("f(1, 0, 16.9, 10, 1);");
    assert!(
        msg.contains("p3 (table size) must be a whole number, got 16.9"),
        "{msg}"
    );
    let msg = check_error("f(1, 0, 16, 10, \"x\");");
    assert!(msg.contains("GEN10 takes numbers"), "{msg}");
    // Whole numbers written as decimals are fine.
    assert_eq!(table_points("f(1, 0, 16.0, 10.0, 1);", 1).len(), 16);
}

/// Effects at their extremes, driven at full scale for a minute, stay
/// finite (and nothing is silenced as non-finite on the way).
#[test]
fn effects_at_their_extremes_stay_finite() {
    let src = r#"channel(1, #{ synth: "square", lowpass: 20000, q: 20, highpass: 20, reverb: 1,
        reverb_decay: 20, chorus: 1, phaser: 1, delay: 1, delay_time: 0.001,
        delay_feedback: 0.95, distortion: 1, saturation: 1, tremolo: 1, tremolo_rate: 30 });
        channel(2, #{ synth: "noise", lowpass: 30, q: 20, delay: 1, delay_time: 4, delay_feedback: 0.95 });
        channel(3, #{ synth: "saw", highpass: 20000, q: 20, distortion: 1, reverb: 1, reverb_decay: 20 });
        for k in 0..60 {
            note(1, 24 + k, 2, #{ amp: 1.0 });
            note(2, 60, 2, #{ amp: 1.0 });
            note(3, 100 - k, 2, #{ amp: 1.0 });
            wait(2);
        }"#;
    let (out, report) = render_block(src, 256);
    assert!(report.rendered_frames as f64 >= 60.0 * SR, "{report:?}");
    let bad = out.iter().filter(|x| !x.is_finite()).count();
    assert_eq!(bad, 0, "{bad} non-finite samples");
    assert_eq!(
        report.non_finite_samples, 0,
        "silenced on the way: {report:?}"
    );
    assert!(out.iter().any(|x| x.abs() > 0.1), "it sounds");
}
