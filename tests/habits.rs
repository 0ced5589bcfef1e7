//! Habits that carry over from Sonic Pi and other tools (issue 12, item 2):
//! `sleep` is `wait`, `seq` takes the arrays `euclid()` and `rotate()` give,
//! "did you mean" never leads a slip to a destructive function.

use crate::common::{beat_frame, check_error, left, onsets, render_for, DC_SETUP};

/// `sleep(1)`, `sleep(1.0)` and a call through `Fn("sleep")` move the
/// cursor one beat, exactly as `wait(1)`: four notes one beat apart, none
/// dropped, none together (Rhai's blocking sleep would stack them at 0).
#[test]
fn sleep_is_wait_for_ints_and_floats() {
    let src = format!(
        "{DC_SETUP} tempo(120); note(1, 60, 0.25); sleep(1); note(1, 60, 0.25); sleep(1.0); note(1, 60, 0.25); Fn(\"sleep\").call(1); note(1, 60, 0.25);"
    );
    let x = left(&render_for(&src, 63, 2.0));
    let want: Vec<usize> = [0.0, 1.0, 2.0, 3.0]
        .iter()
        .map(|b| beat_frame(*b, 120.0))
        .collect();
    assert_eq!(onsets(&x), want);
}

/// Rhai's blocking `sleep` is out of reach: a sleep inside a loop body is
/// logical time too, so a loop of four sixteenths plays four onsets.
#[test]
fn sleep_inside_a_loop_is_logical_time() {
    let src = format!(
        "{DC_SETUP} tempo(60); live_loop(\"s\", 1, |i| {{ for k in 0..4 {{ note(1, 60, 0.1); sleep(0.25); }} }});"
    );
    let x = left(&render_for(&src, 256, 2.0));
    let want: Vec<usize> = (0..8).map(|k| beat_frame(k as f64 * 0.25, 60.0)).collect();
    assert_eq!(onsets(&x), want);
}

/// `seq` with `euclid(3, 8)` plays on steps 1, 4 and 7 of every 8, and
/// `rotate` moves them: onsets on exactly those sixteenths.
#[test]
fn seq_plays_euclid_and_rotate_onsets_exactly() {
    let sixteenths = |steps: &[usize], bars: usize| -> Vec<usize> {
        (0..bars)
            .flat_map(|r| steps.iter().map(move |s| r * 8 + s))
            .map(|s| beat_frame(s as f64 * 0.25, 60.0))
            .collect()
    };
    for block in [1, 63, 256] {
        let src = format!("{DC_SETUP} tempo(60); seq(\"e\", 1, 60, euclid(3, 8));");
        let x = left(&render_for(&src, block, 4.0));
        assert_eq!(onsets(&x), sixteenths(&[0, 3, 6], 2), "block {block}");
    }
    let src = format!("{DC_SETUP} tempo(60); seq(\"e\", 1, 60, rotate(euclid(3, 8), 1));");
    let x = left(&render_for(&src, 256, 4.0));
    assert_eq!(onsets(&x), sixteenths(&[2, 5, 7], 2));
}

