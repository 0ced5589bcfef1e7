//! Score lexing: comments, statement letters, fields, quoted strings and
//! numbers, each with its 1-based line and column.

use super::ScoreError;

/// One whitespace-separated field (a quoted string keeps its quotes).
pub(super) struct Field<'a> {
    /// 1-based column of its first character.
    pub col: usize,
    pub text: &'a str,
}

/// One statement line: its letter and the fields after it.
pub(super) struct Stmt<'a> {
    pub letter: char,
    pub line: usize,
    /// 1-based column of the letter.
    pub col: usize,
    pub fields: Vec<Field<'a>>,
}

/// The written form of each statement, for error messages:
/// (letter, fewest fields, what a short statement lacks, form).
const FORMS: [(char, usize, &str, &str); 11] = [
    ('i', 3, "at least p1 p2 p3", "i <instr> <start> <dur> ..."),
    (
        'f',
        4,
        "at least 4 fields",
        "f <table> <time> <size> <gen> [args ...]",
    ),
    ('a', 3, "p1 p2 p3", "a 0 <start> <dur>"),
    ('e', 0, "", "e [<time>]"),
    ('s', 0, "", "s [<time>]"),
    ('b', 1, "p1", "b <time>"),
    ('v', 1, "p1", "v <factor>"),
    ('y', 1, "p1", "y <seed>"),
    ('q', 3, "p1 p2 p3", "q <instr> <time> <0|1>"),
    ('t', 2, "at least p1 p2", "t 0 <bpm> [<time> <bpm> ...]"),
    (
        'c',
        4,
        "p1 p2 p3 p4",
        "c <channel> <time> \"<option>\" <value>",
    ),
];

/// The written form of a statement letter.
pub(super) fn form(letter: char) -> &'static str {
    FORMS.iter().find(|f| f.0 == letter).map_or("", |f| f.3)
}

impl Stmt<'_> {
    /// An error at the statement letter.
    pub fn fail(&self, message: String) -> ScoreError {
        ScoreError {
            line: self.line,
            col: self.col,
            message,
        }
    }

    /// An error at a field.
    pub fn at(&self, f: &Field, message: String) -> ScoreError {
        ScoreError {
            line: self.line,
            col: f.col,
            message,
        }
    }

    /// The error for a statement with too few fields.
    pub fn lacks(&self) -> ScoreError {
        let (letter, _, what, form) = FORMS
            .iter()
            .find(|f| f.0 == self.letter)
            .copied()
            .unwrap_or_default();
        self.fail(format!("{letter} needs {what}: {form}"))
    }

    /// Check the field count is within `min ..= max` (min from [`FORMS`]).
    pub fn arity(&self, max: usize) -> Result<(), ScoreError> {
        let min = FORMS.iter().find(|f| f.0 == self.letter).map_or(0, |f| f.1);
        if self.fields.len() < min {
            return Err(self.lacks());
        }
        let Some(extra) = self.fields.get(max) else {
            return Ok(());
        };
        let plural = if max == 1 { "" } else { "s" };
        let form = form(self.letter);
        Err(self.at(
            extra,
            format!("{} takes at most {max} field{plural}: {form}", self.letter),
        ))
    }

    /// A field as a number, or an error naming it (`p4: expected a number, got "abc"`).
    pub fn num(&self, f: &Field, name: &str) -> Result<f64, ScoreError> {
        parse_number(f.text).ok_or_else(|| {
            let got = match f.text.starts_with('"') {
                true => format!("the string {}", f.text),
                false => format!("\"{}\"", f.text),
            };
            self.at(f, format!("{name}: expected a number, got {got}"))
        })
    }
}

/// `z` in a p-field: Csound's "for ever" (`stof()` in `sread.c`: 25367 years).
pub(super) const Z_SECONDS: f64 = 800_000_000_000.0;

/// A number as Csound writes them: `3`, `-2`, `+0.5`, `.5`, `1.25`, `1e3`,
/// `2.5E-1`, and `z` (see [`Z_SECONDS`]).
pub(super) fn parse_number(s: &str) -> Option<f64> {
    if s == "z" {
        return Some(Z_SECONDS);
    }
    let first = s.chars().next()?;
    let signed = matches!(first, '-' | '+') && s.len() > 1;
    let shape = (first.is_ascii_digit() || first == '.' || signed)
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    shape
        .then(|| s.parse::<f64>().ok())
        .flatten()
        .filter(|x| x.is_finite())
}

