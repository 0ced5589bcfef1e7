//! Instrument presets: `channel(n, #{ instrument: "trumpet", ...overrides })`,
//! `channel(n, #{ program: 57 })` (General MIDI, 1-128), `instruments()` and
//! `instruments("brass")`. A preset (data in `crate::presets`) is a list of
//! channel options applied through the same path as a script's own, after
//! the channel is reset.

use super::args::{self, err, Res};
use super::channels::set_option;
use crate::presets::{self, gm, Found, V};
use crate::script::state::Shared;
use crate::session::channels::{ChannelConfig, EnvSpec};
use rhai::{Array, Dynamic, Engine};

/// Instrument names, as `instruments()` lists them.
pub fn names() -> Vec<&'static str> {
    presets::names()
}

/// Reset channel `index` and apply the instrument named by `v` (a Tactus
/// original, an alias, a GM name or `"drums"`).
pub fn apply(st: &Shared, index: u8, v: &Dynamic) -> Res<()> {
    let name = v.clone().into_string().unwrap_or_default();
    match presets::find(&name) {
        Some(Found::Tactus(p)) => apply_opts(st, index, p.0, &[], p.2),
        Some(Found::Gm(i)) => apply_program(st, index, i),
        Some(Found::Drums) => {
            reset(st, index, ChannelConfig::drums());
            set_instrument(st, index, presets::DRUMS);
            Ok(())
        }
        None => err(format!(
            "unknown instrument \"{name}\"; instruments (or instruments(group), groups: {}): {}",
            presets::groups().join(", "),
            names().join(", ")
        )),
    }
}

/// `program: n`: GM program 1-128 (as General MIDI documents number them).
pub fn apply_program_option(st: &Shared, index: u8, v: &Dynamic) -> Res<()> {
    let n = args::int(v, "channel", "program")?;
    if !(1..=128).contains(&n) {
        return err(format!(
            "channel(): program must be a General MIDI program 1-128, got {n}"
        ));
    }
    apply_program(st, index, (n - 1) as u8)
}

/// Reset channel `index` and apply GM program `wire` (0-127).
pub fn apply_program(st: &Shared, index: u8, wire: u8) -> Res<()> {
    let g = gm::program(wire);
    let bright = [("vel_bright", V::N(gm::VEL_BRIGHT))];
    apply_opts(st, index, g.name, &bright, g.opts)
}

fn apply_opts(
    st: &Shared,
    index: u8,
    name: &'static str,
    first: &[(&str, V)],
    opts: &[(&str, V)],
) -> Res<()> {
    reset(st, index, ChannelConfig::default());
    for (k, val) in first.iter().chain(opts) {
        let d = match *val {
            V::N(x) => Dynamic::from_float(x),
            V::S(s) => Dynamic::from(s.to_string()),
            V::A(a, d, s, r) => Dynamic::from(EnvSpec::Adsr {
                attack_s: a,
                decay_s: d,
                sustain: s,
                release_s: r,
            }),
        };
        set_option(st, index, k, &d)?;
    }
    set_instrument(st, index, name);
    Ok(())
}

fn reset(st: &Shared, index: u8, c: ChannelConfig) {
    st.borrow_mut()
        .session
        .channels
        .update(|all| all[index as usize] = c);
    super::fx::reset(st, index);
}

fn set_instrument(st: &Shared, index: u8, name: &'static str) {
    st.borrow_mut()
        .session
        .channels
        .update(|c| c[index as usize].instrument = Some(name));
}

/// The GM program (1-128) of a channel's instrument, if it has one.
pub fn program_of(instrument: Option<&str>) -> Option<u8> {
    match presets::find(instrument?)? {
        Found::Gm(i) => Some(i + 1),
        _ => None,
    }
}

/// Register `instruments()` and `instruments(group)`.
pub fn register(engine: &mut Engine) {
    engine.register_fn("instruments", || -> Array {
        names().into_iter().map(Dynamic::from).collect()
    });
    engine.register_fn("instruments", |group: &str| -> Res<Array> {
        match presets::group(group) {
            Some(v) => Ok(v.into_iter().map(Dynamic::from).collect()),
            None => err(format!(
                "instruments(): unknown group \"{group}\"; groups: {}",
                presets::groups().join(", ")
            )),
        }
    });
}
