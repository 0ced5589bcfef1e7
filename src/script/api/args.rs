//! Turning script values into engine values, with one clear message when a
//! value does not fit (the engine adds the call's position).

use crate::command::CHANNELS;
use crate::pitch::{midi_to_hz, parse_note_name, Pitch};
use rhai::{Dynamic, EvalAltResult, Map, Position};

/// The result type of bindings.
pub type Res<T> = Result<T, Box<EvalAltResult>>;

/// A runtime error with a message (its position is filled in by the engine).
pub fn err<T>(msg: impl Into<String>) -> Res<T> {
    Err(EvalAltResult::ErrorRuntime(msg.into().into(), Position::NONE).into())
}

/// A number (integer or float).
pub fn num(v: &Dynamic, func: &str, what: &str) -> Res<f64> {
    if let Ok(i) = v.as_int() {
        return Ok(i as f64);
    }
    if let Ok(f) = v.as_float() {
        if f.is_finite() {
            return Ok(f);
        }
        return err(format!("{func}(): {what} must be a finite number, got {f}"));
    }
    err(format!(
        "{func}(): {what} must be a number, got {}",
        v.type_name()
    ))
}

/// A number that must lie in a range.
pub fn num_in(v: &Dynamic, func: &str, what: &str, lo: f64, hi: f64) -> Res<f64> {
    let x = num(v, func, what)?;
    if x < lo || x > hi {
        return err(format!(
            "{func}(): {what} {} is out of range {lo} to {hi}",
            shown(x)
        ));
    }
    Ok(x)
}

/// A table value: a finite number a table's 32-bit float holds (within
/// ±3.4e38), else an error naming the limit.
pub fn table_value(v: &Dynamic, func: &str, what: &str) -> Res<f32> {
    let x = num(v, func, what)?;
    table_point(x, func, what)
}

/// `x` as a table's 32-bit float, or an error when it does not fit.
pub fn table_point(x: f64, func: &str, what: &str) -> Res<f32> {
    if x.abs() > f64::from(f32::MAX) {
        return err(format!(
            "{func}(): {what} {} is beyond what a table holds (32-bit floats, within ±3.4e38)",
            shown(x)
        ));
    }
    Ok(x as f32)
}

/// Every point a GEN made is a finite number, or an error saying where the
/// first one that is not stands (huge GEN arguments overflow).
pub fn finite_points(points: &[f32], func: &str) -> Res<()> {
    match points.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(i) => err(format!(
            "{func}(): the table's values are not finite from point {i} on ({} of {} points): its GEN's arguments are too large for 32-bit floats (within ±3.4e38)",
            points.iter().filter(|x| !x.is_finite()).count(),
            points.len()
        )),
    }
}

/// A number as a message shows it: huge or tiny ones in exponent form
/// (`-1e308`, not 309 digits).
pub fn shown(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e9).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// `beat` (where `what` of `func` lands) as a time, or the error saying it
/// is beyond [`crate::time::HORIZON_BEATS`].
pub fn on_time(beat: f64, func: &str, what: &str) -> Res<crate::time::Beats> {
    if beat <= crate::time::HORIZON_BEATS {
        return Ok(crate::time::Beats(beat));
    }
    err(format!(
        "{func}(): {what} lands at beat {}, beyond the last beat anything can be placed at, {} (about 31 years at 60 bpm)",
        shown(beat),
        shown(crate::time::HORIZON_BEATS)
    ))
}

/// A whole number (a float with no fraction is accepted).
pub fn int(v: &Dynamic, func: &str, what: &str) -> Res<i64> {
    let x = num(v, func, what)?;
    if x.fract() != 0.0 {
        let x_shown = shown(x);
        return err(format!(
            "{func}(): {what} must be a whole number, got {x_shown}"
        ));
    }
    Ok(x as i64)
}

/// A channel number 1-16, as an index 0-15.
pub fn channel(v: &Dynamic, func: &str) -> Res<u8> {
    let n = int(v, func, "channel")?;
    if !(1..=CHANNELS as i64).contains(&n) {
        return err(format!(
            "channel {n} is out of range: channels are 1-{CHANNELS}"
        ));
    }
    Ok((n - 1) as u8)
}

/// A pitch in any of its forms, in hertz.
pub fn pitch_hz(v: &Dynamic, func: &str) -> Res<f64> {
    if let Some(p) = v.clone().try_cast::<Pitch>() {
        return Ok(p.hz);
    }
    if v.is_string() {
        let s = v.clone().into_string().unwrap_or_default();
        return match parse_note_name(&s) {
            Ok(m) => Ok(midi_to_hz(m as f64)),
            Err(e) => err(e),
        };
    }
    if v.is::<rhai::INT>() || v.is::<rhai::FLOAT>() {
        let m = num(v, func, "pitch")?;
        if !(-24.0..=151.0).contains(&m) {
            return err(format!("{func}(): MIDI pitch {m} is out of range -24 to 151 (use hz() for other frequencies)"));
        }
        return Ok(midi_to_hz(m));
    }
    err(format!(
        "{func}(): pitch must be a MIDI number, a note name like \"C4\", or hz()/oct()/pch(), got {}",
        v.type_name()
    ))
}

/// Check that every key of an options map is one of `valid`.
pub fn check_keys(opts: &Map, func: &str, valid: &[&str]) -> Res<()> {
    for k in opts.keys() {
        if !valid.contains(&k.as_str()) {
            return err(format!(
                "{func}(): unknown option '{k}'; valid options: {}",
                valid.join(", ")
            ));
        }
    }
    Ok(())
}

/// An array of numbers.
pub fn numbers(v: &rhai::Array, func: &str) -> Res<Vec<f64>> {
    v.iter()
        .enumerate()
        .map(|(i, x)| num(x, func, &format!("value {i}")))
        .collect()
}
