//! The script host: one Rhai engine with the Tactus bindings, the session
//! they share, and the loop that runs due scheduler items (notes and `at()`
//! callbacks, loop iterations, sequence steps) ahead of the audio clock.
//!
//! Every evaluation (a REPL line, a reload, a loop iteration, an `at()`
//! callback) is one transaction of the session ([`crate::session::txn`]):
//! it publishes all of its changes at its end or, when it fails (an error,
//! a runaway loop stopped, Ctrl-C, a panic inside a binding), none of them.

use super::api;
use super::diag::ScriptError;
use super::runner::{Run, Runner};
use super::state::{Printer, ScriptState, Shared};
use crate::command::Command;
use crate::midi::MidiMsg;
use crate::session::loops::LoopChange;
use crate::session::Session;
use crate::time::{Beats, Frame};
use crossbeam_channel::Sender;
use rhai::{Dynamic, Engine, AST};
use std::cell::{OnceCell, RefCell};
use std::rc::{Rc, Weak};

/// Operations one evaluation may take before it is stopped (a runaway loop).
pub const MAX_OPERATIONS: u64 = 50_000_000;
/// Memory one evaluation may add (arrays, strings, maps, tables) before it
/// is stopped, measured on the script thread's allocations.
pub const MAX_EVAL_BYTES: i64 = 1 << 30;
/// Nested function calls.
pub const MAX_CALL_LEVELS: usize = 200;

/// Most `at()` callbacks run on one audio frame: a callback that schedules
/// itself with no delay (or less than a frame) would otherwise run for
/// ever without time moving on.
pub const MAX_CALLS_PER_FRAME: usize = 10_000;

/// Owns the Rhai engine and the session; lives on the script thread.
pub struct ScriptHost {
    run: Rc<Runner>,
    /// The runner the engine's progress callback reaches (set before the
    /// first evaluation).
    progress_slot: Rc<OnceCell<Weak<Runner>>>,
    state: Shared,
    repl_scope: rhai::Scope<'static>,
    repl_lines: u64,
    decoders: std::collections::BTreeMap<String, crate::midi::controls::Decoder>,
    /// A `.sco` file statement Tactus cannot honour refuses the file
    /// (`--strict`); otherwise it is reported with its position and skipped.
    pub strict_scores: bool,
}

/// The text without a leading UTF-8 byte order mark (some editors on
/// Windows save one; it is not Rhai).
pub fn without_bom(src: &str) -> &str {
    src.strip_prefix('\u{feff}').unwrap_or(src)
}

impl ScriptHost {
    /// A host around a session; `printer` receives `print()` and `help()` output.
    pub fn new(session: Session, printer: Printer) -> ScriptHost {
        super::guard::install_panic_hook();
        let state: Shared = Rc::new(RefCell::new(ScriptState::new(session, printer.clone())));
        let mut engine = Engine::new();
        engine.set_max_operations(MAX_OPERATIONS);
        engine.set_max_call_levels(MAX_CALL_LEVELS);
        super::limits::apply(&mut engine);
        let p = printer.clone();
        engine.on_print(move |s| p(s));
        let p = printer;
        engine.on_debug(move |s, _, _| p(s));
        // Rhai prints () as an empty line; show the value.
        engine.register_fn("print", |_: ()| "()".to_string());
        // A closure prints as one, not as Rhai's internal `Fn(anon$…)` name.
        engine.register_fn("print", show_fn_ptr);
        engine.register_fn("to_string", show_fn_ptr);
        api::register_all(&mut engine, &state);
        let mut known: Vec<String> = engine
            .gen_fn_signatures(true)
            .iter()
            .filter_map(|s| s.split('(').next().map(str::to_string))
            .filter(|n| n.chars().next().is_some_and(|c| c.is_alphabetic()))
            .collect();
        known.sort();
        known.dedup();
        let progress_slot: Rc<OnceCell<Weak<Runner>>> = Rc::default();
        let slot = progress_slot.clone();
        engine.on_progress(move |ops| {
            let runner = slot.get().and_then(Weak::upgrade)?;
            runner.on_progress(ops)
        });
        ScriptHost {
            run: Rc::new(Runner::new(engine, state.clone(), known)),
            progress_slot,
            state,
            repl_scope: rhai::Scope::new(),
            repl_lines: 0,
            decoders: Default::default(),
            strict_scores: false,
        }
    }

    /// The runner, reachable from the engine's progress callback.
    fn runner(&self) -> &Runner {
        self.progress_slot.get_or_init(|| Rc::downgrade(&self.run));
        &self.run
    }

    /// Ctrl-C: a set flag stops the running evaluation (and is cleared).
    /// The same watch stops an evaluation whose data grows past
    /// [`MAX_EVAL_BYTES`].
    pub fn set_interrupt(&mut self, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) {
        self.run.set_interrupt(flag);
    }

