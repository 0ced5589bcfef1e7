//! Csound score text: a parser for the standard numeric score.
//!
//! Pure: text in, statements out. The carry rules of Csound (`.`, `+`,
//! `^+x`, `^-x`, implicit carry of trailing p-fields, `!`) are applied here,
//! so every `i` statement comes out with its p-fields written out. Times stay
//! in beats as written: the caller applies `t` statements.
//!
//! Not supported (they are reported as bad numbers): ramps (`<`, `>`, `~`),
//! `npN`/`ppN`, `[...]` expressions, macros, `z`, and the short `f` forms.
//!
//! Lexing (comments, fields, quoted strings) lives in `score/lex.rs`, the
//! carry rules for `i` statements in `score/carry.rs`, the other statements
//! in `score/other.rs`.

mod carry;
mod expr;
mod lex;
mod other;
mod pre;
mod ramp;

use carry::{Carry, Clock};
pub use pre::Include;

/// One p-field value after carry rules are applied.
#[derive(Debug, Clone, PartialEq)]
pub enum PField {
    /// A number.
    Num(f64),
    /// A string, written in double quotes in the score (stored without them).
    Str(String),
    /// A ramp or reference (`<` `>` `(` `)` `~` `np5` `pp4`) while its
    /// section is read; [`parse_score`] resolves every one to a number.
    Sym(String),
}

/// One score statement, with the 1-based line and column of its letter.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// i p1 p2 p3 ...: p1 instrument/channel, p2 start (beats), p3 duration (beats), rest as given.
    I {
        /// All p-fields, p1 first; p2 and p3 are always numbers.
        pfields: Vec<PField>,
        /// Line of the statement.
        line: usize,
        /// Column of the statement letter.
        col: usize,
    },
    /// f n p2 size gen args...: table number, creation time (beats), size, GEN number (negative = no normalisation), args.
    /// `f 0 time` (number 0, no table) only keeps the performance going until `time`.
    F {
        /// Table number.
        number: f64,
        /// Creation time in beats.
        at: f64,
        /// Table size in points.
        size: f64,
        /// GEN routine number; negative means no normalisation.
        gen: f64,
        /// The GEN's name when p4 names one (`"tanh"`); `gen` is then the
        /// number Tactus gives it, or 0 for a name it does not know.
        gen_name: Option<String>,
        /// The GEN routine's arguments (p5 on).
        args: Vec<PField>,
        /// Line of the statement.
        line: usize,
        /// Column of the statement letter.
        col: usize,
    },
    /// a 0 start dur: advance (skip) the section of the score from start for dur beats.
    A {
        /// Where the skipped stretch begins, in beats.
        at: f64,
        /// How long the skipped stretch is, in beats.
        dur: f64,
        /// Line of the statement.
        line: usize,
        /// Column of the statement letter.
        col: usize,
    },
    /// s [time]: end of a section; the next section's times count from the
    /// end of this one (its last note's end, or `time` if later).
    S {
        /// The section lasts at least this long, in beats, if given.
        at: Option<f64>,
        /// Line of the statement.
        line: usize,
        /// Column of the statement letter.
        col: usize,
    },
    /// e [time]: end of score (optional time: it only extends the
    /// performance, as in Csound). Text after it is not read.
    E {
        /// When the score ends, in beats, if given.
        at: Option<f64>,
        /// Line of the statement.
        line: usize,
        /// Column of the statement letter.
        col: usize,
    },
    /// q p1 p2 p3: p1 instrument/channel, p2 time, p3 0 = quiet (mute), any other value unmutes.
    Q {
        /// Instrument (channel) to mute or unmute.
        instr: f64,
        /// When, in beats.
        at: f64,
        /// `false` mutes (p3 = 0), `true` unmutes (p3 not 0).
        on: bool,
        /// Line of the statement.
        line: usize,
        /// Column of the statement letter.
        col: usize,
    },
    /// c ch time "option" value: set a channel option at a time (a Tactus
    /// extension; see `session::channel_set`).
    C {
        /// Channel 1-16.
        channel: f64,
        /// When, in beats.
        at: f64,
        /// The option's name.
        key: String,
        /// Its value.
        value: PField,
        /// Line of the statement.
        line: usize,
        /// Column of the statement letter.
        col: usize,
    },
    /// t 0 bpm [time bpm ...]: tempo statement.
    T {
        /// (time in beats, tempo in beats per minute), the first at time 0.
        points: Vec<(f64, f64)>,
        /// Line of the statement.
        line: usize,
        /// Column of the statement letter.
        col: usize,
    },
}

