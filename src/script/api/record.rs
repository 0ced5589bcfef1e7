//! Recording what is heard: `record_audio`, `stop_record_audio`.
//!
//! The bindings only queue a request in the session; the live thread opens
//! the file and installs the tap once the evaluation has committed, so a
//! failed evaluation opens nothing.

use super::args::{self, err, Res};
use crate::record::{self, RecordRequest, WavFormat};
use crate::script::state::Shared;
use rhai::{Dynamic, Engine, ImmutableString, Map};
use std::path::Path;

/// Options of `record_audio(path, #{...})`.
pub const OPTIONS: &[&str] = &["bits"];

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("record_audio", move || -> Res<ImmutableString> {
        start(&s, None, &Map::new())
    });
    let s = st.clone();
    engine.register_fn("record_audio", move |name: &str| -> Res<ImmutableString> {
        start(&s, Some(name), &Map::new())
    });
    let s = st.clone();
    engine.register_fn(
        "record_audio",
        move |name: &str, opts: Map| -> Res<ImmutableString> { start(&s, Some(name), &opts) },
    );
    let s = st.clone();
    engine.register_fn("stop_record_audio", move || {
        let mut st = s.borrow_mut();
        let frame = st.session.frame_at(st.session.cursor);
        st.session.audio_records.push(RecordRequest::Stop { frame });
    });
}

/// Queue a recording of the master output; returns the file's path.
fn start(st: &Shared, name: Option<&str>, opts: &Map) -> Res<ImmutableString> {
    args::check_keys(opts, "record_audio", OPTIONS)?;
    let format = match opts.get("bits") {
        None => WavFormat::default(),
        Some(b) => bits(b)?,
    };
    let path = record::resolve(Path::new(record::DEFAULT_DIR), name, "record_audio", "wav")
        .or_else(|e| err(e.to_string()))?;
    let mut st = st.borrow_mut();
    let frame = st.session.frame_at(st.session.cursor);
    st.session.audio_records.push(RecordRequest::Start {
        path: path.clone(),
        format,
        frame,
    });
    Ok(path.display().to_string().into())
}

fn bits(v: &Dynamic) -> Res<WavFormat> {
    let name = if v.is_string() {
        v.clone().into_string().unwrap_or_default()
    } else {
        v.as_int().map(|n| n.to_string()).unwrap_or_default()
    };
    WavFormat::from_name(&name).map_or_else(
        || {
            err(format!(
                "record_audio(): bits must be 24 or \"32f\", got {v}"
            ))
        },
        Ok,
    )
}
