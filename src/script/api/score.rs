//! Csound score statements from scripts: `score(text)`, `score_abs(text)`,
//! `score_file(path)`, `advance`, `rewind`, `end`, `quiet`, `unquiet`,
//! `score_time`, `log_score`.

use super::args::{self, err, Res};
use crate::script::state::Shared;
use crate::session::log::ScoreLog;
use crate::session::scheduler::Item;
use crate::session::score::{parse_score_with, ScoreError};
use crate::session::score_play::{place, Placed};
use crate::session::Session;
use crate::time::Beats;
use rhai::{Dynamic, Engine, FLOAT};
use std::path::{Path, PathBuf};

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("score", move |text: &str| -> Res<()> {
        place_text(&s, text, "score", false)
    });
    let s = st.clone();
    engine.register_fn("score_abs", move |text: &str| -> Res<()> {
        place_text(&s, text, "score_abs", true)
    });
    let s = st.clone();
    engine.register_fn("score_file", move |path: &str| -> Res<()> {
        let text = crate::files::read_text(std::path::Path::new(path))
            .or_else(|e| err(format!("score_file(): {e}")))?;
        let mut st = s.borrow_mut();
        let at = st.session.cursor;
        place_in(&mut st.session, &text, at, at, &beside(path), false)
            .map_err(|m| err::<()>(format!("{path}:{m}")).unwrap_err())?;
        Ok(())
    });
    for arity in [1, 2] {
        let s = st.clone();
        engine.register_raw_fn(
            "advance",
            vec![std::any::TypeId::of::<Dynamic>(); arity],
            move |_ctx, a| {
                let beats = args::num(a[0], "advance", "beats")?;
                let at = if arity == 2 {
                    args::num(a[1], "advance", "at")?
                } else {
                    0.0
                };
                if beats < 0.0 || at < 0.0 {
                    let beats_shown = args::shown(beats);
                    let at_shown = args::shown(at);
                    return err(format!(
                        "advance(): beats and at must be 0 or more, got {beats_shown}, {at_shown}"
                    ));
                }
                let mut st = s.borrow_mut();
                let from = st.session.cursor.0 + at;
                args::on_time(from + beats, "advance", "the skip")?;
                st.session.scheduler.skip(from, beats);
                Ok(())
            },
        );
    }
    let s = st.clone();
    engine.register_fn("rewind", move || rewind(&mut s.borrow_mut().session));
    let s = st.clone();
    engine.register_fn("end", move || {
        let mut st = s.borrow_mut();
        let at = st.session.cursor;
        st.session.end_at.set(Some(at));
    });
    let s = st.clone();
    engine.register_fn("end", move |at: Dynamic| -> Res<()> {
        let at = args::num_in(&at, "end", "at", 0.0, f64::MAX)?;
        let mut st = s.borrow_mut();
        let at = args::on_time(st.session.cursor.0 + at, "end", "the end")?;
        st.session.end_at.set(Some(at));
        Ok(())
    });
    for (name, on) in [("quiet", false), ("unquiet", true)] {
        let s = st.clone();
        engine.register_fn(name, move |ch: Dynamic| -> Res<()> {
            let channel = args::channel(&ch, name)?;
            let mut st = s.borrow_mut();
            let at = st.session.cursor;
            st.session.scheduler.push(at, Item::Quiet { channel, on });
            Ok(())
        });
    }
    let s = st.clone();
    engine.register_fn("score_time", move || -> FLOAT {
        s.borrow().session.score_time()
    });
    register_log(engine, st);
}

fn register_log(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("log_score", move |path: &str| -> Res<()> {
        let mut st = s.borrow_mut();
        let session = &mut st.session;
        let log = ScoreLog::create(std::path::Path::new(path), session)
            .or_else(|e| err(format!("log_score(): cannot write \"{path}\": {e}")))?;
        session.log.replace(Some(log));
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("stop_log_score", move || {
        s.borrow_mut().session.log.replace(None);
    });
}

/// Parse and place score text; errors name the score's line and column.
fn place_text(st: &Shared, text: &str, func: &str, absolute: bool) -> Res<()> {
    let (placed, printer) = {
        let mut st = st.borrow_mut();
        let now = st.session.cursor;
        let base = if absolute {
            *st.session.score_origin
        } else {
            now
        };
        let placed = place_in(&mut st.session, text, base, now, Path::new("."), false)
            .or_else(|m| err(format!("{func}(): score line {m}")))?;
        (placed, st.printer.clone())
    };
    if placed.skipped_past > 0 {
        printer(&format!(
            "{func}(): {} event(s) already past were skipped",
            placed.skipped_past
        ));
    }
    Ok(())
}

/// The directory of a score file, where its `#include`s are looked for.
pub fn beside(file: &str) -> PathBuf {
    Path::new(file)
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Parse `text` and place it with score time 0 at `base`; `#include`d
/// files are read from `dir`; `lenient`: see [`place`]. The error is
/// "line:col: message" within the text.
pub fn place_in(
    session: &mut Session,
    text: &str,
    base: Beats,
    not_before: Beats,
    dir: &Path,
    lenient: bool,
) -> Result<Placed, ScoreError> {
    let include = |name: &str| {
        let path = dir.join(name);
        crate::files::read_text(&path).map_err(String::from)
    };
    let stmts = parse_score_with(text, &include)?;
    let placed = place(session, &stmts, base, not_before, lenient)?;
    let rel = base.0 - session.score_origin.0;
    session.score_history.push((rel, stmts));
    Ok(placed)
}

/// Csound `rewind`: the score texts placed so far play again from the cursor.
fn rewind(session: &mut Session) {
    let now = session.cursor.0;
    session
        .scheduler
        .rebuild(|b, from_score| (!from_score || b < now).then_some(b));
    let origin = session.cursor;
    session.score_origin.set(origin);
    // Each text was placed once already: placing it again cannot fail anew.
    for (rel, stmts) in session.score_history.to_vec() {
        let base = Beats(origin.0 + rel);
        let _ = place(session, &stmts, base, base, false);
    }
}
