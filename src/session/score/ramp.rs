//! Ramps and references in i-statement p-fields, resolved per section as
//! Csound's `swritestr.c` does, between the notes of the same p1 in time
//! order: `<` and `>` linear, `(` and `)` exponential, `~` uniformly random
//! between the neighbours' values (interpolated over p2), `npN` / `ppN` the
//! next / previous note's pN. As Csound, ramps interpolate over the
//! section's seconds: its `t` statement warps the written beats first (the
//! same as the beats without a `t` ramp).

use super::expr::Rng;
use super::{PField, ScoreError, Statement};

/// What kind of symbol a ramp field is, for skipping its neighbours.
fn family(s: &str) -> &'static str {
    match s {
        "<" | ">" => "<>",
        "(" | ")" | "{" | "}" => "(){}",
        "~" => "~",
        _ => "",
    }
}

/// The section's time as ramps measure it: its `t` statement's seconds,
/// or the written beats when it has none.
fn warp(stmts: &[Statement]) -> impl Fn(f64) -> f64 {
    let points = stmts.iter().rev().find_map(|s| match s {
        Statement::T { points, .. } => Some(points.clone()),
        _ => None,
    });
    let map = points.map(|p| {
        let mut m = crate::time::TempoMap::new(60.0);
        m.set_points(crate::time::Beats(0.0), &p);
        m
    });
    move |b| match &map {
        Some(m) => m.beats_to_seconds(crate::time::Beats(b)).0,
        None => b,
    }
}

/// The notes of a section as (index into `stmts`, p1, p2), in time order.
fn notes(stmts: &[Statement]) -> Vec<(usize, f64, f64)> {
    let mut v: Vec<(usize, f64, f64)> = stmts
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Statement::I { pfields, .. } => {
                let n = |k: usize| match pfields.get(k) {
                    Some(PField::Num(x)) => *x,
                    _ => 0.0,
                };
                Some((i, n(0), n(1)))
            }
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| a.2.total_cmp(&b.2));
    v
}

fn field(stmts: &[Statement], i: usize, k: usize) -> Option<&PField> {
    match &stmts[i] {
        Statement::I { pfields, .. } => pfields.get(k),
        _ => None,
    }
}

fn pos(stmts: &[Statement], i: usize, k: usize) -> ScoreError {
    let (line, col) = match &stmts[i] {
        Statement::I { line, col, .. } => (*line, *col),
        _ => (0, 0),
    };
    let _ = k;
    ScoreError {
        line,
        col,
        message: String::new(),
    }
}

/// Resolve every symbol in the section's notes.
pub(super) fn resolve(stmts: &mut [Statement], rng: &mut Rng) -> Result<(), ScoreError> {
    let order = notes(stmts);
    let time = warp(stmts);
    for pass in 0..2 {
        for (n, &(i, p1, p2)) in order.iter().enumerate() {
            let len = match &stmts[i] {
                Statement::I { pfields, .. } => pfields.len(),
                _ => 0,
            };
            for k in 0..len {
                let Some(PField::Sym(sym)) = field(stmts, i, k).cloned() else {
                    continue;
                };
                let is_ref = sym.starts_with('n') || sym.starts_with('p');
                if (pass == 0) == is_ref {
                    continue;
                }
                let value = if is_ref {
                    reference(stmts, &order, n, p1, &sym)
                } else {
                    ramp(stmts, &order, n, p1, p2, k, &sym, rng, &time)
                };
                let value = value.map_err(|m| {
                    let mut e = pos(stmts, i, k);
                    e.message = format!("p{}: {m}", k + 1);
                    e
                })?;
                if let Statement::I { pfields, .. } = &mut stmts[i] {
                    pfields[k] = PField::Num(value);
                }
            }
        }
    }
    Ok(())
}

/// The nearest note of the same p1 before (`step` -1) or after (+1) the
/// n-th in `order` whose field `k` is not of `skip`'s family.
fn neighbour(
    stmts: &[Statement],
    order: &[(usize, f64, f64)],
    n: usize,
    p1: f64,
    k: usize,
    skip: &str,
    forward: bool,
) -> Option<(f64, f64)> {
    let same = |&&(_, q1, _): &&(usize, f64, f64)| q1 == p1;
    let pick = |&(j, _, t): &(usize, f64, f64)| match field(stmts, j, k) {
        Some(PField::Num(x)) => Some(Some((t, *x))),
        Some(PField::Sym(s)) if !skip.is_empty() && skip.contains(s.as_str()) => None,
        _ => Some(None),
    };
    let found = if forward {
        order[n + 1..].iter().filter(same).find_map(pick)
    } else {
        order[..n].iter().rev().filter(same).find_map(pick)
    };
    found.flatten()
}

#[allow(clippy::too_many_arguments)]
fn ramp(
    stmts: &[Statement],
    order: &[(usize, f64, f64)],
    n: usize,
    p1: f64,
    p2: f64,
    k: usize,
    sym: &str,
    rng: &mut Rng,
    time: &dyn Fn(f64) -> f64,
) -> Result<f64, String> {
    let skip = family(sym);
    let (Some((t0, a)), Some((t1, b))) = (
        neighbour(stmts, order, n, p1, k, skip, false),
        neighbour(stmts, order, n, p1, k, skip, true),
    ) else {
        return Err(format!(
            "the ramp \"{sym}\" needs a note of instrument {p1} with a number in this field before and after it"
        ));
    };
    let (t0, t1, p2) = (time(t0), time(t1), time(p2));
    let span = t1 - t0;
    if sym == "~" {
        return Ok(rng.next_unit() * (b - a) + a);
    }
    if span <= 0.0 {
        return Err(format!(
            "the ramp \"{sym}\" needs its neighbours at different times"
        ));
    }
    let x = (p2 - t0) / span;
    Ok(match skip {
        "<>" => (b - a) * x + a,
        _ => a * (b / a).powf(x),
    })
}

fn reference(
    stmts: &[Statement],
    order: &[(usize, f64, f64)],
    n: usize,
    p1: f64,
    sym: &str,
) -> Result<f64, String> {
    let forward = sym.starts_with('n');
    let k: usize = sym[2..].parse().unwrap_or(0);
    let found = if k == 0 {
        None
    } else {
        neighbour(stmts, order, n, p1, k - 1, "", forward)
    };
    let which = if forward { "next" } else { "previous" };
    found
        .map(|(_, v)| v)
        .ok_or_else(|| format!("{sym}: the {which} note of instrument {p1} has no number in p{k}"))
}
