//! Saved sessions: `save_session("set.json")`, `load_session("set.json")`
//! (the file format is in `session::snapshot`).

use super::args::{err, Res};
use crate::script::state::Shared;
use crate::session::snapshot::{SessionFile, Vocab};
use crate::session::Session;
use rhai::Engine;
use std::path::Path;

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("save_session", move |path: &str| -> Res<()> {
        let json = s.borrow().session.snapshot().to_json();
        write(Path::new(path), &json)
            .or_else(|e| err(format!("save_session(): cannot write \"{path}\": {e}")))
    });
    let s = st.clone();
    engine.register_fn("load_session", move |path: &str| -> Res<()> {
        load(&mut s.borrow_mut().session, path).or_else(|e| err(format!("load_session(): {e}")))
    });
}

/// What the script layer tells a session file's reader.
pub fn vocab() -> Vocab {
    Vocab {
        instruments: super::presets::names(),
        fx_options: super::fx::FX_OPTIONS,
        fx_range: super::fx::range,
        fx_param: super::fx::param,
        fx_off: super::fx::off,
        max_volume: super::channels::MAX_VOLUME,
    }
}

/// Read, check and restore the session in `path` (nothing changes when
/// the file is unreadable, not a session, newer or damaged).
///
/// # Errors
/// One line naming the file and what is wrong with it.
pub fn load(session: &mut Session, path: &str) -> Result<(), String> {
    let file = read(path)?;
    session.restore(&file, &vocab());
    Ok(())
}

/// Read and check a session file without loading it (`tactus --session`
/// checks before the audio starts).
///
/// # Errors
/// As [`load`].
pub fn check(path: &str) -> Result<(), String> {
    read(path).map(|_| ())
}

fn read(path: &str) -> Result<SessionFile, String> {
    let text = crate::files::read_bytes(Path::new(path)).map_err(String::from)?;
    let text = String::from_utf8(text)
        .map_err(|_| format!("{path} is not a Tactus session: it is not text"))?;
    SessionFile::parse(path, &text, &vocab()).map_err(|e| e.to_string())
}

/// Write through a temporary file beside `path`, renamed over it: a failed
/// write leaves the old file whole (and no temporary file); a device, FIFO
/// or directory is refused.
fn write(path: &Path, text: &str) -> std::io::Result<()> {
    crate::out_file::write_whole(path, &[], text.as_bytes()).map_err(std::io::Error::other)
}
