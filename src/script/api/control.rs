//! MIDI controllers: `cc(number, "param", min, max)` maps a controller to a
//! bus parameter on every channel, `cc(number, "param", min, max, ch)` on
//! one; the audio thread applies each value at its frame, smoothed.
//! `cc_in(ch, number, value)` injects a controller value through the same
//! path MIDI input uses (for playing a patch without a controller).

use super::args::{self, err, Res};
use super::fx::{param, FX_OPTIONS};
use crate::command::{CcParam, CcTarget, Command};
use crate::script::state::Shared;
use rhai::{Dynamic, Engine};

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    for arity in [4usize, 5] {
        let s = st.clone();
        engine.register_raw_fn(
            "cc",
            vec![std::any::TypeId::of::<Dynamic>(); arity],
            move |_ctx, a| {
                let number = controller(a[0])?;
                let name = a[1].clone().into_string().unwrap_or_default();
                let param = cc_param(&name)?;
                // The ends of the sweep are values the option takes, in the
                // ranges channel() accepts for it (huge ones made NaN).
                let (lo, hi) = value_range(&name);
                let what = |end: &str| format!("{end} of {name}");
                let target = CcTarget {
                    param,
                    min: args::num_in(a[2], "cc", &what("min"), lo, hi)? as f32,
                    max: args::num_in(a[3], "cc", &what("max"), lo, hi)? as f32,
                };
                let channel = if arity == 5 {
                    Some(args::channel(a[4], "cc")?)
                } else {
                    None
                };
                let mut st = s.borrow_mut();
                if matches!(target.param, CcParam::Fx(_)) {
                    for ch in (0..crate::command::CHANNELS as u8)
                        .filter(|c| channel.is_none_or(|x| x == *c))
                    {
                        st.session.install_fx(ch);
                    }
                }
                let mapping = crate::session::snapshot::CcMapping {
                    param: name.clone(),
                    min: target.min as f64,
                    max: target.max as f64,
                };
                for ch in
                    (0..crate::command::CHANNELS as u8).filter(|c| channel.is_none_or(|x| x == *c))
                {
                    st.session.cc_maps.insert((ch, number), mapping.clone());
                }
                let frame = st.session.eval_frame;
                st.session.send(Command::CcMap {
                    frame,
                    cc: number,
                    channel,
                    target,
                });
                Ok(())
            },
        );
    }
    let s = st.clone();
    engine.register_fn(
        "cc_in",
        move |ch: Dynamic, number: Dynamic, value: Dynamic| -> Res<()> {
            let channel = args::channel(&ch, "cc_in")?;
            let cc = controller(&number)?;
            let v = args::int(&value, "cc_in", "value")?;
            if !(0..=127).contains(&v) {
                return err(format!("cc_in(): value {v} is out of range 0 to 127"));
            }
            let mut st = s.borrow_mut();
            let frame = st.session.eval_frame;
            st.session.send(Command::Cc {
                frame,
                channel,
                cc,
                value: v as u8,
            });
            Ok(())
        },
    );
}

fn controller(v: &Dynamic) -> Res<u8> {
    let n = args::int(v, "cc", "controller number")?;
    if !(0..=127).contains(&n) {
        return err(format!("cc(): controller {n} is out of range 0 to 127"));
    }
    Ok(n as u8)
}

/// The values `name` takes (as `channel()` checks them).
fn value_range(name: &str) -> (f64, f64) {
    match name {
        "volume" => (0.0, crate::script::api::channels::MAX_VOLUME),
        _ => super::fx::range(name),
    }
}

fn cc_param(name: &str) -> Res<CcParam> {
    if name == "volume" {
        return Ok(CcParam::Volume);
    }
    match param(name, 0.0) {
        Some(p) => Ok(CcParam::Fx(p)),
        None => err(format!(
            "cc(): \"{name}\" cannot be mapped; valid: volume, {}",
            FX_OPTIONS.join(", ")
        )),
    }
}
