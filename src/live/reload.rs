//! Hot reload: the watched file describes the desired state. Each accepted
//! save is evaluated as one transaction at the next block: loops it defines
//! are added, swapped at their next boundary, or left alone when unchanged;
//! loops that disappeared from the file stop at their next boundary. A file
//! that fails to parse or run changes nothing. Every accepted version is kept
//! for `versions()` and `revert()`, which play an earlier one and say so
//! (the file on disk stays as it is unless asked).

use super::globals::Globals;
use crate::script::{ScriptError, ScriptHost};
use crate::session::loops::LoopChange;
use crate::session::state::RevertRequest;
use crate::time::Beats;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// One accepted version of the watched file.
struct Version {
    src: String,
    /// When it was accepted, HH:MM:SS local time.
    time: String,
    /// What it changed, as its reload line said.
    what: String,
}

/// Reload state of the watched script.
pub struct Reloader {
    path: PathBuf,
    versions: Vec<Version>,
    /// Index into `versions` of the one playing.
    playing: usize,
    /// The file on disk failed to load after the version playing (where).
    failed: Option<String>,
    file_loops: BTreeSet<String>,
}

impl Reloader {
    /// Watch-state for `path` (nothing loaded yet).
    pub fn new(path: PathBuf) -> Reloader {
        Reloader {
            path,
            versions: Vec::new(),
            playing: 0,
            failed: None,
            file_loops: BTreeSet::new(),
        }
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// Read the file and apply it if it differs from the version playing;
    /// print one line.
    pub fn reload(&mut self, host: &mut ScriptHost, now: Beats, print: &dyn Fn(&str)) {
        if !self.path.exists() && !self.versions.is_empty() {
            return print(&format!(
                "{} was deleted: the playing version keeps playing; save it again to reload",
                self.name()
            ));
        }
        let src = match crate::files::read_text(&self.path) {
            Ok(s) => s,
            Err(e) => {
                return print(&format!(
                    "{}: error: cannot read the script: {}",
                    self.name(),
                    e.reason
                ))
            }
        };
        if src.trim().is_empty() && !self.versions.is_empty() {
            // An editor that saves in place truncates first: an empty read
            // is a moment of that, never the new desired state.
            return print(&format!(
                "{} is empty: not applied, version {} keeps playing (to stop everything, save a file holding only a comment, e.g. // silence)",
                self.name(),
                self.playing + 1
            ));
        }
        if self
            .versions
            .get(self.playing)
            .is_some_and(|v| v.src == src)
        {
            if self.failed.take().is_some() {
                print(&format!(
                    "{} is back to version {}, which kept playing",
                    self.name(),
                    self.playing + 1
                ));
            }
            return;
        }
        match self.apply(host, &src, now) {
            Ok(what) => {
                self.versions.push(Version {
                    src,
                    time: clock_time(),
                    what: what.clone(),
                });
                self.playing = self.versions.len() - 1;
                self.failed = None;
                print(&format!("reloaded {}: {what}", self.name()));
                self.publish(host);
            }
            Err(e) => {
                self.failed = Some(format!("{}:{}:{}", e.file, e.line, e.col));
                let keeps = match self.versions.is_empty() {
                    true => "nothing from it plays until it loads".to_string(),
                    false => format!("version {} keeps playing", self.playing + 1),
                };
                print(&format!(
                    "{e}\nreload failed: {} did not load; {keeps}",
                    self.name()
                ));
            }
        }
    }

    /// `revert()`: play an earlier version (the one before the version
    /// playing, or version `n` as `versions()` numbers them); say which, and
    /// that the file on disk is unchanged unless `write` puts it back.
    pub fn revert(
        &mut self,
        req: RevertRequest,
        host: &mut ScriptHost,
        now: Beats,
        print: &dyn Fn(&str),
    ) {
        let target = match self.target(req) {
            Ok(t) => t,
            Err(e) => return print(&e),
        };
        let name = self.name();
        let mut did = "it was playing already".to_string();
        if target != self.playing {
            let src = self.versions[target].src.clone();
            match self.apply(host, &src, now) {
                Ok(what) => (self.playing, did) = (target, what),
                Err(e) => {
                    return print(&format!(
                        "{e}\nrevert(): version {} no longer loads; version {} keeps playing",
                        target + 1,
                        self.playing + 1
                    ))
                }
            }
        }
        let v = &self.versions[target];
        let n = target + 1;
        let mut line = format!(
            "now playing version {n} of {name}, accepted at {}: {did}",
            v.time
        );
        if req.write {
            match std::fs::write(&self.path, &v.src) {
                Ok(()) => {
                    self.failed = None;
                    line += "; written back to the file, so your editor shows it";
                }
                Err(e) => line += &format!("; could not write it back to the file: {e}"),
            }
        } else {
            let failed = self.failed.as_ref().map_or(String::new(), |at| {
                format!(", still with the error at {at}")
            });
            line += &format!("; the file on disk is unchanged{failed} (revert({n}, #{{ write: true }}) writes this version back)");
        }
        print(&line);
        self.publish(host);
    }

    /// The version a revert asks for, or why there is none.
    fn target(&self, req: RevertRequest) -> Result<usize, String> {
        let count = self.versions.len();
        match req.version {
            _ if count == 0 => Err("revert(): no version of the script has loaded yet".into()),
            Some(n) if n < 1 || n as usize > count => Err(format!(
                "revert({n}): the versions are 1 to {count} (versions() lists them)"
            )),
            Some(n) => Ok(n as usize - 1),
            // After a failed save the last good version is what plays:
            // revert() keeps it rather than stepping back past it.
            None if self.failed.is_some() => Ok(self.playing),
            None if self.playing == 0 => Err(format!(
                "revert(): version 1 is playing, there is no earlier one (versions() lists {count})"
            )),
            None => Ok(self.playing - 1),
        }
    }

    /// Evaluate a version; its reload line's text, or the error.
    fn apply(
        &mut self,
        host: &mut ScriptHost,
        src: &str,
        now: Beats,
    ) -> Result<String, ScriptError> {
        let name = self.name();
        let before = host.with_session(|s| Globals::read(s, now));
        let changes = host.eval_file(&name, src, now)?;
        let after = host.with_session(|s| Globals::read(s, now));
        // The first version sets everything up: only later ones report
        // what they changed besides loops.
        let globals = match self.versions.is_empty() {
            true => Vec::new(),
            false => before.changes(&after),
        };
        let defined: BTreeSet<String> = changes.iter().map(|(n, _)| n.clone()).collect();
        let removed: Vec<String> = self.file_loops.difference(&defined).cloned().collect();
        host.stop_loops(&removed);
        self.file_loops = defined;
        Ok(summary(&globals, &changes, &removed))
    }

    /// Hand `versions()` its lines.
    fn publish(&self, host: &mut ScriptHost) {
        let lines = self.versions.iter().enumerate().map(|(i, v)| {
            let mark = if i == self.playing {
                "  <- playing"
            } else {
                ""
            };
            format!("version {}  {}  {}{mark}", i + 1, v.time, v.what)
        });
        let mut lines: Vec<String> = lines.collect();
        if let Some(at) = &self.failed {
            lines.push(format!("the file on disk does not load (error at {at})"));
        }
        host.with_state(|st| st.versions = lines);
    }
}

/// HH:MM:SS, local time.
fn clock_time() -> String {
    let stamp = crate::record::date_time_stamp(); // YYYY-MM-DD_HH-MM-SS
    stamp.rsplit('_').next().unwrap_or("").replace('-', ":")
}

/// The name a musician wrote: a drum pattern's instruments are one entry.
fn user_name(n: &str) -> &str {
    if n.starts_with("drums:") {
        "drums"
    } else {
        n
    }
}

/// "tempo 96 -> 118; swapped bass; added pad; removed lead; unchanged drums"
/// (or "nothing changed").
pub fn summary(globals: &[String], changes: &[(String, LoopChange)], removed: &[String]) -> String {
    let pick = |want: LoopChange| -> Vec<&str> {
        let names = changes.iter().filter(|(_, c)| *c == want);
        names.map(|(n, _)| user_name(n)).collect()
    };
    let mut parts: Vec<String> = Vec::new();
    if !globals.is_empty() {
        parts.push(globals.join(", "));
    }
    let mut seen = BTreeSet::new();
    for (label, names) in [
        ("swapped", pick(LoopChange::Swapped)),
        ("added", pick(LoopChange::Added)),
        ("removed", removed.iter().map(|n| user_name(n)).collect()),
        ("unchanged", pick(LoopChange::Unchanged)),
    ] {
        let mut fresh: Vec<&str> = names.into_iter().filter(|n| seen.insert(*n)).collect();
        fresh.sort_unstable();
        fresh.dedup();
        if !fresh.is_empty() {
            parts.push(format!("{label} {}", fresh.join(", ")));
        }
    }
    if parts.is_empty() {
        "nothing changed".to_string()
    } else {
        parts.join("; ")
    }
}