/// Why a score could not be parsed: where (1-based) and what went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{line}:{col}: {message}")]
pub struct ScoreError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// What went wrong, naming the field and the expected form.
    pub message: String,
}

/// Parse Csound score text into statements, applying the carry rules;
/// `#include` is refused (see [`parse_score_with`]).
pub fn parse_score(text: &str) -> Result<Vec<Statement>, ScoreError> {
    parse_score_with(text, &|name: &str| {
        Err(format!("cannot include \"{name}\" here"))
    })
}

/// Parse Csound score text, reading `#include`d files through `include`.
/// A note carries from the last note of the same instrument in its section
/// (Csound 6's rule; see `score/carry.rs`).
///
/// The preprocessor (`score/pre.rs`) expands macros, includes, loops,
/// repeats, named sections and `[expressions]` first. Parsing stops at the
/// first `e` statement; `s` (section break), like every statement other
/// than `i`, ends carrying. `b` and `v` set the time base and warp of the
/// section's written p2 and p3; `x` skips the rest of the section; `y`
/// seeds `~`. Ramps and `np`/`pp` are resolved per section.
pub fn parse_score_with(text: &str, include: Include) -> Result<Vec<Statement>, ScoreError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let clean = lex::strip_comments(text)?;
    let lines: Vec<pre::Line> = clean
        .lines()
        .enumerate()
        .map(|(i, t)| pre::Line {
            text: t.to_string(),
            line: i + 1,
        })
        .collect();
    let mut pre = pre::Pre::new(include);
    pre.run(&lines)?;
    let mut reader = Reader::default();
    for l in &pre.out {
        let Some(st) = lex::split_line(&l.text, l.line)? else {
            continue;
        };
        if reader.statement(&st, &mut pre.rng)? {
            break;
        }
    }
    reader.close_section(&mut pre.rng)?;
    Ok(reader.out)
}

/// Reads statements one by one, section by section.
#[derive(Default)]
struct Reader {
    out: Vec<Statement>,
    /// Where the current section's statements begin in `out`.
    section: usize,
    carry: Carry,
    clock: Clock,
    /// `x` was read: skip to the end of the section.
    skipping: bool,
}

impl Reader {
    /// Read one statement; true at `e` (nothing after it is read).
    fn statement(&mut self, st: &lex::Stmt, rng: &mut expr::Rng) -> Result<bool, ScoreError> {
        if self.skipping && !matches!(st.letter, 's' | 'e') {
            return Ok(false);
        }
        if st.letter == 'i' {
            let s = carry::parse_i(st, &mut self.carry, self.clock)?;
            self.out.push(s);
            return Ok(false);
        }
        self.carry.not_a_note();
        match st.letter {
            'f' => self.out.push(other::parse_f(st, self.clock)?),
            'a' => self.out.push(other::parse_a(st, self.clock)?),
            'q' => self.out.push(other::parse_q(st, self.clock)?),
            'c' => self.out.push(other::parse_c(st, self.clock)?),
            't' => self.out.push(other::parse_t(st)?),
            'b' => self.clock.base = other::parse_one(st)?,
            'v' => self.clock.warp = other::parse_one(st)?,
            'y' => *rng = expr::Rng::seeded(other::parse_one(st)?),
            'x' => self.skipping = true,
            'e' => {
                self.out.push(other::parse_e(st)?);
                return Ok(true);
            }
            's' => {
                self.close_section(rng)?;
                self.out.push(other::parse_s(st)?);
                self.section = self.out.len();
            }
            c => {
                return Err(st.fail(format!(
                    "unknown statement \"{c}\": use i, f, a, b, c, e, m, n, q, r, s, t, v, x or y"
                )))
            }
        }
        Ok(false)
    }

