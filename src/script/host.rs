//! The script host: one Rhai engine with the Tactus bindings, the session
//! they share, and the loop that runs due scheduler items (notes and `at()`
//! callbacks) ahead of the audio clock.

use super::api;
use super::diag::ScriptError;
use super::state::{Printer, ScriptState, Shared};
use crate::command::Command;
use crate::session::Session;
use crate::time::{Beats, Frame};
use crossbeam_channel::Sender;
use rhai::{Dynamic, Engine, AST};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Operations one evaluation may take before it is stopped (a runaway loop).
pub const MAX_OPERATIONS: u64 = 50_000_000;

/// Owns the Rhai engine and the session; lives on the script thread.
pub struct ScriptHost {
    engine: Engine,
    state: Shared,
    sources: BTreeMap<String, String>,
    known: Vec<String>,
}

impl ScriptHost {
    /// A host around a session; `printer` receives `print()` and `help()` output.
    pub fn new(session: Session, printer: Printer) -> ScriptHost {
        let state: Shared = Rc::new(RefCell::new(ScriptState::new(session, printer.clone())));
        let mut engine = Engine::new();
        engine.set_max_operations(MAX_OPERATIONS);
        let p = printer.clone();
        engine.on_print(move |s| p(s));
        let p = printer;
        engine.on_debug(move |s, _, _| p(s));
        api::register_all(&mut engine, &state);
        let mut known: Vec<String> = engine
            .gen_fn_signatures(true)
            .iter()
            .filter_map(|s| s.split('(').next().map(str::to_string))
            .filter(|n| n.chars().next().is_some_and(|c| c.is_alphabetic()))
            .collect();
        known.sort();
        known.dedup();
        ScriptHost {
            engine,
            state,
            sources: BTreeMap::new(),
            known,
        }
    }

    /// Names of every function a script can call (bindings and Rhai's own).
    pub fn function_names(&self) -> &[String] {
        &self.known
    }

    /// Names registered by Tactus itself (not Rhai's standard library),
    /// property accessors and `to_string`-style hooks left out.
    pub fn binding_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .engine
            .gen_fn_signatures(false)
            .iter()
            .filter_map(|s| s.split('(').next().map(str::to_string))
            .filter(|n| !n.contains("$") && !n.starts_with("to_"))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Run `f` with the session.
    pub fn with_session<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        f(&mut self.state.borrow_mut().session)
    }

    /// Parse a script without running it.
    pub fn compile(&self, file: &str, src: &str) -> Result<AST, ScriptError> {
        let mut ast = self
            .engine
            .compile(src)
            .map_err(|e| ScriptError::from_parse(file, src, &e))?;
        ast.set_source(file);
        Ok(ast)
    }

    /// Evaluate a script whose logical time starts at `at`; its table edits
    /// are published together at the end, at the frame of `at`.
    pub fn eval(&mut self, file: &str, src: &str, at: Beats) -> Result<Dynamic, ScriptError> {
        let ast = Rc::new(self.compile(file, src)?);
        self.sources.insert(file.to_string(), src.to_string());
        self.begin(at, &ast);
        let result = self.engine.eval_ast::<Dynamic>(&ast);
        self.end();
        result.map_err(|e| self.error(file, &e))
    }

    /// Load a whole file: Csound score text for `.sco` files (times from the
    /// start of the performance), a Rhai script otherwise.
    pub fn load(&mut self, file: &str, src: &str) -> Result<(), ScriptError> {
        if file.ends_with(".sco") {
            self.place_score(file, src)
        } else {
            self.eval(file, src, Beats(0.0)).map(|_| ())
        }
    }

    /// Place a score file at beat 0; errors carry the file's line and column.
    pub fn place_score(&mut self, file: &str, src: &str) -> Result<(), ScriptError> {
        let mut st = self.state.borrow_mut();
        st.session.begin_eval(Beats(0.0));
        let r = crate::script::api::score::place_in(&mut st.session, src, Beats(0.0), Beats(0.0));
        st.session.end_eval();
        r.map(|_| ()).map_err(|m| {
            let mut parts = m.splitn(3, ':');
            let line = parts.next().and_then(|x| x.parse().ok()).unwrap_or(0usize);
            let col = parts.next().and_then(|x| x.parse().ok()).unwrap_or(0usize);
            let message = parts.next().unwrap_or(&m).trim().to_string();
            ScriptError {
                file: file.to_string(),
                line,
                col,
                message,
                source_line: (line > 0)
                    .then(|| src.lines().nth(line - 1).map(str::to_string))
                    .flatten(),
            }
        })
    }

    fn begin(&self, at: Beats, ast: &Rc<AST>) {
        let mut st = self.state.borrow_mut();
        st.session.begin_eval(at);
        st.current_ast = Some(ast.clone());
    }

    fn end(&self) {
        let mut st = self.state.borrow_mut();
        st.session.end_eval();
        st.current_ast = None;
    }

    fn error(&self, file: &str, e: &rhai::EvalAltResult) -> ScriptError {
        let src = self.sources.get(file).map(String::as_str).unwrap_or("");
        let known: Vec<&str> = self.known.iter().map(String::as_str).collect();
        ScriptError::from_eval(file, src, e, &known)
    }

    /// Release every item due before `horizon`: notes become commands in the
    /// outbox, callbacks run (and may schedule more). Errors in callbacks are
    /// returned; the rest of the schedule goes on.
    pub fn advance(&mut self, horizon: Frame) -> Vec<ScriptError> {
        let mut errors = Vec::new();
        loop {
            let due = self.state.borrow_mut().session.pop_due(horizon);
            let Some((at, item)) = due else { break };
            let call = self.state.borrow_mut().session.release(at, item);
            if let Some(id) = call {
                if let Err(e) = self.run_call(at, id) {
                    errors.push(e);
                }
            }
        }
        errors
    }

    fn run_call(&mut self, at: Beats, id: u64) -> Result<(), ScriptError> {
        let Some(cb) = self.state.borrow_mut().calls.remove(&id) else {
            return Ok(());
        };
        self.begin(at, &cb.ast);
        let result = cb.f.call::<Dynamic>(&self.engine, &cb.ast, ());
        self.end();
        let file = cb.ast.source().unwrap_or("<script>").to_string();
        result.map(|_| ()).map_err(|e| self.error(&file, &e))
    }

    /// Send waiting commands to the audio thread (what does not fit waits).
    pub fn flush(&mut self, tx: &Sender<Command>) -> usize {
        self.state.borrow_mut().session.flush(tx)
    }

    /// True when nothing waits to be sent and nothing is scheduled before `until`.
    pub fn is_idle_until(&self, until: Frame) -> bool {
        let st = self.state.borrow();
        let next = st
            .session
            .scheduler
            .next_beat()
            .map(|b| st.session.frame_at(b));
        st.session.outbox_len() == 0 && next.is_none_or(|f| f >= until)
    }
}
