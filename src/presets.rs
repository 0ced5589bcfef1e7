//! Instrument presets as data: the General MIDI sound set (`gm`, 128
//! programs and the percussion map) and the Tactus originals (`tactus`).
//! A preset is a list of channel options; `script::api::presets` applies
//! them through the same path as a script's own options.

pub mod gm;
mod gm_1;
mod gm_2;
mod gm_3;
mod gm_4;
pub mod tactus;

/// One option value of a preset.
#[derive(Debug, Clone, Copy)]
pub enum V {
    /// A number.
    N(f64),
    /// A name (`synth`).
    S(&'static str),
    /// An ADSR envelope: attack s, decay s, sustain 0-1, release s.
    A(f64, f64, f64, f64),
}

/// A Tactus original: name, what it is, options.
pub type Preset = (&'static str, &'static str, &'static [(&'static str, V)]);

/// What an instrument name selects.
#[derive(Debug, Clone, Copy)]
pub enum Found {
    /// A Tactus original.
    Tactus(&'static Preset),
    /// GM program (wire number 0-127).
    Gm(u8),
    /// The GM drum kit (a drum channel).
    Drums,
}

/// The name of the drum kit as an instrument.
pub const DRUMS: &str = "drums";

/// An instrument by name: a Tactus original first (they keep their names,
/// so `"flute"` is the original flute), then an alias, then a GM name, then
/// `"drums"`.
pub fn find(name: &str) -> Option<Found> {
    if let Some(p) = tactus::TACTUS.iter().find(|p| p.0 == name) {
        return Some(Found::Tactus(p));
    }
    let gm_name = gm::ALIASES
        .iter()
        .find(|a| a.0 == name)
        .map_or(name, |a| a.1);
    if let Some(i) = gm::index_of(gm_name) {
        return Some(Found::Gm(i));
    }
    (name == DRUMS).then_some(Found::Drums)
}

/// Every instrument name once: the 128 GM programs in program order, the
/// Tactus originals not already listed, then `"drums"` (the GM kit).
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = gm::all().map(|g| g.name).collect();
    for p in tactus::TACTUS {
        if !v.contains(&p.0) {
            v.push(p.0);
        }
    }
    v.push(DRUMS);
    v
}

/// Groups `instruments(group)` accepts: the 16 GM families, `"tactus"`
/// (the originals), `"drums"` (the percussion map), `"aliases"`.
pub fn groups() -> Vec<&'static str> {
    let mut v = gm::FAMILIES.to_vec();
    v.extend(["tactus", DRUMS, "aliases"]);
    v
}

/// The names in a group (see [`groups`]); `None` for an unknown group.
/// `"drums"` lists the percussion map's sounds in note order from 35.
pub fn group(name: &str) -> Option<Vec<&'static str>> {
    if let Some(f) = gm::FAMILIES.iter().position(|f| *f == name) {
        return Some(
            (0..8)
                .map(|k| gm::program((f * 8 + k) as u8).name)
                .collect(),
        );
    }
    Some(match name {
        "tactus" => tactus::TACTUS.iter().map(|p| p.0).collect(),
        DRUMS => gm::DRUMS.iter().map(|d| d.1).collect(),
        "aliases" => gm::ALIASES.iter().map(|a| a.0).collect(),
        _ => return None,
    })
}

/// The GM program (wire 0-127) a MIDI file writes for an instrument: its
/// own for a GM preset or alias, the nearest for a Tactus original.
pub fn to_gm(name: &str) -> Option<u8> {
    const ORIGINALS: &[(&str, u8)] = &[
        ("piano", 0),
        ("electric_piano", 4),
        ("fm_bell", 10),
        ("bell", 14),
        ("organ", 16),
        ("pluck", 24),
        ("bass_guitar", 33),
        ("strings", 48),
        ("brass", 61),
        ("flute", 73),
        ("lead", 80),
        ("pad", 88),
    ];
    match find(name)? {
        Found::Gm(i) => Some(i),
        Found::Tactus(p) => ORIGINALS.iter().find(|o| o.0 == p.0).map(|o| o.1),
        Found::Drums => None,
    }
}
