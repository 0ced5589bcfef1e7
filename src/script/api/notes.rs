//! Notes and events: `note`, `i`, `wait` (and `sleep`, its Sonic Pi name), `at`, and the pitch constructors
//! `hz`, `oct`, `pch`.

use super::args::{self, err, Res};
use crate::command::Source;
use crate::pitch::{oct_to_hz, pch_to_oct, Pitch};
use crate::script::state::Shared;
use crate::session::channels::EnvSpec;
use crate::session::ievent::{i_event, PVal};
use crate::session::scheduler::Item;
use rhai::{Dynamic, Engine, FnPtr, Map, NativeCallContext};
use std::any::TypeId;

pub use crate::pitch::vel_to_amp;

/// Velocity used when a note gives neither `vel` nor `amp`.
pub const DEFAULT_VEL: f64 = 90.0;

/// Options of `note(ch, pitch, dur, #{...})`.
pub const NOTE_OPTIONS: &[&str] = &["vel", "amp", "at", "pan", "env", "table"];

/// `wait(beats)` / `sleep(beats)`: move the logical cursor forward.
fn wait(st: &Shared, beats: &Dynamic, func: &str) -> Res<()> {
    let b = args::num(beats, func, "beats")?;
    if b < 0.0 {
        let b_shown = args::shown(b);
        return err(format!("{func}(): beats must be 0 or more, got {b_shown}"));
    }
    let mut st = st.borrow_mut();
    let to = args::on_time(st.session.cursor.0 + b, func, "the cursor")?;
    st.session.cursor = to;
    Ok(())
}

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("note", move |ch: Dynamic, p: Dynamic, d: Dynamic| {
        note(&s, &ch, &p, &d, &Map::new())
    });
    let s = st.clone();
    engine.register_fn(
        "note",
        move |ch: Dynamic, p: Dynamic, d: Dynamic, o: Map| note(&s, &ch, &p, &d, &o),
    );
    for arity in 3..=13 {
        let s = st.clone();
        engine.register_raw_fn(
            "i",
            vec![TypeId::of::<Dynamic>(); arity],
            move |_ctx: NativeCallContext, a| {
                let fields: Vec<Dynamic> = a.iter().map(|d| (**d).clone()).collect();
                i_statement(&s, &fields)
            },
        );
    }
    let s = st.clone();
    engine.register_fn("wait", move |beats: Dynamic| wait(&s, &beats, "wait"));
    // `sleep` as in Sonic Pi: the same as `wait`. Registered for both number
    // types, so it shadows Rhai's own `sleep(INT)` / `sleep(FLOAT)`, which
    // would block the script thread and drop music.
    let s = st.clone();
    engine.register_fn("sleep", move |beats: rhai::INT| {
        wait(&s, &Dynamic::from_int(beats), "sleep")
    });
    let s = st.clone();
    engine.register_fn("sleep", move |beats: rhai::FLOAT| {
        wait(&s, &Dynamic::from_float(beats), "sleep")
    });
    let s = st.clone();
    engine.register_fn("sleep", move |beats: Dynamic| wait(&s, &beats, "sleep"));
    let s = st.clone();
    engine.register_fn(
        "at",
        move |ctx: NativeCallContext, beats: Dynamic, f: FnPtr| -> Res<()> {
            let b = args::num(&beats, "at", "beats")?;
            if b < 0.0 {
                let b_shown = args::shown(b);
                return err(format!(
                    "at(): beats must be 0 or more (the past cannot be scheduled), got {b_shown}"
                ));
            }
            let mut st = s.borrow_mut();
            let when = args::on_time(st.session.cursor.0 + b, "at", "the call")?;
            match st.add_call(f, ctx.call_position()) {
                Some(id) => st.session.scheduler.push(when, Item::Call(id)),
                None => return err("at(): no script is running"),
            }
            Ok(())
        },
    );
    engine.register_type_with_name::<Pitch>("Pitch");
    engine.register_fn("to_string", |p: &mut Pitch| p.to_string());
    engine.register_fn("to_debug", |p: &mut Pitch| format!("hz({})", p.hz));
    engine.register_fn("hz", |x: Dynamic| -> Res<Pitch> {
        let hz = args::num(&x, "hz", "frequency")?;
        if hz <= 0.0 {
            let hz_shown = args::shown(hz);
            return err(format!("hz(): frequency must be above 0, got {hz_shown}"));
        }
        Ok(Pitch { hz })
    });
    engine.register_fn("oct", |x: Dynamic| -> Res<Pitch> {
        let o = args::num_in(&x, "oct", "octave", 0.0, 16.0)?;
        Ok(Pitch { hz: oct_to_hz(o) })
    });
    engine.register_fn("pch", |x: Dynamic| -> Res<Pitch> {
        let p = args::num_in(&x, "pch", "pitch class", 0.0, 16.0)?;
        Ok(Pitch {
            hz: oct_to_hz(pch_to_oct(p)),
        })
    });
}

