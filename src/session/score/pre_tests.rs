//! The preprocessor and the statements it adds, each against the times and
//! values a hand calculation from the Csound manual gives.

use super::{parse_score, parse_score_with, PField, Statement};

/// The i statements as "p1 p2 p3 ...", and other statements by letter.
fn notes(text: &str) -> Vec<String> {
    let one = |s: &Statement| match s {
        Statement::I { pfields, .. } => pfields
            .iter()
            .map(|p| match p {
                PField::Num(x) => format!("{}", (x * 1e9).round() / 1e9),
                PField::Str(s) | PField::Sym(s) => format!("{s:?}"),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Statement::S { .. } => "s".into(),
        Statement::F { number, at, .. } => format!("f{number} {at}"),
        other => format!("{other:?}").chars().take(1).collect(),
    };
    parse_score(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(one)
        .collect()
}

fn error(text: &str) -> String {
    parse_score(text).unwrap_err().to_string()
}

#[test]
fn macros_with_and_without_arguments() {
    let text =
        "#define D #0.5#\n#define N(s'p) #i1 $s $D. $p#\n$N(0'8.00)\n$N(1'8.02) ; two\n#undef D\n";
    assert_eq!(notes(text), ["1 0 0.5 8", "1 1 0.5 8.02"]);
    let multi = "#define TWO #i1 0 1\ni2 0 1#\n$TWO";
    assert_eq!(notes(multi), ["1 0 1", "2 0 1"]);
    assert_eq!(
        error("#define N(a'b) #i1 $a $b#\n$N(1)"),
        "2:1: $N takes 2 argument(s) separated by ', got 1"
    );
    assert!(error("#define X #i1 0 1").contains("close the text with #"));
}

#[test]
fn loops_nest_and_count_from_zero() {
    let text = "{ 2 A\n{ 3 B\ni1 [$A * 3 + $B] 1\n}\n}";
    assert_eq!(
        notes(text),
        ["1 0 1", "1 1 1", "1 2 1", "1 3 1", "1 4 1", "1 5 1"]
    );
    assert!(error("{ 2 A\ni1 0 1").contains("without its closing }"));
    assert!(error("}").contains("} without a loop"));
    assert!(error("{ 0 A\n}").contains("whole count from 1"));
}

#[test]
fn repeats_and_named_sections_make_sections() {
    // $K counts 0, 1, 2 (Csound 6.18; the manual says from 1).
    let text = "r 3 K\ni1 0 [$K + 1]\ns\ni2 0 1";
    assert_eq!(
        notes(text),
        ["1 0 1", "s", "1 0 2", "s", "1 0 3", "s", "2 0 1"]
    );
    let named = "m A\ni1 0 1\ns\ni2 0 1\ns\nn A\ni3 0 1";
    assert_eq!(
        notes(named),
        ["1 0 1", "s", "2 0 1", "s", "1 0 1", "s", "3 0 1"]
    );
    assert!(error("n B").contains("no section named \"B\""));
}

#[test]
fn includes_read_through_the_callback() {
    let files = |name: &str| match name {
        "a.sco" => Ok("i1 0 1 ; included\n#include \"b.sco\"".to_string()),
        "b.sco" => Ok("i2 1 1".to_string()),
        _ => Err(format!("no file {name}")),
    };
    let s = parse_score_with("#include \"a.sco\"\ni3 2 1", &files).unwrap();
    assert_eq!(s.len(), 3);
    let e = parse_score_with("#include \"zz.sco\"", &files).unwrap_err();
    assert_eq!(e.to_string(), "1:1: #include: no file zz.sco");
    let loops = |_: &str| Ok("#include \"self\"".to_string());
    assert!(parse_score_with("#include \"self\"", &loops).is_err());
}

#[test]
fn b_v_and_x_change_written_times() {
    // b 10: p2 + 10; v 2: p2 and p3 doubled; carried values are not warped
    // again; both end with the section.
    let text = "b 10\ni1 1 1\nv 2\ni1 2 1\ni1 + .\ns\ni1 1 1";
    assert_eq!(notes(text), ["1 11 1", "1 14 2", "1 16 2", "s", "1 1 1"]);
    assert_eq!(
        notes("i1 0 1\nx\ni1 1 1\ns\ni2 0 1"),
        ["1 0 1", "s", "2 0 1"]
    );
}

#[test]
fn ramps_and_references() {
    // Linear over p2 between the neighbours of the same p1.
    let lin = "i1 0 1 100\ni1 1 1 <\ni1 2 1 <\ni1 4 1 400";
    assert_eq!(
        notes(lin),
        ["1 0 1 100", "1 1 1 175", "1 2 1 250", "1 4 1 400"]
    );
    let exp = "i1 0 1 100\ni1 1 1 (\ni1 2 1 400";
    assert_eq!(notes(exp)[1], "1 1 1 200");
    let refs = "i1 0 1 5 np4\ni1 1 1 7 pp5";
    assert_eq!(notes(refs), ["1 0 1 5 7", "1 1 1 7 7"]);
    // ~: seeded, so the same every time, and inside the neighbours' range.
    let r = notes("y 7\ni1 0 1 100\ni1 1 1 ~\ni1 2 1 200");
    assert_eq!(r, notes("y 7\ni1 0 1 100\ni1 1 1 ~\ni1 2 1 200"));
    let v: f64 = r[1].split(' ').nth(3).unwrap().parse().unwrap();
    assert!((100.0..=200.0).contains(&v));
    // After `t 0 120 4 60` a ramp goes over the seconds, as Csound's: beats
    // 1, 3 and 4 are at 0.5625, 2.0625 and 3 s (seconds per beat linear).
    let warped = "t 0 120 4 60\ni1 0 1 0\ni1 1 1 <\ni1 3 1 <\ni1 4 1 3";
    let n = notes(warped);
    assert_eq!(n[2..4], ["1 1 1 0.5625", "1 3 1 2.0625"], "{n:?}");
    assert!(error("i1 0 1 <\ni1 1 1 5").contains("p4: the ramp \"<\" needs"));
    assert!(error("i1 0 1 np4").contains("p5") || error("i1 0 1 np4").contains("np4"));
}

#[test]
fn z_and_expressions_in_fields() {
    assert_eq!(notes("i1 0 z"), ["1 0 800000000000"]);
    assert_eq!(notes("i1 [1/4] [2 ^ 2] [@100]"), ["1 0.25 4 128"]);
    assert!(error("i1 [1 +] 1").starts_with("1:1: [ ]"));
}

#[test]
fn runaway_expansion_is_an_error_not_a_hang() {
    let t = std::time::Instant::now();
    let e = error("{ 100000 A\n{ 100000 B\n}\n}");
    assert!(e.contains("steps"), "{e}");
    let e = error("#define A #$A $A#\ni1 0 1 $A");
    assert!(e.contains("too long") || e.contains("64 deep"), "{e}");
    assert!(t.elapsed().as_secs_f64() < 5.0);
}

/// `r` inside a `{ }` loop: each pass repeats its section, the counters
/// of both from 0 (what Csound 6.18 plays: bench/csound_compat/loops_repeat.sco).
#[test]
fn a_repeat_inside_a_loop_repeats_each_pass() {
    let t = "{ 2 L\nr 2 R\ni1 [$L] 0.5 [0.1 * $R + 0.01] 8.00\ns\n}\ni2 0 0.5 0.5 8.00\n";
    assert_eq!(
        notes(t),
        [
            "1 0 0.5 0.01 8",
            "s",
            "1 0 0.5 0.11 8",
            "s",
            "1 1 0.5 0.01 8",
            "s",
            "1 1 0.5 0.11 8",
            "s",
            "2 0 0.5 0.5 8"
        ]
    );
}
