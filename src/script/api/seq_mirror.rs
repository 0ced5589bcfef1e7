//! `seq("name").mirror(port, first_note[, #{ .. }])`: a controller's pads
//! show a sequence (lit steps, the playing step highlighted), following
//! every step and every edit. `mirror(port, #{ notes: [..] })` names each
//! step's pad; `mirror(false)` darkens the pads and stops. The pads
//! themselves are drawn by the session (`session::seq_mirror`).

use super::args::{self, err, Res};
use super::seq::SeqHandle;
use crate::script::state::Shared;
use crate::session::seq_mirror::Mirror;
use rhai::{Dynamic, Engine, Map};

/// Options of `seq(name).mirror(port, #{...})`.
pub const OPTIONS: &[&str] = &["channel", "on", "accent", "playing", "notes"];

/// Register `mirror` on sequence handles.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn(
        "mirror",
        move |h: &mut SeqHandle, port: &str, first: Dynamic| -> Res<SeqHandle> {
            mirror(&s, h, port, Some(&first), &Map::new())
        },
    );
    let s = st.clone();
    engine.register_fn(
        "mirror",
        move |h: &mut SeqHandle, port: &str, first: Dynamic, opts: Map| -> Res<SeqHandle> {
            mirror(&s, h, port, Some(&first), &opts)
        },
    );
    let s = st.clone();
    engine.register_fn(
        "mirror",
        move |h: &mut SeqHandle, port: &str, opts: Map| -> Res<SeqHandle> {
            mirror(&s, h, port, None, &opts)
        },
    );
    let s = st.clone();
    engine.register_fn("mirror", move |h: &mut SeqHandle, on: bool| -> Res<SeqHandle> {
        if on {
            return err("mirror(true): give the port and the first pad's note, e.g. .mirror(\"Launchpad\", 36)");
        }
        s.borrow_mut()
            .session
            .set_mirror(&h.name, None)
            .or_else(err)?;
        Ok(h.clone())
    });
}

/// A MIDI data byte (0-127) called `key`.
fn data_byte(v: &Dynamic, key: &str) -> Res<u8> {
    let n = args::int(v, "mirror", key)?;
    if (0..=127).contains(&n) {
        Ok(n as u8)
    } else {
        err(format!("mirror(): {key} must be 0-127, got {n}"))
    }
}

/// A MIDI byte option (0-127), or its default.
fn byte(opts: &Map, key: &str, default: u8) -> Res<u8> {
    opts.get(key).map_or(Ok(default), |v| data_byte(v, key))
}

/// The pads named by `notes: [..]`.
fn notes(v: &Dynamic) -> Res<Vec<u8>> {
    let Some(list) = v.read_lock::<rhai::Array>() else {
        return err(format!(
            "mirror(): notes must be an array of pad notes 0-127, got {}",
            v.type_name()
        ));
    };
    list.iter()
        .enumerate()
        .map(|(i, n)| match n.as_int() {
            Ok(n) if (0..=127).contains(&n) => Ok(n as u8),
            _ => err(format!(
                "mirror(): notes[{i}] is {n}: pad notes are whole numbers 0-127"
            )),
        })
        .collect()
}

fn mirror(
    st: &Shared,
    h: &SeqHandle,
    port: &str,
    first: Option<&Dynamic>,
    opts: &Map,
) -> Res<SeqHandle> {
    args::check_keys(opts, "mirror", OPTIONS)?;
    let steps = {
        let st = st.borrow();
        match st.session.seqs.get(&h.name) {
            Some(q) => q.pattern.len(),
            None => return err(format!("mirror(): no sequence named \"{}\"", h.name)),
        }
    };
    let first =
        match first {
            Some(f) => Some(data_byte(f, "first_note")?),
            None if opts.contains_key("notes") => None,
            None => return err(
                "mirror(): give the first pad's note, or #{ notes: [..] } with one pad per step",
            ),
        };
    let channel = match opts.get("channel") {
        Some(v) => args::channel(v, "mirror")?,
        None => 0,
    };
    let mut st = st.borrow_mut();
    let port = super::midi_out::open(&mut st, "mirror", port)?;
    let mut m = Mirror::new(port, first.unwrap_or(0), steps);
    if let Some(v) = opts.get("notes") {
        m.notes = notes(v)?;
        m.first_note = None;
    }
    m.channel = channel;
    m.on = byte(opts, "on", m.on)?;
    m.accent = byte(opts, "accent", m.accent)?;
    m.playing = byte(opts, "playing", m.playing)?;
    st.session.set_mirror(&h.name, Some(m)).or_else(err)?;
    Ok(h.clone())
}
