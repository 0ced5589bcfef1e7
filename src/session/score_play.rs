//! Placing parsed score statements into the session with Csound's timing
//! (sections, `t`, `a`, `e`, precedence: see `score_play/plan.rs`): `i`
//! notes, `f` tables (now, or at their p2), `q` quiet changes, `t` tempo,
//! `e` end. Every statement is converted first and scheduled only if all of
//! them are valid, so a bad line changes nothing.

mod plan;

#[cfg(test)]
mod fuzz_tests;

use super::channel_set::{self, SetValue};
use super::channels::ChannelConfig;
use super::gen::Gen;
use super::ievent::{i_event_in, PVal};
use super::scheduler::Item;
use super::score::{PField, ScoreError, Statement};
use super::Session;
use crate::time::Beats;
use plan::{Plan, Planner, TempoOp, RANK_QUIET, RANK_TABLE};
use std::collections::BTreeSet;

/// What placing a score did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placed {
    /// Notes scheduled.
    pub notes: usize,
    /// Events whose time had already passed (score_abs), skipped.
    pub skipped_past: usize,
    /// Statements Tactus could not honour, skipped (when placed leniently).
    pub skipped: Vec<ScoreError>,
}

/// Place `stmts` with score time 0 at `base`; events before `not_before`
/// are skipped and counted. A statement Tactus cannot honour (a p-field it
/// cannot map, a sound file that does not exist) refuses the whole score,
/// or, when `lenient`, is skipped and reported in [`Placed::skipped`].
pub fn place(
    session: &mut Session,
    stmts: &[Statement],
    base: Beats,
    not_before: Beats,
    lenient: bool,
) -> Result<Placed, ScoreError> {
    if let Some(e) = stmts.iter().find_map(|st| beyond_horizon(st, base.0)) {
        return Err(e);
    }
    let mut skipped = Vec::new();
    let (plan, tables_now) = plan_score(session, stmts, lenient.then_some(&mut skipped))?;
    for (n, points) in tables_now {
        session.set_table(n, points);
    }
    for op in plan.tempo {
        match op {
            TempoOp::Points(at, points) => session
                .tempo
                .update(|t| t.set_points(Beats(base.0 + at), &points)),
            TempoOp::Skip(at, dur) => session
                .tempo
                .update(|t| t.skip(Beats(base.0 + at), Beats(dur))),
        }
    }
    let mut placed = Placed {
        skipped,
        ..Placed::default()
    };
    for t in plan.timed {
        let at = Beats(base.0 + t.at);
        if at.0 < not_before.0 && !matches!(t.item, Item::Table { .. }) {
            placed.skipped_past += 1;
            continue;
        }
        placed.notes += usize::from(matches!(t.item, Item::Note(_)));
        session
            .scheduler
            .push_tagged(Beats(at.0.max(not_before.0)), t.item, true);
    }
    if let Some(end) = plan.end {
        session.end_at.set(Some(Beats(base.0 + end)));
    }
    Ok(placed)
}

fn err(line: usize, col: usize, message: String) -> ScoreError {
    ScoreError { line, col, message }
}

/// Tables generated now (`f` at time 0), to publish when the plan is placed.
type TablesNow = Vec<(u32, Vec<f32>)>;

/// Convert every statement, section by section; nothing is placed yet.
/// With `skipped`, a statement that fails is reported there and left out.
fn plan_score(
    session: &Session,
    stmts: &[Statement],
    mut skipped: Option<&mut Vec<ScoreError>>,
) -> Result<(Plan, TablesNow), ScoreError> {
    let own: BTreeSet<u32> = stmts
        .iter()
        .filter_map(|s| match s {
            Statement::F { number, .. } if *number >= 1.0 => Some(*number as u32),
            _ => None,
        })
        .collect();
    let any_t = stmts.iter().any(|s| matches!(s, Statement::T { .. }));
    let mut planner = Planner::new();
    let mut tables_now = Vec::new();
    // The channels as the score's `c` statements leave them, line by line.
    let mut channels = session.channels.to_vec();
    let mut e_at = None;
    let sections = stmts.split_inclusive(|s| matches!(s, Statement::S { .. }));
    for section in sections {
        planner.open_section(section, any_t);
        for st in section {
            match st {
                Statement::S { at, .. } => {
                    if let Some(t) = at {
                        planner.extend(*t);
                    }
                    planner.close_section();
                }
                Statement::E { at, .. } => e_at = *at,
                _ => match convert(
                    session,
                    st,
                    &own,
                    &mut planner,
                    &mut tables_now,
                    &mut channels,
                ) {
                    Ok(()) => {}
                    Err(e) => match skipped.as_deref_mut() {
                        Some(list) => list.push(e),
                        None => return Err(e),
                    },
                },
            }
        }
    }
    Ok((planner.finish(e_at), tables_now))
}

