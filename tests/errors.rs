//! Bad input gets one clear message with its position and the valid choices,
//! never a panic; errors in callbacks leave the rest of the score playing.

use tactus::render::{self, RenderOptions};

/// The first error `check` finds in `src`, as printed.
fn first_error(src: &str) -> String {
    let errors = render::check("bad.rhai", src, &RenderOptions::default());
    assert!(!errors.is_empty(), "expected an error from:\n{src}");
    errors[0].to_string()
}

fn expect(src: &str, at: &str, words: &[&str]) {
    let msg = first_error(src);
    assert!(
        msg.starts_with(&format!("bad.rhai:{at}: error: ")),
        "position {at} expected in:\n{msg}"
    );
    for w in words {
        assert!(msg.contains(w), "expected {w:?} in:\n{msg}");
    }
}

#[test]
fn unknown_function_suggests_the_closest() {
    expect(
        "notee(1, 60, 1);",
        "1:1",
        &["unknown function 'notee'", "did you mean 'note'"],
    );
}

#[test]
fn wrong_arity_shows_usage() {
    expect(
        "let x = 1;\nnote(1, 60);",
        "2:1",
        &[
            "wrong arguments for note",
            "usage: note(ch, pitch, dur_beats)",
        ],
    );
}

#[test]
fn wrong_argument_type() {
    expect(
        "note(1, 60, \"long\");",
        "1:1",
        &["dur must be a number, got string"],
    );
    expect(
        "note(1, [60], 1);",
        "1:1",
        &["pitch must be a MIDI number, a note name"],
    );
}

#[test]
fn unknown_note_name() {
    expect(
        "  note(1, \"H4\", 1);",
        "1:3",
        &["unknown note name \"H4\"", "a letter A-G"],
    );
}

#[test]
fn table_that_does_not_exist() {
    expect(
        "table(3, 64, sine());\nchannel(1, #{ table: 7 });",
        "2:1",
        &[
            "table 7 does not exist",
            "defined: 3",
            "table(7, size, gen)",
        ],
    );
    expect(
        "note(1, 60, 1, #{ table: 9 });",
        "1:1",
        &["table 9 does not exist (defined: none yet)"],
    );
}

#[test]
fn channel_out_of_range() {
    expect(
        "note(17, 60, 1);",
        "1:1",
        &["channel 17 is out of range: channels are 1-16"],
    );
    expect("channel(0);", "1:1", &["channel 0 is out of range"]);
}

#[test]
fn unknown_options_list_the_valid_ones() {
    expect(
        "channel(1, #{ lowpas: 3 });",
        "1:1",
        &[
            "unknown option 'lowpas'",
            "valid options: instrument, program, synth, table, env, volume, pan, max_voices",
            "lowpass",
        ],
    );
    expect(
        "channel(1, #{ synth: \"sawtooth\" });",
        "1:1",
        &["unknown synth \"sawtooth\"", "sine, saw, square, triangle"],
    );
    expect(
        "note(1, 60, 1, #{ vel: 300 });",
        "1:1",
        &["vel 300 is out of range 0 to 127"],
    );
}

#[test]
fn syntax_error_position() {
    let msg = first_error("note(1, 60, 1);\nlet x = (1 + ;\n");
    assert!(msg.starts_with("bad.rhai:2:"), "{msg}");
    assert!(msg.contains("syntax"), "{msg}");
    assert!(
        msg.contains("let x = (1 + ;"),
        "the source line is shown:\n{msg}"
    );
}

#[test]
fn error_inside_a_callback_points_into_it_and_the_score_goes_on() {
    let src = "channel(1, #{ synth: \"sine\" });\nnote(1, 60, 1);\nat(1, || {\n    note(1, \"Q9\", 1);\n});\nnote(1, 64, 1, #{ at: 2 });";
    let errors = render::check("bad.rhai", src, &RenderOptions::default());
    assert_eq!(errors.len(), 1);
    let msg = errors[0].to_string();
    assert!(
        msg.starts_with("bad.rhai:4:5: error: unknown note name \"Q9\""),
        "{msg}"
    );
    let (_, report) = render::render_to_vec("bad.rhai", src, &RenderOptions::default()).unwrap();
    assert_eq!(
        report.notes, 2,
        "the notes before and after the failing callback play"
    );
    assert_eq!(report.errors.len(), 1);
}

#[test]
fn runaway_script_is_stopped() {
    expect("let n = 0;\nloop { n += 1; }", "2:8", &["ran too long"]);
}

#[test]
fn bad_table_arguments() {
    expect(
        "table(1, 0, sine());",
        "1:1",
        &["table size 0 is out of range"],
    );
    expect(
        "table(0, 64, sine());",
        "1:1",
        &["table 0 is out of range: tables are 1 to 9999"],
    );
    expect(
        "table(1, 64, gen7([0, 4]));",
        "1:1",
        &["gen7 needs values and lengths alternating"],
    );
    expect(
        "table(1, 64, saw(0));",
        "1:14",
        &["saw(): harmonics must be 1 to"],
    );
}

