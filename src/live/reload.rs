//! Hot reload: the watched file describes the desired state. Each accepted
//! save is evaluated as one transaction at the next block: loops it defines
//! are added, swapped at their next boundary, or left alone when unchanged;
//! loops that disappeared from the file stop at their next boundary. A file
//! that fails to parse or run changes nothing. Every accepted version is kept
//! for `revert()`.

use crate::script::ScriptHost;
use crate::session::loops::LoopChange;
use crate::time::Beats;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Reload state of the watched script.
pub struct Reloader {
    path: PathBuf,
    accepted: Vec<String>,
    file_loops: BTreeSet<String>,
}

impl Reloader {
    /// Watch-state for `path` (nothing loaded yet).
    pub fn new(path: PathBuf) -> Reloader {
        Reloader {
            path,
            accepted: Vec::new(),
            file_loops: BTreeSet::new(),
        }
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// Read the file and apply it if it changed; print one line.
    pub fn reload(&mut self, host: &mut ScriptHost, now: Beats, print: &dyn Fn(&str)) {
        let src = match std::fs::read_to_string(&self.path) {
            Ok(s) => s,
            Err(e) => {
                return print(&format!(
                    "{}: error: cannot read the script: {e}",
                    self.name()
                ))
            }
        };
        if self.accepted.last() == Some(&src) {
            return;
        }
        self.apply(host, src, now, print);
    }

    /// Return to the previous accepted version.
    pub fn revert(&mut self, host: &mut ScriptHost, now: Beats, print: &dyn Fn(&str)) {
        if self.accepted.len() < 2 {
            return print("revert(): there is no earlier version to return to");
        }
        self.accepted.pop();
        let previous = self.accepted.pop().unwrap_or_default();
        if self.apply(host, previous.clone(), now, print) {
            print(&format!("reverted {} to its previous version", self.name()));
        } else {
            self.accepted.push(previous);
        }
    }

    fn apply(
        &mut self,
        host: &mut ScriptHost,
        src: String,
        now: Beats,
        print: &dyn Fn(&str),
    ) -> bool {
        let name = self.name();
        match host.eval_file(&name, &src, now) {
            Err(e) => {
                print(&format!(
                    "{e}\nreload failed: {name} keeps playing its previous version"
                ));
                false
            }
            Ok(changes) => {
                let defined: BTreeSet<String> = changes.iter().map(|(n, _)| n.clone()).collect();
                let removed: Vec<String> = self.file_loops.difference(&defined).cloned().collect();
                host.stop_loops(&removed);
                print(&summary(&name, &changes, &removed));
                self.file_loops = defined;
                self.accepted.push(src);
                true
            }
        }
    }
}

/// "reloaded demo.rhai: swapped bass; added pad; removed lead; unchanged drums".
pub fn summary(name: &str, changes: &[(String, LoopChange)], removed: &[String]) -> String {
    let pick = |want: LoopChange| -> Vec<&str> {
        let mut names: Vec<&str> = changes
            .iter()
            .filter(|(_, c)| *c == want)
            .map(|(n, _)| n.as_str())
            .collect();
        names.sort_unstable();
        names
    };
    let mut parts = Vec::new();
    for (label, names) in [
        ("swapped", pick(LoopChange::Swapped)),
        ("added", pick(LoopChange::Added)),
        ("removed", removed.iter().map(String::as_str).collect()),
        ("unchanged", pick(LoopChange::Unchanged)),
    ] {
        if !names.is_empty() {
            parts.push(format!("{label} {}", names.join(", ")));
        }
    }
    if parts.is_empty() {
        format!("reloaded {name}")
    } else {
        format!("reloaded {name}: {}", parts.join("; "))
    }
}
