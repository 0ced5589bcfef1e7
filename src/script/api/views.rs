//! What things print as at the prompt: a sequence handle shows its step
//! grid, a channel handle its settings and level; `code("name")` shows the
//! code a loop runs and where it came from; `meters()` opens the live level
//! meters above the prompt.

use super::args::{err, Res};
use super::channels::ChannelHandle;
use super::seq::SeqHandle;
use super::status::{self, count};
use crate::command::CHANNELS;
use crate::script::state::{ScriptState, Shared};
use rhai::Engine;
use std::sync::atomic::Ordering;

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    for name in ["to_string", "to_debug"] {
        let s = st.clone();
        engine.register_fn(name, move |h: &mut SeqHandle| {
            let st = s.borrow();
            status::seq_view(&st.session, &h.name, status::beat_now(&st))
        });
        let s = st.clone();
        engine.register_fn(name, move |c: &mut ChannelHandle| {
            status::channel_line(&s.borrow(), c.index as usize)
        });
    }
    let s = st.clone();
    engine.register_fn("code", move |name: &str| -> Res<()> {
        let (text, printer) = {
            let st = s.borrow();
            let text = status::code(&st.session, name, status::beat_now(&st));
            (text, st.printer.clone())
        };
        printer(&text.or_else(err)?);
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("meters", move || -> Res<()> {
        let mut st = s.borrow_mut();
        if st.telemetry.is_none() {
            return err("meters(): there is no audio thread to measure (a render or a check); status() shows the session".to_string());
        }
        st.meters_request = true;
        Ok(())
    });
}

/// Width of the meters' bars.
const METER_CELLS: usize = 30;

/// The meters' text: one line per channel in use, then the master.
pub fn meters_text(st: &ScriptState) -> String {
    let Some(t) = &st.telemetry else {
        return String::new();
    };
    let mut out = Vec::new();
    for ch in 0..CHANNELS {
        let cell = &t.meters.channels[ch];
        let (peak, rms) = cell.read();
        let c = &st.session.channels[ch];
        let set_up = *c != crate::session::channels::ChannelConfig::default();
        if !set_up && cell.voices() == 0 && peak < 1e-5 {
            continue;
        }
        let what = status::instrument_name(c);
        out.push(format!(
            "ch {:>2} {what:<14.14} {} {:>9}",
            ch + 1,
            status::level_line(peak, rms, METER_CELLS),
            count(u64::from(cell.voices()), "voice")
        ));
    }
    let (peak, rms) = t.meters.master.read();
    let clips = t.meters.clipped_samples.load(Ordering::Relaxed);
    let clip = if clips > 0 {
        format!("  CLIP x{clips}")
    } else {
        String::new()
    };
    out.push(format!(
        "master{:<10} {}{clip}",
        "",
        status::level_line(peak, rms, METER_CELLS)
    ));
    out.join("\n")
}
