//! Audio input: `input(ch)`, `input(ch, #{ device, channels })`,
//! `input(ch, false)`, `record_input`, `stop_record_input`.
//!
//! The bindings only queue a request in the session; the live thread opens
//! the device once the evaluation has committed, so a failed evaluation
//! opens nothing.

use super::args::{self, err, Res};
use crate::input::InputRequest;
use crate::record::{self, WavFormat};
use crate::script::state::Shared;
use rhai::{Dynamic, Engine, ImmutableString, Map};
use std::path::Path;

/// Options of `input(ch, #{...})`.
pub const INPUT_OPTIONS: &[&str] = &["device", "channels"];
/// Options of `record_input(path, #{...})`.
pub const RECORD_OPTIONS: &[&str] = &["bits"];

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("input", move |ch: Dynamic| -> Res<()> {
        connect(&s, &ch, &Map::new())
    });
    let s = st.clone();
    engine.register_fn("input", move |ch: Dynamic, opts: Map| -> Res<()> {
        connect(&s, &ch, &opts)
    });
    let s = st.clone();
    engine.register_fn("input", move |ch: Dynamic, on: bool| -> Res<()> {
        if on {
            return connect(&s, &ch, &Map::new());
        }
        let channel = args::channel(&ch, "input")?;
        let mut st = s.borrow_mut();
        let frame = st.session.frame_at(st.session.cursor);
        st.session
            .input_requests
            .push(InputRequest::Disconnect { channel, frame });
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("record_input", move || -> Res<ImmutableString> {
        record_input(&s, None, &Map::new())
    });
    let s = st.clone();
    engine.register_fn("record_input", move |name: &str| -> Res<ImmutableString> {
        record_input(&s, Some(name), &Map::new())
    });
    let s = st.clone();
    engine.register_fn(
        "record_input",
        move |name: &str, opts: Map| -> Res<ImmutableString> {
            record_input(&s, Some(name), &opts)
        },
    );
    let s = st.clone();
    engine.register_fn("stop_record_input", move || {
        s.borrow_mut()
            .session
            .input_requests
            .push(InputRequest::StopRecord);
    });
}

/// Queue `input(ch, opts)`: the capture device on channel `ch`.
fn connect(st: &Shared, ch: &Dynamic, opts: &Map) -> Res<()> {
    let channel = args::channel(ch, "input")?;
    args::check_keys(opts, "input", INPUT_OPTIONS)?;
    let device = match opts.get("device") {
        None => None,
        Some(d) if d.is_string() => Some(d.clone().into_string().unwrap_or_default()),
        Some(d) => {
            return err(format!(
                "input(): device must be a name (a string), got {d}"
            ))
        }
    };
    let channels = match opts.get("channels") {
        None => None,
        Some(c) => match args::int(c, "input", "channels")? {
            n @ (1 | 2) => Some(n as u16),
            n => return err(format!("input(): channels must be 1 or 2, got {n}")),
        },
    };
    let mut st = st.borrow_mut();
    let frame = st.session.frame_at(st.session.cursor);
    st.session.input_requests.push(InputRequest::Connect {
        channel,
        device,
        channels,
        frame,
    });
    Ok(())
}

/// Queue a recording of the raw input; returns the file's path.
fn record_input(st: &Shared, name: Option<&str>, opts: &Map) -> Res<ImmutableString> {
    args::check_keys(opts, "record_input", RECORD_OPTIONS)?;
    let format = match opts.get("bits") {
        None => WavFormat::default(),
        Some(b) => {
            let name = b.to_string();
            match WavFormat::from_name(name.trim_matches('"')) {
                Some(f) => f,
                None => {
                    return err(format!(
                        "record_input(): bits must be 24 or \"32f\", got {b}"
                    ))
                }
            }
        }
    };
    let path = record::resolve(Path::new(record::DEFAULT_DIR), name, "record_input", "wav")
        .or_else(|e| err(e.to_string()))?;
    st.borrow_mut()
        .session
        .input_requests
        .push(InputRequest::Record {
            path: path.clone(),
            format,
        });
    Ok(path.display().to_string().into())
}
