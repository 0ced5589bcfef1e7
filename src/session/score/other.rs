//! The statements without carry: `f`, `a`, `e`, `q`, `s` and `t`.

use super::carry::Clock;
use super::lex::{self, Stmt};
use super::{PField, ScoreError, Statement};

/// `f table time size gen args...`, or `f 0 time` (no table: it keeps the
/// performance going until `time`).
pub(super) fn parse_f(st: &Stmt, clock: Clock) -> Result<Statement, ScoreError> {
    let number = match st.fields.first() {
        Some(f) => st.num(f, "p1")?,
        None => return Err(st.lacks()),
    };
    if number == 0.0 && st.fields.len() <= 2 {
        let at = st.fields.get(1).map(|f| st.num(f, "p2")).transpose()?;
        return Ok(Statement::F {
            number,
            at: clock.warp * at.unwrap_or(0.0) + clock.base,
            size: 0.0,
            gen: 0.0,
            gen_name: None,
            args: Vec::new(),
            line: st.line,
            col: st.col,
        });
    }
    st.arity(usize::MAX)?;
    let at = clock.warp * st.num(&st.fields[1], "p2")? + clock.base;
    let size = whole(st, &st.fields[2], "p3", "table size")?;
    let gen = gen_number(st, &st.fields[3])?;
    let takes_text = gen.abs() == 1.0;
    let args = st.fields[4..]
        .iter()
        .enumerate()
        .map(|(k, f)| match f.text.starts_with('"') {
            true if takes_text => Ok(PField::Str(lex::unquote(f.text))),
            true => Err(st.at(
                f,
                format!(
                    "p{}: GEN{} takes numbers, got the string {} (only GEN01 takes a file name)",
                    k + 5,
                    shown(gen.abs()),
                    shown_text(f.text)
                ),
            )),
            false => st.num(f, &format!("p{}", k + 5)).map(PField::Num),
        });
    Ok(Statement::F {
        number,
        at,
        size,
        gen,
        gen_name: gen_name(&st.fields[3]),
        args: args.collect::<Result<_, _>>()?,
        line: st.line,
        col: st.col,
    })
}

/// p4 of an `f` statement: a GEN number, or for a name (`"tanh"`) the
/// number Tactus gives that named GEN, 0 for one it does not have (placing
/// the table then says so, and a lenient render skips it).
fn gen_number(st: &Stmt, f: &super::lex::Field) -> Result<f64, ScoreError> {
    match gen_name(f) {
        None => whole(st, f, "p4", "GEN number"),
        Some(name) => Ok(crate::session::gen::named_gen(&name).unwrap_or(0) as f64),
    }
}

/// A field that must be a whole number (a table size, a GEN number).
fn whole(st: &Stmt, f: &super::lex::Field, name: &str, what: &str) -> Result<f64, ScoreError> {
    let x = st.num(f, name)?;
    if x.fract() != 0.0 {
        let x_shown = shown(x);
        return Err(st.at(
            f,
            format!("{name} ({what}) must be a whole number, got {x_shown}"),
        ));
    }
    Ok(x)
}

/// A number as an error shows it.
fn shown(x: f64) -> String {
    crate::script::api::args::shown(x)
}

/// A quoted field as an error shows it: at most 40 characters.
fn shown_text(text: &str) -> String {
    match text.chars().count() > 40 {
        true => format!("{}...", text.chars().take(40).collect::<String>()),
        false => text.to_string(),
    }
}

/// The GEN's name when p4 is a string.
fn gen_name(f: &super::lex::Field) -> Option<String> {
    f.text.starts_with('"').then(|| lex::unquote(f.text))
}

/// `a 0 start dur`
pub(super) fn parse_a(st: &Stmt, clock: Clock) -> Result<Statement, ScoreError> {
    st.arity(3)?;
    st.num(&st.fields[0], "p1")?;
    let at = clock.warp * st.num(&st.fields[1], "p2")? + clock.base;
    let dur = st.num(&st.fields[2], "p3")?;
    if at < 0.0 || dur < 0.0 {
        let (field, what, x) = match at < 0.0 {
            true => (&st.fields[1], "p2: the time", at),
            false => (&st.fields[2], "p3: the span to skip", dur),
        };
        return Err(st.at(field, format!("{what} must be 0 or more, got {x}")));
    }
    Ok(Statement::A {
        at,
        dur,
        line: st.line,
        col: st.col,
    })
}

