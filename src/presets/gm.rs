//! The General MIDI sound set: 128 melodic presets (one per GM program, in
//! four files of 32), the 16 GM families, musicians' aliases, and the GM
//! percussion map (notes 35-81 on channel 10).
//!
//! Every preset is a list of channel options over Tactus's own synths
//! (FM, pluck, band-limited waves, noise, layers), envelopes and channel
//! effects; each also sets `vel_bright` (softer notes darker) unless it
//! gives its own. `volume` is each preset's level trim, set so that every
//! preset plays at about the same loudness at the same velocity.

use super::V;

/// One GM melodic preset.
#[derive(Debug, Clone, Copy)]
pub struct Gm {
    /// The standard name, snake case (`"acoustic_grand_piano"`).
    pub name: &'static str,
    /// The lowest MIDI note of the instrument's range.
    pub low: u8,
    /// The highest MIDI note of the instrument's range.
    pub high: u8,
    /// Channel options, applied in order after the channel is reset.
    pub opts: &'static [(&'static str, V)],
}

/// A preset (for the tables in `gm_*.rs`).
pub(super) const fn p(
    name: &'static str,
    low: u8,
    high: u8,
    opts: &'static [(&'static str, V)],
) -> Gm {
    Gm {
        name,
        low,
        high,
        opts,
    }
}

/// `synth: name`.
pub(super) const fn syn(name: &'static str) -> (&'static str, V) {
    ("synth", V::S(name))
}

/// A numeric option.
pub(super) const fn o(key: &'static str, x: f64) -> (&'static str, V) {
    (key, V::N(x))
}

/// `env: adsr(attack_s, decay_s, sustain, release_s)`.
pub(super) const fn env(a: f64, d: f64, s: f64, r: f64) -> (&'static str, V) {
    ("env", V::A(a, d, s, r))
}

/// Velocity brightness a GM preset gets unless it sets its own.
pub const VEL_BRIGHT: f64 = 1.0;

/// The 16 GM families, 8 programs each, in program order.
pub const FAMILIES: [&str; 16] = [
    "piano",
    "chromatic_percussion",
    "organ",
    "guitar",
    "bass",
    "strings",
    "ensemble",
    "brass",
    "reed",
    "pipe",
    "synth_lead",
    "synth_pad",
    "synth_effects",
    "ethnic",
    "percussive",
    "sound_effects",
];

/// The preset of GM program `index` (0-127, as on the wire; 1-128 in
/// documents is this plus one).
pub fn program(index: u8) -> &'static Gm {
    let i = index as usize & 127;
    let part: &[Gm; 32] = match i / 32 {
        0 => &super::gm_1::PART,
        1 => &super::gm_2::PART,
        2 => &super::gm_3::PART,
        _ => &super::gm_4::PART,
    };
    &part[i % 32]
}

/// All 128 in program order.
pub fn all() -> impl Iterator<Item = &'static Gm> {
    (0..128u8).map(program)
}

/// The wire program (0-127) of a GM name.
pub fn index_of(name: &str) -> Option<u8> {
    (0..128u8).find(|i| program(*i).name == name)
}

/// Short names musicians expect, and the GM preset each plays ("piano",
/// "strings" and the other Tactus originals keep their own sounds).
pub const ALIASES: &[(&str, &str)] = &[
    ("grand_piano", "acoustic_grand_piano"),
    ("rhodes", "electric_piano_1"),
    ("vibes", "vibraphone"),
    ("glock", "glockenspiel"),
    ("guitar", "acoustic_guitar_nylon"),
    ("electric_guitar", "electric_guitar_clean"),
    ("bass", "electric_bass_finger"),
    ("upright_bass", "acoustic_bass"),
    ("cello_section", "string_ensemble_2"),
    ("harp", "orchestral_harp"),
    ("choir", "choir_aahs"),
    ("horn", "french_horn"),
    ("sax", "alto_sax"),
    ("steel_drum", "steel_drums"),
];

/// The GM percussion map: note 35-81 and its standard name.
pub const DRUMS: [(u8, &str); 47] = [
    (35, "acoustic_bass_drum"),
    (36, "bass_drum_1"),
    (37, "side_stick"),
    (38, "acoustic_snare"),
    (39, "hand_clap"),
    (40, "electric_snare"),
    (41, "low_floor_tom"),
    (42, "closed_hi_hat"),
    (43, "high_floor_tom"),
    (44, "pedal_hi_hat"),
    (45, "low_tom"),
    (46, "open_hi_hat"),
    (47, "low_mid_tom"),
    (48, "hi_mid_tom"),
    (49, "crash_cymbal_1"),
    (50, "high_tom"),
    (51, "ride_cymbal_1"),
    (52, "chinese_cymbal"),
    (53, "ride_bell"),
    (54, "tambourine"),
    (55, "splash_cymbal"),
    (56, "cowbell"),
    (57, "crash_cymbal_2"),
    (58, "vibraslap"),
    (59, "ride_cymbal_2"),
    (60, "hi_bongo"),
    (61, "low_bongo"),
    (62, "mute_hi_conga"),
    (63, "open_hi_conga"),
    (64, "low_conga"),
    (65, "high_timbale"),
    (66, "low_timbale"),
    (67, "high_agogo"),
    (68, "low_agogo"),
    (69, "cabasa"),
    (70, "maracas"),
    (71, "short_whistle"),
    (72, "long_whistle"),
    (73, "short_guiro"),
    (74, "long_guiro"),
    (75, "claves"),
    (76, "hi_wood_block"),
    (77, "low_wood_block"),
    (78, "mute_cuica"),
    (79, "open_cuica"),
    (80, "mute_triangle"),
    (81, "open_triangle"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_128_distinct_names_and_sane_ranges() {
        let mut names: Vec<&str> = all().map(|g| g.name).collect();
        assert_eq!(names.len(), 128);
        assert_eq!(program(0).name, "acoustic_grand_piano");
        assert_eq!(program(56).name, "trumpet");
        assert_eq!(program(127).name, "gunshot");
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 128, "names are unique");
        for g in all() {
            assert!(g.low < g.high && g.high <= 108, "{}", g.name);
        }
        for (alias, to) in ALIASES {
            assert!(index_of(to).is_some(), "{alias} -> {to}");
        }
    }
}
