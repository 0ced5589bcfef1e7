//! Channels: `channel(n, #{...})`, the live channel handle, and envelopes.

use super::args::{self, err, Res};
use super::notes::{env_arg, table_arg};
use crate::command::{ChannelChange, Source, Wave};
use crate::script::state::Shared;
use crate::session::channels::EnvSpec;
use rhai::{Dynamic, Engine, Map};

/// A live handle to a channel (`let ch = channel(1); ch.volume = 0.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelHandle {
    /// Channel index 0..16.
    pub index: u8,
}

const OPTIONS: &[&str] = &["synth", "table", "env", "volume", "pan", "max_voices"];
const SYNTHS: &str = "sine, saw, square, triangle";

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    engine.register_type_with_name::<ChannelHandle>("Channel");
    engine.register_fn("to_string", |c: &mut ChannelHandle| {
        format!("channel({})", c.index + 1)
    });
    engine.register_fn("to_debug", |c: &mut ChannelHandle| {
        format!("channel({})", c.index + 1)
    });
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
            args::check_keys(&opts, "channel", OPTIONS)?;
            for (k, v) in &opts {
                set_option(&s, index, k, v)?;
            }
            Ok(ChannelHandle { index })
        },
    );
    for key in OPTIONS {
        let s = st.clone();
        let g = st.clone();
        engine.register_get_set(
            *key,
            move |c: &mut ChannelHandle| get_option(&g, c.index, key),
            move |c: &mut ChannelHandle, v: Dynamic| set_option(&s, c.index, key, &v),
        );
    }
    engine.register_type_with_name::<EnvSpec>("Env");
    engine.register_fn("to_string", |e: &mut EnvSpec| format!("{e:?}"));
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
    let c = &st.session.channels[index as usize];
    match key {
        "synth" => match c.source {
            Source::Wave(w) => w.name().into(),
            Source::Table(_) => "table".into(),
        },
        "table" => match c.source {
            Source::Table(n) => (n as rhai::INT).into(),
            Source::Wave(_) => Dynamic::UNIT,
        },
        "env" => Dynamic::from(c.env),
        "volume" => c.volume.into(),
        "pan" => c.pan.into(),
        _ => (c.max_voices as rhai::INT).into(),
    }
}

fn set_option(st: &Shared, index: u8, key: &str, v: &Dynamic) -> Res<()> {
    let mut st = st.borrow_mut();
    let session = &mut st.session;
    match key {
        "synth" => {
            let name = v.clone().into_string().unwrap_or_default();
            let Some(w) = Wave::ALL.iter().find(|w| w.name() == name) else {
                return err(format!(
                    "channel(): unknown synth \"{name}\"; valid synths: {SYNTHS}"
                ));
            };
            session.channels[index as usize].source = Source::Wave(*w);
        }
        "table" => {
            let n = table_arg(session, v, "channel")?;
            session.channels[index as usize].source = Source::Table(n);
        }
        "env" => session.channels[index as usize].env = env_arg(v, "channel")?,
        "volume" => {
            let vol = args::num_in(v, "channel", "volume", 0.0, 4.0)?;
            session.channels[index as usize].volume = vol;
            session.channel_change(index, ChannelChange::Volume(vol as f32));
        }
        "pan" => {
            session.channels[index as usize].pan = args::num_in(v, "channel", "pan", 0.0, 1.0)?
        }
        "max_voices" => {
            let m = args::int(v, "channel", "max_voices")?;
            if !(1..=1024).contains(&m) {
                return err(format!("channel(): max_voices must be 1 to 1024, got {m}"));
            }
            session.channels[index as usize].max_voices = m as u16;
            session.channel_change(index, ChannelChange::MaxVoices(m as u16));
        }
        other => {
            return err(format!(
                "unknown channel option '{other}'; valid options: {}",
                OPTIONS.join(", ")
            ))
        }
    }
    Ok(())
}
