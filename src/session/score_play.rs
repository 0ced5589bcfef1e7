//! Placing parsed score statements into the session: `i` notes, `f` tables
//! (now, or at their p2), `q` quiet changes, `t` tempo, `e` end, and `a`
//! skips. Every statement is converted first and scheduled only if all of
//! them are valid, so a bad line changes nothing.

use super::gen::Gen;
use super::ievent::{i_event_with, PVal};
use super::scheduler::Item;
use super::score::{PField, ScoreError, Statement};
use super::Session;
use crate::time::Beats;
use std::collections::BTreeSet;

/// What placing a score did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placed {
    /// Notes scheduled.
    pub notes: usize,
    /// Events whose time had already passed (score_abs), skipped.
    pub skipped_past: usize,
}

enum Action {
    At(f64, Item),
    TableNow(u32, Vec<f32>),
    Tempo(Vec<(f64, f64)>),
    End(f64),
}

/// Place `stmts` with score time 0 at `base`; events before `not_before`
/// are skipped and counted.
pub fn place(
    session: &mut Session,
    stmts: &[Statement],
    base: Beats,
    not_before: Beats,
) -> Result<Placed, ScoreError> {
    let warp = Warp::new(stmts);
    let own_tables: BTreeSet<u32> = stmts
        .iter()
        .filter_map(|s| match s {
            Statement::F { number, .. } if *number >= 1.0 => Some(*number as u32),
            _ => None,
        })
        .collect();
    let mut actions = Vec::new();
    for st in stmts {
        if let Some(a) = convert(session, st, &warp, &own_tables)? {
            actions.push(a);
        }
    }
    let mut placed = Placed::default();
    for a in actions {
        match a {
            Action::At(t, item) => {
                let at = Beats(base.0 + t);
                if at.0 < not_before.0 && !matches!(item, Item::Table { .. }) {
                    placed.skipped_past += 1;
                    continue;
                }
                placed.notes += usize::from(matches!(item, Item::Note(_)));
                session
                    .scheduler
                    .push_tagged(Beats(at.0.max(not_before.0)), item, true);
            }
            Action::TableNow(n, points) => session.set_table(n, points),
            Action::Tempo(points) => session.tempo.update(|t| t.set_points(base, &points)),
            Action::End(t) => session.end_at.set(Some(Beats(base.0 + t))),
        }
    }
    Ok(placed)
}

fn err(line: usize, col: usize, message: String) -> ScoreError {
    ScoreError { line, col, message }
}

fn convert(
    session: &Session,
    st: &Statement,
    warp: &Warp,
    own: &BTreeSet<u32>,
) -> Result<Option<Action>, ScoreError> {
    Ok(match st {
        Statement::I { pfields, line, col } => {
            let p: Vec<Option<PVal>> = pfields.iter().map(|f| Some(pval(f))).collect();
            let ev = i_event_with(session, &p, own).map_err(|m| err(*line, *col, m))?;
            warp.map(ev.start_beats)
                .map(|t| Action::At(t, Item::Note(ev.note)))
        }
        Statement::F {
            number,
            at,
            size,
            gen,
            args,
            line,
            col,
        } => Some(table(*number, *at, *size, *gen, args, warp).map_err(|m| err(*line, *col, m))?),
        Statement::Q {
            instr,
            at,
            on,
            line,
            col,
        } => {
            if !(1.0..=16.0).contains(instr) || instr.fract() != 0.0 {
                return Err(err(
                    *line,
                    *col,
                    format!("q: channel {instr} is out of range: channels are 1-16"),
                ));
            }
            let item = Item::Quiet {
                channel: *instr as u8 - 1,
                on: *on,
            };
            warp.map(*at).map(|t| Action::At(t, item))
        }
        Statement::T { points, .. } => Some(Action::Tempo(points.clone())),
        Statement::E { at: Some(t), .. } => Some(Action::End(warp.map(*t).unwrap_or(*t))),
        Statement::E { at: None, .. } | Statement::A { .. } => None,
    })
}

fn pval(f: &PField) -> PVal {
    match f {
        PField::Num(x) => PVal::Num(*x),
        PField::Str(s) => PVal::Str(s.clone()),
    }
}

/// `f n p2 size gen args`: generate now; publish now (p2 = 0) or at p2.
fn table(
    number: f64,
    at: f64,
    size: f64,
    gen: f64,
    args: &[PField],
    warp: &Warp,
) -> Result<Action, String> {
    let range = Session::table_range();
    if number.fract() != 0.0 || !range.contains(&(number as i64)) {
        return Err(format!(
            "f: table {number} is out of range: tables are {} to {}",
            range.start(),
            range.end()
        ));
    }
    let path = args.iter().find_map(|a| match a {
        PField::Str(s) => Some(s.as_str()),
        PField::Num(_) => None,
    });
    let nums: Vec<f64> = args
        .iter()
        .map(|a| match a {
            PField::Num(x) => *x,
            PField::Str(_) => 0.0,
        })
        .collect();
    let g = Gen::from_number(gen as i64, &nums, path).map_err(|e| format!("f: {e}"))?;
    let points = g.fill(size as i64, true).map_err(|e| format!("f: {e}"))?;
    let n = number as u32;
    Ok(match warp.map(at) {
        Some(t) if t > 0.0 => Action::At(t, Item::Table { number: n, points }),
        _ => Action::TableNow(n, points),
    })
}

/// Csound `a` statements: windows of score time that are skipped.
struct Warp {
    windows: Vec<(f64, f64)>,
}

impl Warp {
    fn new(stmts: &[Statement]) -> Warp {
        let mut windows: Vec<(f64, f64)> = stmts
            .iter()
            .filter_map(|s| match s {
                Statement::A { at, dur, .. } if *dur > 0.0 => Some((*at, *dur)),
                _ => None,
            })
            .collect();
        windows.sort_by(|a, b| a.0.total_cmp(&b.0));
        Warp { windows }
    }

    /// Score time after the skips, or `None` inside a skipped window.
    fn map(&self, t: f64) -> Option<f64> {
        let mut shift = 0.0;
        for &(s, d) in &self.windows {
            if t >= s + d {
                shift += d;
            } else if t >= s {
                return None;
            }
        }
        Some(t - shift)
    }
}
