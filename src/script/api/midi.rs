//! MIDI input ports: `midi_in()` lists them, `midi_in("name")` opens one
//! (after the evaluation commits: a failed evaluation opens nothing).
//! What incoming messages do is in [`crate::session::midi_play`].
//! `clock("midi")` / `clock_in("name")` follow MIDI clock in
//! ([`crate::session::clock_follow`]), `clock("internal")` returns to the
//! tempo map, `clock()` says which.

use super::args::{err, Res};
use crate::midi::input;
use crate::script::state::Shared;
use crate::session::clock_follow::{ClockSource, CLOCK_SOURCES};
use rhai::{Array, Dynamic, Engine};

/// Register `midi_in`, `clock` and `clock_in`.
pub fn register(engine: &mut Engine, st: &Shared) {
    register_clock(engine, st);
    engine.register_fn("midi_in", || -> Res<Array> {
        match input::list() {
            Ok(names) => Ok(names.into_iter().map(Dynamic::from).collect()),
            Err(e) => err(e.to_string()),
        }
    });
    let s = st.clone();
    engine.register_fn("midi_in", move |name: &str| -> Res<String> {
        let mut st = s.borrow_mut();
        match st.midi.as_ref() {
            None => {
                err("midi_in(): MIDI input plays only in a live session (not in render or check)")
            }
            Some(Err(why)) => err(format!("midi_in(): no MIDI: {why}")),
            Some(Ok(_)) => {
                let port =
                    input::Inputs::resolve(name).or_else(|e| err(format!("midi_in(): {e}")))?;
                // Opened once the evaluation has committed (a failed one opens nothing).
                st.session.midi_in_opens.push(port.clone());
                Ok(port)
            }
        }
    });
}

fn register_clock(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("clock", move || -> String {
        s.borrow().session.clock_in.name().to_string()
    });
    let s = st.clone();
    engine.register_fn("clock", move |source: &str| -> Res<()> {
        let source = match source {
            "internal" => ClockSource::Internal,
            "midi" => ClockSource::Midi(None),
            other => {
                let valid: Vec<String> = CLOCK_SOURCES.iter().map(|c| format!("{c:?}")).collect();
                return err(format!(
                    "clock(): unknown source {other:?}; valid: {} (or clock_in(\"port\") to follow one input)",
                    valid.join(", ")
                ));
            }
        };
        s.borrow_mut().session.clock_in.set(source);
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("clock_in", move |name: &str| -> Res<String> {
        let mut st = s.borrow_mut();
        match st.midi.as_ref() {
            None => err(
                "clock_in(): MIDI clock in follows only in a live session (not in render or check)",
            ),
            Some(Err(why)) => err(format!("clock_in(): no MIDI: {why}")),
            Some(Ok(_)) => {
                let port =
                    input::Inputs::resolve(name).or_else(|e| err(format!("clock_in(): {e}")))?;
                st.session.midi_in_opens.push(port.clone());
                st.session
                    .clock_in
                    .set(ClockSource::Midi(Some(port.as_str().into())));
                Ok(port)
            }
        }
    });
}
