//! Time and transport: `tempo`, `now`, `sr`, `block`, `nchnls`, `play`,
//! `stop`, `panic`, `revert`, `lookahead`, `status`, and `help`.

use super::args::{self, err, Res};
use crate::script::help;
use crate::script::state::Shared;
use crate::session::state::RevertRequest;
use crate::time::{Beats, Seconds};
use rhai::{Dynamic, Engine};

/// A tempo ramp shorter than this many beats is a jump.
pub const MIN_RAMP_BEATS: f64 = 1.0 / 1024.0;

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("tempo", move || -> f64 {
        let st = s.borrow();
        st.session
            .tempo
            .bpm_at(st.session.tempo_beat(st.session.cursor))
    });
    let s = st.clone();
    engine.register_fn("tempo", move |bpm: Dynamic| -> Res<()> {
        let bpm = args::num(&bpm, "tempo", "bpm")?;
        if !(1.0..=1000.0).contains(&bpm) {
            let bpm_shown = args::shown(bpm);
            return err(format!("tempo(): bpm must be 1 to 1000, got {bpm_shown}"));
        }
        let mut st = s.borrow_mut();
        let at = st.session.tempo_beat(st.session.cursor);
        st.session.tempo.update(|t| t.set_tempo(at, bpm));
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("tempo", move |bpm: Dynamic, over: Dynamic| -> Res<()> {
        let bpm = args::num(&bpm, "tempo", "bpm")?;
        let over = args::num_in(&over, "tempo", "over_beats", 0.0, 1e6)?;
        if !(1.0..=1000.0).contains(&bpm) {
            let bpm_shown = args::shown(bpm);
            return err(format!("tempo(): bpm must be 1 to 1000, got {bpm_shown}"));
        }
        let mut st = s.borrow_mut();
        let at = st.session.tempo_beat(st.session.cursor);
        // A ramp shorter than a frame's worth of beats is a jump (a tiny
        // one made an infinite slope and a NaN tempo map).
        if over < MIN_RAMP_BEATS {
            st.session.tempo.update(|t| t.set_tempo(at, bpm));
        } else {
            let ramp = Beats(over);
            st.session.tempo.update(|t| t.ramp_tempo(at, bpm, ramp));
        }
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("play", move || s.borrow_mut().session.set_playing(true));
    let s = st.clone();
    engine.register_fn("stop", move || s.borrow_mut().session.set_playing(false));
    let s = st.clone();
    engine.register_fn("revert", move || {
        let req = RevertRequest {
            version: None,
            write: false,
        };
        s.borrow_mut().session.revert_requested.set(Some(req))
    });
    for with_opts in [false, true] {
        let s = st.clone();
        let f = move |n: Dynamic, opts: rhai::Map| -> Res<()> {
            let version = args::int(&n, "revert", "version")?;
            args::check_keys(&opts, "revert", &["write"])?;
            let write = match opts.get("write") {
                Some(w) => w
                    .as_bool()
                    .or_else(|_| err("revert(): write is true or false".to_string()))?,
                None => false,
            };
            let req = RevertRequest {
                version: Some(version),
                write,
            };
            s.borrow_mut().session.revert_requested.set(Some(req));
            Ok(())
        };
        if with_opts {
            engine.register_fn("revert", f);
        } else {
            engine.register_fn("revert", move |n: Dynamic| f(n, rhai::Map::new()));
        }
    }
    let s = st.clone();
    engine.register_fn("versions", move || {
        let st = s.borrow();
        let text = match st.versions.is_empty() {
            true => "versions(): no script is being watched (start tactus with a script file)"
                .to_string(),
            false => st.versions.join("\n"),
        };
        (st.printer)(&text);
    });
    let s = st.clone();
    engine.register_fn("keyboard", move |ch: Dynamic| -> Res<()> {
        let ch = args::channel(&ch, "keyboard")?;
        s.borrow_mut().session.keyboard_request.set(Some(ch + 1));
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("lookahead", move |ms: Dynamic| -> Res<()> {
        let ms = args::num_in(&ms, "lookahead", "ms", 0.0, 5000.0)?;
        s.borrow_mut().session.lookahead.set(Seconds(ms / 1000.0));
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("status", move || {
        let (text, printer) = {
            let st = s.borrow();
            (super::status::status(&st), st.printer.clone())
        };
        printer(&text);
    });
    let s = st.clone();
    engine.register_fn("now", move || -> f64 { s.borrow().session.cursor.0 });
    let s = st.clone();
    engine.register_fn("sr", move || -> rhai::INT {
        s.borrow().session.sr.0 as rhai::INT
    });
    let s = st.clone();
    engine.register_fn("block", move || -> rhai::INT {
        s.borrow().session.block_frames as rhai::INT
    });
    engine.register_fn("nchnls", || -> rhai::INT { 2 });
    let s = st.clone();
    engine.register_fn("panic", move || {
        let session = &mut s.borrow_mut().session;
        session.all_off();
        let frame = session.eval_frame;
        session
            .input_requests
            .push(crate::input::InputRequest::Panic { frame });
    });
    let s = st.clone();
    engine.register_fn("help", move || {
        let p = s.borrow().printer.clone();
        p(&help::render_all(help::terminal_width_cols()));
    });
    let s = st.clone();
    engine.register_fn("help", move |name: &str| -> Res<()> {
        let p = s.borrow().printer.clone();
        match help::render_name(name, help::terminal_width_cols()) {
            Some(text) => p(&text),
            None => {
                return err(format!(
                    "help(): no function named '{name}' (help() lists them all)"
                ))
            }
        }
        Ok(())
    });
}
