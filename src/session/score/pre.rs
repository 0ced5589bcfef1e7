//! The score preprocessor, run on comment-free text before statements are
//! read: `#define NAME #body#` and `#define NAME(a'b) #body with $a#`,
//! `$NAME`, `$NAME.`, `$NAME(x'y)`, `#undef`, `#include "file"`, loops
//! `{ count NAME` ... `}` (NAME counts from 0, as Csound's `csound_prs.lex`),
//! repeated sections `r count NAME` (each repetition is a section; NAME
//! counts from 0 as Csound 6.18 does, where the manual says from 1), named sections `m name` / `n name`, and `[expressions]`
//! (`expr.rs`). Each output line keeps the line number it came from.

use super::expr::{self, Rng};
use super::ScoreError;
use std::collections::HashMap;

/// Expanded text may not grow beyond this many lines (a runaway loop or
/// macro is an error, never a hang).
pub(super) const MAX_LINES: usize = 200_000;
/// Nor lines beyond this many characters.
const MAX_LINE_CHARS: usize = 100_000;
/// Nor take more than this many steps (lines read, loop turns).
const MAX_STEPS: usize = 2_000_000;
/// Nor `#include` deeper than this.
const MAX_DEPTH: usize = 16;

/// One line of expanded text and the source line it came from.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Line {
    pub text: String,
    pub line: usize,
}

/// Reads an `#include`d file's text.
pub type Include<'a> = &'a dyn Fn(&str) -> Result<String, String>;

#[derive(Clone)]
struct Macro {
    args: Vec<String>,
    body: String,
}

/// The preprocessor's state across one score.
pub(super) struct Pre<'a> {
    macros: HashMap<String, Macro>,
    marks: HashMap<String, Vec<Line>>,
    include: Include<'a>,
    depth: usize,
    steps: usize,
    pub out: Vec<Line>,
    pub rng: Rng,
}

fn fail(line: usize, message: String) -> ScoreError {
    ScoreError {
        line,
        col: 1,
        message,
    }
}

/// The statement letter of a line, if it is one letter followed by a
/// non-letter (`s`, `r 3 X`, `e`).
fn letter(text: &str) -> Option<char> {
    let t = text.trim_start();
    let mut cs = t.chars();
    let c = cs.next()?;
    let next = cs.next();
    (c.is_ascii_alphabetic() && next.is_none_or(|n| !n.is_ascii_alphabetic())).then_some(c)
}

