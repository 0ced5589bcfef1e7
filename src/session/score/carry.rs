//! The carry rules of `i` statements: `.`, `+`, `^+x`, `^-x`, implicit
//! carry of trailing p-fields, and `!`.

use super::lex::{self, parse_number, Field, Stmt};
use super::{PField, ScoreError, Statement};

/// The previous `i` statement, kept for the carry rules.
pub(super) struct Prev {
    pfields: Vec<PField>,
    /// Its p2 was `+` (written or carried), so carrying p2 means "after it".
    plus: bool,
}

impl Prev {
    /// Its p2 + |p3|: where a `+` note starts.
    fn after(&self) -> f64 {
        num(&self.pfields[1]) + num(&self.pfields[2]).abs()
    }
}

/// The number in a p-field known to be numeric (p2, p3).
fn num(p: &PField) -> f64 {
    match p {
        PField::Num(x) => *x,
        _ => 0.0,
    }
}

/// Carry is shared by instruments with the same whole number (or name).
fn instr_key(p1: &PField) -> String {
    match p1 {
        PField::Num(x) => format!("{}", x.trunc()),
        PField::Str(s) | PField::Sym(s) => format!("\"{s}\""),
    }
}

/// What the carry rules look back at within a section. As Csound 6 does
/// (`setprv()` in `sread.c`), a note carries from the last note of the same
/// instrument in the section, across other instruments' notes and other
/// statements (the manual says only consecutive notes); a missing or `.`
/// p1 comes from the statement just before, if it is an `i`.
#[derive(Default)]
pub(super) struct Carry {
    /// The statement just before, if it was an `i`.
    prev: Option<PField>,
    /// The last note of each instrument in the section.
    by_instr: std::collections::HashMap<String, Prev>,
}

impl Carry {
    /// A statement other than `i` was read: p1 can no longer be carried.
    pub fn not_a_note(&mut self) {
        self.prev = None;
    }

    /// A new section: nothing carries into it.
    pub fn clear(&mut self) {
        *self = Carry::default();
    }
}

/// The time base (`b`) and warp factor (`v`) applied to written p2 and p3
/// (Csound's `ifa()` in `sread.c`: p2 = v p2 + b, p3 = v p3; carried values
/// are copied as they are).
#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    pub base: f64,
    pub warp: f64,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock {
            base: 0.0,
            warp: 1.0,
        }
    }
}

/// Whether a field is a ramp (`<` `>` `(` `)` `~`) or a reference to the
/// next or previous note's p-field (`np5`, `pp4`), resolved after the
/// section is read (Csound does them in `swritestr.c`).
pub(super) fn is_symbol(text: &str) -> bool {
    matches!(text, "<" | ">" | "(" | ")" | "~" | "{" | "}")
        || ((text.starts_with("np") || text.starts_with("pp"))
            && text.len() > 2
            && text[2..].chars().all(|c| c.is_ascii_digit()))
}

/// `i p1 p2 p3 ...` with the carry rules against the previous `i` statement.
pub(super) fn parse_i(st: &Stmt, carry: &mut Carry, clock: Clock) -> Result<Statement, ScoreError> {
    let fields = bang_cut(st)?;
    let p1 = i_p1(st, carry.prev.as_ref())?;
    let key = instr_key(&p1);
    let same = carry.by_instr.get(&key);
    let mut pfields = vec![p1];
    let mut plus = false;
    for (k, f) in fields.iter().enumerate().skip(1) {
        let (value, is_plus) = i_field(st, f, k, same, clock)?;
        pfields.push(value);
        plus |= is_plus;
    }
    if fields.len() == st.fields.len() {
        if let Some(p) = same.filter(|p| p.pfields.len() > pfields.len()) {
            if pfields.len() == 1 && p.plus {
                pfields.push(PField::Num(p.after()));
                plus = true;
            }
            pfields.extend_from_slice(&p.pfields[pfields.len()..]);
        }
    }
    if pfields.len() < 3 {
        return Err(st.lacks());
    }
    let (line, col) = (st.line, st.col);
    carry.prev = Some(pfields[0].clone());
    let prev = Prev {
        pfields: pfields.clone(),
        plus,
    };
    carry.by_instr.insert(key, prev);
    Ok(Statement::I { pfields, line, col })
}

