//! Script diagnostics: one clear message with file:line:col, the source line
//! and a caret under the column, and the valid choices where there are few.

use rhai::{EvalAltResult, ParseError, Position};
use std::fmt;

/// An error in a script, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptError {
    /// File name (or `<repl>`).
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub col: usize,
    /// What went wrong, and what would be valid.
    pub message: String,
    /// The offending source line, when known.
    pub source_line: Option<String>,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, "{}: error: {}", self.file, self.message);
        }
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.col, self.message
        )?;
        if let Some(src) = &self.source_line {
            let gutter = format!("{} | ", self.line);
            let caret_pad: String = src
                .chars()
                .take(self.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{gutter}{src}\n{}{caret_pad}^",
                " ".repeat(gutter.len())
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ScriptError {}

impl ScriptError {
    /// An error at a position in `source`.
    pub fn at(file: &str, source: &str, pos: Position, message: String) -> ScriptError {
        let line = pos.line().unwrap_or(0);
        let col = pos.position().unwrap_or(if line > 0 { 1 } else { 0 });
        let source_line = (line > 0)
            .then(|| source.lines().nth(line - 1).map(str::to_string))
            .flatten();
        ScriptError {
            file: file.to_string(),
            line,
            col,
            message,
            source_line,
        }
    }

    /// From a parse error.
    pub fn from_parse(file: &str, source: &str, err: &ParseError) -> ScriptError {
        let msg = err.err_type().to_string();
        ScriptError::at(file, source, err.position(), format!("syntax: {msg}"))
    }

    /// From a runtime error; `known` lists the functions the engine offers.
    pub fn from_eval(file: &str, source: &str, err: &EvalAltResult, known: &[&str]) -> ScriptError {
        let inner = err.unwrap_inner();
        let pos = innermost_position(err);
        ScriptError::at(file, source, pos, describe(inner, known))
    }
}

/// The position nearest the cause: the innermost one that is known.
fn innermost_position(err: &EvalAltResult) -> Position {
    match err {
        EvalAltResult::ErrorInFunctionCall(.., inner, pos)
        | EvalAltResult::ErrorInModule(.., inner, pos) => {
            let p = innermost_position(inner);
            if p.is_none() {
                *pos
            } else {
                p
            }
        }
        other => other.position(),
    }
}

/// A message for one runtime error, in musicians' words where we can.
fn describe(err: &EvalAltResult, known: &[&str]) -> String {
    if let Some(m) = super::limits::describe(err) {
        return m;
    }
    match err {
        EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
        EvalAltResult::ErrorFunctionNotFound(sig, _) => function_not_found(sig, known),
        EvalAltResult::ErrorVariableNotFound(name, _) => format!("unknown variable '{name}'"),
        EvalAltResult::ErrorTooManyOperations(_) => {
            "the script ran too long (an endless loop?) and was stopped; the music goes on"
                .to_string()
        }
        EvalAltResult::ErrorTerminated(why, _) => why.to_string(),
        EvalAltResult::ErrorStackOverflow(_) => format!(
            "calls nested too deeply (more than {} levels: endless recursion?); nothing was changed and the music goes on",
            super::host::MAX_CALL_LEVELS
        ),
        other => {
            let s = other.to_string();
            // Rhai appends " (line x, position y)"; we print the position ourselves.
            match s.rfind(" (line ") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

fn function_not_found(sig: &str, known: &[&str]) -> String {
    let name = sig.split([' ', '(']).next().unwrap_or(sig);
    let args = plain_types(sig[name.len()..].trim());
    let args = args.as_str();
    if let Some(doc) = super::help::lookup(name) {
        return format!(
            "wrong arguments for {name}: got {}; usage: {}",
            if args.is_empty() { "()" } else { args },
            doc.usage
        );
    }
    let mut close: Vec<(usize, &str)> = known
        .iter()
        .map(|k| (transposed_distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(name.len() / 3) && *k != name)
        .filter(|(d, k)| !DESTRUCTIVE.contains(k) || *d <= 1)
        .collect();
    close.sort();
    close.dedup();
    match close.first() {
        Some((_, k)) => {
            format!("unknown function '{name}'; did you mean '{k}'? (help() lists them all)")
        }
        None => format!("unknown function '{name}' (help() lists them all)"),
    }
}

/// Rhai's Rust type names in a signature, in a script's words.
fn plain_types(args: &str) -> String {
    args.replace("&str | ImmutableString | String", "string")
        .replace("i64", "integer")
        .replace("f64", "float")
}

/// Functions whose effect cannot be taken back by typing the next line (the
/// performance ends, the music stops or is silenced, a recording or the
/// script's version is lost). "Did you mean" proposes one only for a slip of
/// one letter (one typed wrong, missing, extra, or two swapped): `undo()`
/// must not lead to `end()`.
pub const DESTRUCTIVE: &[&str] = &[
    "end",
    "stop",
    "panic",
    "stop_loop",
    "stop_seq",
    "revert",
    "rewind",
    "advance",
    "quiet",
    "load_session",
    "stop_record",
    "stop_record_audio",
    "stop_record_input",
    "stop_log_score",
];

/// Edit distance where swapping two neighbouring letters also costs one
/// (optimal string alignment), for the destructive functions' rule.
pub fn transposed_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Levenshtein distance, for "did you mean".
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_column() {
        let e = ScriptError {
            file: "a.rhai".into(),
            line: 2,
            col: 5,
            message: "boom".into(),
            source_line: Some("let x = 1;".into()),
        };
        let s = e.to_string();
        assert!(s.starts_with("a.rhai:2:5: error: boom"));
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[1], "2 | let x = 1;");
        assert_eq!(lines[2], "        ^");
    }

    #[test]
    fn destructive_functions_only_for_a_one_letter_slip() {
        let known = ["end", "stop", "note", "undo_table", "seq"];
        let undo = function_not_found("undo ()", &known);
        assert!(!undo.contains("'end'"), "{undo}");
        let stpo = function_not_found("stpo ()", &known);
        assert!(stpo.contains("did you mean 'stop'"), "{stpo}");
        let ned = function_not_found("edn ()", &known);
        assert!(ned.contains("did you mean 'end'"), "{ned}");
        let nots = function_not_found("nots ()", &known);
        assert!(nots.contains("did you mean 'note'"), "{nots}");
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("note", "note"), 0);
        assert_eq!(edit_distance("notee", "note"), 1);
        assert_eq!(edit_distance("tmepo", "tempo"), 2);
    }
}
