//! A script closure kept for later (an `at()` callback, a loop body), with
//! the compiled script and the source text of the version that defined it,
//! so its errors point into that version even after the file changed.

use rhai::{FnPtr, AST};
use std::fmt;
use std::rc::Rc;

/// A closure waiting for its time, with the script that defined it.
#[derive(Clone)]
pub struct Callback {
    /// The closure.
    pub f: FnPtr,
    /// The compiled script it belongs to.
    pub ast: Rc<AST>,
    /// The whole source of that script (for error carets).
    pub src: Rc<str>,
    /// The text of the call that defined it, whitespace folded ("" if unknown).
    pub text: String,
    /// Where that call stands in `src` (`Position::NONE` if unknown).
    pub pos: rhai::Position,
}

impl Callback {
    /// What makes two bodies the same: the text that defined them (wherever
    /// it stands in the file) and the values they captured.
    pub fn signature(&self) -> String {
        format!("{}{:?}", self.text, self.f.curry())
    }

    /// The file (or REPL entry) that defined it.
    pub fn file(&self) -> &str {
        self.ast.source().unwrap_or("<script>")
    }
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Callback({} in {})", self.signature(), self.file())
    }
}
