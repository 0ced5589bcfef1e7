//! Channels: `channel(n, #{...})`, the live channel handle, and envelopes.

use super::args::{self, err, Res};
use super::notes::{env_arg, table_arg};
use crate::command::ChannelChange;
use crate::script::state::Shared;
use crate::session::channels::{ChannelConfig, EnvSpec, SYNTHS};
use crate::session::Session;
use rhai::{Dynamic, Engine, Map};

/// The loudest channel volume (a gain of 4, +12 dB).
pub const MAX_VOLUME: f64 = 4.0;
/// A live handle to a channel (`let ch = channel(1); ch.volume = 0.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelHandle {
    /// Channel index 0..16.
    pub index: u8,
}

/// Options of `channel(n, #{...})`, also properties of the handle.
pub const OPTIONS: &[&str] = &[
    "instrument",
    "program",
    "synth",
    "table",
    "env",
    "volume",
    "pan",
    "max_voices",
    "bend_range",
    "detune",
    "sub_osc",
    "noise",
    "vel_bright",
    "fm_ratio",
    "fm_index",
    "damping",
    "root",
    "looped",
    "drums",
];

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    engine.register_type_with_name::<ChannelHandle>("Channel");
    engine.register_fn("channel", |n: Dynamic| -> Res<ChannelHandle> {
        Ok(ChannelHandle {
            index: args::channel(&n, "channel")?,
        })
    });
    let s = st.clone();
    engine.register_fn(
        "channel",
        move |n: Dynamic, opts: Map| -> Res<ChannelHandle> {
            let index = args::channel(&n, "channel")?;
            configure(&s, index, &opts)?;
            Ok(ChannelHandle { index })
        },
    );
    let all = OPTIONS
        .iter()
        .chain(super::fx::FX_OPTIONS)
        .chain(super::midi_out::CHANNEL_OPTIONS);
    for key in all {
        let s = st.clone();
        let g = st.clone();
        engine.register_get_set(
            *key,
            move |c: &mut ChannelHandle| get_option(&g, c.index, key),
            move |c: &mut ChannelHandle, v: Dynamic| set_option(&s, c.index, key, &v),
        );
    }
    register_envelopes(engine);
}

/// Apply an options map: the instrument preset first, then the rest.
pub fn configure(st: &Shared, index: u8, opts: &Map) -> Res<()> {
    let valid: Vec<&str> = OPTIONS
        .iter()
        .chain(super::fx::FX_OPTIONS)
        .chain(super::midi_out::CHANNEL_OPTIONS)
        .copied()
        .collect();
    args::check_keys(opts, "channel", &valid)?;
    let first = |k: &str| k == "instrument" || k == "program";
    if opts.contains_key("instrument") && opts.contains_key("program") {
        return err("channel(): give instrument or program, not both");
    }
    for (k, v) in opts.iter().filter(|(k, _)| first(k)) {
        set_option(st, index, k, v)?;
    }
    for (k, v) in opts.iter().filter(|(k, _)| !first(k)) {
        set_option(st, index, k, v)?;
    }
    Ok(())
}

fn register_envelopes(engine: &mut Engine) {
    engine.register_type_with_name::<EnvSpec>("Env");
    engine.register_fn("to_string", |e: &mut EnvSpec| e.to_string());
    engine.register_fn("to_debug", |e: &mut EnvSpec| format!("{e:?}"));
    engine.register_fn(
        "adsr",
        |a: Dynamic, d: Dynamic, s: Dynamic, r: Dynamic| -> Res<EnvSpec> {
            Ok(EnvSpec::Adsr {
                attack_s: args::num_in(&a, "adsr", "attack", 0.0, 3600.0)?,
                decay_s: args::num_in(&d, "adsr", "decay", 0.0, 3600.0)?,
                sustain: args::num_in(&s, "adsr", "sustain", 0.0, 1.0)?,
                release_s: args::num_in(&r, "adsr", "release", 0.0, 3600.0)?,
            })
        },
    );
    engine.register_fn("linen", |rise: Dynamic, dec: Dynamic| -> Res<EnvSpec> {
        Ok(EnvSpec::Linen {
            rise_s: args::num_in(&rise, "linen", "rise", 0.0, 3600.0)?,
            decay_s: args::num_in(&dec, "linen", "decay", 0.0, 3600.0)?,
        })
    });
}

