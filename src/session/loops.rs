//! Live loops, owned by the session beside the scheduler: their table, the
//! definitions an evaluation makes (journaled like every other change), and
//! the bookkeeping of each iteration (body swaps at the boundary, the last
//! good body, the error shown once, the count).

use super::callback::Callback;
use super::scheduler::Item;
use super::Session;
use crate::time::Beats;

/// Loops and sequences start on the next bar of this many beats.
pub const BAR_BEATS: f64 = 4.0;

/// The first bar line at or after `beat`, bars counted from `origin`.
pub fn next_bar(origin: f64, beat: f64) -> f64 {
    origin + ((beat - origin) / BAR_BEATS - 1e-9).ceil().max(0.0) * BAR_BEATS
}

/// The first bar line at or after `beat`, bars of `bar` beats from `origin`
/// (a bar line before `origin` counts too: a shared bar has no first bar).
pub fn next_bar_of(origin: f64, beat: f64, bar: f64) -> f64 {
    origin + ((beat - origin) / bar - 1e-9).ceil() * bar
}

/// A live loop: its body runs once per iteration, ahead of time.
#[derive(Debug, Clone)]
pub struct LiveLoop {
    /// Identifies the loop's scheduled iterations.
    pub id: u64,
    /// The body running now.
    pub body: Callback,
    /// The last body that completed an iteration without error.
    pub good: Option<Callback>,
    /// A new body (and length) waiting for the next iteration boundary.
    pub pending: Option<(Callback, f64)>,
    /// Iteration length in beats.
    pub period: f64,
    /// Iterations run so far (the `i` the body receives).
    pub count: i64,
    /// Stop at the next boundary.
    pub stopping: bool,
    /// The current body's error has been printed.
    pub error_shown: bool,
}

/// What a definition did to a loop or a sequence (for the reload summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopChange {
    /// A new loop.
    Added,
    /// A new body, swapped in at the next boundary.
    Swapped,
    /// The same body: left alone.
    Unchanged,
}

/// What to do after an iteration's body failed.
#[derive(Debug)]
pub struct Fallback {
    /// The last good body, to play this iteration instead.
    pub body: Option<Callback>,
    /// Print the error (the first time for this body).
    pub report: bool,
}

impl Session {
    /// Define a loop: a new one starts at `start`; a changed one swaps its
    /// body at its next boundary (phase kept); an identical one is left alone.
    pub fn define_loop(&mut self, name: &str, body: Callback, period: f64, start: Beats) {
        let change = match self.loops.get_mut(&name.to_string()) {
            Some(lp) => {
                let current = lp.pending.as_ref().map_or(&lp.body, |(b, _)| b);
                let same = current.signature() == body.signature() && lp.period == period;
                let was_stopping = std::mem::take(&mut lp.stopping);
                if !same {
                    lp.pending = Some((body, period));
                }
                match (was_stopping, same) {
                    (true, _) => LoopChange::Added,
                    (false, true) => LoopChange::Unchanged,
                    (false, false) => LoopChange::Swapped,
                }
            }
            None => {
                let id = self.fresh_id();
                let lp = LiveLoop {
                    id,
                    body,
                    good: None,
                    pending: None,
                    period,
                    count: 0,
                    stopping: false,
                    error_shown: false,
                };
                self.loops.insert(name.to_string(), lp);
                self.scheduler.push(start, Item::Loop(id));
                LoopChange::Added
            }
        };
        self.changes.push((name.to_string(), change));
    }

    /// Stop a loop at its next boundary.
    ///
    /// # Errors
    /// The names of the running loops when none is called `name`.
    pub fn stop_loop(&mut self, name: &str) -> Result<(), String> {
        match self.loops.get_mut(&name.to_string()) {
            Some(lp) => {
                lp.stopping = true;
                Ok(())
            }
            None => Err(format!(
                "stop_loop(): no loop named \"{name}\" (running: {})",
                list(self.loop_names())
            )),
        }
    }

    /// The loops that are running (not stopping).
    pub fn loop_names(&self) -> Vec<String> {
        let running = self.loops.iter().filter(|(_, l)| !l.stopping);
        running.map(|(n, _)| n.clone()).collect()
    }

    /// The name of the loop with this id.
    pub fn loop_name(&self, id: u64) -> Option<String> {
        let mut all = self.loops.iter();
        all.find(|(_, l)| l.id == id).map(|(n, _)| n.clone())
    }

    /// Start an iteration: a stopping loop ends here; a pending body is
    /// swapped in. Returns the name, the body and the iteration count.
    pub fn loop_iteration(&mut self, id: u64) -> Option<(String, Callback, i64)> {
        let name = self.loop_name(id)?;
        let lp = self.loops.get_mut(&name)?;
        if lp.stopping {
            self.loops.remove(&name);
            return None;
        }
        if let Some((b, p)) = lp.pending.take() {
            lp.body = b;
            lp.period = p;
            lp.error_shown = false;
        }
        let (body, count) = (lp.body.clone(), lp.count);
        Some((name, body, count))
    }

    /// True when the iteration at `at` passes without running: the
    /// transport is stopped, or it lies wholly in the past after a stall
    /// (counted; the loop keeps its phase either way).
    pub fn loop_passes_silently(&mut self, name: &str, at: Beats) -> bool {
        let period = self.loops.get(name).map_or(0.0, |l| l.period);
        let end = self.frame_at(Beats(at.0 + period));
        let past = end < self.skip_before;
        if past && *self.playing {
            self.iterations_passed += 1;
        }
        !*self.playing || past
    }

    /// The iteration's body ran without error: it is the loop's good body.
    pub fn loop_succeeded(&mut self, name: &str, body: &Callback) {
        if let Some(lp) = self.loops.get_mut(&name.to_string()) {
            lp.good = Some(body.clone());
        }
    }

    /// The iteration's body failed: roll the loop back to its last good body
    /// (if it differs), and say whether to print the error (once per body).
    pub fn loop_failed(&mut self, name: &str, failed: &Callback) -> Fallback {
        let Some(lp) = self.loops.get_mut(&name.to_string()) else {
            return Fallback {
                body: None,
                report: false,
            };
        };
        let sig = failed.signature();
        let body = lp.good.clone().filter(|g| g.signature() != sig);
        let report = !lp.error_shown;
        lp.error_shown = true;
        if let Some(g) = &body {
            lp.body = g.clone();
            lp.error_shown = false;
        }
        Fallback { body, report }
    }

    /// Count the iteration and schedule the next one.
    pub fn loop_next(&mut self, name: &str, at: Beats, id: u64) {
        let Some(lp) = self.loops.get_mut(&name.to_string()) else {
            return;
        };
        lp.count += 1;
        let next = Beats(at.0 + lp.period);
        self.scheduler.push(next, Item::Loop(id));
    }
}

/// "a, b" or "none".
pub fn list(names: Vec<String>) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}
