//! Score statements: relative and absolute times, carry rules, e, q, a,
//! rewind, score files, and the score log replaying to the same sound.

use crate::common::*;
use tactus::render::{self, RenderOptions};

#[test]
fn relative_and_absolute_score_times_land_on_their_frames() {
    let src = format!(
        "{DC_SETUP}
        tempo(120);
        wait(2);
        score(\"i 1 0.5 0.1 0.5 8.00\");
        score_abs(\"i 1 1 0.1 0.5 8.00\\ni 1 3 0.1 0.5 8.00\");"
    );
    let (h, out) = host(&src);
    drop(h);
    assert!(
        out.borrow()
            .contains("1 event(s) already past were skipped"),
        "{}",
        out.borrow()
    );
    let onsets = onsets(&left(&render(&src)));
    assert_eq!(onsets, vec![beat_frame(2.5, 120.0), beat_frame(3.0, 120.0)]);
}

#[test]
fn dot_and_plus_carry() {
    let src = format!(
        "{DC_SETUP}
        score(\"i 1 0 0.5 0.5 8.00\\ni 1 + . . .\\ni 1 + 0.25\");"
    );
    let out = left(&render(&src));
    assert_eq!(
        onsets(&out).len(),
        1,
        "three notes back to back sound as one block"
    );
    let sounding = out.iter().filter(|x| **x != 0.0).count();
    assert_eq!(sounding, beat_frame(1.25, 60.0), "0.5 + 0.5 + 0.25 beats");
    let level = 0.5 * std::f32::consts::FRAC_1_SQRT_2;
    assert!(
        out[beat_frame(1.1, 60.0)] == level,
        "p4 carried into the third note"
    );
}

#[test]
fn e_ends_the_render_there() {
    let src = format!("{DC_SETUP} score(\"i 1 0 1 0.5 8.00\\ne 2.5\");");
    let (out, _) = render_block(&src, 100);
    assert_eq!(out.len() / 2, beat_frame(2.5, 60.0));
    let src2 = format!("{DC_SETUP} note(1, 60, 1); end(3);");
    assert_eq!(
        render_block(&src2, 77).0.len() / 2,
        beat_frame(3.0, 60.0),
        "silence up to end()"
    );
}

#[test]
fn q_drops_new_notes_and_lets_sounding_ones_finish() {
    let src = format!(
        "{DC_SETUP}
        note(1, 60, 3, #{{ amp: 0.2 }});
        score(\"q 1 1 0\\ni 1 1.5 0.5 0.5 8.00\\nq 1 2 1\\ni 1 2.5 0.5 0.5 8.00\");"
    );
    let out = left(&render(&src));
    let c = std::f32::consts::FRAC_1_SQRT_2;
    assert!(
        (out[beat_frame(1.7, 60.0)] - 0.2 * c).abs() < 1e-6,
        "the long note sounds on; the quieted one is dropped"
    );
    assert!(
        (out[beat_frame(2.7, 60.0)] - 0.7 * c).abs() < 1e-6,
        "after unquiet, new notes play"
    );
    let src2 = format!("{DC_SETUP} quiet(1); note(1, 60, 1); wait(2); unquiet(1); note(1, 60, 1);");
    assert_eq!(onsets(&left(&render(&src2))), vec![beat_frame(2.0, 60.0)]);
}

#[test]
fn a_skips_a_section_of_the_score() {
    let src = format!("{DC_SETUP} score(\"a 0 1 2\\ni 1 0.5 0.1\\ni 1 1.5 0.1\\ni 1 4 0.1\");");
    assert_eq!(
        onsets(&left(&render(&src))),
        vec![beat_frame(0.5, 60.0), beat_frame(2.0, 60.0)]
    );
    let src2 = format!("{DC_SETUP} for b in [0.5, 1.5, 2.5, 4.0] {{ note(1, 60, 0.1, #{{ at: b }}); }} advance(2, 1);");
    assert_eq!(
        onsets(&left(&render(&src2))),
        vec![beat_frame(0.5, 60.0), beat_frame(2.0, 60.0)]
    );
}

#[test]
fn rewind_plays_the_score_again_from_the_cursor() {
    let src = format!("{DC_SETUP} score(\"i 1 0 0.1\\ni 1 1 0.1\"); wait(3); rewind();");
    assert_eq!(
        onsets(&left(&render(&src))),
        vec![
            0,
            beat_frame(1.0, 60.0),
            beat_frame(3.0, 60.0),
            beat_frame(4.0, 60.0)
        ]
    );
}

#[test]
fn t_statement_ramps_the_tempo() {
    // t 0 60 4 120: seconds per beat 1 -> 0.5 linearly over 4 beats (Csound's
    // twarp.c), so beat 4 falls at 4 * (1 + 0.5) / 2 = 3 s. The issue's
    // example: `t 0 120 4 60`, beats 0 1 3 at 0, 0.5625, 2.0625 s.
    let src = format!("{DC_SETUP} score(\"t 0 60 4 120\\ni 1 4 0.1\");");
    assert_eq!(onsets(&left(&render(&src))), vec![(3.0 * SR) as usize]);
    let src = format!("{DC_SETUP} score(\"t 0 120 4 60\\ni 1 0 0.1\\ni 1 1 0.1\\ni 1 3 0.1\");");
    let want: Vec<usize> = [0.0, 0.5625, 2.0625]
        .iter()
        .map(|s| (s * SR) as usize)
        .collect();
    assert_eq!(onsets(&left(&render(&src))), want);
}

#[test]
fn score_errors_give_line_and_column_and_change_nothing() {
    let msg = check_error("score(\"i 1 0 1\\ni 1 1 1 abc\");");
    assert!(
        msg.starts_with("bad.rhai:1:1: error: score(): score line 2:9: p4: expected a number"),
        "{msg}"
    );
    let (h, out) = host(&format!("{DC_SETUP} note(1, 60, 1);"));
    drop(out);
    let pending = h.with_session(|s| s.scheduler.len());
    assert_eq!(pending, 1);
    let dir = std::env::temp_dir().join(format!("tactus-sco-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sco = dir.join("bad.sco");
    std::fs::write(&sco, "f 1 0 64 10 1\ni 1 0 1\ni 1 1 1 0.5 8 1 0 0 2\n").unwrap();
    let errors = render::check(
        &sco.display().to_string(),
        &std::fs::read_to_string(&sco).unwrap(),
        &RenderOptions::default(),
    );
    let msg = errors[0].to_string();
    assert!(
        msg.starts_with(&format!(
            "{}:3:1: error: p9 (pan) 2 is out of range 0 to 1",
            sco.display()
        )),
        "{msg}"
    );
}

#[test]
fn score_log_replays_to_the_same_sound() {
    let dir = std::env::temp_dir().join(format!("tactus-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("session.sco");
    let src = format!(
        "log_score(\"{}\");
        tempo(97);
        table(1, 2048, gen10([1, 0.5, 0.25]));
        channel(1, #{{ table: 1, env: adsr(0.01, 0.1, 0.6, 0.3), volume: 0.7 }});
        channel(2, #{{ synth: \"saw\", pan: 0.3 }});
        for k in 0..12 {{ note(1, 48 + k, 0.4); note(2, \"C5\", 0.2, #{{ at: 0.25, vel: 50 + k }}); wait(0.5); }}
        i(3, 0, 2, 0.2, 7.5, 1, 0.05, 0.5, 0.9);
        at(2, || {{ table(1, 2048, saw(12)); }});",
        log.display()
    );
    let original = render(&src);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines().filter(|l| l.starts_with("i ")).count() == 25,
        "every note logged:\n{text}"
    );
    let (replay, _) =
        render::render_to_vec(&log.display().to_string(), &text, &RenderOptions::default())
            .unwrap();
    assert_eq!(replay.len(), original.len());
    let worst = original
        .iter()
        .zip(&replay)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "the replay differs by {worst}");
}

#[test]
fn tactus_renders_sco_files() {
    let dir = std::env::temp_dir().join(format!("tactus-scofile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sco = dir.join("x.sco");
    std::fs::write(
        &sco,
        "; a score\nf 1 0 64 -7 1 64 1\ni 1 0.5 0.25 0.5 8.00 1 0 0\ni 1 2 0.25 . . .\ne 3\n",
    )
    .unwrap();
    let wav = dir.join("x.wav");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tactus"))
        .args([
            "render",
            sco.to_str().unwrap(),
            "-o",
            wav.to_str().unwrap(),
            "--bits",
            "32f",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = hound::WavReader::open(&wav).unwrap();
    let samples: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    assert_eq!(samples.len() / 2, 3 * 48_000, "e 3");
    let l = left(&samples);
    assert_eq!(onsets(&l), vec![24_000, 96_000]);
}
