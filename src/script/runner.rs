//! The part of the script host every evaluation runs through: the Rhai
//! engine, the session state the bindings share, and the running of due
//! scheduler items (loop iterations, `at()` callbacks, sequence steps) as
//! transactions of their own.
//!
//! It is shared ([`Rc`]) with the engine's progress callback, so that a long
//! evaluation at the prompt can let loops play on: every
//! [`pace::RELEASE_EVERY`] it releases what the committed state has due and,
//! while the evaluation has changed nothing but appends, runs the loop iterations
//! and callbacks that fall due ([`Runner::run_due_beside`]).

use super::cost::{Counters, SlowEval, SLOW_EVAL};
use super::diag::ScriptError;
use super::pace::{self, Pace};
use super::state::Shared;
use crate::session::callback::Callback;
use crate::session::scheduler::Item;
use crate::session::Session;
use crate::time::{Beats, Frame};
use rhai::{Dynamic, Engine, EvalAltResult, AST};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub use super::host::{MAX_CALLS_PER_FRAME, MAX_EVAL_BYTES};

/// What an evaluation runs, given the engine and the variables it sees.
pub type Run<'a> =
    Box<dyn FnOnce(&Engine, &mut rhai::Scope<'static>) -> Result<Dynamic, Box<EvalAltResult>> + 'a>;

/// The engine, the shared state and what an evaluation needs around them.
pub struct Runner {
    /// The Rhai engine with every binding.
    pub engine: Engine,
    /// The session and the evaluation context the bindings share.
    pub state: Shared,
    /// Names of every function a script can call (for suggestions).
    pub known: Vec<String>,
    /// The script thread's allocated bytes when the evaluation began.
    eval_bytes_start: Cell<i64>,
    /// The slow evaluation whose cost is still to be told.
    slow: RefCell<Option<SlowEval>>,
    /// Ctrl-C: set, it stops the running evaluation.
    interrupt: RefCell<Arc<AtomicBool>>,
    /// When a long evaluation last let the scheduler go on.
    pace: Pace,
    /// Due items are running beside a suspended evaluation (no nesting).
    beside: Cell<bool>,
}

impl Runner {
    /// A runner around an engine (its progress callback already calls
    /// [`Runner::on_progress`] through a weak reference).
    pub fn new(engine: Engine, state: Shared, known: Vec<String>) -> Runner {
        Runner {
            engine,
            state,
            known,
            eval_bytes_start: Cell::new(0),
            slow: RefCell::new(None),
            interrupt: RefCell::new(Arc::default()),
            pace: Pace::default(),
            beside: Cell::new(false),
        }
    }

    /// Ctrl-C's flag (see [`super::host::ScriptHost::set_interrupt`]).
    pub fn set_interrupt(&self, flag: Arc<AtomicBool>) {
        *self.interrupt.borrow_mut() = flag;
    }

    /// Run `f` with the session.
    pub fn with_session<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        f(&mut self.state.borrow_mut().session)
    }

    /// Rhai's progress callback: every few milliseconds of a long
    /// evaluation the music goes on; Ctrl-C and runaway memory stop it.
    pub fn on_progress(&self, ops: u64) -> Option<Dynamic> {
        if !self.beside.get() && self.pace.due(ops) {
            self.run_due_beside();
            pace::release(&self.state);
        }
        // Ctrl-C stops the evaluation at the prompt, not a loop iteration
        // running beside it (the flag waits for the outer one).
        let flag = self.interrupt.borrow();
        if !self.beside.get() && flag.load(Ordering::Relaxed) {
            flag.store(false, Ordering::Relaxed);
            return Some("interrupted".into());
        }
        drop(flag);
        let grown = crate::alloc_count::thread_bytes() - self.eval_bytes_start.get();
        (grown > MAX_EVAL_BYTES).then(|| {
            format!(
                "the script's data grew past {} MiB in one evaluation (an array or a string growing without end?) and was stopped; nothing was changed and the music goes on",
                MAX_EVAL_BYTES >> 20
            )
            .into()
        })
    }

    /// While a long evaluation that has changed nothing but appends runs (live
    /// only): set it aside, run the loop iterations, callbacks and steps
    /// due a lookahead ahead of the audio clock as their own transactions,
    /// send what they made, and open it again where it was. Their errors
    /// are printed as the live thread prints them.
    fn run_due_beside(&self) {
        let Some((horizon, now)) = pace::live_horizon(&self.state) else {
            return;
        };
        let (suspended, context) = {
            let Ok(mut st) = self.state.try_borrow_mut() else {
                return;
            };
            let Some(s) = st.session.suspend_evaluation() else {
                return;
            };
            let context = (
                st.current_ast.take(),
                st.current_src.clone(),
                st.current_stream.clone(),
            );
            (s, context)
        };
        let bytes_start = self.eval_bytes_start.get();
        self.beside.set(true);
        self.with_session(|s| s.skip_before = Frame(now + 1));
        let errors = self.advance(horizon);
        self.beside.set(false);
        self.eval_bytes_start.set(bytes_start);
        let mut st = self.state.borrow_mut();
        let printer = st.printer.clone();
        if let Some(tx) = st.commands.clone() {
            st.session
                .outbox
                .flush(|c| tx.try_send(c).map_err(|e| e.into_inner()));
        }
        st.session.resume_evaluation(suspended);
        (st.current_ast, st.current_src, st.current_stream) = context;
        drop(st);
        for e in errors {
            printer(&e.to_string());
        }
    }

    /// Run one evaluation as a transaction at logical time `at`: the
    /// session's changes are kept if `run` succeeds and undone if it fails
    /// or panics; chance is drawn from `stream` when given.
    pub(super) fn transact(
        &self,
        at: Beats,
        ast: &Rc<AST>,
        src: &Rc<str>,
        stream: Option<&str>,
        run: Run,
        scope: &mut rhai::Scope<'static>,
    ) -> Result<Dynamic, ScriptError> {
        let outer = {
            let mut st = self.state.borrow_mut();
            st.current_src = src.clone();
            st.current_ast = Some(ast.clone());
            st.session.open_evaluation(at);
            stream.map(|s| std::mem::replace(&mut st.current_stream, s.to_string()))
        };
        self.eval_bytes_start
            .set(crate::alloc_count::thread_bytes());
        let (started, before) = (std::time::Instant::now(), self.cost_counters());
        let result = super::guard::catching_panics(|| run(&self.engine, scope));
        self.note_if_slow(ast, stream, started, before);
        let mut st = self.state.borrow_mut();
        st.session.close_evaluation(matches!(result, Ok(Ok(_))));
        st.current_ast = None;
        if let Some(outer) = outer {
            st.current_stream = outer;
        }
        drop(st);
        let file = ast.source().unwrap_or("<script>");
        match result {
            Ok(r) => r.map_err(|e| self.error(file, src, &e)),
            Err(panic) => Err(ScriptError {
                file: file.to_string(),
                line: 0,
                col: 0,
                message: format!(
                    "internal error in a Tactus function ({panic}); this evaluation was undone and the music goes on"
                ),
                source_line: None,
            }),
        }
    }

    /// The counters that say what the music lost so far.
    pub(super) fn cost_counters(&self) -> Counters {
        let st = self.state.borrow();
        let late = st.telemetry.as_ref();
        Counters {
            skipped: st.session.skipped_past,
            passed: st.session.iterations_passed,
            late: late.map_or(0, |t| t.late_events.load(Ordering::Relaxed)),
        }
    }

    /// Remember an evaluation that ran at least [`SLOW_EVAL`] (the first
    /// one of a busy moment, with the counters from before it).
    fn note_if_slow(&self, ast: &AST, stream: Option<&str>, started: Instant, before: Counters) {
        let took = started.elapsed();
        if took < SLOW_EVAL {
            return;
        }
        let file = ast.source().unwrap_or("<script>");
        let what = match stream {
            Some(name) if self.with_session(|s| s.loops.contains_key(name)) => {
                format!("loop \"{name}\"")
            }
            Some(name) => format!("\"{name}\""),
            None if file.starts_with("<repl") => "that evaluation".to_string(),
            None => file.to_string(),
        };
        let ended = Instant::now();
        let mut slow = self.slow.borrow_mut();
        match slow.as_mut() {
            Some(s) if s.took < took => {
                s.what = what;
                s.took = took;
                s.ended = ended;
            }
            Some(s) => s.ended = ended,
            None => {
                *slow = Some(SlowEval {
                    what,
                    took,
                    ended,
                    before,
                })
            }
        }
    }

    /// One line saying what the last slow evaluation cost the music (events
    /// skipped or played late, loop iterations passed), once the audio
    /// thread has counted; `None` when there is nothing (yet) to say.
    pub(super) fn cost_report(&self) -> Option<String> {
        let counters = self.cost_counters();
        let line = self
            .slow
            .borrow()
            .as_ref()?
            .report(Instant::now(), counters)?;
        *self.slow.borrow_mut() = None;
        line
    }

    pub(super) fn error(&self, file: &str, src: &str, e: &EvalAltResult) -> ScriptError {
        let known: Vec<&str> = self.known.iter().map(String::as_str).collect();
        ScriptError::from_eval(file, src, e, &known)
    }

    /// Release every item due before `horizon`: notes become commands in the
    /// outbox, callbacks run (and may schedule more). Errors in callbacks are
    /// returned; the rest of the schedule goes on.
    pub(super) fn advance(&self, horizon: Frame) -> Vec<ScriptError> {
        let mut errors = Vec::new();
        let mut on_frame = (Frame(u64::MAX), 0usize); // callbacks run on one frame
        loop {
            let due = self.state.borrow_mut().session.pop_due(horizon);
            let Some((at, item)) = due else { break };
            let work = self.state.borrow_mut().session.release(at, item);
            match work {
                Some(Item::Call(id)) => {
                    let frame = self.with_session(|s| s.frame_at(at));
                    if on_frame.0 != frame {
                        on_frame = (frame, 0);
                    }
                    on_frame.1 += 1;
                    if on_frame.1 > MAX_CALLS_PER_FRAME {
                        errors.extend(self.drop_runaway_call(at, id, on_frame.1));
                    } else if let Err(e) = self.run_call(at, id) {
                        errors.push(e);
                    }
                }
                Some(Item::Loop(id)) => errors.extend(self.run_loop(at, id)),
                Some(Item::Seq(id)) => self.state.borrow_mut().session.seq_step(at, id),
                _ => {}
            }
        }
        // Every note before the horizon has been sent: takes that ended
        // before it are complete.
        self.state.borrow_mut().session.finish_takes(horizon);
        errors
    }

    /// A callback past [`MAX_CALLS_PER_FRAME`] on one frame is dropped, not
    /// run: the chain it belongs to ends there. The first one dropped on the
    /// frame says so, pointing at the `at()` that made it.
    fn drop_runaway_call(&self, at: Beats, id: u64, nth: usize) -> Option<ScriptError> {
        let cb = self.with_session(|s| s.calls.remove(&id))?;
        if nth != MAX_CALLS_PER_FRAME + 1 {
            return None;
        }
        let message = format!(
            "at(): more than {MAX_CALLS_PER_FRAME} callbacks on one frame (beat {:.3}) without time moving on: a callback that schedules itself with no delay never ends, so the rest of this chain is dropped (give it a delay, e.g. at(0.25, ...))",
            at.0
        );
        let (line, col) = (cb.pos.line().unwrap_or(0), cb.pos.position().unwrap_or(0));
        Some(ScriptError {
            file: cb.file().to_string(),
            line,
            col,
            message,
            source_line: (line > 0).then(|| cb.src.lines().nth(line - 1).unwrap_or("").to_string()),
        })
    }

    fn run_call(&self, at: Beats, id: u64) -> Result<(), ScriptError> {
        let Some(cb) = self.state.borrow_mut().session.calls.remove(&id) else {
            return Ok(());
        };
        self.run_closure(at, &cb, None, ())
    }

    /// One iteration of a live loop at its logical time. A pending body is
    /// swapped in at this boundary; an error undoes the iteration's effects,
    /// rolls the loop back to its last good body (which plays this iteration
    /// instead), and is reported once per body.
    fn run_loop(&self, at: Beats, id: u64) -> Option<ScriptError> {
        let (name, body, count) = self.with_session(|s| s.loop_iteration(id))?;
        if self.with_session(|s| s.loop_passes_silently(&name, at)) {
            self.with_session(|s| s.loop_next(&name, at, id));
            return None;
        }
        let mut error = None;
        match self.run_closure(at, &body, Some(&name), (count as rhai::INT,)) {
            Ok(()) => self.with_session(|s| s.loop_succeeded(&name, &body)),
            Err(mut e) => {
                let fallback = self.with_session(|s| s.loop_failed(&name, &body));
                if fallback.report {
                    let tail = if fallback.body.is_some() {
                        "; it plays its previous version"
                    } else {
                        ""
                    };
                    e.message = format!("loop \"{name}\": {}{tail}", e.message);
                    error = Some(e);
                }
                if let Some(g) = fallback.body {
                    let _ = self.run_closure(at, &g, Some(&name), (count as rhai::INT,));
                }
            }
        }
        self.with_session(|s| s.loop_next(&name, at, id));
        error
    }

    /// Run a script closure as one evaluation at `at` (a transaction),
    /// drawing chance from `stream` when given. Its errors point into the
    /// version of the script that defined it.
    pub(super) fn run_closure(
        &self,
        at: Beats,
        cb: &Callback,
        stream: Option<&str>,
        args: impl rhai::FuncArgs + 'static,
    ) -> Result<(), ScriptError> {
        let mut list: Vec<Dynamic> = Vec::new();
        args.parse(&mut list);
        let given = list.len();
        let (f, ast) = (cb.f.clone(), cb.ast.clone());
        let run: Run = Box::new(move |e, _| f.call::<Dynamic>(e, &ast, list));
        let mut no_scope = rhai::Scope::new();
        self.transact(at, &cb.ast, &cb.src, stream, run, &mut no_scope)
            .map(|_| ())
            .map_err(|e| at_call_if_unplaced(wrong_parameter_count(e, cb, given), cb))
    }
}

