//! MIDI output: `midi_out()` lists the outputs, `midi_out("name")` opens
//! one, the channel options `midi_out`, `midi_channel` and `sound` route a
//! channel's notes there, `midi_send` sends raw bytes, `midi_cc` and
//! `midi_bend` send a channel's controllers, and `nudge` shifts an output
//! in time. Messages go through the session's journaled MIDI outbox.

use super::args::{self, err, Res};
use crate::midi::output::{self, OutCmd};
use crate::script::state::{MidiOutState, ScriptState, Shared};
use rhai::{Array, Dynamic, Engine, Map};
use std::sync::Arc;

/// Channel options of this area.
pub const CHANNEL_OPTIONS: &[&str] = &["midi_out", "midi_channel", "sound"];
/// Options of `midi_out(name, #{...})`.
pub const OPTIONS: &[&str] = &["nudge"];

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("midi_out", move || -> Res<Array> {
        let st = s.borrow();
        match &st.midi_out {
            MidiOutState::Offline => Ok(Array::new()),
            MidiOutState::Unavailable(why) => err(format!("midi_out(): no MIDI: {why}")),
            MidiOutState::Live(v) => output::output_names(v.as_deref())
                .map(|n| n.into_iter().map(Dynamic::from).collect())
                .or_else(|e| err(format!("midi_out(): {e}"))),
        }
    });
    let s = st.clone();
    engine.register_fn("midi_out", move |name: &str| -> Res<String> {
        let mut st = s.borrow_mut();
        let port = open(&mut st, "midi_out", name)?;
        st.session.midi_default.set(Some(port.clone()));
        Ok(port.to_string())
    });
    let s = st.clone();
    engine.register_fn("midi_out", move |name: &str, opts: Map| -> Res<String> {
        args::check_keys(&opts, "midi_out", OPTIONS)?;
        let mut st = s.borrow_mut();
        let port = open(&mut st, "midi_out", name)?;
        st.session.midi_default.set(Some(port.clone()));
        if let Some(ms) = opts.get("nudge") {
            set_nudge(&mut st, &port, nudge_ms(ms)?);
        }
        Ok(port.to_string())
    });
    let s = st.clone();
    engine.register_fn("nudge", move |ms: Dynamic| -> Res<()> {
        let ms = nudge_ms(&ms)?;
        if s.borrow().session.midi_default.is_none() {
            super::link::nudge_audio(&s, ms);
            return Ok(());
        }
        let mut st = s.borrow_mut();
        let Some(port) = (*st.session.midi_default).clone() else {
            return err("nudge(ms): no MIDI output chosen yet");
        };
        set_nudge(&mut st, &port, ms);
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("nudge", move |name: &str, ms: Dynamic| -> Res<()> {
        let ms = nudge_ms(&ms)?;
        if name == "audio" {
            super::link::nudge_audio(&s, ms);
            return Ok(());
        }
        let mut st = s.borrow_mut();
        let port = open(&mut st, "nudge", name)?;
        set_nudge(&mut st, &port, ms);
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("midi_send", move |name: &str, bytes: Array| -> Res<()> {
        let ints = bytes
            .iter()
            .enumerate()
            .map(|(i, b)| {
                b.as_int().or_else(|_| {
                    err(format!(
                        "midi_send(): byte {} is {} ({}), not a whole number 0-255",
                        i + 1,
                        b,
                        b.type_name()
                    ))
                })
            })
            .collect::<Res<Vec<i64>>>()?;
        let bytes = output::validate(&ints)
            .or_else(|e| err(format!("midi_send(): {e}; nothing was sent")))?;
        let mut st = s.borrow_mut();
        let port = open(&mut st, "midi_send", name)?;
        let frame = st.session.frame_at(st.session.cursor).0;
        st.session
            .midi_outbox
            .push(OutCmd::Send { port, frame, bytes });
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("clock_out", move |name: &str| -> Res<String> {
        let mut st = s.borrow_mut();
        let port = open(&mut st, "clock_out", name)?;
        st.session.set_clock_out(Some(port.clone()));
        Ok(port.to_string())
    });
    let s = st.clone();
    engine.register_fn("clock_out", move |on: bool| -> Res<()> {
        if on {
            return err("clock_out(true): give the output, e.g. clock_out(\"TR-8\")");
        }
        s.borrow_mut().session.set_clock_out(None);
        Ok(())
    });
    let s = st.clone();
    engine.register_fn(
        "midi_cc",
        move |ch: Dynamic, number: Dynamic, value: Dynamic| -> Res<()> {
            let ch = args::channel(&ch, "midi_cc")?;
            let n = args::int(&number, "midi_cc", "controller")?;
            let v = args::int(&value, "midi_cc", "value")?;
            if !(0..=127).contains(&n) || !(0..=127).contains(&v) {
                return err(format!(
                    "midi_cc(): controller and value are 0-127, got {n} and {v}"
                ));
            }
            send_to_channel(&s, ch, 0xB0, &[n as u8, v as u8])
        },
    );
    let s = st.clone();
    engine.register_fn(
        "midi_bend",
        move |ch: Dynamic, amount: Dynamic| -> Res<()> {
            let ch = args::channel(&ch, "midi_bend")?;
            let a = args::num_in(&amount, "midi_bend", "amount", -1.0, 1.0)?;
            let v = ((a * 8192.0).round() as i64 + 8192).clamp(0, 16383) as u16;
            send_to_channel(&s, ch, 0xE0, &[(v & 0x7F) as u8, (v >> 7) as u8])
        },
    );
}

fn send_to_channel(s: &Shared, ch: u8, status: u8, data: &[u8]) -> Res<()> {
    let mut st = s.borrow_mut();
    let session = &mut st.session;
    if session.channels[ch as usize].midi.port.is_none() {
        return err(format!(
            "channel {} does not go to MIDI: set channel({}, #{{ midi_out: \"name\" }}) first",
            ch + 1,
            ch + 1
        ));
    }
    let frame = session.frame_at(session.cursor);
    session.midi_to_channel(ch, frame, status, data);
    Ok(())
}

fn nudge_ms(v: &Dynamic) -> Res<f64> {
    args::num_in(v, "nudge", "ms", -1000.0, 1000.0)
}

fn set_nudge(st: &mut ScriptState, port: &Arc<str>, ms: f64) {
    st.session.midi_nudge.insert(port.to_string(), ms);
    st.session.midi_outbox.push(OutCmd::Nudge(port.clone(), ms));
}

/// The output matching `name` (opened at the end of the evaluation).
pub(crate) fn open(st: &mut ScriptState, func: &str, name: &str) -> Res<Arc<str>> {
    let port: Arc<str> = match &st.midi_out {
        MidiOutState::Offline => name.into(),
        MidiOutState::Unavailable(why) => return err(format!("{func}(): no MIDI: {why}")),
        MidiOutState::Live(v) => output::resolve(name, v.as_deref())
            .or_else(|e| err(format!("{func}(): {e}")))?
            .into(),
    };
    st.session.midi_outbox.push(OutCmd::Open(port.clone()));
    Ok(port)
}

/// Set `midi_out`, `midi_channel` or `sound` on a channel.
pub fn set_option(s: &Shared, index: u8, key: &str, v: &Dynamic) -> Res<()> {
    let mut st = s.borrow_mut();
    let mut route = st.session.channels[index as usize].midi.clone();
    match key {
        "midi_out" => {
            route.port = if let Ok(on) = v.as_bool() {
                match (on, (*st.session.midi_default).clone()) {
                    (false, _) => None,
                    (true, Some(p)) => Some(p),
                    (true, None) => return err("channel(): midi_out: true needs an output: call midi_out(\"name\") first, or give the name: #{ midi_out: \"name\" }"),
                }
            } else if v.is_unit() {
                None
            } else if let Ok(name) = v.clone().into_string() {
                Some(open(&mut st, "channel", &name)?)
            } else {
                return err(format!(
                    "channel(): midi_out must be a port name, true or false, got {}",
                    v.type_name()
                ));
            };
        }
        "midi_channel" => {
            let m = args::int(v, "channel", "midi_channel")?;
            if !(1..=16).contains(&m) {
                return err(format!("channel(): midi_channel must be 1-16, got {m}"));
            }
            route.channel = Some((m - 1) as u8);
        }
        "sound" => {
            route.sound = v
                .as_bool()
                .or_else(|_| err("channel(): sound must be true or false"))?;
        }
        _ => return err(format!("channel(): unknown MIDI option '{key}'")),
    }
    st.session
        .channels
        .update(|all| all[index as usize].midi = route);
    Ok(())
}

/// Read back `midi_out`, `midi_channel` or `sound`.
pub fn get_option(st: &ScriptState, index: u8, key: &str) -> Dynamic {
    let r = &st.session.channels[index as usize].midi;
    match key {
        "midi_out" => r
            .port
            .as_ref()
            .map_or(Dynamic::UNIT, |p| p.to_string().into()),
        "midi_channel" => (r.channel.unwrap_or(index) as rhai::INT + 1).into(),
        _ => r.sound.into(),
    }
}
