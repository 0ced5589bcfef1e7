//! Csound's timing for parsed score statements, as a plan of what to place
//! where (beats from the score's time 0), before anything is placed:
//!
//! - sections (`s`): each section's times count from the end of the one
//!   before, that is its last note's end or a later `s`/`f 0` time
//!   (Csound's `musmon.c` waits for every finite note to end);
//! - `t`: the first `t` of a section warps that section (Csound's
//!   `twarp.c`; later ones in the same section are ignored, as Csound
//!   does); when a score has a `t`, its sections without one play at 60;
//! - `a`: the skipped beats take no time (Csound computes them without
//!   output), so a note sounding across them loses the skipped part and a
//!   note inside them is not heard;
//! - events at the same time in Csound's order (`sort.c`): `q`, note-offs,
//!   `f`, notes;
//! - `e time` and `f 0 time` only extend the performance;
//! - p3 = 0 initialises only (no sound); a negative p3 holds the note until
//!   the next note of the same (fractional) instrument, a turn-off
//!   (`i -p1`), or the end of the score.

use super::super::scheduler::{Item, NoteSpec};
use super::super::score::Statement;

/// A change to the tempo map, in beats from the score's time 0.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TempoOp {
    /// A section's `t` points (or `t 0 60`) from its start.
    Points(f64, Vec<(f64, f64)>),
    /// `a`: these beats take no time.
    Skip(f64, f64),
}

/// One thing placed at a time: Csound's precedence at equal times, then
/// the statement order.
#[derive(Debug, Clone)]
pub(super) struct Timed {
    pub at: f64,
    pub rank: u8,
    pub item: Item,
}

/// What a score does, before any of it is placed.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Notes, tables and quiet changes, sorted in Csound's order.
    pub timed: Vec<Timed>,
    /// Tempo changes, in order.
    pub tempo: Vec<TempoOp>,
    /// Where the performance must last to (`e`, `s` or `f 0` with a time
    /// after every note's end).
    pub end: Option<f64>,
}

/// Csound's precedence (`sort.c`): q, t, s, e first, then note-offs, f, i.
pub(super) const RANK_QUIET: u8 = 0;
/// A table (`f`).
pub(super) const RANK_TABLE: u8 = 2;
/// A note (`i`).
pub(super) const RANK_NOTE: u8 = 3;

/// A note whose p3 was negative, waiting for its end.
struct Held {
    instr: f64,
    /// Index in `Plan::timed`.
    index: usize,
    start: f64,
}

/// Builds a [`Plan`] section by section.
#[derive(Default)]
pub(super) struct Planner {
    plan: Plan,
    /// Start of the current section.
    base: f64,
    /// Length of the current section so far.
    len: f64,
    /// The latest end of a finite note.
    notes_end: f64,
    /// An `e`, `s` or `f 0` time was given.
    extended: bool,
    held: Vec<Held>,
    /// Skipped windows (`a`) as (start, end), from the score's time 0.
    skips: Vec<(f64, f64)>,
    /// Points of the `f` tables planned so far (the table budget).
    pub table_points: usize,
}

impl Planner {
    /// Start the plan: a score with a `t` gives every section a tempo.
    pub fn new() -> Planner {
        Planner::default()
    }

    /// Open a section: its `t` (or 60 when `any_t`) and its `a` skips.
    pub fn open_section(&mut self, stmts: &[Statement], any_t: bool) {
        let t = stmts.iter().find_map(|s| match s {
            Statement::T { points, .. } => Some(points.clone()),
            _ => None,
        });
        if let Some(points) = t.or_else(|| any_t.then(|| vec![(0.0, 60.0)])) {
            self.plan.tempo.push(TempoOp::Points(self.base, points));
        }
        for s in stmts {
            if let Statement::A { at, dur, .. } = s {
                if *dur > 0.0 {
                    let at = self.base + at.max(0.0);
                    self.plan.tempo.push(TempoOp::Skip(at, *dur));
                    self.skips.push((at, at + dur));
                }
            }
        }
    }

    /// The section lasts at least to `t` (from its start).
    pub fn reach(&mut self, t: f64) {
        self.len = self.len.max(t);
    }

    /// `s time`, `e time` or `f 0 time`: the section lasts at least that long.
    pub fn extend(&mut self, t: f64) {
        self.extended = true;
        self.reach(t);
    }

    /// Close the section: the next one starts after it.
    pub fn close_section(&mut self) {
        self.base += self.len;
        self.len = 0.0;
    }

    /// Place an item at `at` beats from the section start.
    pub fn put(&mut self, at: f64, rank: u8, item: Item) {
        self.reach(at);
        let at = self.base + at;
        self.plan.timed.push(Timed { at, rank, item });
    }

    /// A note of instrument `instr` (fractional numbers count for holding)
    /// at `at` for `dur` beats (negative: held; 0: not heard).
    pub fn note(&mut self, instr: f64, at: f64, dur: f64, note: NoteSpec) {
        let start = self.base + at;
        self.release(instr, start);
        if dur == 0.0 {
            return self.reach(at);
        }
        if dur > 0.0 {
            let end = start + dur;
            self.reach(at + dur);
            self.notes_end = self.notes_end.max(end);
            if self.skips.iter().any(|&(s, e)| start >= s && end <= e) {
                return;
            }
        }
        let index = self.plan.timed.len();
        self.put(at, RANK_NOTE, Item::Note(note));
        if dur < 0.0 {
            self.held.push(Held {
                instr,
                index,
                start,
            });
        }
    }

    /// `i -instr at ...`: end the held note of that instrument.
    pub fn turn_off(&mut self, instr: f64, at: f64) {
        self.reach(at);
        self.release(instr, self.base + at);
    }

    /// End the held note of `instr` (if any) at `at` (from the score's 0).
    fn release(&mut self, instr: f64, at: f64) {
        let Some(k) = self.held.iter().position(|h| h.instr == instr) else {
            return;
        };
        let h = self.held.remove(k);
        self.set_held_end(&h, at);
    }

    fn set_held_end(&mut self, h: &Held, end: f64) {
        if let Item::Note(n) = &mut self.plan.timed[h.index].item {
            n.dur_beats = (end - h.start).max(0.0);
        }
    }

    /// The finished plan: held notes end with the score; events sorted.
    pub fn finish(mut self, e_at: Option<f64>) -> Plan {
        if let Some(t) = e_at {
            self.extend(t);
        }
        self.close_section();
        let end = self.base;
        for h in std::mem::take(&mut self.held) {
            self.set_held_end(&h, end);
        }
        self.plan.timed.retain(|t| match &t.item {
            Item::Note(n) => n.dur_beats > 0.0,
            _ => true,
        });
        // Stable: equal times and ranks keep the statement order.
        self.plan
            .timed
            .sort_by(|a, b| a.at.total_cmp(&b.at).then(a.rank.cmp(&b.rank)));
        if self.extended && end > self.notes_end {
            self.plan.end = Some(end);
        }
        self.plan
    }
}
