//! The statements without carry: `f`, `a`, `e`, `q` and `t`.

use super::lex::{self, Stmt};
use super::{PField, ScoreError, Statement};

/// `f table time size gen args...`
pub(super) fn parse_f(st: &Stmt) -> Result<Statement, ScoreError> {
    st.arity(usize::MAX)?;
    let args = st.fields[4..]
        .iter()
        .enumerate()
        .map(|(k, f)| match f.text.starts_with('"') {
            true => Ok(PField::Str(lex::unquote(f.text))),
            false => st.num(f, &format!("p{}", k + 5)).map(PField::Num),
        });
    Ok(Statement::F {
        number: st.num(&st.fields[0], "p1")?,
        at: st.num(&st.fields[1], "p2")?,
        size: st.num(&st.fields[2], "p3")?,
        gen: st.num(&st.fields[3], "p4")?,
        args: args.collect::<Result<_, _>>()?,
        line: st.line,
        col: st.col,
    })
}

/// `a 0 start dur`
pub(super) fn parse_a(st: &Stmt) -> Result<Statement, ScoreError> {
    st.arity(3)?;
    st.num(&st.fields[0], "p1")?;
    let at = st.num(&st.fields[1], "p2")?;
    let dur = st.num(&st.fields[2], "p3")?;
    Ok(Statement::A {
        at,
        dur,
        line: st.line,
        col: st.col,
    })
}

/// `e [time]`
pub(super) fn parse_e(st: &Stmt) -> Result<Statement, ScoreError> {
    st.arity(1)?;
    let at = st.fields.first().map(|f| st.num(f, "p1")).transpose()?;
    Ok(Statement::E {
        at,
        line: st.line,
        col: st.col,
    })
}

/// `q instr time 0|1`
pub(super) fn parse_q(st: &Stmt) -> Result<Statement, ScoreError> {
    st.arity(3)?;
    let instr = st.num(&st.fields[0], "p1")?;
    let at = st.num(&st.fields[1], "p2")?;
    let on = match st.num(&st.fields[2], "p3")? {
        x if x == 0.0 => false,
        x if x == 1.0 => true,
        x => {
            return Err(st.at(
                &st.fields[2],
                format!("p3: expected 0 (mute) or 1 (unmute), got {x}"),
            ))
        }
    };
    Ok(Statement::Q {
        instr,
        at,
        on,
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
        if bpm <= 0.0 {
            return Err(st.at(
                &pair[1],
                format!("p{}: tempo must be above 0 bpm, got {bpm}", 2 * k + 2),
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
