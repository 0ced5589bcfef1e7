//! Instrument presets: `channel(n, #{ instrument: "piano", ...overrides })`
//! and `instruments()`. A preset is a list of channel options applied through
//! the same path as a script's own, after the channel is reset.

use super::args::{err, Res};
use super::channels::set_option;
use crate::script::state::Shared;
use crate::session::channels::{ChannelConfig, EnvSpec};
use rhai::{Array, Dynamic, Engine};

/// One option value of a preset.
#[derive(Debug, Clone, Copy)]
enum V {
    N(f64),
    S(&'static str),
    A(f64, f64, f64, f64),
}

type Preset = (&'static str, &'static str, &'static [(&'static str, V)]);

/// Every preset: name, what it is, options.
const PRESETS: &[Preset] = &[
    (
        "piano",
        "bright triangle tone, percussive, a little room",
        &[
            ("volume", V::N(0.5)),
            ("synth", V::S("triangle")),
            ("detune", V::N(4.0)),
            ("env", V::A(0.002, 1.8, 0.0, 0.5)),
            ("lowpass", V::N(3500.0)),
            ("reverb", V::N(0.18)),
        ],
    ),
    (
        "electric_piano",
        "FM tine with tremolo and chorus",
        &[
            ("volume", V::N(0.55)),
            ("synth", V::S("fm")),
            ("fm_ratio", V::N(1.0)),
            ("fm_index", V::N(1.3)),
            ("env", V::A(0.002, 1.4, 0.25, 0.6)),
            ("tremolo", V::N(0.25)),
            ("tremolo_rate", V::N(4.5)),
            ("chorus", V::N(0.3)),
        ],
    ),
    (
        "organ",
        "steady FM drawbar tone, Leslie-ish chorus",
        &[
            ("volume", V::N(0.4)),
            ("synth", V::S("fm")),
            ("fm_ratio", V::N(2.0)),
            ("fm_index", V::N(0.8)),
            ("sub_osc", V::N(0.35)),
            ("env", V::A(0.005, 0.05, 1.0, 0.08)),
            ("chorus", V::N(0.45)),
            ("tremolo", V::N(0.12)),
            ("tremolo_rate", V::N(6.5)),
        ],
    ),
    (
        "strings",
        "detuned saws, slow bow, chorus and hall",
        &[
            ("volume", V::N(0.45)),
            ("synth", V::S("saw")),
            ("detune", V::N(12.0)),
            ("env", V::A(0.25, 0.3, 0.85, 0.8)),
            ("lowpass", V::N(3000.0)),
            ("chorus", V::N(0.5)),
            ("reverb", V::N(0.3)),
        ],
    ),
    (
        "pad",
        "wide detuned saws with sub, long swell and tail",
        &[
            ("volume", V::N(0.4)),
            ("synth", V::S("saw")),
            ("detune", V::N(18.0)),
            ("sub_osc", V::N(0.3)),
            ("env", V::A(1.2, 1.0, 0.8, 2.5)),
            ("lowpass", V::N(1500.0)),
            ("chorus", V::N(0.6)),
            ("reverb", V::N(0.45)),
            ("reverb_decay", V::N(4.0)),
        ],
    ),
    (
        "bass_guitar",
        "plucked string with sub and warmth",
        &[
            ("volume", V::N(0.6)),
            ("synth", V::S("pluck")),
            ("damping", V::N(0.55)),
            ("sub_osc", V::N(0.3)),
            ("env", V::A(0.002, 0.3, 0.8, 0.1)),
            ("lowpass", V::N(1800.0)),
            ("saturation", V::N(0.25)),
        ],
    ),
    (
        "pluck",
        "bright Karplus-Strong pluck with echo",
        &[
            ("volume", V::N(0.6)),
            ("synth", V::S("pluck")),
            ("damping", V::N(0.25)),
            ("env", V::A(0.001, 0.1, 1.0, 0.3)),
            ("reverb", V::N(0.2)),
            ("delay", V::N(0.15)),
        ],
    ),
    (
        "bell",
        "inharmonic FM bell, long decay",
        &[
            ("volume", V::N(0.45)),
            ("synth", V::S("fm")),
            ("fm_ratio", V::N(3.5)),
            ("fm_index", V::N(2.5)),
            ("env", V::A(0.001, 2.5, 0.0, 2.0)),
            ("reverb", V::N(0.35)),
        ],
    ),
    (
        "flute",
        "sine with breath noise and gentle vibrato",
        &[
            ("volume", V::N(0.55)),
            ("synth", V::S("sine")),
            ("noise", V::N(0.06)),
            ("env", V::A(0.08, 0.1, 0.9, 0.15)),
            ("tremolo", V::N(0.1)),
            ("tremolo_rate", V::N(5.0)),
            ("reverb", V::N(0.25)),
        ],
    ),
    (
        "brass",
        "filtered saw, brassy attack",
        &[
            ("volume", V::N(0.45)),
            ("synth", V::S("saw")),
            ("env", V::A(0.06, 0.2, 0.8, 0.15)),
            ("lowpass", V::N(2400.0)),
            ("q", V::N(1.2)),
            ("saturation", V::N(0.2)),
        ],
    ),
    (
        "lead",
        "detuned square lead with a dotted-eighth echo",
        &[
            ("volume", V::N(0.45)),
            ("synth", V::S("square")),
            ("detune", V::N(8.0)),
            ("env", V::A(0.005, 0.2, 0.7, 0.2)),
            ("lowpass", V::N(4000.0)),
            ("delay", V::N(0.25)),
            ("delay_time", V::N(0.375)),
        ],
    ),
    (
        "fm_bell",
        "glassy FM bell with chorus",
        &[
            ("volume", V::N(0.45)),
            ("synth", V::S("fm")),
            ("fm_ratio", V::N(1.4)),
            ("fm_index", V::N(4.0)),
            ("env", V::A(0.001, 3.0, 0.0, 2.5)),
            ("reverb", V::N(0.4)),
            ("chorus", V::N(0.2)),
        ],
    ),
];

/// Preset names.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.0).collect()
}

/// Reset channel `index` and apply the preset named by `v`.
pub fn apply(st: &Shared, index: u8, v: &Dynamic) -> Res<()> {
    let name = v.clone().into_string().unwrap_or_default();
    let Some((preset, _, opts)) = PRESETS.iter().find(|p| p.0 == name) else {
        return err(format!(
            "unknown instrument \"{name}\"; instruments: {}",
            names().join(", ")
        ));
    };
    st.borrow_mut()
        .session
        .channels
        .update(|c| c[index as usize] = ChannelConfig::default());
    super::fx::reset(st, index);
    for (k, val) in opts.iter() {
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
    st.borrow_mut()
        .session
        .channels
        .update(|c| c[index as usize].instrument = Some(preset));
    Ok(())
}

/// Register `instruments()`.
pub fn register(engine: &mut Engine) {
    engine.register_fn("instruments", || -> Array {
        names().into_iter().map(Dynamic::from).collect()
    });
}
