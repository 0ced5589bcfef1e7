//! Ableton Link: `link`, `link_quantum`, `link_start_stop`, `link_peers`.
//! Each binding changes the session's wish ([`LinkWant`]), which the live
//! thread carries out once the evaluation commits; `link_peers()` reads
//! what the live thread last saw.

use super::args::{self, err, Res};
use crate::script::state::Shared;
use crate::session::link_state::LinkWant;
use rhai::{Dynamic, Engine, INT};

/// The largest quantum (beats per shared bar).
pub const MAX_QUANTUM: f64 = 64.0;

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("link", move |on: bool| {
        change(&s, |w| w.on = on);
    });
    let s = st.clone();
    engine.register_fn("link", move || -> bool { s.borrow().session.link.on });
    let s = st.clone();
    engine.register_fn("link_quantum", move |q: Dynamic| -> Res<()> {
        let q = args::num(&q, "link_quantum", "beats")?;
        if !(q > 0.0 && q <= MAX_QUANTUM) {
            let q_shown = args::shown(q);
            return err(format!(
                "link_quantum(): beats per shared bar must be more than 0 and at most {MAX_QUANTUM}, got {q_shown} (4 is one 4/4 bar)"
            ));
        }
        change(&s, |w| w.quantum = q);
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("link_quantum", move || -> f64 {
        s.borrow().session.link.quantum
    });
    let s = st.clone();
    engine.register_fn("link_start_stop", move |on: bool| {
        change(&s, |w| w.start_stop = on);
    });
    let s = st.clone();
    engine.register_fn("link_peers", move || -> INT {
        let st = s.borrow();
        st.session.link_view.map_or(0, |v| v.peers as INT)
    });
}

/// Change the wish (journaled: a failed evaluation changes nothing).
fn change(st: &Shared, f: impl FnOnce(&mut LinkWant)) {
    st.borrow_mut().session.link.update(f);
}

/// `nudge("audio", ms)`: where the audio sits on Link's shared timeline.
pub fn nudge_audio(st: &Shared, ms: f64) {
    change(st, |w| w.audio_nudge_ms = ms);
}
