//! Step sequencer and drum pattern bindings: `seq(name, ch, pitch, pattern,
//! #{ vel, step, swing })` (the pattern a string or an array of steps), `seq(name).step(i, on)`, `stop_seq`, `seqs`,
//! `drums(name)`. The sequences themselves live in the session
//! (`session::seqs`); new ones start on the next bar.

use super::args::{self, err, Res};
use crate::script::state::Shared;
use crate::session::drum_patterns;
use crate::session::seqs::{parse_pattern, pattern_of_array, Seq, Step};
use crate::time::Beats;
use rhai::{Array, Dynamic, Engine, Map};

/// Options of `seq(..., #{...})`.
pub const OPTIONS: &[&str] = &["vel", "step", "swing"];

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    for with_opts in [false, true] {
        let s = st.clone();
        let f = move |name: &str,
                      ch: Dynamic,
                      pitch: Dynamic,
                      pat: Dynamic,
                      opts: Map|
              -> Res<SeqHandle> {
            let pattern = pattern_of(&pat)?;
            define(&s, name, &ch, &pitch, pattern, &opts)?;
            Ok(SeqHandle {
                name: name.to_string(),
            })
        };
        if with_opts {
            engine.register_fn("seq", f);
        } else {
            engine.register_fn(
                "seq",
                move |n: &str, ch: Dynamic, p: Dynamic, pat: Dynamic| f(n, ch, p, pat, Map::new()),
            );
        }
    }
    engine.register_type_with_name::<SeqHandle>("Seq");
    let s = st.clone();
    engine.register_fn("seq", move |name: &str| -> Res<SeqHandle> {
        let st = s.borrow();
        if !st.session.seqs.contains_key(name) {
            let running = crate::session::loops::list(st.session.seq_names());
            return err(format!(
                "seq(): no sequence named \"{name}\" (running: {running})"
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
            let k = args::int(&i, "step", "step")?;
            let step = step_value(&on)?;
            s.borrow_mut()
                .session
                .set_step(&h.name, k, step)
                .or_else(err)
        },
    );
    let s = st.clone();
    engine.register_fn("stop_seq", move |name: &str| -> Res<()> {
        s.borrow_mut().session.stop_seq(name).or_else(err)
    });
    let s = st.clone();
    engine.register_fn("seqs", move || -> Array {
        let names = s.borrow().session.seq_names();
        names.into_iter().map(Dynamic::from).collect()
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

fn step_value(on: &Dynamic) -> Res<Step> {
    match on.clone().into_string() {
        Ok(s) if s == "X" => Ok(Step::Accent),
        Ok(s) if s == "x" => Ok(Step::On),
        Ok(s) if s == "." => Ok(Step::Off),
        Ok(_) => {
            err("step(): give true, false, \"x\", \"X\", \".\", 0, 1, a velocity 2-127 or 0.0-1.0")
        }
        Err(_) => Step::from_value(on).or_else(|e| err(format!("step(): {e}"))),
    }
}

/// A pattern given as a string ("x..X") or an array of steps
/// (`euclid(3, 8)`, `[1, 0, 90, 0]`, `[1.0, 0.0, 0.5, 0.0]`).
fn pattern_of(pat: &Dynamic) -> Res<Vec<Step>> {
    if let Some(text) = pat.read_lock::<rhai::ImmutableString>() {
        return parse_pattern(&text).or_else(|e| err(format!("seq(): {e}")));
    }
    if let Some(a) = pat.read_lock::<Array>() {
        return pattern_of_array(&a).or_else(|e| err(format!("seq(): {e}")));
    }
    err(format!(
        "seq(): the pattern must be a string like \"x..X....\" or an array like euclid(3, 8), got {}",
        pat.type_name()
    ))
}

/// Create or update a sequence.
fn define(
    st: &Shared,
    name: &str,
    ch: &Dynamic,
    pitch: &Dynamic,
    pattern: Vec<Step>,
    opts: &Map,
) -> Res<()> {
    let channel = args::channel(ch, "seq")?;
    args::check_keys(opts, "seq", OPTIONS)?;
    let get = |k: &str, lo: f64, hi: f64, d: f64| {
        opts.get(k)
            .map_or(Ok(d), |v| args::num_in(v, "seq", k, lo, hi))
    };
    let pitch_hz = args::pitch_hz(pitch, "seq")?;
    let source = st.borrow().session.channels[channel as usize].source;
    super::notes::check_drum_key(source, pitch_hz, channel, "seq")?;
    let seq = Seq {
        id: 0,
        channel,
        pitch_hz,
        pattern,
        step_beats: get("step", 0.01, 64.0, 0.25)?,
        swing: get("swing", 0.0, 0.5, 0.0)?,
        vel: get("vel", 0.0, 127.0, 100.0)?,
        count: 0,
        stopping: false,
        mirror: None,
    };
    let session = &mut st.borrow_mut().session;
    let start = session.next_bar(session.cursor.0);
    session.define_seq(name, seq, Beats(start));
    Ok(())
}

/// `drums("house")`: one sequence per drum of the preset on channel 10;
/// `drums("off")` stops them.
fn drums(st: &Shared, name: &str) -> Res<()> {
    let old: Vec<String> = (st.borrow().session.seq_names().into_iter())
        .filter(|n| n.starts_with("drums:"))
        .collect();
    let mut keep = Vec::new();
    if name != "off" {
        let Some(p) = drum_patterns::pattern(name) else {
            return err(format!(
                "drums(): unknown pattern \"{name}\"; patterns: {}, off",
                drum_patterns::names().join(", ")
            ));
        };
        for (note, steps) in &p.tracks {
            let track = format!("drums:{note}");
            let mut opts = Map::new();
            opts.insert("step".into(), Dynamic::from_float(p.step_beats()));
            opts.insert("swing".into(), Dynamic::from_float(p.swing));
            let pitch = Dynamic::from_int(*note as i64);
            let pattern = parse_pattern(steps).or_else(|e| err(format!("drums(): {e}")))?;
            define(st, &track, &Dynamic::from_int(10), &pitch, pattern, &opts)?;
            keep.push(track);
        }
    }
    let session = &mut st.borrow_mut().session;
    session
        .drum_pattern
        .set((name != "off").then(|| name.to_string()));
    for n in old.iter().filter(|n| !keep.contains(n)) {
        let _ = session.stop_seq(n);
    }
    Ok(())
}
