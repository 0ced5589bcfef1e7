//! Regression tests for the defects the fuzz targets found, through the
//! binary as the fuzz runs them.

use super::run::{self, Job};

/// What rendering `name` (holding `text`) prints, and its exit code.
fn render(name: &str, text: &str) -> (String, Option<i32>) {
    let ran = run::run(&Job::render(name, text.as_bytes().to_vec()));
    assert_eq!(ran.problem, None, "{text}");
    (ran.output, ran.code)
}

/// A closure with the wrong number of parameters for the call that runs it
/// (at() gives none, a loop gives its count) said "unknown function
/// 'anon$6dc018d2c9003c05'" without a line; it names the closure's call and
/// the form to write.
#[test]
fn a_closure_with_the_wrong_parameters_says_so_at_its_call() {
    let (out, code) = render("fz.rhai", "tempo(60);\nat(1, |i| { note(1, 60, 0.5) });\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(!out.contains("anon$"), "{out}");
    assert!(out.contains("fz.rhai:2:1"), "{out}");
    assert!(
        out.contains("called with 0 arguments") && out.contains("|| {"),
        "{out}"
    );
    let (out, code) = render("fz.rhai", "live_loop(\"x\", 1, || { note(1, 60, 0.5) });\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(!out.contains("anon$"), "{out}");
    assert!(out.contains("fz.rhai:1:1"), "{out}");
    assert!(
        out.contains("called with 1 argument") && out.contains("|i| {"),
        "{out}"
    );
}

/// A score's p-field of the wrong kind was shown as Rust's debug text
/// ("got Num(8.07)", "channel Some(Num(0.0))"); it is shown as written.
#[test]
fn a_score_field_of_the_wrong_kind_is_shown_as_written() {
    let (out, _) = render(
        "x.sco",
        "i1 0 1 0.2 8.00 8.07\ni0 0 1 0.2 8.00\ni1 0 1 \"loud\" 8.00 \"sine\"\ne\n",
    );
    assert!(!out.contains("Num(") && !out.contains("Some("), "{out}");
    assert!(
        out.contains("x.sco:1:1") && out.contains("got 8.07"),
        "{out}"
    );
    assert!(
        out.contains("x.sco:2:1") && out.contains("channel 0 is out of range"),
        "{out}"
    );
    assert!(
        out.contains("x.sco:3:1") && out.contains("got \"loud\""),
        "{out}"
    );
}

/// `print(|| {})` showed Rhai's internal name ("Fn(anon$eff5fd437e2dab64)");
/// a closure prints as one, a named function as `Fn("name")`, in print, in
/// string concatenation and in interpolation.
#[test]
fn a_closure_prints_as_a_closure_not_its_internal_name() {
    let text = "print(|| {});\nprint(Fn(\"note\"));\nlet f = |x| x;\nprint(\"f is \" + f);\nprint(`${f}`);\n";
    let (out, code) = render("fz.rhai", text);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("anon$"), "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with("rendered")).collect();
    assert_eq!(
        lines,
        ["a closure", "Fn(\"note\")", "f is a closure", "a closure"],
        "{out}"
    );
}