    /// Resolve the section's ramps and references; reset its clock.
    fn close_section(&mut self, rng: &mut expr::Rng) -> Result<(), ScoreError> {
        ramp::resolve(&mut self.out[self.section..], rng)?;
        self.clock = Clock::default();
        self.skipping = false;
        self.carry.clear();
        Ok(())
    }
}

#[cfg(test)]
mod pre_tests;

#[cfg(test)]
mod tests {
    use super::PField::{Num, Str};
    use super::*;

    /// Each statement as "line:col letter values", numbers in Rust's shortest form.
    fn show(text: &str) -> Vec<String> {
        let p = |v: &[PField]| {
            let one = |p: &PField| match p {
                Num(x) => x.to_string(),
                Str(s) | PField::Sym(s) => format!("{s:?}"),
            };
            v.iter().map(one).collect::<Vec<_>>().join(" ")
        };
        let one = |s: &Statement| match s {
            Statement::I {
                pfields: v,
                line,
                col,
            } => format!("{line}:{col} i {}", p(v)),
            Statement::F {
                number: n,
                at,
                size,
                gen,
                args,
                line,
                col,
                ..
            } => {
                format!("{line}:{col} f {n} {at} {size} {gen} {}", p(args))
            }
            Statement::A { at, dur, line, col } => format!("{line}:{col} a {at} {dur}"),
            Statement::E { at, line, col } => format!("{line}:{col} e {at:?}"),
            Statement::S { at, line, col } => format!("{line}:{col} s {at:?}"),
            Statement::Q {
                instr,
                at,
                on,
                line,
                col,
            } => format!("{line}:{col} q {instr} {at} {on}"),
            Statement::T { points, line, col } => format!("{line}:{col} t {points:?}"),
            Statement::C {
                channel,
                at,
                key,
                value,
                line,
                col,
            } => format!(
                "{line}:{col} c {channel} {at} {key} {}",
                p(std::slice::from_ref(value))
            ),
        };
        parse_score(text).unwrap().iter().map(one).collect()
    }

    fn error(text: &str) -> String {
        parse_score(text).unwrap_err().to_string()
    }

    #[test]
    fn empty_blank_and_comment_only_scores_have_no_statements() {
        assert_eq!(parse_score("").unwrap(), vec![]);
        assert_eq!(
            parse_score("\n  \n\t\n; comment\n/* and\n more */\n").unwrap(),
            vec![]
        );
    }

    #[test]
    fn i_statement_values_and_positions() {
        let s = parse_score("i1 0 1 440 \"x\"").unwrap();
        let pfields = vec![Num(1.0), Num(0.0), Num(1.0), Num(440.0), Str("x".into())];
        assert_eq!(
            s,
            vec![Statement::I {
                pfields,
                line: 1,
                col: 1
            }]
        );
        let text = "i1 0 1 440 0.5\n  i 2\t.5 .25 -3 1e2 2.5E-1 -.25 7.";
        let want = [
            "1:1 i 1 0 1 440 0.5",
            "2:3 i 2 0.5 0.25 -3 100 0.25 -0.25 7",
        ];
        assert_eq!(show(text), want);
    }

