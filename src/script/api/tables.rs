//! Function tables: `table(n, size, gen)` and the generators.

use super::args::{self, err, Res};
use crate::command::Wave;
use crate::script::state::Shared;
use crate::session::gen::Gen;
use crate::session::Session;
use rhai::{Array, Dynamic, Engine};
use std::any::TypeId;

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
            let budget = |points: usize| -> Res<()> {
                let st = s.borrow();
                st.session
                    .check_table_budget(n, points, 0)
                    .or_else(|e| err(format!("table(): {e}")))
            };
            if size > 0 {
                budget(size as usize)?;
            }
            let points = gen
                .fill(size, true)
                .or_else(|e| err(format!("table(): {e}")))?;
            args::finite_points(&points, "table")?;
            budget(points.len())?;
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
    register_file_gens(engine, st);
}

fn register_file_gens(engine: &mut Engine, st: &Shared) {
    engine.register_fn("raw", |g: Gen| Gen::Raw(Box::new(g)));
    engine.register_fn("gen1", |path: &str| Gen::Gen1 {
        path: path.to_string(),
        channel: None,
    });
    engine.register_fn("gen1", |path: &str, ch: Dynamic| -> Res<Gen> {
        let c = args::int(&ch, "gen1", "channel")?;
        if c < 1 {
            return err(format!("gen1(): channel must be 1 or more, got {c}"));
        }
        Ok(Gen::Gen1 {
            path: path.to_string(),
            channel: Some(c as usize),
        })
    });
    for arity in 4..=16 {
        let s = st.clone();
        engine.register_raw_fn("f", vec![TypeId::of::<Dynamic>(); arity], move |_ctx, a| {
            let fields: Vec<Dynamic> = a.iter().map(|d| (**d).clone()).collect();
            f_statement(&s, &fields)
        });
    }
}

/// `f(n, p2, size, gen, args...)`: a Csound f-statement relative to the
/// cursor; a negative GEN number keeps the values raw; an array as the fifth
/// argument gives the GEN arguments; a string is GEN01's file name.
fn f_statement(st: &Shared, a: &[Dynamic]) -> Res<()> {
    let mut text = String::from("f");
    for (k, v) in a.iter().enumerate() {
        if let Some(arr) = v.clone().try_cast::<Array>().filter(|_| k == 4) {
            for x in args::numbers(&arr, "f")? {
                text.push_str(&format!(" {x}"));
            }
        } else if v.is_string() {
            text.push_str(&format!(
                " \"{}\"",
                v.clone().into_string().unwrap_or_default()
            ));
        } else {
            text.push_str(&format!(" {}", args::num(v, "f", &format!("p{}", k + 1))?));
        }
    }
    let mut st = st.borrow_mut();
    let at = st.session.cursor;
    // An f() call is one line of score: its message alone says it (without
    // the score's own "f: " prefix, which "f(): " replaces).
    super::score::place_in(
        &mut st.session,
        &text,
        at,
        at,
        std::path::Path::new("."),
        false,
    )
    .or_else(|e| {
        let m = e.message.strip_prefix("f: ").unwrap_or(&e.message);
        err(format!("f(): {m}"))
    })?;
    Ok(())
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
