//! The REPL's line editor: completion of names, usage hints, multi-line
//! input while brackets are open, and a persistent history.
//!
//! The REPL loop itself lives elsewhere; this module builds the
//! [`rustyline::Editor`] it reads from.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rustyline::completion::Completer;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::{Hint, Hinter};
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

mod context;
mod scan;
use context::Pool;
pub use context::Vocab;
use scan::{Mode, Scan};

/// Names to complete: bindings, and the channels, tables and loops the
/// session adds as it goes. Shared with the session, which updates it.
pub type Names = Arc<Mutex<Vec<String>>>;

/// Usage text per name, e.g. `("note", "note(ch, pitch, dur_beats)")`.
pub type Usages = Arc<Mutex<Vec<(String, String)>>>;

/// The most history lines kept.
pub const MAX_HISTORY: usize = 10_000;

/// Why the editor or its history failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplEditError {
    /// The line editor could not be set up.
    #[error("line editor: {0}")]
    Editor(#[source] ReadlineError),
    /// The history file could not be read or written.
    #[error("history {path}: {source}")]
    History {
        /// The history file.
        path: PathBuf,
        /// What went wrong.
        source: ReadlineError,
    },
    /// The history file's directory could not be created.
    #[error("history directory {path}: {source}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// Completion, hints and multi-line validation for the REPL.
#[derive(Debug, Clone)]
pub struct ReplHelper {
    names: Names,
    usages: Usages,
    vocab: Vocab,
}

/// A usage hint shown after the cursor. It is shown only: accepting it
/// inserts nothing, since it names parameters rather than values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageHint(pub String);

impl Hint for UsageHint {
    fn display(&self) -> &str {
        &self.0
    }

    fn completion(&self) -> Option<&str> {
        None
    }
}

impl ReplHelper {
    /// A helper completing from `names` (and the bindings' options,
    /// presets and drum patterns) and hinting from `usages`.
    pub fn new(names: Names, usages: Usages) -> ReplHelper {
        ReplHelper {
            names,
            usages,
            vocab: Vocab::of_bindings(),
        }
    }

    /// The start of the word before `pos` and the words it is a prefix of,
    /// sorted and deduplicated. Inside a string the word runs back to the
    /// quote or a space (loop names are strings); in a comment, nothing.
    /// What the words are depends on the place ([`context`]): option names
    /// at a key's place in a `#{ }` map (those of the call it is given to),
    /// drum patterns in `drums("`, presets after `instrument:`, channel
    /// properties after a `.`, the names everywhere else.
    pub fn completions(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let in_string = match Scan::of(before).mode {
            Mode::Code => false,
            Mode::Str => true,
            _ => return (pos, Vec::new()),
        };
        let start = word_start(before, in_string);
        let prefix = &before[start..];
        let names = lock(&self.names);
        let context = context::candidates(&self.vocab, before, start, in_string);
        let pool: Vec<&String> = match &context {
            Pool::Names => names.iter().collect(),
            Pool::Only(words) => words.iter().collect(),
            Pool::NamesAnd(words) => names.iter().chain(words).collect(),
        };
        let mut found: Vec<String> = pool
            .into_iter()
            .filter(|n| n.starts_with(prefix))
            .cloned()
            .collect();
        found.sort();
        found.dedup();
        (start, found)
    }

    /// The rest of a name's usage when `line` is that name and `(` and
    /// nothing else (leading spaces allowed) and `pos` is at its end.
    pub fn usage_hint(&self, line: &str, pos: usize) -> Option<String> {
        if pos != line.len() {
            return None;
        }
        let current = line.rsplit('\n').next().unwrap_or(line).trim_start();
        let name = current.strip_suffix('(')?;
        if name.is_empty() || !name.chars().all(is_ident) {
            return None;
        }
        let usages = lock(&self.usages);
        let usage = &usages.iter().find(|(n, _)| n == name)?.1;
        let rest = match usage.strip_prefix(name).and_then(|u| u.strip_prefix('(')) {
            Some(rest) => rest,
            None => &usage[usage.find('(')? + 1..],
        };
        (!rest.is_empty()).then(|| rest.to_string())
    }

    /// Whether `input` needs more lines: [`ValidationResult::Incomplete`]
    /// while a bracket (or block comment) is open outside strings and
    /// comments, [`ValidationResult::Valid`] otherwise, including when a
    /// closing bracket has no opener (the script engine reports that).
    pub fn validate_input(input: &str) -> ValidationResult {
        if Scan::of(input).incomplete() {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where the word that ends `before` starts.
fn word_start(before: &str, in_string: bool) -> usize {
    let in_word = |c: char| {
        if in_string {
            c != '"' && !c.is_whitespace()
        } else {
            is_ident(c)
        }
    };
    before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| in_word(c))
        .last()
        .map_or(before.len(), |(i, _)| i)
}

/// Locks a shared list; a panic elsewhere while holding it leaves it usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Completer for ReplHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.completions(line, pos))
    }
}

impl Hinter for ReplHelper {
    type Hint = UsageHint;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<UsageHint> {
        self.usage_hint(line, pos).map(UsageHint)
    }
}

impl Highlighter for ReplHelper {}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(Self::validate_input(ctx.input()))
    }
}