    #[test]
    fn f_statement_with_numeric_and_string_args() {
        let s = parse_score("f2 4 0 -1 \"kick.wav\" 0").unwrap();
        let args = vec![Str("kick.wav".into()), Num(0.0)];
        let f = Statement::F {
            number: 2.0,
            at: 4.0,
            size: 0.0,
            gen: -1.0,
            gen_name: None,
            args,
            line: 1,
            col: 1,
        };
        assert_eq!(s, vec![f]);
        assert_eq!(show("f 1 0 16384 10 1 0.5"), ["1:1 f 1 0 16384 10 1 0.5"]);
    }

    #[test]
    fn a_e_q_t_and_s_statements() {
        let text = "t 0 120 8 90\na 0 2 4\nq 3 1.5 0\nq3 6 1\ns\nt0 60\ne";
        let want = [
            "1:1 t [(0.0, 120.0), (8.0, 90.0)]",
            "2:1 a 2 4",
            "3:1 q 3 1.5 false",
        ];
        assert_eq!(show(text)[..3], want);
        assert_eq!(
            show(text)[3..],
            [
                "4:1 q 3 6 true",
                "5:1 s None",
                "6:1 t [(0.0, 60.0)]",
                "7:1 e None"
            ]
        );
        assert_eq!(show("s 4\ns"), ["1:1 s Some(4.0)", "2:1 s None"]);
        // Any q value other than 0 unmutes, as in Csound.
        assert_eq!(show("q 1 0 2"), ["1:1 q 1 0 true"]);
        // `f 0 time`: no table, it keeps the performance going.
        assert_eq!(
            show("f 0 3600\nf0 5"),
            ["1:1 f 0 3600 0 0 ", "2:1 f 0 5 0 0 "]
        );
        assert_eq!(show("i1 +0.5 +2 -.5")[0], "1:1 i 1 0.5 2 -0.5");
    }

    #[test]
    fn nothing_after_e_is_read() {
        assert_eq!(
            show("i1 0 1\ne 8\ni1 2 1\nnot read"),
            ["1:1 i 1 0 1", "2:1 e Some(8.0)"]
        );
    }

    #[test]
    fn comments_are_skipped_but_not_inside_strings() {
        let text =
            "; head\ni1 0 1 /* in */ 440 ; tail\n/* block\n i9 9 9\n*/ i2 1 1 \"a;b /* c */\"";
        assert_eq!(
            show(text),
            ["2:1 i 1 0 1 440", "5:4 i 2 1 1 \"a;b /* c */\""]
        );
    }

    #[test]
    fn dot_carries_the_same_field_of_the_previous_note() {
        let text = "i1 0 1 440 0.5\n\n; between\ni1 1 . . 0.7\ni . 2 .5";
        let want = [
            "1:1 i 1 0 1 440 0.5",
            "4:1 i 1 1 1 440 0.7",
            "5:1 i 1 2 0.5 440 0.7",
        ];
        assert_eq!(show(text), want);
        assert_eq!(show("i1 3 1\ni1 . 2"), ["1:1 i 1 3 1", "2:1 i 1 3 2"]);
    }

    #[test]
    fn plus_starts_after_the_previous_note_and_is_itself_carried() {
        let text = "i1 0 .5 100\ni . +\ni\ni1 . 2\ni1";
        let want = [
            "1:1 i 1 0 0.5 100",
            "2:1 i 1 0.5 0.5 100",
            "3:1 i 1 1 0.5 100",
        ];
        assert_eq!(show(text)[..3], want);
        assert_eq!(show(text)[3..], ["4:1 i 1 1.5 2 100", "5:1 i 1 3.5 2 100"]);
        assert_eq!(show("i1 4 -2\ni1 + 1")[1], "2:1 i 1 6 1");
    }

    #[test]
    fn caret_places_relative_to_the_previous_start() {
        let text = "i1 0 10\ni1 ^+5 .\ni1 ^+8 .\ni1 ^-2.5 1";
        let want = [
            "1:1 i 1 0 10",
            "2:1 i 1 5 10",
            "3:1 i 1 13 10",
            "4:1 i 1 10.5 1",
        ];
        assert_eq!(show(text), want);
    }

