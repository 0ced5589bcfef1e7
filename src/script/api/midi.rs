//! MIDI input ports: `midi_in()` lists them, `midi_in("name")` opens one
//! (after the evaluation commits: a failed evaluation opens nothing).
//! What incoming messages do is in [`crate::session::midi_play`].

use super::args::{err, Res};
use crate::midi::input;
use crate::script::state::Shared;
use rhai::{Array, Dynamic, Engine};

/// Register `midi_in`.
pub fn register(engine: &mut Engine, st: &Shared) {
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
