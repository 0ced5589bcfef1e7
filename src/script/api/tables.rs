//! Function tables: `table(n, size, gen)` and the generators.

use super::args::{self, err, Res};
use crate::command::Wave;
use crate::script::state::Shared;
use crate::session::gen::Gen;
use crate::session::Session;
use rhai::{Array, Dynamic, Engine};

/// Most harmonics a band-limited generator accepts.
pub const MAX_HARMONICS: i64 = 65_536;

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    engine.register_type_with_name::<Gen>("Gen");
    engine.register_fn("to_string", |g: &mut Gen| format!("{}(...)", g.name()));
    engine.register_fn("to_debug", |g: &mut Gen| format!("{g:?}"));
    let s = st.clone();
    engine.register_fn(
        "table",
        move |n: Dynamic, size: Dynamic, gen: Gen| -> Res<()> {
            let n = table_number(&n, "table")?;
            let size = args::int(&size, "table", "size")?;
            let points = gen
                .fill(size, true)
                .or_else(|e| err(format!("table(): {e}")))?;
            s.borrow_mut().session.set_table(n, points);
            Ok(())
        },
    );
    engine.register_fn("gen10", |a: Array| -> Res<Gen> {
        Ok(Gen::Gen10(args::numbers(&a, "gen10")?))
    });
    engine.register_fn("gen7", |a: Array| -> Res<Gen> {
        Ok(Gen::Gen7(args::numbers(&a, "gen7")?))
    });
    engine.register_fn("gen5", |a: Array| -> Res<Gen> {
        Ok(Gen::Gen5(args::numbers(&a, "gen5")?))
    });
    engine.register_fn("gen2", |a: Array| -> Res<Gen> {
        Ok(Gen::Gen2(args::numbers(&a, "gen2")?))
    });
    engine.register_fn("gen9", |a: Array| -> Res<Gen> { gen9(&a) });
    engine.register_fn("sine", || Gen::Wave(Wave::Sine, 1));
    for (name, wave) in [
        ("saw", Wave::Saw),
        ("square", Wave::Square),
        ("triangle", Wave::Triangle),
    ] {
        engine.register_fn(name, move |h: Dynamic| -> Res<Gen> {
            Ok(Gen::Wave(wave, harmonics(&h, name)?))
        });
    }
    engine.register_fn("impulse", |h: Dynamic| -> Res<Gen> {
        Ok(Gen::Impulse(harmonics(&h, "impulse")?))
    });
}

/// A table number in range.
pub fn table_number(v: &Dynamic, func: &str) -> Res<u32> {
    let n = args::int(v, func, "table number")?;
    let range = Session::table_range();
    if !range.contains(&n) {
        return err(format!(
            "{func}(): table {n} is out of range: tables are {} to {}",
            range.start(),
            range.end()
        ));
    }
    Ok(n as u32)
}

fn harmonics(v: &Dynamic, func: &str) -> Res<usize> {
    let h = args::int(v, func, "harmonics")?;
    if !(1..=MAX_HARMONICS).contains(&h) {
        return err(format!(
            "{func}(): harmonics must be 1 to {MAX_HARMONICS}, got {h}"
        ));
    }
    Ok(h as usize)
}

fn gen9(a: &Array) -> Res<Gen> {
    let mut parts = Vec::with_capacity(a.len());
    for (i, p) in a.iter().enumerate() {
        let Some(triple) = p.clone().try_cast::<Array>() else {
            return err(format!(
                "gen9(): partial {i} must be [ratio, amp, phase_deg], got {}",
                p.type_name()
            ));
        };
        let v = args::numbers(&triple, "gen9")?;
        match v.as_slice() {
            [r, a] => parts.push((*r, *a, 0.0)),
            [r, a, ph] => parts.push((*r, *a, *ph)),
            _ => {
                return err(format!(
                    "gen9(): partial {i} must be [ratio, amp, phase_deg]"
                ))
            }
        }
    }
    Ok(Gen::Gen9(parts))
}
