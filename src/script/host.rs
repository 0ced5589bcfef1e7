//! The script host: one Rhai engine with the Tactus bindings, the session
//! they share, and the loop that runs due scheduler items (notes and `at()`
//! callbacks) ahead of the audio clock.

use super::api;
use super::diag::ScriptError;
use super::state::{Printer, ScriptState, Shared};
use crate::command::Command;
use crate::session::scheduler::Item;
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
    repl_scope: rhai::Scope<'static>,
    repl_lines: u64,
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
            repl_scope: rhai::Scope::new(),
            repl_lines: 0,
        }
    }

    /// Ctrl-C: a set flag stops the running evaluation (and is cleared).
    pub fn set_interrupt(&mut self, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) {
        use std::sync::atomic::Ordering;
        self.engine.on_progress(move |_| {
            if flag.load(Ordering::Relaxed) {
                flag.store(false, Ordering::Relaxed);
                Some("interrupted".into())
            } else {
                None
            }
        });
    }

    /// The audio thread's counters, for `status()`.
    pub fn set_telemetry(&mut self, t: std::sync::Arc<crate::audio::Telemetry>) {
        self.state.borrow_mut().telemetry = Some(t);
    }

    /// Set the lookahead (a script's `lookahead(ms)` changes it later).
    pub fn set_lookahead(&mut self, ahead: crate::time::Seconds) {
        self.state.borrow_mut().lookahead = ahead;
    }

    /// The lookahead the script set (`lookahead(ms)`).
    pub fn lookahead(&self) -> crate::time::Seconds {
        self.state.borrow().lookahead
    }

    /// True once after `revert()` was called.
    pub fn take_revert_request(&mut self) -> bool {
        std::mem::take(&mut self.state.borrow_mut().revert_requested)
    }

    /// Names for Tab completion: every function, the loops and the sequences.
    pub fn completion_names(&self) -> Vec<String> {
        let mut names = self.known.clone();
        let st = self.state.borrow();
        names.extend(st.loops.keys().cloned());
        names.extend(st.seqs.keys().cloned());
        drop(st);
        names.sort();
        names.dedup();
        names
    }

    /// Stop loops and sequences at their next boundary.
    pub fn stop_loops(&mut self, names: &[String]) {
        let mut st = self.state.borrow_mut();
        for n in names {
            if let Some(lp) = st.loops.get_mut(n) {
                lp.stopping = true;
            }
            if let Some(q) = st.seqs.get_mut(n) {
                q.stopping = true;
            }
        }
    }

    /// Evaluate a REPL entry at `at`; variables persist between entries. The
    /// value is formatted for display (`None` for unit).
    pub fn eval_repl(&mut self, code: &str, at: Beats) -> Result<Option<String>, ScriptError> {
        self.repl_lines += 1;
        let name = format!("<repl:{}>", self.repl_lines);
        let file = name.as_str();
        let ast = Rc::new(self.compile(file, code)?);
        self.sources.insert(file.to_string(), code.to_string());
        self.begin(at, &ast);
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.repl_scope, &ast);
        self.end(result.is_ok());
        self.state.borrow_mut().loop_changes.clear();
        let value = result.map_err(|e| self.error(file, &e))?;
        Ok((!value.is_unit()).then(|| self.format_value(value)))
    }

    /// A value as the REPL shows it: strings quoted, others through their
    /// `to_string` (custom types included).
    fn format_value(&self, v: Dynamic) -> String {
        if v.is_string() {
            return format!("{v:?}");
        }
        let mut scope = rhai::Scope::new();
        scope.push_dynamic("__v", v.clone());
        self.engine
            .eval_with_scope::<String>(&mut scope, "to_string(__v)")
            .unwrap_or_else(|_| v.to_string())
    }

    /// Evaluate a whole script file at `at` with fresh variables (a reload);
    /// returns what it did to each loop it defines.
    pub fn eval_file(
        &mut self,
        file: &str,
        src: &str,
        at: Beats,
    ) -> Result<Vec<(String, super::state::LoopChange)>, ScriptError> {
        self.state.borrow_mut().loop_changes.clear();
        let _value = self.eval(file, src, at)?;
        Ok(std::mem::take(&mut self.state.borrow_mut().loop_changes))
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
        self.end(result.is_ok());
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
        r.map(|_| ()).map_err(|e| ScriptError {
            file: file.to_string(),
            line: e.line,
            col: e.col,
            source_line: (e.line > 0)
                .then(|| src.lines().nth(e.line - 1).map(str::to_string))
                .flatten(),
            message: e.message,
        })
    }

    /// Start an evaluation at logical time `at`, recording what it changes.
    fn begin(&self, at: Beats, ast: &Rc<AST>) {
        let src: Rc<str> = ast
            .source()
            .and_then(|f| self.sources.get(f))
            .map_or_else(|| Rc::from(""), |s| Rc::from(s.as_str()));
        let mut st = self.state.borrow_mut();
        st.current_src = src;
        st.session.begin_eval(at);
        st.session.begin_txn();
        st.staged_loops.clear();
        st.staged_seqs.clear();
        st.current_ast = Some(ast.clone());
    }

    /// End it: keep its changes (and publish its table edits) if it
    /// succeeded, or undo them all if it failed.
    fn end(&self, ok: bool) {
        let mut st = self.state.borrow_mut();
        if ok {
            st.session.commit();
            st.apply_staged_loops();
        } else {
            st.session.rollback();
            st.staged_loops.clear();
            st.staged_seqs.clear();
        }
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
            let work = self.state.borrow_mut().session.release(at, item);
            match work {
                Some(Item::Call(id)) => {
                    if let Err(e) = self.run_call(at, id) {
                        errors.push(e);
                    }
                }
                Some(Item::Loop(id)) => errors.extend(self.run_loop(at, id)),
                Some(Item::Seq(id)) => self.run_seq_step(at, id),
                _ => {}
            }
        }
        errors
    }

    fn run_call(&mut self, at: Beats, id: u64) -> Result<(), ScriptError> {
        let Some(cb) = self.state.borrow_mut().calls.remove(&id) else {
            return Ok(());
        };
        self.run_closure(at, &cb, None, ())
    }

    /// One iteration of a live loop at its logical time. A pending body is
    /// swapped in at this boundary; an error undoes the iteration's effects,
    /// rolls the loop back to its last good body (which plays this iteration
    /// instead), and is reported once per body.
    fn run_loop(&mut self, at: Beats, id: u64) -> Vec<ScriptError> {
        let Some((name, body, count)) = self.loop_start(id) else {
            return Vec::new();
        };
        if self.iteration_passes_silently(at, &name) {
            self.next_iteration(&name, at, id);
            return Vec::new();
        }
        let mut errors = Vec::new();
        match self.run_body(at, &body, count, &name) {
            Ok(()) => {
                self.with_loop(&name, |lp| lp.good = Some(body.clone()));
            }
            Err(mut e) => {
                let fallback = self.with_loop(&name, |lp| {
                    let fallback = lp
                        .good
                        .clone()
                        .filter(|g| g.signature() != body.signature());
                    let report = !lp.error_shown;
                    lp.error_shown = true;
                    if let Some(g) = &fallback {
                        lp.body = g.clone();
                        lp.error_shown = false;
                    }
                    (fallback, report)
                });
                let (fallback, report) = fallback.unwrap_or((None, false));
                if report {
                    let tail = if fallback.is_some() {
                        "; it plays its previous version"
                    } else {
                        ""
                    };
                    e.message = format!("loop \"{name}\": {}{tail}", e.message);
                    errors.push(e);
                }
                if let Some(g) = fallback {
                    let _ = self.run_body(at, &g, count, &name);
                }
            }
        }
        self.next_iteration(&name, at, id);
        errors
    }

    /// Stopped transport, or an iteration wholly in the past after a stall:
    /// it passes without running (the loop keeps its phase).
    fn iteration_passes_silently(&self, at: Beats, name: &str) -> bool {
        let st = self.state.borrow();
        let period = st.loops.get(name).map_or(0.0, |l| l.period);
        let end = st.session.frame_at(Beats(at.0 + period));
        !st.playing || end < st.session.skip_before
    }

    fn next_iteration(&mut self, name: &str, at: Beats, id: u64) {
        let next = self.with_loop(name, |lp| {
            lp.count += 1;
            Beats(at.0 + lp.period)
        });
        if let Some(next) = next {
            self.state
                .borrow_mut()
                .session
                .scheduler
                .push(next, Item::Loop(id));
        }
    }

    /// Play one step of a sequence and schedule the next; a stopping
    /// sequence ends here.
    fn run_seq_step(&mut self, at: Beats, id: u64) {
        use crate::script::api::seq::Step;
        let mut st = self.state.borrow_mut();
        let Some(name) = st
            .seqs
            .iter()
            .find(|(_, q)| q.id == id)
            .map(|(n, _)| n.clone())
        else {
            return;
        };
        let playing = st.playing;
        let q = st.seqs.get_mut(&name).expect("found above");
        if q.stopping {
            st.seqs.remove(&name);
            return;
        }
        let k = (q.count % q.pattern.len() as u64) as usize;
        let step = q.pattern[k];
        let swing = if q.count % 2 == 1 {
            q.swing * q.step_beats
        } else {
            0.0
        };
        let (ch, pitch, vel, len) = (q.channel, q.pitch.clone(), q.vel, q.step_beats);
        q.count += 1;
        st.session.scheduler.push(Beats(at.0 + len), Item::Seq(id));
        if step == Step::Off || !playing {
            return;
        }
        let vel = if step == Step::Accent {
            (vel + 30.0).min(127.0)
        } else {
            vel
        };
        let Ok(freq_hz) = crate::script::api::args::pitch_hz(&pitch, "seq") else {
            return;
        };
        let amp = crate::script::api::notes::vel_to_amp(vel);
        let note = st.session.channels[ch as usize].note(ch, freq_hz, amp, len * 0.5);
        st.session.schedule_note(Beats(at.0 + swing), note);
    }

    /// Prepare a loop's iteration: drop a stopping loop, swap in a pending body.
    fn loop_start(&mut self, id: u64) -> Option<(String, super::state::Callback, i64)> {
        let mut st = self.state.borrow_mut();
        let name = st.loop_name(id)?;
        let lp = st.loops.get_mut(&name)?;
        if lp.stopping {
            st.loops.remove(&name);
            return None;
        }
        if let Some((b, p)) = lp.pending.take() {
            lp.body = b;
            lp.period = p;
            lp.error_shown = false;
        }
        Some((name, lp.body.clone(), lp.count))
    }

    fn with_loop<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut super::state::LiveLoop) -> R,
    ) -> Option<R> {
        self.state.borrow_mut().loops.get_mut(name).map(f)
    }

    fn run_body(
        &mut self,
        at: Beats,
        cb: &super::state::Callback,
        i: i64,
        stream: &str,
    ) -> Result<(), ScriptError> {
        self.run_closure(at, cb, Some(stream), (i as rhai::INT,))
    }

    /// Run a script closure as one evaluation at `at` (a transaction),
    /// drawing chance from `stream` when given.
    fn run_closure(
        &mut self,
        at: Beats,
        cb: &super::state::Callback,
        stream: Option<&str>,
        args: impl rhai::FuncArgs,
    ) -> Result<(), ScriptError> {
        self.begin(at, &cb.ast);
        let outer = stream
            .map(|s| std::mem::replace(&mut self.state.borrow_mut().current_stream, s.to_string()));
        let result = cb.f.call::<Dynamic>(&self.engine, &cb.ast, args);
        if let Some(outer) = outer {
            self.state.borrow_mut().current_stream = outer;
        }
        self.end(result.is_ok());
        let file = cb.ast.source().unwrap_or("<script>").to_string();
        result.map(|_| ()).map_err(|e| self.error(&file, &e))
    }

    /// Send waiting commands to the audio thread (what does not fit waits).
    pub fn flush(&mut self, tx: &Sender<Command>) -> usize {
        self.state.borrow_mut().session.flush(tx)
    }

    /// True when nothing waits to be sent and nothing is scheduled before `until`.
    pub fn is_idle_until(&self, until: Frame) -> bool {
        self.state.borrow().session.is_idle_until(until)
    }
}