    /// Run one evaluation as a transaction at logical time `at` with the
    /// REPL's variables (see [`Runner::transact`]).
    fn transact(
        &mut self,
        at: Beats,
        ast: &Rc<AST>,
        src: &Rc<str>,
        run: Run,
    ) -> Result<Dynamic, ScriptError> {
        self.runner();
        self.run
            .transact(at, ast, src, None, run, &mut self.repl_scope)
    }

    /// One line saying what the last slow evaluation cost the music (events
    /// skipped or played late, loop iterations passed), once the audio
    /// thread has counted; `None` when there is nothing (yet) to say.
    pub fn cost_report(&mut self) -> Option<String> {
        self.run.cost_report()
    }

    /// Release every item due before `horizon`: notes become commands in the
    /// outbox, callbacks run (and may schedule more). Errors in callbacks are
    /// returned; the rest of the schedule goes on.
    pub fn advance(&mut self, horizon: Frame) -> Vec<ScriptError> {
        self.runner().advance(horizon)
    }

    /// The audio thread's counters, for `status()`.
    pub fn set_telemetry(&mut self, t: std::sync::Arc<crate::audio::Telemetry>) {
        self.state.borrow_mut().telemetry = Some(t);
    }

    /// The audio thread's command channel (a live session): what falls due
    /// during a long evaluation is sent while it runs.
    pub fn set_commands(&mut self, tx: Sender<Command>) {
        self.state.borrow_mut().commands = Some(tx);
    }

    /// Set the lookahead (a script's `lookahead(ms)` changes it later).
    pub fn set_lookahead(&mut self, ahead: crate::time::Seconds) {
        self.state.borrow_mut().session.lookahead.set(ahead);
    }

    /// The lookahead the script set (`lookahead(ms)`).
    pub fn lookahead(&self) -> crate::time::Seconds {
        *self.state.borrow().session.lookahead
    }

    /// What `revert()` asked for, once.
    pub fn take_revert_request(&mut self) -> Option<crate::session::state::RevertRequest> {
        self.with_session(|s| s.revert_requested.take())
    }

    /// `meters()` was called, once.
    pub fn take_meters_request(&mut self) -> bool {
        std::mem::take(&mut self.state.borrow_mut().meters_request)
    }

    /// The live meters' text: each channel in use and the master.
    pub fn meters_text(&self) -> String {
        super::api::views::meters_text(&self.state.borrow())
    }

    /// The channel (1..=16) `keyboard(ch)` asked to play, once.
    pub fn take_keyboard_request(&mut self) -> Option<u8> {
        self.with_session(|s| s.keyboard_request.take())
    }

    /// Names for Tab completion: every function, the loops and the sequences.
    pub fn completion_names(&self) -> Vec<String> {
        let mut names = self.run.known.clone();
        let st = self.state.borrow();
        names.extend(st.session.loops.keys().cloned());
        names.extend(st.session.seqs.keys().cloned());
        drop(st);
        names.sort();
        names.dedup();
        names
    }

    /// Stop loops and sequences at their next boundary (those a reloaded
    /// file no longer defines).
    pub fn stop_loops(&mut self, names: &[String]) {
        let session = &mut self.state.borrow_mut().session;
        for n in names {
            let _ = session.stop_loop(n);
            let _ = session.stop_seq(n);
            session.remove_handler(n);
        }
    }

    /// Evaluate a REPL entry at `at`; variables persist between entries (as
    /// at IPython's prompt, a failed entry keeps the assignments it made
    /// before the error; the session's state is rolled back). The value is
    /// formatted for display (`None` for unit).
    pub fn eval_repl(&mut self, code: &str, at: Beats) -> Result<Option<String>, ScriptError> {
        self.eval_entry("repl", code, at)
    }

    /// [`eval_repl`](Self::eval_repl) for an entry from elsewhere: errors
    /// name it `<origin:N>` (`"eval"` for code an editor sent with
    /// `tactus eval`). The same variables, the same transaction.
    pub fn eval_entry(
        &mut self,
        origin: &str,
        code: &str,
        at: Beats,
    ) -> Result<Option<String>, ScriptError> {
        self.repl_lines += 1;
        let file = format!("<{origin}:{}>", self.repl_lines);
        let ast = Rc::new(self.compile(&file, code)?);
        let src: Rc<str> = Rc::from(code);
        let run_ast = ast.clone();
        let run: Run = Box::new(move |e, scope| e.eval_ast_with_scope::<Dynamic>(scope, &run_ast));
        let value = self.transact(at, &ast, &src, run)?;
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
        self.run
            .engine
            .eval_with_scope::<String>(&mut scope, "to_string(__v)")
            .unwrap_or_else(|_| v.to_string())
    }

