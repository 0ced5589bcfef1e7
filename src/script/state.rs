//! What every binding shares: the session (which owns all the state an
//! evaluation can change, journaled by its one transaction) and the context
//! of the evaluation running now. Nothing here outlives an evaluation except
//! plumbing (the printer, the telemetry handle).

use crate::session::callback::Callback;
use crate::session::Session;
use rhai::{FnPtr, AST};
use std::cell::RefCell;
use std::rc::Rc;

/// Where `print()` and `help()` output goes.
pub type Printer = Rc<dyn Fn(&str)>;

/// State shared by the bindings (single-threaded: the script thread).
pub struct ScriptState {
    /// The session: every change a binding makes goes through it.
    pub session: Session,
    /// The script being evaluated now.
    pub current_ast: Option<Rc<AST>>,
    /// Its source text.
    pub current_src: Rc<str>,
    /// Output for `print()` and `help()`.
    pub printer: Printer,
    /// The audio thread's counters, in a live session.
    pub telemetry: Option<std::sync::Arc<crate::audio::Telemetry>>,
    /// The audio thread's command channel, in a live session: a long
    /// evaluation sends the committed notes and steps that fall due
    /// while it runs ([`crate::script::pace`]).
    pub commands: Option<crossbeam_channel::Sender<crate::command::Command>>,
    /// What MIDI output this session has.
    pub midi_out: MidiOutState,
    /// The random stream the running code draws from ("" at top level, a
    /// loop's name inside its body).
    pub current_stream: String,
    /// MIDI inputs, in a live session (`midi_in`); `Err` says why there is no MIDI.
    pub midi: Option<Result<crate::midi::input::Inputs, String>>,
    /// `meters()` was called: the prompt shows the live meters (a view, not
    /// music: no transaction keeps it).
    pub meters_request: bool,
    /// The watched file's accepted versions as `versions()` lists them
    /// (kept by the live thread's reloader; empty with no watched file).
    pub versions: Vec<String>,
}

/// What MIDI output a session has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MidiOutState {
    /// A render or a check: port names are taken as given, nothing is sent.
    Offline,
    /// A live session with no MIDI system (why).
    Unavailable(String),
    /// A live session with MIDI; the name of Tactus's virtual output, if any.
    Live(Option<String>),
}

/// The shared handle the bindings capture.
pub type Shared = Rc<RefCell<ScriptState>>;

impl ScriptState {
    /// Wrap a session.
    pub fn new(session: Session, printer: Printer) -> ScriptState {
        ScriptState {
            session,
            current_ast: None,
            current_src: Rc::from(""),
            printer,
            telemetry: None,
            commands: None,
            midi_out: MidiOutState::Offline,
            current_stream: String::new(),
            meters_request: false,
            versions: Vec::new(),
            midi: None,
        }
    }

    /// A closure of the running script, kept with its script and source.
    pub fn callback(&self, f: FnPtr, text: String, pos: rhai::Position) -> Option<Callback> {
        let ast = self.current_ast.clone()?;
        let src = self.current_src.clone();
        Some(Callback {
            f,
            ast,
            src,
            text,
            pos,
        })
    }

    /// Keep an `at()` callback made by the call at `pos`; returns its id.
    pub fn add_call(&mut self, f: FnPtr, pos: rhai::Position) -> Option<u64> {
        let cb = self.callback(f, String::new(), pos)?;
        let id = self.session.fresh_id();
        self.session.calls.insert(id, cb);
        Some(id)
    }
}
