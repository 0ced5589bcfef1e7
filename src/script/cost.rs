//! What a slow evaluation cost the music: the script thread cannot release
//! events while Rhai runs, so a line, loop iteration or callback that runs
//! longer than the lookahead makes the events due meanwhile pass (skipped,
//! never played in a burst) or arrive late. Each evaluation is timed; one
//! that ran at least [`SLOW_EVAL`] is remembered with the counters as they
//! were when it started, and once the audio thread has had [`SETTLE`] to
//! count its late events, one line says what it cost, if anything.

use std::time::{Duration, Instant};

/// An evaluation at least this long is checked for what it cost (two
/// blocks of 256 frames at 48 kHz: shorter ones cannot delay a note by more
/// than the block a REPL line is placed ahead).
pub const SLOW_EVAL: Duration = Duration::from_millis(10);

/// How long after a slow evaluation its cost is counted: the events it
/// held back are released at the next tick and counted late by the audio
/// thread within a block or two.
pub const SETTLE: Duration = Duration::from_millis(60);

/// The counters that say what the music lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Notes skipped because their time had passed.
    pub skipped: u64,
    /// Loop iterations that passed without running (their time had passed).
    pub passed: u64,
    /// Events the audio thread played late.
    pub late: u64,
}

/// A slow evaluation waiting for its cost to be counted.
#[derive(Debug, Clone)]
pub struct SlowEval {
    /// What ran: "that evaluation", `loop "name"`, a file name.
    pub what: String,
    /// How long it ran.
    pub took: Duration,
    /// When it ended.
    pub ended: Instant,
    /// The counters when it started.
    pub before: Counters,
}

impl SlowEval {
    /// The line to print once [`SETTLE`] has passed since it ended, given
    /// the counters now: `None` while settling, or when it cost nothing.
    pub fn report(&self, now: Instant, counters: Counters) -> Option<Option<String>> {
        if now.duration_since(self.ended) < SETTLE {
            return None;
        }
        Some(cost_line(&self.what, self.took, self.before, counters))
    }
}

/// "that evaluation took 0.92 s: 14 events skipped, 2 played late (...)",
/// or `None` when nothing was lost.
pub fn cost_line(what: &str, took: Duration, before: Counters, after: Counters) -> Option<String> {
    let skipped = after.skipped.saturating_sub(before.skipped);
    let passed = after.passed.saturating_sub(before.passed);
    let late = after.late.saturating_sub(before.late);
    if skipped + late + passed == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if skipped > 0 {
        parts.push(format!("{skipped} {} skipped", plural(skipped, "event")));
    }
    if late > 0 && skipped > 0 {
        parts.push(format!("{late} played late"));
    } else if late > 0 {
        parts.push(format!("{late} {} played late", plural(late, "event")));
    }
    if passed > 0 {
        parts.push(format!(
            "{passed} loop {} passed unplayed",
            plural(passed, "iteration")
        ));
    }
    Some(format!(
        "{what} took {:.2} s: {} (the music waits for no one: use wait()/sleep() for time, not loops that spin)",
        took.as_secs_f64(),
        parts.join(", ")
    ))
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_with_the_count_and_why() {
        let before = Counters {
            skipped: 3,
            passed: 0,
            late: 10,
        };
        let after = Counters {
            skipped: 17,
            passed: 2,
            late: 12,
        };
        let line = cost_line("that evaluation", Duration::from_millis(920), before, after).unwrap();
        assert_eq!(
            line,
            "that evaluation took 0.92 s: 14 events skipped, 2 played late, 2 loop iterations passed unplayed (the music waits for no one: use wait()/sleep() for time, not loops that spin)"
        );
        assert!(cost_line("x", Duration::from_secs(1), after, after).is_none());
    }
}