fn convert(
    session: &Session,
    st: &Statement,
    own: &BTreeSet<u32>,
    planner: &mut Planner,
    tables_now: &mut TablesNow,
    channels: &mut [ChannelConfig],
) -> Result<(), ScoreError> {
    match st {
        Statement::I { pfields, line, col } => {
            i_statement(session, channels, pfields, own, planner)
                .map_err(|m| err(*line, *col, m))?
        }
        Statement::C {
            channel,
            at,
            key,
            value,
            line,
            col,
        } => {
            let index = channel_index(*channel, "c").map_err(|m| err(*line, *col, m))?;
            let value = match value {
                PField::Num(x) => SetValue::Num(*x),
                PField::Str(s) | PField::Sym(s) => SetValue::Str(s.clone()),
            };
            let set = channel_set::parse(key, &value).map_err(|m| err(*line, *col, m))?;
            set.apply_to(&mut channels[index as usize]);
            planner.put(
                *at,
                RANK_TABLE,
                Item::Channel {
                    channel: index,
                    set,
                },
            );
        }
        Statement::F {
            number, at, line, ..
        } if *number == 0.0 => {
            let _ = line;
            planner.extend(*at);
        }
        Statement::F {
            number,
            at,
            size,
            gen,
            gen_name,
            args,
            line,
            col,
        } => {
            let gen =
                named_or_number(*gen, gen_name.as_deref()).map_err(|m| err(*line, *col, m))?;
            let (n, points) = table(*number, *size, gen, args).map_err(|m| err(*line, *col, m))?;
            session
                .check_table_budget(n, points.len(), planner.table_points)
                .map_err(|m| err(*line, *col, format!("f: {m}")))?;
            planner.table_points += points.len();
            if *at > 0.0 {
                planner.put(*at, RANK_TABLE, Item::Table { number: n, points });
            } else {
                tables_now.push((n, points));
            }
        }
        Statement::Q {
            instr,
            at,
            on,
            line,
            col,
        } => {
            let channel = channel_index(*instr, "q").map_err(|m| err(*line, *col, m))?;
            planner.put(*at, RANK_QUIET, Item::Quiet { channel, on: *on });
        }
        Statement::A { at, .. } => planner.reach(*at),
        Statement::T { .. } | Statement::S { .. } | Statement::E { .. } => {}
    }
    Ok(())
}

/// A channel number 1-16 as its index.
fn channel_index(ch: f64, what: &str) -> Result<u8, String> {
    match (1.0..=16.0).contains(&ch) && ch.fract() == 0.0 {
        true => Ok(ch as u8 - 1),
        false => Err(format!(
            "{what}: channel {ch} is out of range: channels are 1-16"
        )),
    }
}

/// One `i` statement: a note, a held note (p3 < 0), an initialisation only
/// (p3 = 0: no sound) or a turn-off (p1 < 0). Fractional instrument numbers
/// play on the channel of their whole part.
fn i_statement(
    session: &Session,
    channels: &[ChannelConfig],
    pfields: &[PField],
    own: &BTreeSet<u32>,
    planner: &mut Planner,
) -> Result<(), String> {
    let num = |k: usize| match pfields.get(k) {
        Some(PField::Num(x)) => *x,
        _ => 0.0,
    };
    let (instr, at, dur) = (num(0), num(1), num(2));
    if instr < 0.0 {
        planner.turn_off(-instr, at);
        return Ok(());
    }
    let mut p: Vec<Option<PVal>> = pfields.iter().map(|f| Some(pval(f))).collect();
    if let Some(PField::Num(x)) = pfields.first() {
        p[0] = Some(PVal::Num(x.trunc()));
    }
    p[2] = Some(PVal::Num(dur.abs()));
    let ev = i_event_in(session, channels, &p, own)?;
    planner.note(instr, at, dur, ev.note);
    Ok(())
}

fn pval(f: &PField) -> PVal {
    match f {
        PField::Num(x) => PVal::Num(*x),
        PField::Str(s) | PField::Sym(s) => PVal::Str(s.clone()),
    }
}

/// A statement that would place something beyond the horizon
/// ([`crate::time::HORIZON_BEATS`]) when the score starts at `base`.
fn beyond_horizon(st: &Statement, base: f64) -> Option<ScoreError> {
    let (times, line, col): (Vec<f64>, usize, usize) = match st {
        Statement::I { pfields, line, col } => {
            let num = |k: usize| match pfields.get(k) {
                Some(PField::Num(x)) => *x,
                _ => 0.0,
            };
            (vec![num(1), num(1) + num(2).abs()], *line, *col)
        }
        Statement::F { at, line, col, .. }
        | Statement::Q { at, line, col, .. }
        | Statement::C { at, line, col, .. } => (vec![*at], *line, *col),
        Statement::A { at, dur, line, col } => (vec![at + dur], *line, *col),
        Statement::S { at, line, col } | Statement::E { at, line, col } => {
            (at.iter().copied().collect(), *line, *col)
        }
        Statement::T { points, line, col } => (points.iter().map(|p| p.0).collect(), *line, *col),
    };
    let last = times.iter().map(|t| base + t).fold(f64::MIN, f64::max);
    (last > crate::time::HORIZON_BEATS).then(|| {
        let msg = format!(
            "a time of beat {} is beyond the last beat anything can be placed at, {} (about 31 years at 60 bpm)",
            crate::script::api::args::shown(last),
            crate::script::api::args::shown(crate::time::HORIZON_BEATS)
        );
        err(line, col, msg)
    })
}

/// The GEN number of an `f` statement, or why its named GEN is not one
/// Tactus has.
fn named_or_number(gen: f64, name: Option<&str>) -> Result<f64, String> {
    match name {
        Some(name) if gen == 0.0 => {
            let known: Vec<String> = crate::session::gen::NAMED_GENS
                .iter()
                .map(|g| format!("\"{}\"", g.0))
                .collect();
            Err(format!(
                "f: no GEN named \"{name}\" in Tactus; the named GENs are {}, or give a GEN number",
                known.join(", ")
            ))
        }
        _ => Ok(gen),
    }
}

/// `f n p2 size gen args`: the table number and its points, generated now.
fn table(number: f64, size: f64, gen: f64, args: &[PField]) -> Result<(u32, Vec<f32>), String> {
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
        _ => None,
    });
    let nums: Vec<f64> = args
        .iter()
        .map(|a| match a {
            PField::Num(x) => *x,
            _ => 0.0,
        })
        .collect();
    let g = Gen::from_number(gen as i64, &nums, path).map_err(|e| format!("f: {e}"))?;
    let points = g.fill(size as i64, true).map_err(|e| format!("f: {e}"))?;
    Ok((number as u32, points))
}