#[test]
fn huge_tables_are_refused_not_frozen() {
    expect("table(1, 16777216, saw(65536));", "1:1", &["too much work"]);
}

#[test]
fn a_far_future_note_does_not_render_hours_of_silence() {
    let src = "note(1, 60, 1, #{ at: 1e8 });";
    let (out, report) = render::render_to_vec("far.rhai", src, &RenderOptions::default()).unwrap();
    assert!(
        out.is_empty() && !report.truncated(),
        "{} frames",
        report.frames
    );
}

#[test]
fn a_link_quantum_of_zero_or_less_is_refused_with_the_range() {
    for q in ["0", "-4", "65"] {
        expect(
            &format!("link_quantum({q});"),
            "1:1",
            &[
                "link_quantum(): beats per shared bar must be more than 0 and at most 64",
                "4 is one 4/4 bar",
            ],
        );
    }
}

#[test]
fn an_unknown_clock_source_lists_the_valid_ones() {
    expect(
        "tempo(100);\nclock(\"nonsense\");",
        "2:1",
        &[
            "clock(): unknown source \"nonsense\"",
            "valid: \"internal\", \"midi\"",
            "clock_in(\"port\")",
        ],
    );
    // In a render there is no MIDI: following is accepted and the tempo
    // map plays on; clock() says which source is chosen.
    let errors = render::check(
        "ok.rhai",
        "clock(\"midi\"); if clock() != \"midi\" { throw \"no\" } clock(\"internal\"); note(1, 60, 1);",
        &RenderOptions::default(),
    );
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn a_cc_sweep_beyond_what_the_option_takes_is_refused() {
    expect(
        "cc(74, \"lowpass\", -1e308, 1e308);",
        "1:1",
        &["cc(): min of lowpass -1e308 is out of range 0 to 20000"],
    );
    expect(
        "cc(7, \"volume\", 0, 1e6);",
        "1:1",
        &["cc(): max of volume 1000000 is out of range 0 to 4"],
    );
    let errors = render::check(
        "ok.rhai",
        "cc(74, \"lowpass\", 200, 8000); cc(7, \"volume\", 0, 1, 2);",
        &RenderOptions::default(),
    );
    assert!(errors.is_empty(), "{errors:?}");
}

/// Times beyond the horizon (1e9 beats) are refused where they are given:
/// at ~3.7e303 beats they landed on frame 0 (`end(1e308)` rendered nothing,
/// `wait(1e308)` played at once; issue 16).
#[test]
fn a_time_beyond_the_horizon_is_refused_with_the_limit() {
    for (src, at, func) in [
        ("end(1e308);", "1:1", "end()"),
        ("wait(1e308);", "1:1", "wait()"),
        ("at(1e308, || stop());", "1:1", "at()"),
        ("note(1, 60, 1, #{ at: 1e308 });", "1:1", "note()"),
        ("i(1, 1e308, 1, 0.5, 8.00);", "1:1", "i()"),
        ("advance(1e308);", "1:1", "advance()"),
        ("wait(6e8); wait(6e8);", "1:12", "wait()"),
    ] {
        expect(src, at, &[func, "beyond the last beat", "1e9"]);
    }
    let e = first_error("score(\"i 1 0 1\\ni 1 1e308 1\");");
    assert!(
        e.contains("2:1") && e.contains("beyond the last beat"),
        "{e}"
    );
    let e = first_error("score(\"e 1e308\");");
    assert!(e.contains("beyond the last beat"), "{e}");
    // Within it, a long wait is fine.
    let ok = render::check("ok.rhai", "wait(5e8); end();", &RenderOptions::default());
    assert!(ok.is_empty(), "{ok:?}");
}

/// Huge and tiny numbers in range errors are shown in exponent form, not
/// with 309 digits (issue 16).
#[test]
fn range_errors_show_huge_numbers_short() {
    let e = first_error("live_loop(\"x\", 1e308, |i| {});");
    assert!(e.contains("got 1e308"), "{e}");
    let e = first_error("tempo(1e300);");
    assert!(e.contains("got 1e300"), "{e}");
}

/// A script saved with a UTF-8 byte order mark runs (it was a syntax error;
/// issue 16), and so does such a score.
#[test]
fn a_byte_order_mark_is_not_a_syntax_error() {
    let ok = render::check(
        "bom.rhai",
        "\u{feff}note(1, 60, 1);",
        &RenderOptions::default(),
    );
    assert!(ok.is_empty(), "{ok:?}");
    let ok = render::check(
        "bom.rhai",
        "score(\"\u{feff}i 1 0 1\");",
        &RenderOptions::default(),
    );
    assert!(ok.is_empty(), "{ok:?}");
}

/// A callback that schedules itself with no delay ran for ever (check never
/// ended; live, the script thread spun; issue 16): past 10,000 callbacks
/// on one frame the chain is dropped with one error, and the rest plays.
#[test]
fn an_endless_chain_of_callbacks_is_stopped_with_one_error() {
    let src = "fn again() { at(0, Fn(\"again\")); }\nagain();\nnote(1, 60, 1, #{ at: 1 });";
    let errors = render::check("chain.rhai", src, &RenderOptions::default());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors[0].to_string();
    assert!(e.contains("more than 10000 callbacks on one frame"), "{e}");
    assert!(e.starts_with("chain.rhai:1:14:"), "points at the at(): {e}");
    let tiny = "fn again() { at(1e-9, Fn(\"again\")); }\nagain();";
    let errors = render::check("tiny.rhai", tiny, &RenderOptions::default());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (out, _) = render::render_to_vec("chain.rhai", src, &RenderOptions::default()).unwrap();
    assert!(
        out.iter().any(|x| x.abs() > 0.01),
        "the note after it plays"
    );
}

/// Tables hold 32-bit floats: a value beyond ±3.4e38 became inf and a huge
/// GEN argument made NaN tables (issue 16). Each is now one error naming
/// the limit; a value that fits is still taken.
#[test]
fn table_values_beyond_32_bit_floats_are_refused() {
    for (src, want) in [
        ("table(1, 8, raw(gen2([1e39])));", "not finite from point 0"),
        (
            "table(1, 32, gen7([1e308, 32, -1e308]));",
            "too large for 32-bit floats",
        ),
        (
            "table(1, 32, gen10([1e308, 1e308, 1e308]));",
            "too large for 32-bit floats",
        ),
        (
            "table(1, 8, gen10([1])); let t = table(1); t[2] = 1e39;",
            "1e39 is beyond what a table holds",
        ),
        (
            "table(1, 8, gen10([1])); let t = table(1); t.set([0.5, -1e39]);",
            "-1e39 is beyond what a table holds",
        ),
        (
            "table(1, 8, gen10([1])); let t = table(1); t.fill(|i, x| 1e39);",
            "beyond what a table holds",
        ),
    ] {
        let e = crate::common::check_error(src);
        assert!(e.contains(want), "{src}: {e}");
    }
    let ok = render::check(
        "ok.rhai",
        "table(1, 8, raw(gen2([3e38]))); let t = table(1); t[1] = -3e38;",
        &RenderOptions::default(),
    );
    assert!(ok.is_empty(), "{ok:?}");
}

/// `tempo(120, 1e-308)` made an infinite ramp slope, a NaN tempo map and an
/// empty render that said nothing (issue 16): a ramp shorter than 1/1024
/// beat is a jump, so the note at beat 1 plays at 0.5 s.
#[test]
fn a_vanishingly_short_tempo_ramp_is_a_jump() {
    let src = "tempo(60);\ntempo(120, 1e-308);\nnote(1, 60, 0.5, #{ at: 1 });";
    let opts = RenderOptions::default();
    let (out, _) = render::render_to_vec("ramp.rhai", src, &opts).unwrap();
    let first = out
        .iter()
        .position(|x| x.abs() > 1e-4)
        .expect("the note sounds")
        / 2;
    let at_s = first as f64 / 48_000.0;
    assert!(
        (at_s - 0.5).abs() < 0.01,
        "the note starts at {at_s} s, not 0.5 s"
    );
    assert!(out.iter().all(|x| x.is_finite()));
}

/// Score statements out of range were accepted (issue 16): `t 0 1e-306`
/// (tempo() takes 1 to 1000), `e -5`, `a 0 -5 2` (which dropped a note as
/// past); and `t[0.5]` said "Indexer unavailable". Each is now one message.
#[test]
fn score_tempos_negative_times_and_fractional_table_indices_are_errors() {
    for (src, want) in [
        (
            "score(\"t 0 1e-306\\ni1 0 1\");",
            "tempo must be 1 to 1000 bpm",
        ),
        ("score(\"e -5\");", "e's time must be 0 or more, got -5"),
        (
            "score(\"a 0 -5 2\\ni1 0 1\");",
            "the time must be 0 or more, got -5",
        ),
        ("score(\"a 0 1 -2\");", "the span to skip must be 0 or more"),
        (
            "table(1, 8, gen10([1])); let t = table(1); let x = t[0.5];",
            "a point is numbered by a whole number",
        ),
        (
            "table(1, 8, gen10([1])); let t = table(1); t[1.5] = 0.2;",
            "a point is numbered by a whole number",
        ),
    ] {
        let e = crate::common::check_error(src);
        assert!(e.contains(want), "{src}: {e}");
    }
}