    #[test]
    fn implicit_carry_from_the_last_note_of_the_same_instrument_in_the_section() {
        assert_eq!(show("i1 0 1 440 0.5\ni1 1 2")[1], "2:1 i 1 1 2 440 0.5");
        assert_eq!(show("i1.1 0 1 440\ni1.2 1 1")[1], "2:1 i 1.2 1 1 440");
        assert_eq!(show("i1 0 1 440\ni2 1 1")[1], "2:1 i 2 1 1");
        // Across other instruments and statements, as Csound 6 does (checked
        // with Csound 6.18; the manual says consecutive notes only).
        assert_eq!(show("i1 0 1 440\ni2 1 1\ni1 2 1")[2], "3:1 i 1 2 1 440");
        assert_eq!(
            show("i1 0 1 440\nf 1 0 8 10 1\ni1 2 1")[2],
            "3:1 i 1 2 1 440"
        );
        assert_eq!(show("i1 0 1\ni2 0 1 7\ni1 + 2\ni2 . .")[3], "4:1 i 2 0 1 7");
        assert_eq!(show("i1 0 1 440\ns\ni1 2 1")[2], "3:1 i 1 2 1");
    }

    #[test]
    fn bang_stops_implicit_carry() {
        let text = "i1 0 1 440 0.5 0.7\ni1 1 1 330 !\ni1 2 1\ni1 3 1 !";
        let want = [
            "1:1 i 1 0 1 440 0.5 0.7",
            "2:1 i 1 1 1 330",
            "3:1 i 1 2 1 330",
            "4:1 i 1 3 1",
        ];
        assert_eq!(show(text), want);
        assert_eq!(
            error("i1 0 1 2\ni1 1 !"),
            "2:6: p3: ! stops carrying only from p4 on"
        );
        assert_eq!(
            error("i1 0 1 2 ! 5"),
            "1:12: p6: nothing may follow ! (it ends the p-fields)"
        );
    }

    #[test]
    fn carry_without_a_previous_note_is_an_error_naming_the_field() {
        let same = "needs a previous i statement for the same instrument";
        assert_eq!(error("i1 . 1"), format!("1:4: p2: \".\" {same}"));
        assert_eq!(
            error("i . 0 1"),
            "1:3: p1: \".\" needs a previous i statement"
        );
        assert_eq!(error("i1 0 1\ni2 + 1"), format!("2:4: p2: + {same}"));
        assert_eq!(error("i1 0 1\ni2 ^-1 1"), format!("2:4: p2: ^- {same}"));
        assert_eq!(
            error("i1 0 1\nf 1 0 8 10 1\ni1 0 1 ."),
            "3:8: p4: \".\" but the previous note has no p4"
        );
        assert_eq!(
            error("i1 0 1 5\ns\ni1 0 1 ."),
            format!("3:8: p4: \".\" {same}")
        );
        assert_eq!(
            error("i1 0 1\nf 1 0 8 10 1\ni . 0 1"),
            "3:3: p1: \".\" needs a previous i statement"
        );
        assert_eq!(
            error("i1 0 1 5\ni1 0 1 . ."),
            "2:10: p5: \".\" but the previous note has no p5"
        );
        assert_eq!(
            error("i1 0 1\ni1 ^+x 1"),
            "2:4: p2: expected a number after ^+, got \"x\""
        );
        assert_eq!(error("i1 0 1 +"), "1:8: p4: expected a number, got \"+\"");
    }

    #[test]
    fn malformed_line_in_the_middle_reports_line_and_column() {
        let text = "f 1 0 16384 10 1\ni1 0 1 440\n\ti1 1 1 abc 0.5\ni1 2 1 440";
        let err = parse_score(text).unwrap_err();
        let message = "p4: expected a number, got \"abc\"".to_string();
        assert_eq!(
            err,
            ScoreError {
                line: 3,
                col: 9,
                message
            }
        );
        assert_eq!(err.to_string(), "3:9: p4: expected a number, got \"abc\"");
        assert_eq!(
            error("i1 0 1\n/* two\nlines */ i1 0 x"),
            "3:15: p3: expected a number, got \"x\""
        );
    }