impl<'a> Pre<'a> {
    /// A preprocessor reading includes through `include`.
    pub fn new(include: Include<'a>) -> Pre<'a> {
        Pre {
            macros: HashMap::new(),
            marks: HashMap::new(),
            include,
            depth: 0,
            steps: 0,
            out: Vec::new(),
            rng: Rng::default(),
        }
    }

    /// Expand `lines` into `self.out`.
    pub fn run(&mut self, lines: &[Line]) -> Result<(), ScoreError> {
        let mut i = 0;
        while i < lines.len() {
            i = self.one(lines, i)?;
        }
        Ok(())
    }

    /// Handle the line at `i` (and any it owns); the index after them.
    fn one(&mut self, lines: &[Line], i: usize) -> Result<usize, ScoreError> {
        let Line { text, line } = &lines[i];
        self.step(*line)?;
        let t = text.trim_start();
        if let Some(rest) = t.strip_prefix('#') {
            let rest = rest.trim_start();
            if let Some(def) = rest.strip_prefix("define") {
                return self.define(lines, i, def);
            }
            if let Some(name) = rest.strip_prefix("undef") {
                self.macros.remove(name.trim());
                return Ok(i + 1);
            }
            if let Some(file) = rest.strip_prefix("include") {
                self.include_file(file, *line)?;
                return Ok(i + 1);
            }
        }
        if let Some(head) = t.strip_prefix('{') {
            return self.r#loop(lines, i, head);
        }
        if t.starts_with('}') {
            return Err(fail(
                *line,
                "} without a loop: open it with { <count> <NAME>".into(),
            ));
        }
        match letter(t) {
            Some('r') => self.repeat(lines, i),
            Some('m') => {
                let name = self.expand(&t[1..], *line)?.trim().to_string();
                let end = section_end(lines, i + 1);
                self.marks.insert(name, lines[i + 1..end].to_vec());
                Ok(i + 1)
            }
            Some('n') => {
                let name = self.expand(&t[1..], *line)?.trim().to_string();
                let Some(body) = self.marks.get(&name).cloned() else {
                    let msg = format!("n: no section named \"{name}\" (mark one with m {name})");
                    return Err(fail(*line, msg));
                };
                self.nested(*line, |p| p.run(&body))?;
                self.emit("s".into(), *line)?;
                Ok(i + 1)
            }
            _ => {
                let x = self.expand(text, *line)?;
                for part in x.split('\n') {
                    self.emit(part.to_string(), *line)?;
                }
                Ok(i + 1)
            }
        }
    }

    /// Count one step of work; too many is an error, never a hang.
    fn step(&mut self, line: usize) -> Result<(), ScoreError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            let msg = format!("the score takes more than {MAX_STEPS} steps to expand");
            return Err(fail(line, msg));
        }
        Ok(())
    }

    fn emit(&mut self, text: String, line: usize) -> Result<(), ScoreError> {
        if self.out.len() >= MAX_LINES {
            let msg = format!("the score expands to more than {MAX_LINES} lines");
            return Err(fail(line, msg));
        }
        let text = expr::brackets(&text, &mut self.rng).map_err(|m| fail(line, m))?;
        self.out.push(Line { text, line });
        Ok(())
    }

    /// `#define NAME(args) #body#`: the body may span lines.
    fn define(&mut self, lines: &[Line], i: usize, def: &str) -> Result<usize, ScoreError> {
        let line = lines[i].line;
        let def = def.trim_start();
        let name: String = def
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            return Err(fail(
                line,
                "#define needs a name: #define NAME #text#".into(),
            ));
        }
        let mut rest = def[name.len()..].trim_start();
        let mut args = Vec::new();
        if let Some(a) = rest.strip_prefix('(') {
            let Some(close) = a.find(')') else {
                return Err(fail(
                    line,
                    format!("#define {name}(: close the arguments with )"),
                ));
            };
            args = a[..close]
                .split(['\'', '#'])
                .map(|s| s.trim().to_string())
                .collect();
            rest = a[close + 1..].trim_start();
        }
        let Some(body) = rest.strip_prefix('#') else {
            return Err(fail(
                line,
                format!("#define {name}: the text goes between # and #"),
            ));
        };
        let mut body = body.to_string();
        let mut j = i;
        loop {
            if let Some(end) = body.find('#') {
                body.truncate(end);
                break;
            }
            j += 1;
            let Some(next) = lines.get(j) else {
                return Err(fail(line, format!("#define {name}: close the text with #")));
            };
            body.push('\n');
            body.push_str(&next.text);
        }
        self.macros.insert(name, Macro { args, body });
        Ok(j + 1)
    }

    fn include_file(&mut self, spec: &str, line: usize) -> Result<(), ScoreError> {
        let spec = spec.trim();
        let mut cs = spec.chars();
        let quote = cs.next().unwrap_or('"');
        let name: String = cs.take_while(|c| *c != quote).collect();
        if name.is_empty() {
            let msg = "#include needs a file name in quotes: #include \"file.sco\"".to_string();
            return Err(fail(line, msg));
        }
        let text = (self.include)(&name).map_err(|e| fail(line, format!("#include: {e}")))?;
        let clean = super::lex::strip_comments(&text).map_err(|e| {
            fail(
                line,
                format!("in {name}:{}:{}: {}", e.line, e.col, e.message),
            )
        })?;
        let inner: Vec<Line> = clean
            .lines()
            .map(|t| Line {
                text: t.to_string(),
                line,
            })
            .collect();
        self.nested(line, |p| p.run(&inner))
    }

    /// Run `f` one level deeper (an include, a replayed section, a loop
    /// body); too deep is an error, never a stack overflow.
    fn nested(
        &mut self,
        line: usize,
        f: impl FnOnce(&mut Self) -> Result<(), ScoreError>,
    ) -> Result<(), ScoreError> {
        if self.depth >= MAX_DEPTH {
            let msg = format!("includes, loops and n replays nest more than {MAX_DEPTH} deep");
            return Err(fail(line, msg));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// `{ count NAME` ... `}`: the body `count` times, NAME = 0, 1, ...
    fn r#loop(&mut self, lines: &[Line], i: usize, head: &str) -> Result<usize, ScoreError> {
        let line = lines[i].line;
        let head = self.expand(head, line)?;
        let (count, name) = count_and_name(&head, "{", line)?;
        let mut depth = 1;
        let mut j = i + 1;
        while depth > 0 {
            let Some(l) = lines.get(j) else {
                return Err(fail(line, "{ loop without its closing }".into()));
            };
            let t = l.text.trim_start();
            depth += usize::from(t.starts_with('{'));
            depth -= usize::from(t.starts_with('}'));
            j += 1;
        }
        let body = &lines[i + 1..j - 1];
        for k in 0..count {
            self.step(line)?;
            self.counter(&name, k);
            self.nested(line, |p| p.run(body))?;
        }
        Ok(j)
    }

    /// `r count NAME`: the section up to the next s, r or e, `count` times
    /// (NAME = 0, 1, ...: Csound 6.18 counts from 0, the manual from 1).
    fn repeat(&mut self, lines: &[Line], i: usize) -> Result<usize, ScoreError> {
        let line = lines[i].line;
        let head = self.expand(&lines[i].text.trim_start()[1..], line)?;
        let (count, name) = count_and_name(&head, "r", line)?;
        let end = section_end(lines, i + 1);
        for k in 0..count {
            self.counter(&name, k);
            self.run(&lines[i + 1..end])?;
            if k + 1 < count {
                self.emit("s".into(), line)?;
            }
        }
        Ok(end)
    }

    fn counter(&mut self, name: &str, k: usize) {
        if !name.is_empty() {
            let body = k.to_string();
            self.macros
                .insert(name.to_string(), Macro { args: vec![], body });
        }
    }

    /// Expand every `$NAME` in `text` (again in what they expand to).
    fn expand(&self, text: &str, line: usize) -> Result<String, ScoreError> {
        let mut s = text.to_string();
        for _ in 0..64 {
            if !s.contains('$') {
                return Ok(s);
            }
            let next = self.expand_once(&s, line)?;
            if next == s {
                return Ok(s);
            }
            if next.len() > MAX_LINE_CHARS {
                return Err(fail(line, "macros expand to too long a line".into()));
            }
            s = next;
        }
        Err(fail(line, "macros nest more than 64 deep".into()))
    }

    fn expand_once(&self, s: &str, line: usize) -> Result<String, ScoreError> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(k) = rest.find('$') {
            out.push_str(&rest[..k]);
            let after = &rest[k + 1..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let Some(m) = self.macros.get(&name) else {
                // Not a macro: in an i statement it may be text; keep it.
                out.push('$');
                rest = after;
                continue;
            };
            let mut tail = &after[name.len()..];
            tail = tail.strip_prefix('.').unwrap_or(tail);
            let mut body = m.body.clone();
            if !m.args.is_empty() {
                let (values, t) = call_args(tail, &name, line)?;
                if values.len() != m.args.len() {
                    let msg = format!(
                        "${name} takes {} argument(s) separated by ', got {}",
                        m.args.len(),
                        values.len()
                    );
                    return Err(fail(line, msg));
                }
                body = substitute(&body, &m.args, &values);
                tail = t;
            }
            out.push_str(&body);
            rest = tail;
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `$NAME(a'b'c)`: the arguments and the text after `)`.
fn call_args<'s>(
    tail: &'s str,
    name: &str,
    line: usize,
) -> Result<(Vec<String>, &'s str), ScoreError> {
    let Some(inner) = tail.strip_prefix('(') else {
        return Err(fail(
            line,
            format!("${name} needs its arguments: ${name}(a'b)"),
        ));
    };
    let mut depth = 0usize;
    let mut args = vec![String::new()];
    for (k, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Ok((args, &inner[k + 1..])),
            ')' => depth -= 1,
            '\'' | '#' if depth == 0 => {
                args.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(a) = args.last_mut() {
            a.push(c);
        }
    }
    Err(fail(line, format!("${name}(: close the arguments with )")))
}

/// The body with each `$arg` (or `$arg.`) replaced by its value.
fn substitute(body: &str, names: &[String], values: &[String]) -> String {
    let mut out = body.to_string();
    // Longest names first, so $ab is not taken for $a followed by b.
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(names[k].len()));
    for k in order {
        let n = &names[k];
        out = out.replace(&format!("${n}."), &values[k]);
        out = out.replace(&format!("${n}"), &values[k]);
    }
    out
}

/// `count [NAME]` after `{` or `r`.
fn count_and_name(head: &str, what: &str, line: usize) -> Result<(usize, String), ScoreError> {
    let mut parts = head.split_whitespace();
    let count = parts.next().and_then(|c| c.parse::<f64>().ok());
    match count {
        Some(c) if c >= 1.0 && c.fract() == 0.0 && c <= MAX_LINES as f64 => {
            Ok((c as usize, parts.next().unwrap_or("").to_string()))
        }
        _ => Err(fail(
            line,
            format!("{what} needs a whole count from 1: {what} <count> [<NAME>]"),
        )),
    }
}

/// The index of the next line that is an s, r or e statement (or the end).
fn section_end(lines: &[Line], from: usize) -> usize {
    (from..lines.len())
        .find(|&j| matches!(letter(&lines[j].text), Some('s' | 'r' | 'e')))
        .unwrap_or(lines.len())
}