fn get_option(st: &Shared, index: u8, key: &str) -> Dynamic {
    let st = st.borrow();
    if super::midi_out::CHANNEL_OPTIONS.contains(&key) {
        return super::midi_out::get_option(&st, index, key);
    }
    let c = &st.session.channels[index as usize];
    let l = c.layers;
    match key {
        "synth" => c.synth.into(),
        "table" => c.table.map_or(Dynamic::UNIT, |n| (n as rhai::INT).into()),
        "env" => Dynamic::from(c.env),
        "volume" => c.volume.into(),
        "pan" => c.pan.into(),
        "max_voices" => (c.max_voices as rhai::INT).into(),
        "bend_range" => c.bend_range.into(),
        "detune" => (l.detune_cents as f64).into(),
        "sub_osc" => (l.sub_osc as f64).into(),
        "noise" => (l.noise as f64).into(),
        "vel_bright" => (l.vel_bright as f64).into(),
        "fm_ratio" => c.fm_ratio.into(),
        "fm_index" => c.fm_index.into(),
        "damping" => c.damping.into(),
        "root" => c.root_hz.into(),
        "looped" => c.looped.into(),
        "drums" => (c.synth == "drums").into(),
        "instrument" => c.instrument.map_or(Dynamic::UNIT, Dynamic::from),
        "program" => super::presets::program_of(c.instrument)
            .map_or(Dynamic::UNIT, |p| (p as rhai::INT).into()),
        fx => st
            .session
            .fx_values
            .get(&(index, fx.to_string()))
            .map_or(Dynamic::UNIT, |v| (*v as f64).into()),
    }
}

/// Set one option (a property assignment or a map entry).
pub fn set_option(st: &Shared, index: u8, key: &str, v: &Dynamic) -> Res<()> {
    if super::fx::FX_OPTIONS.contains(&key) {
        return super::fx::set(st, index, key, v);
    }
    if key == "instrument" {
        return super::presets::apply(st, index, v);
    }
    if key == "program" {
        return super::presets::apply_program_option(st, index, v);
    }
    if super::midi_out::CHANNEL_OPTIONS.contains(&key) {
        return super::midi_out::set_option(st, index, key, v);
    }
    let mut st = st.borrow_mut();
    let session = &mut st.session;
    set_synth_option(session, index, key, v)
}

fn set_synth_option(session: &mut Session, index: u8, key: &str, v: &Dynamic) -> Res<()> {
    let i = index as usize;
    let layer = |v: &Dynamic, what: &str, hi: f64| {
        args::num_in(v, "channel", what, 0.0, hi).map(|x| x as f32)
    };
    let mut c = session.channels[i].clone();
    match key {
        "synth" => {
            let name = v.clone().into_string().unwrap_or_default();
            let Some(n) = SYNTHS.iter().find(|s| **s == name) else {
                return err(format!(
                    "channel(): unknown synth \"{name}\"; valid synths: {}",
                    SYNTHS.join(", ")
                ));
            };
            c.synth = n;
        }
        "drums" => {
            if v.as_bool().unwrap_or(false) {
                c = ChannelConfig::drums();
            } else if c.synth == "drums" {
                c = ChannelConfig::default();
            }
        }
        "table" => {
            c.table = Some(table_arg(session, v, "channel")?);
            if c.synth != "sample" {
                c.synth = "table";
            }
        }
        "env" => c.env = env_arg(v, "channel")?,
        "volume" => {
            c.volume = args::num_in(v, "channel", "volume", 0.0, MAX_VOLUME)?;
            session.channel_change(index, ChannelChange::Volume(c.volume as f32));
        }
        "pan" => c.pan = args::num_in(v, "channel", "pan", 0.0, 1.0)?,
        "max_voices" => {
            let m = args::int(v, "channel", "max_voices")?;
            if !(1..=1024).contains(&m) {
                return err(format!("channel(): max_voices must be 1 to 1024, got {m}"));
            }
            c.max_voices = m as u16;
            session.channel_change(index, ChannelChange::MaxVoices(m as u16));
        }
        "bend_range" => {
            c.bend_range = args::num_in(v, "channel", "bend_range (semitones)", 0.0, 48.0)?
        }
        "detune" => c.layers.detune_cents = layer(v, "detune (cents)", 1200.0)?,
        "sub_osc" => c.layers.sub_osc = layer(v, "sub_osc", 1.0)?,
        "noise" => c.layers.noise = layer(v, "noise", 1.0)?,
        "vel_bright" => c.layers.vel_bright = layer(v, "vel_bright", 1.0)?,
        "fm_ratio" => c.fm_ratio = args::num_in(v, "channel", "fm_ratio", 0.01, 64.0)?,
        "fm_index" => c.fm_index = args::num_in(v, "channel", "fm_index", 0.0, 100.0)?,
        "damping" => c.damping = args::num_in(v, "channel", "damping", 0.0, 1.0)?,
        "root" => c.root_hz = args::pitch_hz(v, "channel")?,
        "looped" => {
            c.looped = v
                .as_bool()
                .or_else(|_| err("channel(): looped must be true or false"))?
        }
        other => {
            return err(format!(
                "unknown channel option '{other}'; valid options: {}",
                OPTIONS.join(", ")
            ))
        }
    }
    c.rebuild();
    session.channels.update(|all| all[i] = c);
    Ok(())
}