/// The level a single note reaches on the DC channel at a velocity.
fn note_level(vel: u32) -> f32 {
    let src = format!("{DC_SETUP} note(1, 60, 0.1, #{{ vel: {vel} }});");
    let x = left(&render_for(&src, 256, 0.2));
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// Numbers in the array are velocities: 1 is a plain hit (the sequence's
/// `vel`), 2-127 and 0.0-1.0 their own, 0 a rest. Each step is as loud as a
/// note() at that velocity.
#[test]
fn seq_array_numbers_are_velocities() {
    let src =
        format!("{DC_SETUP} tempo(60); seq(\"v\", 1, 60, [1, 0, 40, false, 1.0, 0.0, true, 0]);");
    let x = left(&render_for(&src, 256, 2.0));
    let frames: Vec<usize> = [0, 2, 4, 6]
        .iter()
        .map(|s| beat_frame(*s as f64 * 0.25, 60.0))
        .collect();
    assert_eq!(onsets(&x), frames);
    let at = |f: usize| x[f + 100].abs();
    let want = [
        note_level(100),
        note_level(40),
        note_level(127),
        note_level(100),
    ];
    for (f, w) in frames.iter().zip(want) {
        assert!(
            (at(*f) - w).abs() < 1e-6,
            "step at {f}: {} vs note {w}",
            at(*f)
        );
    }
    assert!(want[1] < want[0] && want[0] < want[2], "{want:?}");
}

/// A bad element is named by its place in the array, with the valid forms.
#[test]
fn a_bad_step_in_the_array_is_named_by_its_index() {
    let e = check_error("seq(\"e\", 10, 36, [true, false, \"x\", true]);");
    assert!(
        e.starts_with("bad.rhai:1:1: error: seq(): step 3 of the array"),
        "{e}"
    );
    assert!(e.contains("true/false"), "{e}");
    let e = check_error("seq(\"e\", 10, 36, [1, 300]);");
    assert!(
        e.contains("step 2 of the array: 300 is out of range"),
        "{e}"
    );
    let e = check_error("seq(\"e\", 10, 36, []);");
    assert!(e.contains("the pattern is empty"), "{e}");
}

/// `undo()` is not a function, and "did you mean" does not send the user to
/// `end()` (which ends the performance); a one-letter slip still finds it.
#[test]
fn did_you_mean_keeps_away_from_destructive_functions() {
    let e = check_error("undo();");
    assert!(e.contains("unknown function 'undo'"), "{e}");
    assert!(!e.contains("'end'"), "{e}");
    for (typo, meant) in [("edn", "end"), ("stpo", "stop"), ("notee", "note")] {
        let e = check_error(&format!("{typo}();"));
        assert!(
            e.contains(&format!("did you mean '{meant}'")),
            "{typo}: {e}"
        );
    }
}

/// The REPL as a Sonic Pi user types it, under tmux (TESTING.md §5):
/// `sleep(1)` and `sleep(1.0)` at the prompt place notes one beat apart
/// (heard in the recording, none dropped), Tab completes `reverb` inside a
/// `#{ }` map, and a deliberately heavy evaluation prints one line with
/// what it cost while a sequence plays.
#[test]
fn at_the_prompt_sleep_waits_and_a_slow_evaluation_says_what_it_cost() {
    use crate::repl::{scratch, Tmux};
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("habits");
    let cmd = format!(
        "cd {d} && TACTUS_HISTORY={d}/history {bin} --no-watch --record {d}/take.wav",
        d = dir.display(),
        bin = env!("CARGO_BIN_EXE_tactus")
    );
    let t = Tmux::start("habits", &cmd);
    t.wait_for("tactus>");
    t.line_then_prompt(
        "tempo(60); channel(1, #{ synth: \"sine\", env: adsr(0.005, 0, 1, 0.005) })",
    );
    t.line_then_prompt(
        "note(1, \"A4\", 0.25); sleep(1); note(1, \"A4\", 0.25); sleep(1.0); note(1, \"A4\", 0.25)",
    );
    assert!(
        !t.screen().contains("took"),
        "sleep costs nothing:\n{}",
        t.screen()
    );

    t.keys(&["-l", "channel(2, #{ rev"]);
    t.keys(&["Tab"]);
    t.wait_for("channel(2, #{ reverb");
    t.keys(&["C-u"]);

    // Eight steps a beat on a silent channel, then a busy loop at the prompt.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    t.line_then_prompt(
        "channel(2, #{ volume: 0 }); seq(\"k\", 2, 60, \"xxxxxxxx\", #{ step: 0.125 })",
    );
    std::thread::sleep(std::time::Duration::from_millis(4500));
    // A busy line that changes the tempo: the sequence plays on through an
    // evaluation that changes nothing it reads (tests/live_hostile.rs), but
    // not through one that changes the tempo, which holds it until it ends.
    t.line("tempo(60); let x = 0; for i in 0..3000000 { x += i }; x");
    let s = t.wait_for("(the music waits for no one");
    let line = s
        .lines()
        .find(|l| l.contains(" took "))
        .unwrap()
        .to_string();
    assert!(line.starts_with("that evaluation took "), "{line}");
    let took_s: f64 = line["that evaluation took ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let skipped: u64 = line
        .split(": ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        line.contains(&format!("{skipped} events skipped")),
        "{line}"
    );
    // Eight events a second were due while it ran (less the lookahead).
    let due = 8.0 * took_s;
    assert!(
        (skipped as f64) >= due - 5.0 && (skipped as f64) <= due + 4.0,
        "{skipped} skipped for {took_s} s at 8 events/s: {line}"
    );
    assert_eq!(
        s.matches("(the music waits for no one").count(),
        1,
        "one line:\n{s}"
    );
    t.line("status()");
    let s = t.wait_for("skipped (past)");
    let status = s.lines().find(|l| l.contains("skipped (past)")).unwrap();
    let in_status: u64 = status
        .split(", ")
        .find(|p| p.ends_with("skipped (past)"))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(in_status >= skipped, "status {status} vs {line}");
    eprintln!("{line}\n{status}");

    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
    let mut r = hound::WavReader::open(dir.join("take.wav")).expect("a valid WAV");
    let left: Vec<f32> = r.samples::<f32>().step_by(2).map(Result::unwrap).collect();
    let found = onsets(&left);
    assert!(found.len() >= 3, "{found:?}");
    let gaps = [found[1] - found[0], found[2] - found[1]];
    assert_eq!(
        gaps,
        [48_000, 48_000],
        "one beat at 60 bpm between the notes: {found:?}"
    );
}

/// A sequence given as velocities survives `save_session`/`load_session`:
/// the reloaded set renders the same samples.
#[test]
fn a_velocity_sequence_is_saved_and_reloaded_exactly() {
    let dir = crate::repl::scratch("habits-session");
    let file = format!("{:?}", dir.join("set.json").display().to_string());
    let set = format!("{DC_SETUP} tempo(60); seq(\"v\", 1, 60, [1, 0, 40, 0, 0.5, 0, 127, 1]);");
    let first = left(&render_for(
        &format!("{set} save_session({file});"),
        256,
        4.0,
    ));
    let again = left(&render_for(
        &format!("{DC_SETUP} load_session({file});"),
        256,
        4.0,
    ));
    assert_eq!(onsets(&first).len(), 10, "5 hits a bar, 2 bars");
    let differ = first.iter().zip(&again).filter(|(a, b)| a != b).count();
    assert_eq!(differ, 0, "{differ} samples differ after the reload");
}
