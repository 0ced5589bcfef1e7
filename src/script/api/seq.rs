//! The step sequencer and drum patterns: `seq(name, ch, pitch, pattern,
//! #{ vel, step, swing })`, `seq(name).step(i, on)`, `stop_seq`, `seqs`,
//! `drums(name)`. A sequence is a scheduler item that plays one step at a
//! time and reads its pattern when the step comes, so an edit is heard from
//! the next step on. New sequences start on the next bar.

use super::args::{self, err, Res};
use super::loops::next_bar;
use crate::script::state::{LoopChange, ScriptState, Shared};
use crate::session::drum_patterns;
use crate::session::scheduler::Item;
use crate::time::Beats;
use rhai::{Array, Dynamic, Engine, Map};

/// One step of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Rest.
    Off,
    /// Hit.
    On,
    /// Accented hit.
    Accent,
}

/// A running sequence.
#[derive(Debug, Clone)]
pub struct Seq {
    /// Identifies its scheduled steps.
    pub id: u64,
    /// Channel index 0..16.
    pub channel: u8,
    /// The pitch each hit plays (a GM note on a drum channel).
    pub pitch: Dynamic,
    /// The steps.
    pub pattern: Vec<Step>,
    /// Step length in beats.
    pub step_beats: f64,
    /// Delay of every other step, as a fraction of a step (0..0.5).
    pub swing: f64,
    /// Velocity of a hit (an accent adds 30).
    pub vel: f64,
    /// Steps played so far.
    pub count: u64,
    /// Stop at the next step.
    pub stopping: bool,
}

const OPTIONS: &[&str] = &["vel", "step", "swing"];

/// Parse "x..X.." into steps.
pub fn parse_pattern(p: &str) -> Result<Vec<Step>, String> {
    let steps: Result<Vec<Step>, String> = p
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '|')
        .map(|c| match c {
            'x' => Ok(Step::On),
            'X' => Ok(Step::Accent),
            '.' | '-' => Ok(Step::Off),
            other => Err(format!(
                "pattern \"{p}\": '{other}' is not a step; use x (hit), X (accent), . (rest)"
            )),
        })
        .collect();
    let steps = steps?;
    if steps.is_empty() {
        return Err("the pattern is empty; write steps like \"x...x...\"".into());
    }
    Ok(steps)
}

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    for with_opts in [false, true] {
        let s = st.clone();
        let f = move |name: &str,
                      ch: Dynamic,
                      pitch: Dynamic,
                      pat: &str,
                      opts: Map|
              -> Res<SeqHandle> {
            define(&s, name, &ch, pitch, pat, &opts)?;
            Ok(SeqHandle {
                name: name.to_string(),
            })
        };
        if with_opts {
            engine.register_fn("seq", f);
        } else {
            engine.register_fn("seq", move |n: &str, ch: Dynamic, p: Dynamic, pat: &str| {
                f(n, ch, p, pat, Map::new())
            });
        }
    }
    engine.register_type_with_name::<SeqHandle>("Seq");
    let s = st.clone();
    engine.register_fn("seq", move |name: &str| -> Res<SeqHandle> {
        if !known(&s.borrow(), name) {
            return err(format!(
                "seq(): no sequence named \"{name}\" (running: {})",
                list(&s)
            ));
        }
        Ok(SeqHandle {
            name: name.to_string(),
        })
    });
    let s = st.clone();
    engine.register_fn(
        "step",
        move |h: &mut SeqHandle, i: Dynamic, on: Dynamic| -> Res<()> {
            set_step(&s, &h.name, &i, &on)
        },
    );
    let s = st.clone();
    engine.register_fn("stop_seq", move |name: &str| -> Res<()> {
        match s.borrow_mut().seqs.get_mut(name) {
            Some(q) => {
                q.stopping = true;
                Ok(())
            }
            None => err(format!("stop_seq(): no sequence named \"{name}\"")),
        }
    });
    let s = st.clone();
    engine.register_fn("seqs", move || -> Array {
        s.borrow()
            .seqs
            .iter()
            .filter(|(_, q)| !q.stopping)
            .map(|(n, _)| Dynamic::from(n.clone()))
            .collect()
    });
    let s = st.clone();
    engine.register_fn("drums", move |name: &str| -> Res<()> { drums(&s, name) });
    engine.register_fn("drum_patterns", || -> Array {
        drum_patterns::names()
            .into_iter()
            .map(Dynamic::from)
            .collect()
    });
}

/// A handle to edit a sequence step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeqHandle {
    /// The sequence's name.
    pub name: String,
}

/// A sequence running, or defined earlier in this evaluation.
fn known(st: &ScriptState, name: &str) -> bool {
    st.seqs.contains_key(name)
        || st
            .staged_seqs
            .iter()
            .any(|op| matches!(op, SeqOp::Define { name: n, .. } if n == name))
}

