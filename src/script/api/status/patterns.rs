//! Loops and sequences as the musician sees them: `status()`'s lines, a
//! sequence's step grid (`seq("x")` printed), and `code("name")`.

use super::bars::count;
use crate::script::lex::call_lines;
use crate::session::callback::Callback;
use crate::session::scheduler::Item;
use crate::session::seqs::{Seq, Step};
use crate::session::Session;

/// Where a loop's body came from: "scripts/demo.rhai:12" or "the prompt".
pub fn origin(cb: &Callback) -> String {
    let file = cb.file();
    let line = cb.pos.line().map(|l| format!(":{l}"));
    if file.starts_with("<repl") || file.starts_with("<eval") {
        let what = if file.starts_with("<repl") {
            "the prompt"
        } else {
            "the editor"
        };
        format!("{what} ({file}{})", line.unwrap_or_default())
    } else {
        format!("{file}{}", line.unwrap_or_default())
    }
}

/// The beat at which the scheduler next releases `item`.
fn next_beat(s: &Session, item: &Item) -> Option<f64> {
    s.scheduler
        .items()
        .into_iter()
        .find(|(_, i)| *i == item)
        .map(|(b, _)| b)
}

/// The bar (1-based) and beat in the bar of beat `b`.
pub fn bar_of(s: &Session, b: f64) -> (i64, f64) {
    let from = b - s.bar_origin.0;
    let bar = (from / s.bar_beats).floor();
    (bar as i64 + 1, from - bar * s.bar_beats + 1.0)
}

/// `status()`'s lines for the loops.
pub fn loop_lines(s: &Session) -> Vec<String> {
    let mut out = Vec::new();
    for (name, lp) in s.loops.iter() {
        let next = next_beat(s, &Item::Loop(lp.id)).map_or(String::new(), |b| {
            let (bar, _) = bar_of(s, b);
            format!(", next pass at beat {b:.2} (bar {bar})")
        });
        let state = match (lp.stopping, &lp.pending) {
            (true, _) => ", stops there",
            (false, Some(_)) => ", a new version starts there",
            _ => "",
        };
        out.push(format!(
            "loop \"{name}\": every {} beats, {} so far{next}{state}, from {}",
            trim(lp.period),
            count(lp.count as u64, "pass"),
            origin(&lp.body)
        ));
    }
    out
}

/// `status()`'s lines for the sequences.
pub fn seq_lines(s: &Session, now: f64) -> Vec<String> {
    let seqs = s.seqs.iter();
    let lines = seqs.map(|(name, q)| format!("seq \"{name}\": {}", summary(s, q, now)));
    lines.collect()
}

fn summary(s: &Session, q: &Seq, now: f64) -> String {
    format!(
        "channel {}, {} of {} beat, {}, step {} of {}{}",
        q.channel + 1,
        count(q.pattern.len() as u64, "step"),
        trim(q.step_beats),
        grid(&q.pattern),
        current_step(s, q, now) + 1,
        q.pattern.len(),
        if q.stopping { ", stopping" } else { "" }
    )
}

/// The step sounding at beat `now` (0-based): steps are computed ahead,
/// so count back from the next one the scheduler holds.
fn current_step(s: &Session, q: &Seq, now: f64) -> usize {
    let n = q.pattern.len().max(1) as i64;
    let ahead = next_beat(s, &Item::Seq(q.id)).map_or(1, |b| {
        ((b - now) / q.step_beats.max(1e-9)).ceil().max(1.0) as i64
    });
    (q.count as i64 - ahead).rem_euclid(n) as usize
}

/// "x..X": hits, rests, accents (a step of velocity 100 or more shows as X).
fn grid(p: &[Step]) -> String {
    let cell = |s: &Step| match s {
        Step::Off => '.',
        Step::On => 'x',
        Step::Accent => 'X',
        Step::Vel(v) if *v >= 100 => 'X',
        Step::Vel(_) => 'x',
    };
    p.iter().map(cell).collect()
}

/// A sequence printed at the prompt: its settings and its grid with a mark
/// under the step playing now.
pub fn seq_view(s: &Session, name: &str, now: f64) -> String {
    let Some(q) = s.seqs.get(name) else {
        return format!("seq(\"{name}\") (stopped)");
    };
    let step = current_step(s, q, now);
    let mark: String = " ".repeat(step) + "^";
    let hz = q.pitch_hz;
    format!(
        "seq \"{name}\" on channel {}, pitch {hz:.1} Hz, vel {:.0}, swing {:.2}: {} of {} beat\n  {}\n  {mark} step {} playing",
        q.channel + 1,
        q.vel,
        q.swing,
        count(q.pattern.len() as u64, "step"),
        trim(q.step_beats),
        grid(&q.pattern),
        step + 1
    )
}

/// `code("name")`: the code a loop runs now, where it came from, and a
/// waiting new version if there is one.
pub fn code(s: &Session, name: &str, now: f64) -> Result<String, String> {
    if let Some(lp) = s.loops.get(name) {
        let mut out = format!(
            "loop \"{name}\" runs this, from {}:\n{}",
            origin(&lp.body),
            source_of(&lp.body)
        );
        if let Some((next, _)) = &lp.pending {
            out += &format!(
                "\nand this from its next pass on, from {}:\n{}",
                origin(next),
                source_of(next)
            );
        }
        return Ok(out);
    }
    if s.seqs.contains_key(name) {
        return Ok(seq_view(s, name, now));
    }
    let loops = crate::session::loops::list(s.loop_names());
    let seqs = crate::session::loops::list(s.seq_names());
    Err(format!(
        "code(): no loop or sequence named \"{name}\" (loops: {loops}; sequences: {seqs})"
    ))
}

/// The lines of the call that defined a body, as written (its folded text
/// when its place is unknown).
fn source_of(cb: &Callback) -> String {
    match call_lines(&cb.src, cb.pos) {
        Some((first, last)) => {
            let lines = cb.src.lines().skip(first - 1).take(last + 1 - first);
            lines.collect::<Vec<_>>().join("\n")
        }
        None => cb.text.clone(),
    }
}

/// 4 rather than 4.0; 0.25 as is.
pub fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
