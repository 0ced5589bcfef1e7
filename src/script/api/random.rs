//! Seeded chance: `seed(n)`, `rand()`, `rand(lo, hi)`, `choose(array)`,
//! `one_in(n)`. Each loop and sequence draws from its own stream (derived
//! from the seed and its name), so editing one never changes another's
//! choices, and a render is reproducible.

use super::args::{self, err, Res};
use crate::script::state::Shared;
use rhai::{Array, Dynamic, Engine, FLOAT};

/// SplitMix64: the next value of a stream.
pub fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The starting state of a named stream under a seed.
pub fn stream_start(seed: u64, name: &str) -> u64 {
    let mut h = seed ^ 0xA076_1D64_78BD_642F;
    for b in name.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x1000_0000_01B3);
    }
    next(&mut h)
}

/// A uniform float in [0, 1) from the current stream.
fn uniform(st: &Shared) -> f64 {
    let mut s = st.borrow_mut();
    let name = s.current_stream.clone();
    let session = &mut s.session;
    let mut state = match session.streams.get(&name) {
        Some(x) => *x,
        None => stream_start(*session.seed, &name),
    };
    let x = next(&mut state);
    session.streams.insert(name, state);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("seed", move |n: Dynamic| -> Res<()> {
        let n = args::int(&n, "seed", "n")? as u64;
        let session = &mut s.borrow_mut().session;
        // Re-seeding with the same value (a reload) keeps every stream where it is.
        if *session.seed != n {
            session.seed.set(n);
            session.streams.clear();
        }
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("rand", move || -> FLOAT { uniform(&s) });
    let s = st.clone();
    engine.register_fn("rand", move |lo: Dynamic, hi: Dynamic| -> Res<FLOAT> {
        let (lo, hi) = (args::num(&lo, "rand", "lo")?, args::num(&hi, "rand", "hi")?);
        Ok(lo + (hi - lo) * uniform(&s))
    });
    let s = st.clone();
    engine.register_fn("choose", move |a: Array| -> Res<Dynamic> {
        if a.is_empty() {
            return err("choose(): the array is empty");
        }
        let k = ((uniform(&s) * a.len() as f64) as usize).min(a.len() - 1);
        Ok(a[k].clone())
    });
    let s = st.clone();
    engine.register_fn("one_in", move |n: Dynamic| -> Res<bool> {
        let n = args::num(&n, "one_in", "n")?;
        if n < 1.0 {
            return err(format!("one_in(): n must be 1 or more, got {n}"));
        }
        Ok(uniform(&s) * n < 1.0)
    });
}