/// An error Rhai gave no position (the operation limit stopping a closure's
/// body) points at the call that made the closure (`live_loop(...)`,
/// `at(...)`, a handler).
fn at_call_if_unplaced(mut e: ScriptError, cb: &Callback) -> ScriptError {
    if e.line > 0 {
        return e;
    }
    if let Some(line) = cb.pos.line() {
        e.line = line;
        e.col = cb.pos.position().unwrap_or(0);
        e.source_line = cb.src.lines().nth(line - 1).map(str::to_string);
    }
    e
}

/// A closure called with a number of arguments it does not take says so at
/// the call that gave it (Rhai only says "unknown function 'anon$…'").
fn wrong_parameter_count(e: ScriptError, cb: &Callback, given: usize) -> ScriptError {
    let unknown = format!("unknown function '{}'", cb.f.fn_name());
    if !(cb.f.is_anonymous() && e.message.starts_with(&unknown)) {
        return e;
    }
    let form = match given {
        0 => "|| { ... }".to_string(),
        1 => "|i| { ... }".to_string(),
        n => format!("|{}| {{ ... }}", vec!["_"; n].join(", ")),
    };
    let s = if given == 1 { "" } else { "s" };
    let message = format!(
        "this closure is called with {given} argument{s} and takes another number: write {form}"
    );
    ScriptError::at(cb.file(), &cb.src, cb.pos, message)
}
