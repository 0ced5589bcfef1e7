//! Fuzz targets, one per input surface (issue 16): every binding called with
//! hostile values, random and mutated score text, corrupt WAV bytes through
//! every way a WAV is loaded. Each case runs through the real binary in a
//! fresh temporary directory (bindings write files there, never in the
//! repository), and must end with exit 0 or a clean error (never a signal, a
//! panic or a hang), write only finite samples and stay under 1 GiB resident.
//!
//! `make test` runs each target for a fixed number of cases from a fixed
//! seed. For the long run, `TACTUS_FUZZ_SECS=3600` makes each target run by
//! time instead (a fresh seed unless `TACTUS_FUZZ_SEED` names one); each
//! prints its seed and its counts of cases, calls, processes and failures.
//! A failure is reduced to the one call (or score, or file) that fails and
//! printed as a one-line reproduction.

mod bindings;
mod found;
mod rng;
mod run;
mod score;
mod wav;

use std::time::{Duration, Instant};

/// How long a target runs: a case count (make test) or until a deadline.
pub enum Budget {
    /// Exactly this many cases.
    Cases(usize),
    /// As many cases as fit before this instant.
    Until(Instant),
}

impl Budget {
    /// `cases` for `make test`, or `TACTUS_FUZZ_SECS` of wall time when set.
    pub fn from_env(cases: usize) -> Budget {
        match std::env::var("TACTUS_FUZZ_SECS") {
            Ok(s) => {
                let secs: u64 = s
                    .trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("TACTUS_FUZZ_SECS={s:?} is not whole seconds"));
                Budget::Until(Instant::now() + Duration::from_secs(secs))
            }
            Err(_) => Budget::Cases(cases),
        }
    }

    /// Whether another case fits after `done` cases.
    pub fn more(&self, done: usize) -> bool {
        match self {
            Budget::Cases(n) => done < *n,
            Budget::Until(t) => Instant::now() < *t,
        }
    }

    /// Whether this is the long run (by time).
    pub fn is_timed(&self) -> bool {
        matches!(self, Budget::Until(_))
    }
}

/// The seed: `TACTUS_FUZZ_SEED` if set, else `fixed` for the case-count run,
/// else the clock (the long run explores new cases each time).
pub fn seed(fixed: u64, budget: &Budget) -> u64 {
    if let Ok(s) = std::env::var("TACTUS_FUZZ_SEED") {
        let s = s.trim().trim_start_matches("0x");
        return u64::from_str_radix(s, 16)
            .unwrap_or_else(|_| panic!("TACTUS_FUZZ_SEED={s:?} is not hexadecimal"));
    }
    if budget.is_timed() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        return (t.as_nanos() as u64) | 1;
    }
    fixed
}

/// What one target did, printed at its end.
#[derive(Default)]
pub struct Tally {
    /// Cases generated (a call, a score, a file through one load form).
    pub cases: usize,
    /// Binding calls made (bindings target; scripts for the others).
    pub calls: usize,
    /// Processes of the binary started (reductions included).
    pub processes: usize,
    /// One-line reproductions of the failures found.
    pub failures: Vec<String>,
    /// Scripts that ended with an error a `try` did not catch (a clean
    /// exit, but the calls after it were not made): the call and the error.
    pub notes: Vec<String>,
}

impl Tally {
    /// Print the counts and every failure; fail the test if there was one.
    pub fn finish(&self, target: &str, seed: u64, started: Instant) {
        eprintln!(
            "fuzz {target}: seed {seed:#x}: {} cases, {} calls, {} processes, {} failures in {:.1} s",
            self.cases,
            self.calls,
            self.processes,
            self.failures.len(),
            started.elapsed().as_secs_f64()
        );
        for n in &self.notes {
            eprintln!("  note: {n}");
        }
        for f in &self.failures {
            eprintln!("  FAIL {f}");
        }
        assert!(
            self.failures.is_empty(),
            "fuzz {target} (seed {seed:#x}) found {} failures:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}
