//! The channels in `status()` and a channel handle's printout: instrument,
//! the effects that are on, volume, pan, voices and level.

use super::bars::{count, level};
use crate::command::CHANNELS;
use crate::script::state::ScriptState;
use crate::session::channels::ChannelConfig;
use crate::session::fx_options::{off, FX_OPTIONS};

/// Width of a channel's level bar.
const BAR_CELLS: usize = 12;

/// The instrument: preset, synth and table ("bass preset (saw)").
pub fn instrument(c: &ChannelConfig) -> String {
    let synth = match c.table {
        Some(t) => format!("{} of table {t}", c.synth),
        None => c.synth.to_string(),
    };
    match c.instrument {
        Some(p) => format!("{p} preset ({synth})"),
        None => synth,
    }
}

/// The effects that are on, with their values ("lowpass 800 Hz, reverb 0.20").
pub fn effects(st: &ScriptState, ch: u8) -> Vec<String> {
    let fx = &st.session.fx_values;
    let on = |key: &str| fx.get(&(ch, key.to_string())).filter(|&&x| x != off(key));
    FX_OPTIONS
        .iter()
        .filter_map(|&key| on(key).map(|&x| value_text(key, x)))
        .collect()
}

fn value_text(key: &str, x: f32) -> String {
    match key {
        "lowpass" | "highpass" => format!("{key} {x:.0} Hz"),
        "delay_time" | "reverb_decay" => format!("{key} {x:.3} s"),
        "tremolo_rate" => format!("{key} {x:.2} Hz"),
        _ => format!("{key} {x:.2}"),
    }
}

/// Voices sounding and (peak, RMS) of channel index `ch`, when the session
/// runs on an audio thread.
fn measured(st: &ScriptState, ch: usize) -> Option<(u32, f32, f32)> {
    let cell = &st.telemetry.as_ref()?.meters.channels[ch];
    let (peak, rms) = cell.read();
    Some((cell.voices(), peak, rms))
}

/// One line about channel index `ch`.
pub fn line(st: &ScriptState, ch: usize) -> String {
    let c = &st.session.channels[ch];
    let mut parts = vec![
        instrument(c),
        format!("volume {:.2}", c.volume),
        format!("pan {:.2}", c.pan),
    ];
    parts.extend(effects(st, ch as u8));
    if st.session.quiet[ch] {
        parts.push("quiet".into());
    }
    let tail = match measured(st, ch) {
        Some((v, peak, rms)) => format!(
            "\n      {}, {}",
            count(u64::from(v), "voice"),
            level(peak, rms, BAR_CELLS)
        ),
        None => String::new(),
    };
    format!("channel {:>2}: {}{tail}", ch + 1, parts.join(", "))
}

/// A channel worth a line: set up, effects on, or sounding.
fn in_use(st: &ScriptState, ch: usize) -> bool {
    let c = &st.session.channels[ch];
    let sounding = measured(st, ch).is_some_and(|(v, peak, _)| v > 0 || peak > 1e-5);
    *c != ChannelConfig::default() || !effects(st, ch as u8).is_empty() || sounding
}

/// The channel lines of `status()`, and one line for those left at their
/// defaults and silent.
pub fn lines(st: &ScriptState) -> Vec<String> {
    let (used, idle): (Vec<usize>, Vec<usize>) = (0..CHANNELS).partition(|&ch| in_use(st, ch));
    let mut out: Vec<String> = used.iter().map(|&ch| line(st, ch)).collect();
    if !idle.is_empty() {
        let names: Vec<String> = idle.iter().map(|c| (c + 1).to_string()).collect();
        out.push(format!(
            "channels {}: free (sine, nothing playing)",
            names.join(" ")
        ));
    }
    out
}