/// `note(ch, pitch, dur, opts)` (also used by `chord`).
pub fn note(st: &Shared, ch: &Dynamic, pitch: &Dynamic, dur: &Dynamic, opts: &Map) -> Res<()> {
    let ch = args::channel(ch, "note")?;
    let freq_hz = args::pitch_hz(pitch, "note")?;
    let dur = args::num(dur, "note", "dur")?;
    if dur < 0.0 {
        let dur_shown = args::shown(dur);
        return err(format!(
            "note(): dur must be 0 or more beats, got {dur_shown}"
        ));
    }
    args::check_keys(opts, "note", NOTE_OPTIONS)?;
    let mut st = st.borrow_mut();
    let mut spec = st.session.channels[ch as usize].note(ch, freq_hz, vel_to_amp(DEFAULT_VEL), dur);
    let mut at = 0.0;
    for (k, v) in opts {
        match k.as_str() {
            "vel" => spec.amp = vel_to_amp(args::num_in(v, "note", "vel", 0.0, 127.0)?),
            "amp" => spec.amp = args::num_in(v, "note", "amp", 0.0, 1.0)?,
            "at" => at = args::num(v, "note", "at")?,
            "pan" => spec.pan = args::num_in(v, "note", "pan", 0.0, 1.0)?,
            "env" => spec.env = env_arg(v, "note")?,
            "table" => spec.source = Source::Table(table_arg(&st.session, v, "note")?),
            _ => {}
        }
    }
    if at < 0.0 {
        let at_shown = args::shown(at);
        return err(format!(
            "note(): at must be 0 or more beats, got {at_shown}"
        ));
    }
    check_source(&st.session, spec.source, "note")?;
    check_drum_key(spec.source, spec.freq_hz, ch, "note")?;
    let when = args::on_time(st.session.cursor.0 + at, "note", "the note")?;
    st.session.schedule_note(when, spec);
    Ok(())
}

/// `i(p1, p2, p3, ...)`: the p-field map of [`crate::session::ievent`].
fn i_statement(st: &Shared, p: &[Dynamic]) -> Res<()> {
    let fields: Vec<Option<PVal>> = p.iter().map(pval).collect();
    let mut st = st.borrow_mut();
    let ev = i_event(&st.session, &fields).or_else(|e| err(format!("i(): {e}")))?;
    let when = args::on_time(st.session.cursor.0 + ev.start_beats, "i", "the note")?;
    st.session.schedule_note(when, ev.note);
    Ok(())
}

/// A script value as a p-field (`()` leaves the field to its default).
fn pval(d: &Dynamic) -> Option<PVal> {
    if d.is_unit() {
        None
    } else if let Ok(i) = d.as_int() {
        Some(PVal::Num(i as f64))
    } else if let Ok(f) = d.as_float() {
        Some(PVal::Num(f))
    } else if let Some(p) = d.clone().try_cast::<Pitch>() {
        Some(PVal::Hz(p.hz))
    } else {
        Some(PVal::Str(d.to_string()))
    }
}

/// An envelope value (`adsr(...)` or `linen(...)`).
pub fn env_arg(v: &Dynamic, func: &str) -> Res<EnvSpec> {
    v.clone().try_cast::<EnvSpec>().map_or_else(
        || {
            err(format!(
                "{func}(): env must be adsr(a, d, s, r) or linen(rise, decay), got {}",
                v.type_name()
            ))
        },
        Ok,
    )
}

/// A table number that exists.
pub fn table_arg(session: &crate::session::Session, v: &Dynamic, func: &str) -> Res<u32> {
    let n = super::tables::table_number(v, func)?;
    check_source(session, Source::Table(n), func)?;
    Ok(n)
}

/// A table source must name a table that exists.
pub fn check_source(session: &crate::session::Session, source: Source, func: &str) -> Res<()> {
    match source {
        Source::Drum => Ok(()),
        Source::Table(n) | Source::Sample { table: n, .. } => session
            .check_table(n)
            .or_else(|e| err(format!("{func}(): {e}"))),
        _ => Ok(()),
    }
}

/// On a drum channel, a pitch must be a drum of the General MIDI kit
/// (MIDI 35-81, after rounding): one error naming the valid keys otherwise.
pub fn check_drum_key(source: Source, freq_hz: f64, ch: u8, func: &str) -> Res<()> {
    use crate::audio::drums::KIT;
    if source != Source::Drum {
        return Ok(());
    }
    let key = (69.0 + 12.0 * (freq_hz / 440.0).log2()).round();
    if KIT.iter().any(|&(k, _)| k as f64 == key) {
        return Ok(());
    }
    let (lo, hi) = (KIT[0], KIT[KIT.len() - 1]);
    let key_shown = args::shown(key);
    err(format!(
        "{func}(): channel {} plays General MIDI drums: pitch {key_shown} is not a drum; the drums are {}-{} ({} {}, 36 {}, 38 {}, 42 {}, ... {} {})",
        ch + 1,
        lo.0,
        hi.0,
        lo.0,
        lo.1,
        kit_name(36),
        kit_name(38),
        kit_name(42),
        hi.0,
        hi.1
    ))
}

fn kit_name(key: u8) -> &'static str {
    crate::audio::drums::KIT
        .iter()
        .find(|&&(k, _)| k == key)
        .map_or("?", |&(_, n)| n)
}