fn list(st: &Shared) -> String {
    let names: Vec<String> = st.borrow().seqs.keys().cloned().collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Create or update a sequence.
fn define(st: &Shared, name: &str, ch: &Dynamic, pitch: Dynamic, pat: &str, opts: &Map) -> Res<()> {
    let channel = args::channel(ch, "seq")?;
    let pattern = parse_pattern(pat).or_else(|e| err(format!("seq(): {e}")))?;
    args::check_keys(opts, "seq", OPTIONS)?;
    let get = |k: &str, lo: f64, hi: f64, d: f64| {
        opts.get(k)
            .map_or(Ok(d), |v| args::num_in(v, "seq", k, lo, hi))
    };
    let vel = get("vel", 0.0, 127.0, 100.0)?;
    let step_beats = get("step", 0.01, 64.0, 0.25)?;
    let swing = get("swing", 0.0, 0.5, 0.0)?;
    let drum = st.borrow().session.channels[channel as usize].synth == "drums";
    if !drum {
        args::pitch_hz(&pitch, "seq")?;
    }
    let mut s = st.borrow_mut();
    let start = next_bar(s.session.bar_origin.0, s.session.cursor.0);
    let seq = Seq {
        id: 0,
        channel,
        pitch,
        pattern,
        step_beats,
        swing,
        vel,
        count: 0,
        stopping: false,
    };
    s.staged_seqs.push(SeqOp::Define {
        name: name.to_string(),
        seq,
        start,
    });
    Ok(())
}

/// A change to the sequences, staged during an evaluation and applied only
/// if it succeeds (a failed reload changes nothing).
#[derive(Debug, Clone)]
pub enum SeqOp {
    /// Create or update a sequence; a new one starts at `start`.
    Define {
        /// Name.
        name: String,
        /// Its settings (id and count are filled in when applied).
        seq: Seq,
        /// The bar where a new sequence starts.
        start: f64,
    },
    /// Stop a sequence at its next step.
    Stop(String),
}

/// Apply a staged change: an existing sequence keeps its phase.
pub fn apply(st: &mut ScriptState, op: SeqOp) {
    match op {
        SeqOp::Stop(name) => {
            if let Some(q) = st.seqs.get_mut(&name) {
                q.stopping = true;
            }
        }
        SeqOp::Define { name, seq, start } => {
            if let Some(q) = st.seqs.get_mut(&name) {
                let same = q.channel == seq.channel
                    && q.pattern == seq.pattern
                    && q.step_beats == seq.step_beats
                    && q.swing == seq.swing
                    && q.vel == seq.vel
                    && q.pitch.to_string() == seq.pitch.to_string()
                    && !q.stopping;
                (
                    q.channel,
                    q.pitch,
                    q.pattern,
                    q.step_beats,
                    q.swing,
                    q.vel,
                    q.stopping,
                ) = (
                    seq.channel,
                    seq.pitch,
                    seq.pattern,
                    seq.step_beats,
                    seq.swing,
                    seq.vel,
                    false,
                );
                let change = if same {
                    LoopChange::Unchanged
                } else {
                    LoopChange::Swapped
                };
                st.loop_changes.push((name, change));
                return;
            }
            let id = st.next_seq_id();
            st.seqs.insert(name.clone(), Seq { id, ..seq });
            st.session.scheduler.push(Beats(start), Item::Seq(id));
            st.loop_changes.push((name, LoopChange::Added));
        }
    }
}

fn set_step(st: &Shared, name: &str, i: &Dynamic, on: &Dynamic) -> Res<()> {
    let k = args::int(i, "step", "step")?;
    let step = match (on.as_bool(), on.clone().into_string()) {
        (Ok(true), _) => Step::On,
        (Ok(false), _) => Step::Off,
        (_, Ok(s)) if s == "X" => Step::Accent,
        (_, Ok(s)) if s == "x" => Step::On,
        (_, Ok(s)) if s == "." => Step::Off,
        _ => return err("step(): give true, false, \"x\", \"X\" or \".\""),
    };
    let mut s = st.borrow_mut();
    // A sequence defined in this same evaluation is still staged.
    let s = &mut *s;
    let staged = s.staged_seqs.iter_mut().rev().find_map(|op| match op {
        SeqOp::Define { name: n, seq, .. } if n == name => Some(seq),
        _ => None,
    });
    let Some(q) = staged.or(s.seqs.get_mut(name)) else {
        return err(format!("step(): no sequence named \"{name}\""));
    };
    let len = q.pattern.len() as i64;
    if !(1..=len).contains(&k) {
        return err(format!("step(): step {k} is out of range 1 to {len}"));
    }
    q.pattern[(k - 1) as usize] = step;
    Ok(())
}

/// `drums("house")`: one sequence per drum of the preset on channel 10;
/// `drums("off")` stops them.
fn drums(st: &Shared, name: &str) -> Res<()> {
    let old: Vec<String> = st
        .borrow()
        .seqs
        .keys()
        .filter(|n| n.starts_with("drums:"))
        .cloned()
        .collect();
    if name == "off" {
        st.borrow_mut()
            .staged_seqs
            .extend(old.into_iter().map(SeqOp::Stop));
        return Ok(());
    }
    let Some(p) = drum_patterns::pattern(name) else {
        return err(format!(
            "drums(): unknown pattern \"{name}\"; patterns: {}, off",
            drum_patterns::names().join(", ")
        ));
    };
    let step = p.step_beats();
    let mut keep = Vec::new();
    for (note, steps) in &p.tracks {
        let track = format!("drums:{note}");
        let mut opts = Map::new();
        opts.insert("step".into(), Dynamic::from_float(step));
        opts.insert("swing".into(), Dynamic::from_float(p.swing));
        define(
            st,
            &track,
            &Dynamic::from_int(10),
            Dynamic::from_int(*note as i64),
            steps,
            &opts,
        )?;
        keep.push(track);
    }
    let stops = old
        .into_iter()
        .filter(|n| !keep.contains(n))
        .map(SeqOp::Stop);
    st.borrow_mut().staged_seqs.extend(stops);
    Ok(())
}