    #[test]
    fn bad_numbers_are_rejected() {
        for bad in ["1e", "--1", "inf", "NaN", "1.2.3", "+-5", "e5", "1e999"] {
            let want = format!("1:6: p3: expected a number, got \"{bad}\"");
            assert_eq!(error(&format!("i1 0 {bad}")), want);
        }
        assert_eq!(
            error("i1 \"x\" 1"),
            "1:4: p2: expected a number, got the string \"x\""
        );
        assert_eq!(
            error("f 1 0 \"x\" 10"),
            "1:7: p3: expected a number, got the string \"x\""
        );
    }

    #[test]
    fn missing_and_extra_fields_name_the_form() {
        let i = "i needs at least p1 p2 p3: i <instr> <start> <dur> ...";
        assert_eq!(error("i1 0"), format!("1:1: {i}"));
        assert_eq!(error("i"), format!("1:1: {i}"));
        let f = "f needs at least 4 fields: f <table> <time> <size> <gen> [args ...]";
        assert_eq!(error("f 1 0 8"), format!("1:1: {f}"));
        assert_eq!(
            error(" q 1 0"),
            "1:2: q needs p1 p2 p3: q <instr> <time> <0|1>"
        );
        assert_eq!(
            error("a 0 1 2 3"),
            "1:9: a takes at most 3 fields: a 0 <start> <dur>"
        );
        assert_eq!(error("e 1 2"), "1:5: e takes at most 1 field: e [<time>]");
    }

    #[test]
    fn bad_t_values() {
        assert_eq!(
            error("t 0 60 4 90 2 80"),
            "1:13: p5: tempo points must not go back in time: 2 after 4"
        );
        let pairs = "t needs time/bpm pairs: t 0 <bpm> [<time> <bpm> ...]";
        assert_eq!(error("t 0 60 4"), format!("1:1: {pairs}"));
        assert_eq!(
            error("t 1 60"),
            "1:3: p1: the first tempo must be at time 0, got 1"
        );
        assert_eq!(
            error("t 0 60 4 0"),
            "1:10: p4: tempo must be 1 to 1000 bpm (as tempo() takes), got 0"
        );
        assert_eq!(
            error("t 0 1e-306"),
            "1:5: p2: tempo must be 1 to 1000 bpm (as tempo() takes), got 1e-306"
        );
    }

    #[test]
    fn unknown_letters_and_unclosed_text_are_errors() {
        let unknown = "unknown statement \"k\": use i, f, a, b, c, e, m, n, q, r, s, t, v, x or y";
        assert_eq!(error("i1 0 1\nk 1 2"), format!("2:1: {unknown}"));
        let letter =
            "expected a statement letter (i, f, a, b, c, e, m, n, q, r, s, t, v, x or y), got \"1\"";
        assert_eq!(error("1 0 1"), format!("1:1: {letter}"));
        let quote = "unterminated string: close it with \" on the same line";
        assert_eq!(error("i1 0 1 \"open"), format!("1:8: {quote}"));
        let block = "unterminated /* comment: close it with */";
        assert_eq!(
            error("i1 0 1\n  /* never closed\ni1 1 1"),
            format!("2:3: {block}")
        );
    }

    #[test]
    fn strings_are_one_pfield_and_carry_like_numbers() {
        let text = "i \"lead\" 0 1 \"C 4\" 2\ni \"lead\" 1 1\ni \"bass\" 1 1";
        let want = [
            "1:1 i \"lead\" 0 1 \"C 4\" 2",
            "2:1 i \"lead\" 1 1 \"C 4\" 2",
            "3:1 i \"bass\" 1 1",
        ];
        assert_eq!(show(text), want);
    }
}