    /// Evaluate a whole script file at `at` with fresh variables (a reload);
    /// returns what it did to each loop and sequence it defines.
    pub fn eval_file(
        &mut self,
        file: &str,
        src: &str,
        at: Beats,
    ) -> Result<Vec<(String, LoopChange)>, ScriptError> {
        let _value = self.eval(file, src, at)?;
        Ok(std::mem::take(&mut self.state.borrow_mut().session.changes))
    }

    /// Names of every function a script can call (bindings and Rhai's own).
    pub fn function_names(&self) -> &[String] {
        &self.run.known
    }

    /// Names registered by Tactus itself (not Rhai's standard library),
    /// property accessors and `to_string`-style hooks left out.
    pub fn binding_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .run
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

    /// The call forms of every function Tactus registers (not Rhai's
    /// standard library), as Rhai prints them: `name(a: T, b: U) -> R`,
    /// one per arity and type list, property accessors (`get$name`,
    /// `set$name`) and indexers (`index$get$`, `index$set$`) included (the
    /// bindings fuzz enumerates these).
    pub fn binding_signatures(&self) -> Vec<String> {
        let mut sigs: Vec<String> = self
            .run
            .engine
            .gen_fn_signatures(false)
            .into_iter()
            .filter(|s| !s.starts_with("to_"))
            .collect();
        sigs.sort();
        sigs.dedup();
        sigs
    }

    /// Give the bindings the session's MIDI inputs (or why there are none).
    pub fn set_midi(&mut self, midi: Result<crate::midi::input::Inputs, String>) {
        self.state.borrow_mut().midi = Some(midi);
    }

    /// The MIDI inputs that disappeared or came back since the last check
    /// (checked every [`crate::midi::input::PORT_CHECK`]).
    pub fn check_midi_inputs(&mut self) -> Vec<crate::midi::input::PortChange> {
        match self.state.borrow_mut().midi.as_mut() {
            Some(Ok(inputs)) => inputs.check(),
            _ => Vec::new(),
        }
    }

    /// Open the MIDI inputs committed evaluations asked for; one line per
    /// port that could not be opened.
    pub fn open_midi_inputs(&mut self) -> Vec<String> {
        let names = self.with_session(|s| s.midi_in_opens.take());
        let mut st = self.state.borrow_mut();
        let Some(Ok(inputs)) = st.midi.as_mut() else {
            return Vec::new();
        };
        names
            .into_iter()
            .filter_map(|n| inputs.open(&n).err().map(|e| format!("midi_in(): {e}")))
            .collect()
    }

    /// A MIDI program change: channel index `ch` takes General MIDI
    /// program `program` (0-127 on the wire: GM program `program + 1`), as
    /// one transaction at `at`; a drum channel keeps its kit. Returns the
    /// preset's name.
    ///
    /// # Errors
    /// The preset's error, if applying it failed.
    pub fn midi_program(&mut self, ch: u8, program: u8, at: Beats) -> Result<String, String> {
        let drums = self.with_session(|s| s.channels[ch as usize & 15].synth == "drums");
        if drums {
            return Ok(crate::presets::DRUMS.to_string());
        }
        let name = crate::presets::gm::program(program).name;
        self.with_session(|s| s.open_evaluation(at));
        let r = super::api::presets::apply_program(&self.state, ch, program);
        self.with_session(|s| s.close_evaluation(r.is_ok()));
        r.map(|_| name.to_string()).map_err(|e| e.to_string())
    }

