//! Csound's timing for score text, each case with the times a hand
//! calculation from the Csound manual gives (and Csound's own, where they
//! differ): sections, `e` only extending, `a` cutting sounding time, `q`
//! before `i` at the same time, p3 = 0 and held notes, `f 0 time`.

use crate::common::*;

/// Render score text on the DC channel set-up (output = level while a note sounds).
fn sco(text: &str) -> Vec<f32> {
    left(&render(&format!("{DC_SETUP} score(`{text}`);")))
}

/// Seconds to frames at the test rate.
fn fr(seconds: f64) -> usize {
    (seconds * SR).round() as usize
}

/// Frames that sound.
fn sounding(x: &[f32]) -> usize {
    x.iter().filter(|v| **v != 0.0).count()
}

#[test]
fn score_sections_follow_each_other() {
    // The issue's case: Csound plays the second note at 2, not at 0.
    let out = sco("i1 0 2 0.5\ns\ni1 0 1 0.25");
    let c = std::f32::consts::FRAC_1_SQRT_2;
    assert_eq!((out[fr(1.9)], out[fr(2.1)]), (0.5 * c, 0.25 * c));
    assert_eq!(out.len(), fr(3.0));
    // `s time` makes a section last at least that long; an empty section
    // is nothing; three levels of sections add up.
    assert_eq!(
        onsets(&sco("i1 0 1\ns 3\ni1 0.5 1\ns\ns\ni1 1 0.5")),
        vec![0, fr(3.5), fr(5.5)]
    );
}

#[test]
fn score_t_in_one_section_leaves_the_next_at_60() {
    // Section 1 at 120 bpm: 2 beats = 1 s; section 2 has no t: 60 bpm.
    let out = sco("t 0 120\ni1 0 2\ns\ni1 1 1\ni1 3 1");
    assert_eq!(onsets(&out), vec![0, fr(2.0), fr(4.0)]);
    assert_eq!(sounding(&out), fr(3.0));
}

#[test]
fn score_e_time_only_extends() {
    // e before the last note's end does not cut it (Csound: "otherwise it
    // has no effect"); the note plays its 4 beats.
    let out = sco("i1 0 4\ne 1");
    assert_eq!(sounding(&out), fr(4.0));
    // e after it: the render lasts exactly until e.
    assert_eq!(sco("i1 0 1\ne 5").len(), fr(5.0));
    // f 0 time keeps the performance going, without a table.
    assert_eq!(sco("f 0 6\ni1 0 1").len(), fr(6.0));
}

#[test]
fn score_a_cuts_the_skipped_time_out_of_sounding_notes() {
    // a 0 1 2: beats 1-3 take no time. A note 0.5-1.5 loses 0.5; one
    // 1.5-2.5 is never heard; one 2.5-3.5 starts at 1 s with 0.5 left; one
    // at 4 starts at 2 s.
    let out = sco("a 0 1 2\ni1 0.5 1\ni1 1.5 1\ni1 2.5 1\ni1 4 0.25");
    assert_eq!(onsets(&out), vec![fr(0.5), fr(2.0)]);
    assert_eq!(sounding(&out), fr(0.5) + fr(0.5) + fr(0.25));
}

#[test]
fn score_q_applies_before_an_i_at_the_same_time() {
    // q written after the i: Csound sorts it first, so the note is muted.
    assert_eq!(
        onsets(&sco("i1 1 1\nq 1 1 0\ni1 3 1\nq 1 2 1")),
        vec![fr(3.0)]
    );
}

#[test]
fn score_p3_zero_and_held_notes() {
    // p3 = 0 initialises only: no sound.
    assert_eq!(sounding(&sco("i1 0 0\ni1 1 1")), fr(1.0));
    // Negative p3 holds until the next note of the same instrument number
    // (1.1), or a turn-off (i -1.2), or the end of the score.
    let out =
        sco("i1.1 0 -1\ni1.2 0 -1 0.25\ni1.1 2 1 0.5\ni-1.2 3 0\ni1.3 4 -1 0.125\ni1 5 1 0.5");
    let c = std::f32::consts::FRAC_1_SQRT_2;
    assert_eq!(out[fr(1.0)], 0.75 * c, "1.1 and 1.2 held");
    assert_eq!(
        out[fr(2.5)],
        0.75 * c,
        "1.1 tied into its next note, 1.2 held"
    );
    assert_eq!(out[fr(3.5)], 0.0, "1.2 turned off at 3");
    assert_eq!(out[fr(5.5)], 0.625 * c, "1.3 held to the score's end");
    assert_eq!(out.len(), fr(6.0));
}

