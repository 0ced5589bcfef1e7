//! The state every binding shares: the session, and the script callbacks the
//! scheduler will run (kept with the compiled script they belong to).

use crate::session::Session;
use rhai::{FnPtr, AST};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A closure waiting for its time, with the script that defined it.
#[derive(Clone)]
pub struct Callback {
    /// The closure.
    pub f: FnPtr,
    /// The compiled script it belongs to.
    pub ast: Rc<AST>,
}

/// Where `print()` and `help()` output goes.
pub type Printer = Rc<dyn Fn(&str)>;

/// State shared by the bindings (single-threaded: the script thread).
pub struct ScriptState {
    /// The session.
    pub session: Session,
    /// Callbacks by id.
    pub calls: BTreeMap<u64, Callback>,
    /// The script being evaluated now.
    pub current_ast: Option<Rc<AST>>,
    next_call: u64,
    /// Output for `print()` and `help()`.
    pub printer: Printer,
}

/// The shared handle the bindings capture.
pub type Shared = Rc<RefCell<ScriptState>>;

impl ScriptState {
    /// Wrap a session.
    pub fn new(session: Session, printer: Printer) -> ScriptState {
        ScriptState {
            session,
            calls: BTreeMap::new(),
            current_ast: None,
            next_call: 1,
            printer,
        }
    }

    /// Keep a callback; returns its id.
    pub fn add_call(&mut self, f: FnPtr) -> Option<u64> {
        let ast = self.current_ast.clone()?;
        let id = self.next_call;
        self.next_call += 1;
        self.calls.insert(id, Callback { f, ast });
        Some(id)
    }
}
