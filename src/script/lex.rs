//! Just enough of Rhai's lexical rules to cut a call's text out of a script:
//! strings with escapes (`"a \" b"`), character literals (`'"'`), backtick
//! strings with `${...}` interpolation, line comments and nested block
//! comments. A loop is identified by the text of its `live_loop(...)` call
//! with whitespace folded and comments dropped, so moving it in the file,
//! re-indenting it or editing a comment does not make it "changed".

use rhai::Position;

/// The text of the call at `pos` (through its closing parenthesis), with
/// whitespace folded and comments kept out ("" when `pos` is unknown).
pub fn call_text(src: &str, pos: Position) -> String {
    lex_call(src, pos).map_or_else(String::new, |lx| lx.out)
}

/// The first and last line (1-based) of the call at `pos`, or None when
/// `pos` is unknown.
pub fn call_lines(src: &str, pos: Position) -> Option<(usize, usize)> {
    let lx = lex_call(src, pos)?;
    let spanned: String = lx.chars[..lx.i.min(lx.chars.len())].iter().collect();
    let line = pos.line()?;
    Some((line, line + spanned.trim_end().matches('\n').count()))
}

/// The lexer run over the call at `pos`, through its closing parenthesis.
fn lex_call(src: &str, pos: Position) -> Option<Lexer> {
    let (line, col) = (pos.line()?, pos.position()?);
    let line_start: usize = src.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let from = src
        .get(line_start..)
        .and_then(|rest| rest.char_indices().nth(col - 1))
        .map_or(src.len(), |(i, _)| line_start + i);
    let mut lx = Lexer {
        chars: src[from..].chars().collect(),
        i: 0,
        out: String::new(),
        space: false,
    };
    lx.code(true);
    Some(lx)
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    out: String,
    space: bool,
}

impl Lexer {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    /// Emit a character of code, folding the whitespace before it.
    fn emit(&mut self, c: char) {
        if self.space && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.space = false;
        self.out.push(c);
    }

    /// Code until the bracket that closes the first one opened (`top`), or
    /// until the `}` that ends an interpolation.
    fn code(&mut self, top: bool) {
        let mut depth = 0i32;
        while let Some(c) = self.peek(0) {
            match (c, self.peek(1)) {
                ('/', Some('/')) => self.line_comment(),
                ('/', Some('*')) => self.block_comment(),
                ('"', _) => self.quoted('"'),
                ('\'', _) => self.quoted('\''),
                ('`', _) => self.backtick(),
                (c, _) if c.is_whitespace() => {
                    self.space = true;
                    self.i += 1;
                }
                (c, _) => {
                    self.i += 1;
                    if !top && c == '}' && depth == 0 {
                        self.emit(c);
                        return;
                    }
                    self.emit(c);
                    match c {
                        '(' | '[' | '{' => depth += 1,
                        ')' | ']' | '}' => {
                            depth -= 1;
                            if top && depth == 0 {
                                return;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    fn line_comment(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.i += 1;
        }
        self.space = true;
    }

    /// `/* ... */`, nested as Rhai nests them.
    fn block_comment(&mut self) {
        let mut depth = 0;
        while let Some(c) = self.peek(0) {
            match (c, self.peek(1)) {
                ('/', Some('*')) => {
                    depth += 1;
                    self.i += 2;
                }
                ('*', Some('/')) => {
                    depth -= 1;
                    self.i += 2;
                    if depth == 0 {
                        break;
                    }
                }
                _ => self.i += 1,
            }
        }
        self.space = true;
    }

    /// A string or character literal: kept verbatim, escapes included.
    fn quoted(&mut self, quote: char) {
        self.i += 1;
        self.emit(quote);
        while let Some(c) = self.peek(0) {
            self.i += 1;
            self.out.push(c);
            if c == '\\' {
                if let Some(next) = self.peek(0) {
                    self.i += 1;
                    self.out.push(next);
                }
            } else if c == quote {
                return;
            }
        }
    }

    /// A backtick string; `${ ... }` inside it is code.
    fn backtick(&mut self) {
        self.i += 1;
        self.emit('`');
        while let Some(c) = self.peek(0) {
            self.i += 1;
            self.out.push(c);
            if c == '`' {
                return;
            }
            if c == '$' && self.peek(0) == Some('{') {
                self.i += 1;
                self.out.push('{');
                self.code(false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(src: &str) -> String {
        call_text(src, Position::new(1, 1))
    }

    #[test]
    fn strings_with_escaped_quotes_and_parens_stay_whole() {
        let t = text(r#"live_loop("a", 1, |i| print("x \") y"))  ; note(1, 60, 1)"#);
        assert_eq!(t, r#"live_loop("a", 1, |i| print("x \") y"))"#);
    }

    #[test]
    fn character_literals_do_not_open_strings() {
        let t = text("live_loop(\"a\", 1, |i| { let q = '\"'; let p = ')'; })\nrest()");
        assert_eq!(t, "live_loop(\"a\", 1, |i| { let q = '\"'; let p = ')'; })");
    }

    #[test]
    fn block_comments_nest_and_vanish() {
        let t = text("live_loop(\"a\", /* one ) /* two ( */ */ 1, |i| note(1, 60, 1))");
        assert_eq!(t, "live_loop(\"a\", 1, |i| note(1, 60, 1))");
    }

    #[test]
    fn whitespace_and_line_comments_fold() {
        let a = text("live_loop(\"a\", 1, |i| {\n    note(1, 60, 1); // hi\n})");
        let b = text("live_loop(\"a\", 1, |i| { note(1, 60, 1); })");
        assert_eq!(a, b);
    }

    #[test]
    fn backtick_interpolation_is_code() {
        let t = text("live_loop(\"a\", 1, |i| print(`n ${ f(\"`)\") } )`)) x");
        assert_eq!(t, "live_loop(\"a\", 1, |i| print(`n ${ f(\"`)\") } )`))");
    }
}