/// A quoted field without its quotes.
pub(super) fn unquote(text: &str) -> String {
    text.trim_start_matches('"')
        .trim_end_matches('"')
        .to_string()
}

#[derive(Clone, Copy, PartialEq)]
enum Scan {
    Code,
    Quote,
    Line,
    BlockOpen,
    Block,
    BlockClose,
}

/// The scanner state after `c` (followed by `next`), and whether `c` is kept.
fn step(scan: Scan, c: char, next: Option<char>) -> (Scan, bool) {
    match (scan, c) {
        (_, '\n') if scan != Scan::Block => (Scan::Code, true),
        (_, '\n') => (Scan::Block, true),
        (Scan::Code, ';') => (Scan::Line, false),
        (Scan::Code, '/') if next == Some('*') => (Scan::BlockOpen, false),
        (Scan::Code, '/') if next == Some('/') => (Scan::Line, false),
        (Scan::Code, '"') => (Scan::Quote, true),
        (Scan::Quote, '"') => (Scan::Code, true),
        (Scan::Code | Scan::Quote, _) => (scan, true),
        (Scan::BlockOpen, _) => (Scan::Block, false),
        (Scan::Block, '*') if next == Some('/') => (Scan::BlockClose, false),
        (Scan::BlockClose, _) => (Scan::Code, false),
        (Scan::Line | Scan::Block, _) => (scan, false),
    }
}

/// Blank out `;`, `//` and `/* */` comments (not inside strings), keeping every
/// line and column where it was.
pub(super) fn strip_comments(text: &str) -> Result<String, ScoreError> {
    let mut out = String::with_capacity(text.len());
    let (mut scan, mut open) = (Scan::Code, (0, 0));
    let (mut line, mut col) = (1, 0);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        col += 1;
        let (next, keep) = step(scan, c, chars.peek().copied());
        if next == Scan::BlockOpen {
            open = (line, col);
        }
        scan = next;
        out.push(if keep { c } else { ' ' });
        if c == '\n' {
            (line, col) = (line + 1, 0);
        }
    }
    if matches!(scan, Scan::BlockOpen | Scan::Block) {
        let message = "unterminated /* comment: close it with */".to_string();
        return Err(ScoreError {
            line: open.0,
            col: open.1,
            message,
        });
    }
    Ok(out)
}

/// The fields of one (comment-free) line; a quoted string is one field.
fn fields(line: &str, n: usize) -> Result<Vec<Field<'_>>, ScoreError> {
    let mut out = Vec::new();
    let mut it = line.char_indices().enumerate().peekable();
    while let Some((c0, (start, ch))) = it.next() {
        if ch.is_whitespace() {
            continue;
        }
        let mut end = start + ch.len_utf8();
        if ch == '"' {
            let close = it.by_ref().find(|&(_, (_, d))| d == '"');
            let message = "unterminated string: close it with \" on the same line".to_string();
            let (_, (b, _)) = close.ok_or(ScoreError {
                line: n,
                col: c0 + 1,
                message,
            })?;
            end = b + 1;
        } else {
            while let Some(&(_, (b, d))) = it.peek() {
                if d.is_whitespace() || d == '"' {
                    break;
                }
                end = b + d.len_utf8();
                it.next();
            }
        }
        out.push(Field {
            col: c0 + 1,
            text: &line[start..end],
        });
    }
    Ok(out)
}

/// Split a line into its statement letter and fields; `None` if blank.
/// The letter may be followed directly by p1 (`i1 0 1`).
pub(super) fn split_line(line: &str, n: usize) -> Result<Option<Stmt<'_>>, ScoreError> {
    let mut fields = fields(line, n)?;
    if fields.is_empty() {
        return Ok(None);
    }
    let first = fields.remove(0);
    let letter = first.text.chars().next().unwrap_or(' ');
    if !letter.is_ascii_alphabetic() {
        let message = format!(
            "expected a statement letter (i, f, a, b, c, e, m, n, q, r, s, t, v, x or y), got \"{}\"",
            first.text
        );
        return Err(ScoreError {
            line: n,
            col: first.col,
            message,
        });
    }
    if first.text.len() > 1 {
        fields.insert(
            0,
            Field {
                col: first.col + 1,
                text: &first.text[1..],
            },
        );
    }
    Ok(Some(Stmt {
        letter,
        line: n,
        col: first.col,
        fields,
    }))
}