/// The fields before a `!` (which must come from p4 on, and last).
fn bang_cut<'a, 'b>(st: &'b Stmt<'a>) -> Result<&'b [Field<'a>], ScoreError> {
    let Some(k) = st.fields.iter().position(|f| f.text == "!") else {
        return Ok(&st.fields);
    };
    if k < 3 {
        let msg = format!("p{}: ! stops carrying only from p4 on", k + 1);
        return Err(st.at(&st.fields[k], msg));
    }
    if let Some(extra) = st.fields.get(k + 1) {
        let msg = format!("p{}: nothing may follow ! (it ends the p-fields)", k + 2);
        return Err(st.at(extra, msg));
    }
    Ok(&st.fields[..k])
}

/// p1: a number, a "name", `.` (the previous i's p1), or absent (all carried).
fn i_p1(st: &Stmt, prev: Option<&PField>) -> Result<PField, ScoreError> {
    let carried = prev.cloned();
    match st.fields.first() {
        None => carried.ok_or_else(|| st.lacks()),
        Some(f) if f.text == "." => {
            carried.ok_or_else(|| st.at(f, "p1: \".\" needs a previous i statement".into()))
        }
        Some(f) if f.text.starts_with('"') => Ok(PField::Str(lex::unquote(f.text))),
        Some(f) => st.num(f, "p1").map(PField::Num),
    }
}

/// p2 and on: `.`, `+` and `^±x` (p2), a string (p4 on) or a number.
/// Also says whether p2 came from `+`.
fn i_field(
    st: &Stmt,
    f: &Field,
    k: usize,
    same: Option<&Prev>,
    clock: Clock,
) -> Result<(PField, bool), ScoreError> {
    let name = format!("p{}", k + 1);
    let prev = |what: &str| {
        let msg = format!("{name}: {what} needs a previous i statement for the same instrument");
        same.ok_or_else(|| st.at(f, msg))
    };
    let text = f.text;
    if text == "." {
        return dot(st, f, k, prev("\".\"")?);
    }
    if k == 1 && text == "+" {
        return Ok((PField::Num(prev("+")?.after()), true));
    }
    if k == 1 && (text.starts_with("^+") || text.starts_with("^-")) {
        let start = num(&prev(&text[..2])?.pfields[1]);
        return caret(st, f, start, clock.warp).map(|x| (PField::Num(x), false));
    }
    if k >= 3 && text.starts_with('"') {
        return Ok((PField::Str(lex::unquote(text)), false));
    }
    if k >= 3 && is_symbol(text) {
        return Ok((PField::Sym(text.to_string()), false));
    }
    let x = st.num(f, &name)?;
    Ok(match k {
        1 => (PField::Num(clock.warp * x + clock.base), false),
        2 => (PField::Num(clock.warp * x), false),
        _ => (PField::Num(x), false),
    })
}

/// `.` in field `k`: the previous note's value (after it, if its p2 was `+`).
fn dot(st: &Stmt, f: &Field, k: usize, p: &Prev) -> Result<(PField, bool), ScoreError> {
    if k == 1 && p.plus {
        return Ok((PField::Num(p.after()), true));
    }
    match p.pfields.get(k) {
        Some(value) => Ok((value.clone(), false)),
        None => Err(st.at(
            f,
            format!("p{0}: \".\" but the previous note has no p{0}", k + 1),
        )),
    }
}

/// `^+x` or `^-x` in p2: `start` (the previous note's p2) plus or minus x
/// (times the warp factor).
fn caret(st: &Stmt, f: &Field, start: f64, warp: f64) -> Result<f64, ScoreError> {
    let (sign, x) = f.text.split_at(2);
    let Some(x) = parse_number(x) else {
        return Err(st.at(
            f,
            format!("p2: expected a number after {sign}, got \"{x}\""),
        ));
    };
    Ok(if sign == "^+" {
        start + warp * x
    } else {
        start - warp * x
    })
}