#[test]
fn score_pmap_and_instr_play_a_foreign_score_unedited() {
    // Instrument 12 and "bass" on channel 1; p4 in 0-32767, p5 in Hz.
    let src = format!(
        "{DC_SETUP}
        instr(12, 1); instr(\"bass\", 1);
        pmap(1, #{{ amp: \"p4\", amp_scale: 32768, pitch: \"p5\", pitch_as: \"cps\" }});
        score(`i12 0 1 16384 440 99\ni \"bass\" 2 1 8192 220`);"
    );
    let out = left(&render(&src));
    let c = std::f32::consts::FRAC_1_SQRT_2;
    assert_eq!(onsets(&out), vec![0, fr(2.0)]);
    assert_eq!((out[fr(0.5)], out[fr(2.5)]), (0.5 * c, 0.25 * c));
    let msg = check_error("score(`i20 0 1`);");
    assert!(msg.contains("instr(n, ch) maps"), "{msg}");
    let msg = check_error("score(`i \"lead\" 0 1`);");
    assert!(
        msg.contains("map it with instr(\"lead\", channel)"),
        "{msg}"
    );
    let msg = check_error("pmap(1, #{ volume: \"p4\" });");
    assert!(
        msg.contains("unknown key \"volume\": use amp, amp_scale"),
        "{msg}"
    );
}

#[test]
fn score_file_statements_tactus_cannot_honour_are_skipped_or_refused_with_strict() {
    let dir = std::env::temp_dir().join(format!("tactus-strict-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sco = dir.join("foreign.sco");
    let text = "f 1 0 64 -7 1 64 1\ni1 0 1 0.5 8 1 0 0\nf 2 0 0 1 \"missing.wav\" 0 0 0\ni1 1 1 0.5 8 1 0 0 2\ni1 2 1 0.5 8 1 0 0 0.5\n";
    std::fs::write(&sco, text).unwrap();
    let wav = dir.join("x.wav");
    let run = |strict: bool| {
        let mut args = vec!["render", sco.to_str().unwrap(), "-o", wav.to_str().unwrap()];
        args.extend(["--bits", "32f"]);
        if strict {
            args.push("--strict");
        }
        std::process::Command::new(env!("CARGO_BIN_EXE_tactus"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(false);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    let name = sco.display();
    assert!(
        said.contains(&format!("{name}:3:1: warning: f: ")),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "{name}:4:1: warning: p9 (pan) 2 is out of range 0 to 1"
        )),
        "{said}"
    );
    let mut r = hound::WavReader::open(&wav).unwrap();
    let samples: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    assert_eq!(
        onsets(&left(&samples)),
        vec![0, fr(2.0)],
        "the rest renders"
    );
    let out = run(true);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains(&format!("{name}:3:1: error: f: ")), "{said}");
}

/// Csound's named GENs "tanh", "exp" and "sone": the points of Csound's
/// own formulas (x from start in steps of (end - start) / length, the
/// length without a 2^k + 1 table's guard point), rescaled unless the last
/// argument is non-zero.
#[test]
fn named_gens_tanh_exp_and_sone_fill_as_csound() {
    let close = |got: &[f32], want: &[f64]| {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((*g as f64 - w).abs() < 1e-6, "{got:?} against {want:?}");
        }
    };
    let tanh = table_points(r#"score("f 1 0 8 \"tanh\" -1 1 1");"#, 1);
    let want: Vec<f64> = (0..8).map(|i| (-1.0 + i as f64 * 0.25).tanh()).collect();
    close(&tanh, &want);
    // 9 points = 8 and the guard point: x = 0, 1/8, ... 1; the peak rescaled to 1.
    let exp = table_points(r#"score("f 2 0 9 \"exp\" 0 1 0");"#, 2);
    let e = 1f64.exp();
    let want: Vec<f64> = (0..9).map(|i| (i as f64 / 8.0).exp() / e).collect();
    close(&exp, &want);
    let sone = table_points(r#"score("f 3 0 5 \"sone\" 0 4 4 1");"#, 3);
    let want: Vec<f64> = (0..5)
        .map(|i| i as f64 * (i as f64 / 4.0).powf(33.0 / 78.0))
        .collect();
    close(&sone, &want);
    let e = check_error(r#"score("f 4 0 8 \"farey\" 1 1");"#);
    assert!(
        e.contains("no GEN named \"farey\"") && e.contains("\"tanh\", \"exp\", \"sone\""),
        "{e}"
    );
    let e = check_error(r#"score("f 5 0 8 \"sone\" -1 4 4 0");"#);
    assert!(e.contains("not finite"), "{e}");
}
