//! Live loops, offline and exact: no drift over ten minutes (also across a
//! tempo ramp), redefinition swaps at the boundary with phase kept, an error
//! rolls back only that loop and prints once, reloads are transactions.

use crate::common::*;
use tactus::live::reload::Reloader;
use tactus::session::state::RevertRequest;
use tactus::time::Beats;

#[test]
fn loops_over_ten_minutes_land_every_onset_exactly() {
    let src = format!(
        "{DC_SETUP}
        tempo(137);
        live_loop(\"pulse\", 1.5, |i| {{ note(1, 60, 0.05); wait(0.75); note(1, 60, 0.05); }});
        end(1370);"
    );
    let got = streamed_onsets(&src);
    assert_eq!(
        got.len(),
        1827,
        "an onset every 0.75 beats before beat 1370"
    );
    for (k, f) in got.iter().enumerate() {
        assert_eq!(*f, beat_frame(k as f64 * 0.75, 137.0), "onset {k}");
    }
}

#[test]
fn loop_onsets_follow_a_tempo_ramp_exactly() {
    // 60 -> 120 bpm over beats 8..16; a loop of 1 beat from beat 0.
    let src = format!(
        "{DC_SETUP}
        live_loop(\"tick\", 1, |i| note(1, 60, 0.05));
        wait(8); tempo(120, 8);
        end(32);"
    );
    let got = streamed_onsets(&src);
    let secs = |b: f64| -> f64 {
        if b <= 8.0 {
            b
        } else if b <= 16.0 {
            8.0 + 8.0 * (1.0 + 7.5 * (b - 8.0) / 60.0).ln()
        } else {
            8.0 + 8.0 * 2f64.ln() + (b - 16.0) * 0.5
        }
    };
    assert_eq!(got.len(), 40);
    for (k, f) in got.iter().enumerate() {
        let want = (secs(k as f64) * SR).round() as usize;
        assert!(
            (*f as i64 - want as i64).abs() <= 1,
            "onset {k}: {f} vs {want}"
        );
    }
}

#[test]
fn redefinition_swaps_at_the_boundary_keeping_phase() {
    // 2-beat loop from 0; redefined at beat 3.5: the old body still plays its
    // iteration at 2, the new one starts at 4 (not 3.5, not bar-aligned 4+4).
    let src = format!(
        "{DC_SETUP}
        live_loop(\"a\", 2, |i| note(1, 60, 0.1, #{{ amp: 0.5 }}));
        at(3.5, || live_loop(\"a\", 2, |i| note(1, 60, 0.1, #{{ amp: 0.25, at: 0.5 }})));
        end(8);"
    );
    let out = left(&render(&src));
    let c = std::f32::consts::FRAC_1_SQRT_2;
    assert_eq!(
        onsets(&out),
        vec![
            0,
            beat_frame(2.0, 60.0),
            beat_frame(4.5, 60.0),
            beat_frame(6.5, 60.0)
        ]
    );
    assert!(
        (out[beat_frame(2.01, 60.0)] - 0.5 * c).abs() < 1e-6,
        "old body at 2"
    );
    assert!(
        (out[beat_frame(4.51, 60.0)] - 0.25 * c).abs() < 1e-6,
        "new body from 4"
    );
}

#[test]
fn an_error_rolls_back_only_that_loop_and_prints_once() {
    // Loop "a" is redefined at beat 2.5 with a body that fails from i == 3;
    // it rolls back to its first body. Loop "b" never notices.
    let src = format!(
        "{DC_SETUP}
        live_loop(\"a\", 1, |i| note(1, 60, 0.1, #{{ amp: 0.5 }}));
        live_loop(\"b\", 1, |i| note(1, 60, 0.1, #{{ amp: 0.2, at: 0.5 }}));
        at(2.5, || live_loop(\"a\", 1, |i| {{
            note(1, 60, 0.1, #{{ amp: 0.3 }});
            if i >= 3 {{ note(1, \"X9\", 1); }}
        }}));
        end(6);"
    );
    let (out, report) = render_block(&src, 256);
    let out = left(&out);
    assert_eq!(report.errors.len(), 1, "printed once: {:?}", report.errors);
    let msg = report.errors[0].to_string();
    assert!(
        msg.contains("loop \"a\": unknown note name \"X9\"") && msg.contains("previous version"),
        "{msg}"
    );
    assert!(
        msg.starts_with("test.rhai:9:25:"),
        "the position inside the body: {msg}"
    );
    assert!(
        msg.contains("if i >= 3 { note(1, \"X9\", 1); }"),
        "the source line: {msg}"
    );
    let c = std::f32::consts::FRAC_1_SQRT_2;
    let level = |b: f64| out[beat_frame(b, 60.0)] / c;
    assert!((level(2.05) - 0.5).abs() < 1e-6, "old body before the swap");
    assert!(
        (level(3.05) - 0.5).abs() < 1e-6,
        "iteration 3 failed: undone, the old body played instead (no 0.3 note)"
    );
    assert!((level(4.05) - 0.5).abs() < 1e-6, "and keeps playing");
    for b in [0.55, 2.55, 3.55, 4.55, 5.55] {
        assert!((level(b) - 0.2).abs() < 1e-6, "loop b untouched at {b}");
    }
}

fn scratch_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tactus-reload-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("live.rhai");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn reloads_are_transactions_with_a_summary_line() {
    let path = scratch_file(
        "summary",
        "table(1, 64, sine());\nlive_loop(\"bass\", 1, |i| note(1, 36, 0.5));\nlive_loop(\"lead\", 1, |i| note(1, 72, 0.5));\nlive_loop(\"drums\", 1, |i| note(1, 60, 0.1));",
    );
    let (mut h, _) = host("");
    let lines = std::cell::RefCell::new(Vec::<String>::new());
    let print = |s: &str| lines.borrow_mut().push(s.to_string());
    let mut r = Reloader::new(path.clone());
    r.reload(&mut h, Beats(0.0), &print);
    assert!(
        lines.borrow()[0].ends_with("added bass, drums, lead"),
        "{:?}",
        lines.borrow()
    );
    // A syntax error changes nothing.
    std::fs::write(
        &path,
        "table(1, 64, saw(3));\nlive_loop(\"bass\", 1, |i| note(1, 38, 0.5)\n",
    )
    .unwrap();
    r.reload(&mut h, Beats(1.0), &print);
    let last = lines.borrow().last().unwrap().clone();
    assert!(
        last.contains("live.rhai:3:1: error: syntax: Expecting ')'"),
        "{last}"
    );
    assert!(
        last.contains("reload failed") && last.contains("keeps playing"),
        "{last}"
    );
    let t1 = h.with_session(|s| s.table(1).unwrap().to_vec());
    assert!((t1[16] - 1.0).abs() < 1e-6, "table 1 is still the sine");
    // A runtime error at top level changes nothing either.
    std::fs::write(
        &path,
        "table(1, 64, saw(3));\nnote(1, 60, 1, #{ table: 99 });",
    )
    .unwrap();
    r.reload(&mut h, Beats(1.0), &print);
    assert!(lines.borrow().last().unwrap().contains("reload failed"));
    let t1 = h.with_session(|s| s.table(1).unwrap().to_vec());
    assert!(
        (t1[16] - 1.0).abs() < 1e-6,
        "the saw of the failed version was rolled back"
    );
    // A good version: one swapped, one removed, one unchanged.
    std::fs::write(
        &path,
        "table(1, 64, sine());\nlive_loop(\"bass\", 1, |i| note(1, 38, 0.5));\nlive_loop(\"drums\", 1, |i| note(1, 60, 0.1));",
    )
    .unwrap();
    r.reload(&mut h, Beats(2.0), &print);
    assert!(
        lines
            .borrow()
            .last()
            .unwrap()
            .ends_with("swapped bass; removed lead; unchanged drums"),
        "{:?}",
        lines.borrow().last()
    );
    // revert() returns to the first version: lead comes back, bass swaps back,
    // and the line says which version plays and that the file is unchanged.
    let req = |version: Option<i64>, write: bool| RevertRequest { version, write };
    r.revert(req(None, false), &mut h, Beats(3.0), &print);
    let last = lines.borrow().last().unwrap().clone();
    assert!(last.contains("now playing version 1 of"), "{last}");
    assert!(
        last.contains("swapped bass; added lead; unchanged drums"),
        "{last}"
    );
    assert!(last.contains("the file on disk is unchanged"), "{last}");
    assert!(h
        .with_session(|s| s.loop_names())
        .contains(&"lead".to_string()));
    // A save that fails: revert() keeps the last good version (it does not
    // step back past it) and says the file still holds the error.
    std::fs::write(&path, "live_loop(\"bass\", 1, |i| note(1, 38, 0.5)").unwrap();
    r.reload(&mut h, Beats(4.0), &print);
    assert!(lines
        .borrow()
        .last()
        .unwrap()
        .contains("version 1 keeps playing"));
    r.revert(req(None, false), &mut h, Beats(5.0), &print);
    let last = lines.borrow().last().unwrap().clone();
    assert!(
        last.contains("now playing version 1") && last.contains("playing already"),
        "{last}"
    );
    assert!(last.contains("still with the error at"), "{last}");
    // revert(n) out of range names the valid ones; revert(2, write) puts
    // version 2 back in the file, and the reload that follows is quiet.
    r.revert(req(Some(7), false), &mut h, Beats(6.0), &print);
    assert!(lines
        .borrow()
        .last()
        .unwrap()
        .contains("the versions are 1 to 2"));
    r.revert(req(Some(2), true), &mut h, Beats(7.0), &print);
    assert!(lines
        .borrow()
        .last()
        .unwrap()
        .contains("written back to the file"));
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("live_loop(\"drums\""));
    let before = lines.borrow().len();
    r.reload(&mut h, Beats(8.0), &print);
    assert_eq!(
        lines.borrow().len(),
        before,
        "the written-back version reloads nothing"
    );
    assert!(!h
        .with_session(|s| s.loop_names())
        .contains(&"lead".to_string()));
}

#[test]
fn set_and_get_survive_reloads() {
    let path = scratch_file(
        "kept",
        "if get(\"n\") == () { set(\"n\", 0); } set(\"n\", get(\"n\") + 1);",
    );
    let (mut h, out) = host("");
    let mut r = Reloader::new(path.clone());
    let print = |_s: &str| {};
    for k in 0..3 {
        std::fs::write(
            &path,
            format!(
                "// v{k}\nif get(\"n\") == () {{ set(\"n\", 0); }} set(\"n\", get(\"n\") + 1);"
            ),
        )
        .unwrap();
        r.reload(&mut h, Beats(0.0), &print);
    }
    h.eval_repl("print(get(\"n\"))", Beats(0.0)).unwrap();
    assert_eq!(out.borrow().trim(), "3");
}

#[test]
fn a_failed_reload_leaves_sequences_as_they_were() {
    let path = scratch_file("seqfail", "seq(\"s\", 1, 60, \"x...\");");
    let (mut h, out) = host("");
    let mut r = Reloader::new(path.clone());
    let print = |_s: &str| {};
    r.reload(&mut h, Beats(0.0), &print);
    std::fs::write(
        &path,
        "seq(\"s\", 1, 60, \"xxxx\"); seq(\"t\", 1, 62, \"x.x.\"); note(1, \"X9\", 1);",
    )
    .unwrap();
    r.reload(&mut h, Beats(1.0), &print);
    h.eval_repl("print(seqs()); print(seq(\"s\").to_string())", Beats(1.0))
        .unwrap_or_default();
    let printed = out.borrow().clone();
    assert!(
        printed.starts_with("[\"s\"]"),
        "only the first version's sequence: {printed}"
    );
}

/// Loop periods too short to advance the clock, or too long to map to
/// frames, hung the script thread (issue 16): now one clear error each.
#[test]
fn loop_periods_out_of_range_are_errors_not_hangs() {
    for beats in ["1e-9", "0.000001", "1e308", "0", "-1"] {
        let src = format!("live_loop(\"x\", {beats}, |i| {{ note(1, 60, 0.5); }});");
        let e = tactus::render::render_to_vec("t.rhai", &src, &Default::default())
            .err()
            .unwrap_or_else(|| panic!("{beats} was accepted"))
            .to_string();
        assert!(
            e.contains("beats must be 0.00390625 (1/256) to 65536"),
            "{beats}: {e}"
        );
    }
    let ok = "live_loop(\"x\", 0.25, |i| { note(1, 60, 0.1); }); end(1);";
    assert!(tactus::render::render_to_vec("t.rhai", ok, &Default::default()).is_ok());
}

#[test]
fn a_reload_names_the_tempo_and_drum_changes_it_made_and_the_pattern_once() {
    let path = scratch_file("globals", "tempo(96);\ndrums(\"house\");");
    let (mut h, _) = host("");
    let lines = std::cell::RefCell::new(Vec::<String>::new());
    let print = |s: &str| lines.borrow_mut().push(s.to_string());
    let mut r = Reloader::new(path.clone());
    r.reload(&mut h, Beats(0.0), &print);
    assert!(
        lines.borrow()[0].ends_with(": added drums"),
        "{:?}",
        lines.borrow()
    );
    std::fs::write(
        &path,
        "tempo(118);\ndrums(\"bossa\");\nchannel(2, #{ instrument: \"organ\" });",
    )
    .unwrap();
    r.reload(&mut h, Beats(1.0), &print);
    let last = lines.borrow().last().unwrap().clone();
    assert!(last.contains("tempo 96 -> 118"), "{last}");
    assert!(last.contains("drums house -> bossa"), "{last}");
    assert!(last.contains("channel 2 sine -> organ"), "{last}");
    assert!(!last.contains("drums:"), "the pattern is one entry: {last}");
}

/// An editor that saves in place truncates the file first: that empty read
/// must not stop every loop; a file holding only a comment does.
#[test]
fn an_empty_read_of_the_watched_file_is_not_applied_but_a_comment_is() {
    let path = scratch_file("empty", "live_loop(\"bass\", 1, |i| note(1, 36, 0.5));");
    let (mut h, _) = host("");
    let lines = std::cell::RefCell::new(Vec::<String>::new());
    let print = |s: &str| lines.borrow_mut().push(s.to_string());
    let mut r = Reloader::new(path.clone());
    r.reload(&mut h, Beats(0.0), &print);
    std::fs::write(&path, "").unwrap();
    r.reload(&mut h, Beats(1.0), &print);
    let last = lines.borrow().last().unwrap().clone();
    assert!(
        last.contains("is empty: not applied, version 1 keeps playing"),
        "{last}"
    );
    assert_eq!(h.with_session(|s| s.loop_names()), vec!["bass".to_string()]);
    std::fs::write(&path, "// silence\n").unwrap();
    r.reload(&mut h, Beats(2.0), &print);
    assert!(
        lines.borrow().last().unwrap().ends_with("removed bass"),
        "{:?}",
        lines.borrow()
    );
    assert!(h.with_session(|s| s.loop_names()).is_empty());
}
