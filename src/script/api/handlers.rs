//! Controller handler bindings: `on_note(|ch, pitch, vel| ...)`,
//! `on_note_off(...)`, `on_cc(number, |ch, value| ...)`, `on_cc14(number,
//! |ch, value| ...)` (MSB + LSB as one 14-bit value), `on_nrpn(param, |ch,
//! value| ...)`, each also with a channel filter `(ch, ...)` or a port and
//! channel filter `("port", ch, ...)` (ch 0 = any); `handlers()` lists them.
//! The handlers live in the session (`session::handlers`).

use super::args::{self, err, Res};
use crate::script::state::Shared;
use crate::session::handlers::{Handler, Listen};
use rhai::{Array, Dynamic, Engine, FnPtr, NativeCallContext};

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    for name in ["on_note", "on_note_off"] {
        let listen = move |_: &Dynamic| -> Res<Listen> {
            Ok(if name == "on_note" {
                Listen::Note
            } else {
                Listen::NoteOff
            })
        };
        register_forms(engine, st, name, false, listen);
    }
    register_forms(engine, st, "on_cc", true, |n| {
        controller(n, "on_cc", 127).map(|n| Listen::Cc(n as u8))
    });
    register_forms(engine, st, "on_cc14", true, |n| {
        controller(n, "on_cc14", 31).map(|n| Listen::Cc14(n as u8))
    });
    register_forms(engine, st, "on_nrpn", true, |n| {
        controller(n, "on_nrpn", 16383).map(|n| Listen::Nrpn(n as u16))
    });
    let s = st.clone();
    engine.register_fn("handlers", move || -> Array {
        let names = s.borrow().session.handler_names();
        names.into_iter().map(Dynamic::from).collect()
    });
}

fn controller(v: &Dynamic, func: &str, max: i64) -> Res<i64> {
    let n = args::int(v, func, "number")?;
    if !(0..=max).contains(&n) {
        return err(format!("{func}(): number {n} is out of range 0 to {max}"));
    }
    Ok(n)
}

/// Register `name(f)`, `name(ch, f)`, `name(port, ch, f)`, each after the
/// controller number when `numbered`.
fn register_forms(
    engine: &mut Engine,
    st: &Shared,
    name: &'static str,
    numbered: bool,
    listen: impl Fn(&Dynamic) -> Res<Listen> + Clone + 'static,
) {
    let lead = usize::from(numbered);
    for filters in 0..=2usize {
        let arity = lead + filters + 1;
        let (s, listen) = (st.clone(), listen.clone());
        let types = vec![std::any::TypeId::of::<Dynamic>(); arity - 1]
            .into_iter()
            .chain([std::any::TypeId::of::<FnPtr>()])
            .collect::<Vec<_>>();
        engine.register_raw_fn(name, types, move |ctx: NativeCallContext, a| {
            let number = if numbered {
                a[0].clone()
            } else {
                Dynamic::UNIT
            };
            let listen = listen(&number)?;
            let (port, ch) = match filters {
                0 => (String::new(), None),
                1 => (String::new(), channel_filter(a[lead], name)?),
                _ => {
                    let port = a[lead].clone().into_string().or_else(|_| {
                        err(format!(
                            "{name}(): the port filter is a name (text), e.g. \"OP-XY\""
                        ))
                    })?;
                    (port, channel_filter(a[lead + 1], name)?)
                }
            };
            let f = a[arity - 1].clone().cast::<FnPtr>();
            let mut st = s.borrow_mut();
            let text = super::loops::call_text(&st.current_src, ctx.call_position());
            let Some(body) = st.callback(f, text, ctx.call_position()) else {
                return err(format!("{name}(): no script is running"));
            };
            let h = Handler {
                listen,
                port,
                channel: ch,
                body,
                error_shown: false,
            };
            st.session.define_handler(h);
            Ok(Dynamic::UNIT)
        });
    }
}

/// A channel 1-16, or 0 for any.
fn channel_filter(v: &Dynamic, func: &str) -> Res<Option<u8>> {
    if v.as_int() == Ok(0) {
        return Ok(None);
    }
    args::channel(v, func).map(Some)
}
