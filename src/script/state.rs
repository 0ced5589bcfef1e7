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
    /// The source text that defined it, whitespace folded ("" if unknown).
    pub text: String,
}

impl Callback {
    /// What makes two bodies the same: the text that defined them (wherever
    /// it stands in the file) and the values they captured.
    pub fn signature(&self) -> String {
        format!("{}{:?}", self.text, self.f.curry())
    }
}

/// A live loop: its body runs once per iteration, ahead of time.
#[derive(Clone)]
pub struct LiveLoop {
    /// Identifies the loop's scheduled iterations.
    pub id: u64,
    /// The body running now.
    pub body: Callback,
    /// The last body that completed an iteration without error.
    pub good: Option<Callback>,
    /// A new body (and length) waiting for the next iteration boundary.
    pub pending: Option<(Callback, f64)>,
    /// Iteration length in beats.
    pub period: f64,
    /// Iterations run so far (the `i` the body receives).
    pub count: i64,
    /// Stop at the next boundary.
    pub stopping: bool,
    /// The current body's error has been printed.
    pub error_shown: bool,
}

/// A loop definition made during an evaluation, applied if it succeeds.
#[derive(Clone)]
pub struct StagedLoop {
    /// Loop name.
    pub name: String,
    /// Its body.
    pub body: Callback,
    /// Iteration length in beats.
    pub period: f64,
    /// First iteration (the next bar), for a new loop.
    pub start: f64,
}

/// What a definition did to a loop (for the reload summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopChange {
    /// A new loop.
    Added,
    /// A new body, swapped in at the next boundary.
    Swapped,
    /// The same body: left alone.
    Unchanged,
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
    /// Its source text.
    pub current_src: Rc<str>,
    next_call: u64,
    /// Output for `print()` and `help()`.
    pub printer: Printer,
    /// Live loops by name.
    pub loops: BTreeMap<String, LiveLoop>,
    /// Loop definitions of the evaluation running now.
    pub staged_loops: Vec<StagedLoop>,
    /// What the last applied definitions did, by loop name.
    pub loop_changes: Vec<(String, LoopChange)>,
    next_loop: u64,
    /// Values that survive reloads (`set` / `get`).
    pub kept: BTreeMap<String, rhai::Dynamic>,
    /// The audio thread's counters, in a live session.
    pub telemetry: Option<std::sync::Arc<crate::audio::Telemetry>>,
    /// How far ahead loops and sequences are computed.
    pub lookahead: crate::time::Seconds,
    /// `revert()` was called: the live thread reloads the previous version.
    pub revert_requested: bool,
    /// Transport: when false, loop iterations pass silently (phase kept).
    pub playing: bool,
    /// Effect settings per channel, as set (for reading back).
    pub fx: Vec<BTreeMap<String, f32>>,
    /// The random seed (`seed(n)`).
    pub seed: u64,
    /// Random streams by name ("" top level, loop and sequence names).
    pub streams: BTreeMap<String, u64>,
    /// The stream the running code draws from.
    pub current_stream: String,
    /// Step sequences by name.
    pub seqs: BTreeMap<String, crate::script::api::seq::Seq>,
    /// Sequence changes of the evaluation running now.
    pub staged_seqs: Vec<crate::script::api::seq::SeqOp>,
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
            current_src: Rc::from(""),
            next_call: 1,
            printer,
            loops: BTreeMap::new(),
            staged_loops: Vec::new(),
            loop_changes: Vec::new(),
            next_loop: 1,
            kept: BTreeMap::new(),
            telemetry: None,
            lookahead: crate::time::Seconds(0.1),
            revert_requested: false,
            playing: true,
            fx: vec![BTreeMap::new(); crate::command::CHANNELS],
            seed: 0,
            streams: BTreeMap::new(),
            current_stream: String::new(),
            seqs: BTreeMap::new(),
            staged_seqs: Vec::new(),
        }
    }

    /// Apply the loop definitions of a successful evaluation: new loops start
    /// at their bar, changed ones swap at their next boundary, identical ones
    /// are left alone (same phase).
    pub fn apply_staged_loops(&mut self) {
        for st in std::mem::take(&mut self.staged_loops) {
            let change = match self.loops.get_mut(&st.name) {
                Some(lp) => {
                    let current = lp.pending.as_ref().map_or(&lp.body, |(b, _)| b);
                    let same = current.signature() == st.body.signature() && lp.period == st.period;
                    let was_stopping = std::mem::take(&mut lp.stopping);
                    if !same {
                        lp.pending = Some((st.body, st.period));
                    }
                    match (was_stopping, same) {
                        (true, _) => LoopChange::Added,
                        (false, true) => LoopChange::Unchanged,
                        (false, false) => LoopChange::Swapped,
                    }
                }
                None => {
                    let id = self.next_loop;
                    self.next_loop += 1;
                    let lp = LiveLoop {
                        id,
                        body: st.body,
                        good: None,
                        pending: None,
                        period: st.period,
                        count: 0,
                        stopping: false,
                        error_shown: false,
                    };
                    self.loops.insert(st.name.clone(), lp);
                    let item = crate::session::scheduler::Item::Loop(id);
                    self.session
                        .scheduler
                        .push(crate::time::Beats(st.start), item);
                    LoopChange::Added
                }
            };
            self.loop_changes.push((st.name, change));
        }
        for op in std::mem::take(&mut self.staged_seqs) {
            crate::script::api::seq::apply(self, op);
        }
    }

    /// A fresh id for a loop or a sequence.
    pub fn next_seq_id(&mut self) -> u64 {
        self.next_loop += 1;
        self.next_loop
    }

    /// The name of the loop with this id.
    pub fn loop_name(&self, id: u64) -> Option<String> {
        self.loops
            .iter()
            .find(|(_, l)| l.id == id)
            .map(|(n, _)| n.clone())
    }

    /// Keep a callback; returns its id.
    pub fn add_call(&mut self, f: FnPtr) -> Option<u64> {
        let ast = self.current_ast.clone()?;
        let id = self.next_call;
        self.next_call += 1;
        let text = String::new();
        self.calls.insert(id, Callback { f, ast, text });
        Some(id)
    }
}
