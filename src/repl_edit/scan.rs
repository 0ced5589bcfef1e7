//! A small lexer over REPL input: which brackets are open, and whether the
//! end of the text is inside a string or a comment.

/// Where the scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Ordinary code.
    Code,
    /// Inside a `"..."` string.
    Str,
    /// Inside a `'.'` character literal.
    Char,
    /// After `//`, up to the end of the line.
    LineComment,
    /// Inside `/* ... */` (Rhai's block comments nest: the depth).
    BlockComment(u32),
}

/// The result of scanning a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Brackets still open, innermost last.
    pub open: Vec<char>,
    /// The byte offset of each open bracket in the text.
    pub open_at: Vec<usize>,
    /// The byte offset of the character being scanned.
    at: usize,
    /// A closing bracket had no matching opener (too many, or the wrong kind).
    pub unbalanced: bool,
    /// The lexical mode at the end of the text.
    pub mode: Mode,
}

impl Scan {
    /// Scans `text` from its start.
    pub(crate) fn of(text: &str) -> Scan {
        let mut s = Scan {
            open: Vec::new(),
            open_at: Vec::new(),
            at: 0,
            unbalanced: false,
            mode: Mode::Code,
        };
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            s.at = at;
            if s.step(c, next) {
                chars.next();
            }
        }
        s
    }

    /// Advances over `c`; true when `next` was consumed as well.
    fn step(&mut self, c: char, next: Option<char>) -> bool {
        match self.mode {
            Mode::Code => self.code(c, next),
            Mode::Str | Mode::Char => self.literal(c),
            Mode::LineComment => {
                if c == '\n' {
                    self.mode = Mode::Code;
                }
                false
            }
            Mode::BlockComment(depth) => self.block_comment(depth, c, next),
        }
    }

    fn code(&mut self, c: char, next: Option<char>) -> bool {
        match (c, next) {
            ('"', _) => self.mode = Mode::Str,
            ('\'', _) => self.mode = Mode::Char,
            ('/', Some('/')) => self.mode = Mode::LineComment,
            ('/', Some('*')) => self.mode = Mode::BlockComment(1),
            ('(' | '[' | '{', _) => {
                self.open.push(c);
                self.open_at.push(self.at);
            }
            (')' | ']' | '}', _) => self.close(c),
            _ => return false,
        }
        matches!(self.mode, Mode::LineComment | Mode::BlockComment(_))
    }

    /// Inside a string or character literal; true when an escape consumed the next char.
    fn literal(&mut self, c: char) -> bool {
        let quote = if self.mode == Mode::Str { '"' } else { '\'' };
        if c == '\\' {
            return true;
        }
        if c == quote || c == '\n' {
            self.mode = Mode::Code;
        }
        false
    }

    fn block_comment(&mut self, depth: u32, c: char, next: Option<char>) -> bool {
        match (c, next) {
            ('*', Some('/')) if depth == 1 => self.mode = Mode::Code,
            ('*', Some('/')) => self.mode = Mode::BlockComment(depth - 1),
            ('/', Some('*')) => self.mode = Mode::BlockComment(depth + 1),
            _ => return false,
        }
        true
    }

    fn close(&mut self, c: char) {
        let opener = match c {
            ')' => '(',
            ']' => '[',
            _ => '{',
        };
        if self.open.last() == Some(&opener) {
            self.open.pop();
            self.open_at.pop();
        } else {
            self.unbalanced = true;
        }
    }

    /// True when the input needs more lines: a bracket or block comment is
    /// open and no closing bracket went unmatched.
    pub(crate) fn incomplete(&self) -> bool {
        !self.unbalanced && (!self.open.is_empty() || matches!(self.mode, Mode::BlockComment(_)))
    }
}