    /// Run `f` with the state the bindings share.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut crate::script::state::ScriptState) -> R) -> R {
        f(&mut self.state.borrow_mut())
    }

    /// Run `f` with the session.
    pub fn with_session<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        self.run.with_session(f)
    }

    /// Parse a script without running it.
    pub fn compile(&self, file: &str, src: &str) -> Result<AST, ScriptError> {
        let src = without_bom(src);
        let mut ast = self
            .run
            .engine
            .compile(src)
            .map_err(|e| ScriptError::from_parse(file, src, &e))?;
        ast.set_source(file);
        Ok(ast)
    }

    /// Evaluate a script whose logical time starts at `at`; its table edits
    /// are published together at the end, at the frame of `at`.
    pub fn eval(&mut self, file: &str, src: &str, at: Beats) -> Result<Dynamic, ScriptError> {
        let src = without_bom(src);
        let ast = Rc::new(self.compile(file, src)?);
        let src: Rc<str> = Rc::from(src);
        let run_ast = ast.clone();
        let run: Run = Box::new(move |e, _| e.eval_ast::<Dynamic>(&run_ast));
        self.transact(at, &ast, &src, run)
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
        let session = &mut st.session;
        session.open_evaluation(Beats(0.0));
        let dir = crate::script::api::score::beside(file);
        let lenient = !self.strict_scores;
        let r = crate::script::api::score::place_in(
            session,
            src,
            Beats(0.0),
            Beats(0.0),
            &dir,
            lenient,
        );
        session.close_evaluation(r.is_ok());
        if let Ok(placed) = &r {
            for e in &placed.skipped {
                (st.printer)(&format!(
                    "{file}:{}:{}: warning: {} (skipped; --strict refuses the score)",
                    e.line, e.col, e.message
                ));
            }
        }
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

    /// A MIDI message from input `port`, acting at logical time `at`: every
    /// handler it (or the 14-bit control or NRPN it completes) matches runs
    /// as an evaluation of its own. Errors are returned once per body.
    pub fn midi_handlers(&mut self, port: &str, msg: &MidiMsg, at: Beats) -> Vec<ScriptError> {
        let control = self.decoders.entry(port.to_string()).or_default().feed(msg);
        let calls = self.with_session(|s| s.handler_calls(port, msg, control));
        let mut errors = Vec::new();
        for (name, body, args) in calls {
            if let Err(mut e) = self.runner().run_closure(at, &body, Some(&name), args) {
                if self.with_session(|s| s.handler_failed(&name)) {
                    e.message = format!("{name}: {}", e.message);
                    errors.push(e);
                }
            }
        }
        errors
    }

    /// Send waiting commands to the audio thread (what does not fit waits).
    pub fn flush(&mut self, tx: &Sender<Command>) -> usize {
        self.write_files();
        self.state.borrow_mut().session.flush(tx)
    }

    /// Write the files committed evaluations produced (MIDI takes); each
    /// write says where it went, or one line why it failed.
    pub fn write_files(&mut self) {
        let (files, printer, log_error) = {
            let mut st = self.state.borrow_mut();
            let log_error = st.session.log.get_mut().and_then(|l| l.error_line());
            (st.session.file_writes.take(), st.printer.clone(), log_error)
        };
        if let Some(line) = log_error {
            printer(&line);
        }
        for (path, bytes) in files {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            // Written whole beside it, then renamed: a failed write leaves a
            // previous take as it was.
            let written = dir.map_or(Ok(()), std::fs::create_dir_all).and_then(|()| {
                crate::out_file::write_whole(&path, &[], &bytes).map_err(std::io::Error::other)
            });
            match written {
                Ok(()) => printer(&format!("recorded the MIDI take to {}", path.display())),
                Err(e) => printer(&format!(
                    "record(): cannot write {}: {e}; the music goes on",
                    path.display()
                )),
            }
        }
    }

    /// At the end of a session or render: end a running MIDI take at `now`
    /// and write every take's file.
    pub fn finish_takes(&mut self, now: Frame) {
        self.state.borrow_mut().session.finish_all_takes(now);
        self.write_files();
    }

    /// True when nothing waits to be sent and nothing is scheduled before `until`.
    pub fn is_idle_until(&self, until: Frame) -> bool {
        self.state.borrow().session.is_idle_until(until)
    }
}

/// How a function value shows: `Fn("name")` for a named function, and
/// `a closure` for an anonymous one (whose Rhai name is internal).
fn show_fn_ptr(f: &mut rhai::FnPtr) -> String {
    match f.is_anonymous() {
        true => "a closure".to_string(),
        false => format!("Fn(\"{}\")", f.fn_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic inside a binding (a bug in Tactus) undoes the evaluation,
    /// comes back as one error naming it, and the host goes on.
    #[test]
    fn a_panicking_binding_rolls_back_and_the_host_goes_on() {
        let session = Session::new(crate::time::SampleRate(48_000), 256);
        let mut host = ScriptHost::new(session, Rc::new(|_s: &str| {}));
        Rc::get_mut(&mut host.run)
            .expect("no evaluation yet: the runner is not shared")
            .engine
            .register_fn("boom", || -> rhai::INT { panic!("boom in a binding") });
        host.eval_repl("set(\"k\", 1); table(1, 64, sine());", Beats(0.0))
            .unwrap();
        let before = host.with_session(|s| s.digest());
        let e = host
            .eval_repl(
                "set(\"k\", 2); table(1, 64, saw(3)); live_loop(\"a\", 1, |i| 1); boom()",
                Beats(0.0),
            )
            .unwrap_err();
        assert!(e.message.contains("internal error"), "{e}");
        assert!(e.message.contains("boom in a binding"), "{e}");
        assert_eq!(before, host.with_session(|s| s.digest()));
        let v = host.eval_repl("get(\"k\") + 1", Beats(0.0)).unwrap();
        assert_eq!(v.as_deref(), Some("2"));
    }
}
