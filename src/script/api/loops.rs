//! Live loop bindings: `live_loop(name, beats, |i| { ... })`, `stop_loop(name)`,
//! `loops()`, and state that survives reloads: `set(key, value)`, `get(key)`.
//! The loops themselves live in the session (`session::loops`).

use super::args::{self, err, Res};
use crate::script::state::Shared;
use crate::time::Beats;
use rhai::{Array, Dynamic, Engine, FnPtr, NativeCallContext};

pub use crate::script::lex::call_text;

/// The shortest loop period, in beats: 1/256 beat is 11 frames at the
/// fastest tempo (1000 bpm, 48 kHz); shorter ones could not advance the
/// clock at all and would hang the script thread.
pub const MIN_PERIOD_BEATS: f64 = 1.0 / 256.0;

/// The longest loop period, in beats (about 18 hours at 60 bpm): beyond
/// the time horizon beats no longer map to frames.
pub const MAX_PERIOD_BEATS: f64 = 65_536.0;

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn(
        "live_loop",
        move |ctx: NativeCallContext, name: &str, beats: Dynamic, f: FnPtr| -> Res<()> {
            let period = args::num(&beats, "live_loop", "beats")?;
            if !(MIN_PERIOD_BEATS..=MAX_PERIOD_BEATS).contains(&period) {
                let period_shown = args::shown(period);
                return err(format!(
                    "live_loop(): beats must be {MIN_PERIOD_BEATS} (1/256) to {MAX_PERIOD_BEATS}, got {period_shown}"
                ));
            }
            if name.is_empty() {
                return err("live_loop(): the loop needs a name");
            }
            let mut st = s.borrow_mut();
            let text = call_text(&st.current_src, ctx.call_position());
            let Some(body) = st.callback(f, text, ctx.call_position()) else {
                return err("live_loop(): no script is running");
            };
            let session = &mut st.session;
            let start = session.next_bar(session.cursor.0);
            session.define_loop(name, body, period, Beats(start));
            Ok(())
        },
    );
    let s = st.clone();
    engine.register_fn("stop_loop", move |name: &str| -> Res<()> {
        s.borrow_mut().session.stop_loop(name).or_else(err)
    });
    let s = st.clone();
    engine.register_fn("loops", move || -> Array {
        let names = s.borrow().session.loop_names();
        names.into_iter().map(Dynamic::from).collect()
    });
    let s = st.clone();
    engine.register_fn("set", move |key: &str, value: Dynamic| {
        s.borrow_mut().session.kept.insert(key.to_string(), value);
    });
    let s = st.clone();
    engine.register_fn("get", move |key: &str| -> Dynamic {
        let st = s.borrow();
        st.session.kept.get(key).cloned().unwrap_or(Dynamic::UNIT)
    });
}