impl Helper for ReplHelper {}

/// The REPL's editor: a [`ReplHelper`], list completion, every line added
/// to the history (at most [`MAX_HISTORY`]), and the history at `history`
/// loaded when that file exists.
pub fn editor(
    names: Names,
    usages: Usages,
    history: &Path,
) -> Result<Editor<ReplHelper, FileHistory>, ReplEditError> {
    let config = Config::builder()
        .max_history_size(MAX_HISTORY)
        .map_err(ReplEditError::Editor)?
        .auto_add_history(true)
        .completion_type(CompletionType::List)
        .build();
    let file = FileHistory::with_config(&config);
    let mut ed = Editor::with_history(config, file).map_err(ReplEditError::Editor)?;
    ed.set_helper(Some(ReplHelper::new(names, usages)));
    match ed.load_history(history) {
        Err(ReadlineError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(ReplEditError::History {
                path: history.to_path_buf(),
                source,
            })
        }
        Ok(()) => {}
    }
    Ok(ed)
}

/// Set by Ctrl-C pressed on an empty line (the panic key), read by the REPL
/// loop when the editor reports the interrupt.
pub type PanicKey = Arc<std::sync::atomic::AtomicBool>;

/// Ctrl-C: on an empty line it also sets the [`PanicKey`]; with text it
/// only clears the line, as in every shell.
struct CtrlC(PanicKey);

impl rustyline::ConditionalEventHandler for CtrlC {
    fn handle(
        &self,
        _evt: &rustyline::Event,
        _n: rustyline::RepeatCount,
        _positive: bool,
        ctx: &rustyline::EventContext,
    ) -> Option<rustyline::Cmd> {
        self.0
            .store(ctx.line().is_empty(), std::sync::atomic::Ordering::Relaxed);
        Some(rustyline::Cmd::Interrupt)
    }
}

/// Make Ctrl-C on an empty line set the returned [`PanicKey`].
pub fn bind_panic_key<H: Helper>(ed: &mut Editor<H, FileHistory>) -> PanicKey {
    let key = PanicKey::default();
    ed.bind_sequence(
        rustyline::KeyEvent::ctrl('c'),
        rustyline::EventHandler::Conditional(Box::new(CtrlC(key.clone()))),
    );
    key
}

/// Writes the editor's history to `path`, creating its directory if needed.
pub fn save_history<H: Helper>(
    ed: &mut Editor<H, FileHistory>,
    path: &Path,
) -> Result<(), ReplEditError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ReplEditError::Dir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    ed.save_history(path)
        .map_err(|source| ReplEditError::History {
            path: path.to_path_buf(),
            source,
        })
}

/// Where the history lives: `$TACTUS_HISTORY` if set, else
/// `$XDG_STATE_HOME/tactus/history`, else `~/.local/state/tactus/history`.
pub fn history_path() -> PathBuf {
    history_path_from(|k| std::env::var_os(k))
}

fn history_path_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
    let set = |k: &str| var(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = set("TACTUS_HISTORY") {
        return p;
    }
    // The XDG spec ignores relative values.
    let state = set("XDG_STATE_HOME")
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| {
            let home = set("HOME").unwrap_or_else(|| PathBuf::from("."));
            home.join(".local").join("state")
        });
    state.join("tactus").join("history")
}

#[cfg(test)]
mod tests;