/// `b time`, `v factor`, `y seed`: one number.
pub(super) fn parse_one(st: &Stmt) -> Result<f64, ScoreError> {
    st.arity(1)?;
    st.num(&st.fields[0], "p1")
}

/// `s [time]`
pub(super) fn parse_s(st: &Stmt) -> Result<Statement, ScoreError> {
    st.arity(1)?;
    let at = st.fields.first().map(|f| st.num(f, "p1")).transpose()?;
    Ok(Statement::S {
        at,
        line: st.line,
        col: st.col,
    })
}

/// `e [time]`
pub(super) fn parse_e(st: &Stmt) -> Result<Statement, ScoreError> {
    st.arity(1)?;
    let at = st.fields.first().map(|f| st.num(f, "p1")).transpose()?;
    if let Some(x) = at.filter(|x| *x < 0.0) {
        return Err(st.at(
            &st.fields[0],
            format!("p1: e's time must be 0 or more, got {x}"),
        ));
    }
    Ok(Statement::E {
        at,
        line: st.line,
        col: st.col,
    })
}

/// `q instr time 0|x`: 0 mutes, any other value unmutes (as in Csound).
pub(super) fn parse_q(st: &Stmt, clock: Clock) -> Result<Statement, ScoreError> {
    st.arity(3)?;
    let instr = st.num(&st.fields[0], "p1")?;
    let at = clock.warp * st.num(&st.fields[1], "p2")? + clock.base;
    let on = st.num(&st.fields[2], "p3")? != 0.0;
    Ok(Statement::Q {
        instr,
        at,
        on,
        line: st.line,
        col: st.col,
    })
}

/// `c channel time "option" value` (a Tactus extension): the option may be
/// quoted or bare; the value a number or a quoted name.
pub(super) fn parse_c(st: &Stmt, clock: Clock) -> Result<Statement, ScoreError> {
    st.arity(4)?;
    let f = &st.fields;
    let text = |x: &str| match x.starts_with('"') {
        true => lex::unquote(x),
        false => x.to_string(),
    };
    let value = match f[3].text.starts_with('"') {
        true => PField::Str(lex::unquote(f[3].text)),
        false => PField::Num(st.num(&f[3], "p4")?),
    };
    Ok(Statement::C {
        channel: st.num(&f[0], "p1")?,
        at: clock.warp * st.num(&f[1], "p2")? + clock.base,
        key: text(f[2].text),
        value,
        line: st.line,
        col: st.col,
    })
}

/// `t 0 bpm [time bpm ...]`
pub(super) fn parse_t(st: &Stmt) -> Result<Statement, ScoreError> {
    st.arity(usize::MAX)?;
    if st.fields.len() % 2 == 1 {
        return Err(st.fail(format!("t needs time/bpm pairs: {}", lex::form('t'))));
    }
    let mut points = Vec::new();
    for (k, pair) in st.fields.chunks(2).enumerate() {
        let at = st.num(&pair[0], &format!("p{}", 2 * k + 1))?;
        let bpm = st.num(&pair[1], &format!("p{}", 2 * k + 2))?;
        if k == 0 && at != 0.0 {
            return Err(st.at(
                &pair[0],
                format!("p1: the first tempo must be at time 0, got {at}"),
            ));
        }
        if let Some(&(last, _)) = points.last().filter(|p: &&(f64, f64)| at < p.0) {
            return Err(st.at(
                &pair[0],
                format!(
                    "p{}: tempo points must not go back in time: {at} after {last}",
                    2 * k + 1
                ),
            ));
        }
        if !(1.0..=1000.0).contains(&bpm) {
            return Err(st.at(
                &pair[1],
                format!(
                    "p{}: tempo must be 1 to 1000 bpm (as tempo() takes), got {}",
                    2 * k + 2,
                    crate::script::api::args::shown(bpm)
                ),
            ));
        }
        points.push((at, bpm));
    }
    Ok(Statement::T {
        points,
        line: st.line,
        col: st.col,
    })
}
