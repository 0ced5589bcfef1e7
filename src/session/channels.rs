//! Channel configuration as the script sees it (the desired state), and
//! envelopes in seconds before they become frames.

use crate::command::{EnvFrames, Source, Wave};
use crate::time::{SampleRate, Seconds};

/// An envelope as a script writes it, in seconds (in a session file:
/// `{"kind": "adsr", "attack_s": .., ...}`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EnvSpec {
    /// Attack, decay, sustain level (0..1), release. The release follows the
    /// note's end for `note()`, and fits inside p3 for `i()` (as Csound's `adsr`).
    Adsr {
        /// Attack, s.
        attack_s: f64,
        /// Decay, s.
        decay_s: f64,
        /// Sustain level 0..1.
        sustain: f64,
        /// Release, s.
        release_s: f64,
    },
    /// Csound's `linen`: linear rise, hold, and a decay that ends with the note.
    Linen {
        /// Rise, s.
        rise_s: f64,
        /// Decay, s (the last part of the note).
        decay_s: f64,
    },
}

impl std::fmt::Display for EnvSpec {
    /// As a script writes it: `adsr(0.01, 0.1, 0.7, 0.2)`, `linen(0.01, 0.1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnvSpec::Adsr {
                attack_s,
                decay_s,
                sustain,
                release_s,
            } => write!(f, "adsr({attack_s}, {decay_s}, {sustain}, {release_s})"),
            EnvSpec::Linen { rise_s, decay_s } => write!(f, "linen({rise_s}, {decay_s})"),
        }
    }
}

impl Default for EnvSpec {
    fn default() -> Self {
        EnvSpec::Adsr {
            attack_s: 0.005,
            decay_s: 0.1,
            sustain: 0.8,
            release_s: 0.15,
        }
    }
}

impl EnvSpec {
    /// Frames for a note of `dur_frames`; `fit` keeps the release inside the
    /// duration (score semantics) instead of after it. A fitted envelope whose
    /// attack and release together are longer than the note has both scaled
    /// by the same factor so that they fill it (the peak at the same fraction
    /// of the note): a short note still sounds for its whole duration, as
    /// Csound's `linen` does when its rise and decay overlap.
    pub fn to_frames(self, dur_frames: u64, fit: bool, sr: SampleRate) -> EnvFrames {
        let f = |s: f64| sr.seconds_to_frames(Seconds(s)).min(u32::MAX as u64) as u32;
        let (attack, decay, sustain, release) = match self {
            EnvSpec::Adsr {
                attack_s,
                decay_s,
                sustain,
                release_s,
            } => (
                f(attack_s),
                f(decay_s),
                sustain.clamp(0.0, 1.0) as f32,
                f(release_s),
            ),
            EnvSpec::Linen { rise_s, decay_s } => (f(rise_s), 0, 1.0, f(decay_s)),
        };
        if !fit {
            return EnvFrames {
                attack,
                decay,
                sustain,
                release,
                gate: dur_frames,
            };
        }
        let (attack, release) = fit_inside(attack, release, dur_frames);
        EnvFrames {
            attack,
            decay,
            sustain,
            release,
            gate: dur_frames - release as u64,
        }
    }

    /// Linen always ends with the note.
    pub fn fits_duration(&self) -> bool {
        matches!(self, EnvSpec::Linen { .. })
    }
}

/// Attack and release frames scaled down together (same factor) when their
/// sum exceeds `dur_frames`, so that the release ends with the note and the
/// attack reaches its peak before the release begins.
fn fit_inside(attack: u32, release: u32, dur_frames: u64) -> (u32, u32) {
    let sum = attack as u64 + release as u64;
    if sum <= dur_frames {
        return (attack, release);
    }
    let scale = dur_frames as f64 / sum as f64;
    let release_fit = ((release as f64 * scale).round() as u64).min(dur_frames);
    let attack_fit = (dur_frames - release_fit).min(attack as u64);
    (attack_fit as u32, release_fit as u32)
}

/// A channel's synth, by name as scripts give it.
pub const SYNTHS: &[&str] = &[
    "sine", "saw", "square", "triangle", "fm", "pluck", "noise", "sample", "table", "drums",
];

/// One channel's desired configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelConfig {
    /// What the oscillator reads (derived from the fields below by [`Self::rebuild`]).
    pub source: Source,
    /// The synth's name (one of [`SYNTHS`]).
    pub synth: &'static str,
    /// The table a `"table"` or `"sample"` synth reads.
    pub table: Option<u32>,
    /// FM: modulator / carrier frequency ratio.
    pub fm_ratio: f64,
    /// FM: modulation index.
    pub fm_index: f64,
    /// Pluck: 0 long and bright .. 1 short and dull.
    pub damping: f64,
    /// Sample: the pitch that plays the sample unchanged.
    pub root_hz: f64,
    /// Sample: loop it.
    pub looped: bool,
    /// Envelope for notes on this channel.
    pub env: EnvSpec,
    /// Channel gain, linear.
    pub volume: f64,
    /// Default pan of its notes, 0 left .. 1 right.
    pub pan: f64,
    /// Polyphony limit.
    pub max_voices: u16,
    /// Extra oscillator layers (detune, sub oscillator, noise).
    pub layers: crate::command::Layers,
    /// Semitones a full MIDI pitch bend moves the channel's notes.
    pub bend_range: f64,
    /// Where its notes go over MIDI (`midi_out`), if anywhere.
    pub midi: super::midi_out::MidiRoute,
    /// The preset it was set to (`instrument`), for MIDI files' program changes.
    pub instrument: Option<&'static str>,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        ChannelConfig {
            source: Source::Wave(Wave::Sine),
            synth: "sine",
            table: None,
            fm_ratio: 2.0,
            fm_index: 3.0,
            damping: 0.3,
            root_hz: 261.625_565_300_598_6,
            looped: false,
            env: EnvSpec::default(),
            volume: 1.0,
            pan: 0.5,
            max_voices: 128,
            layers: crate::command::Layers::default(),
            bend_range: 2.0,
            midi: super::midi_out::MidiRoute::default(),
            instrument: None,
        }
    }
}

impl ChannelConfig {
    /// Recompute [`Self::source`] from the synth name and its parameters.
    pub fn rebuild(&mut self) {
        self.source = match self.synth {
            "fm" => Source::Fm {
                ratio: self.fm_ratio as f32,
                index: self.fm_index as f32,
            },
            "pluck" => Source::Pluck {
                damping: self.damping as f32,
            },
            "noise" => Source::Noise,
            "drums" => Source::Drum,
            "sample" => Source::Sample {
                table: self.table.unwrap_or(0),
                root_hz: self.root_hz as f32,
                looped: self.looped,
            },
            "table" => Source::Table(self.table.unwrap_or(0)),
            name => Source::Wave(
                Wave::ALL
                    .into_iter()
                    .find(|w| w.name() == name)
                    .unwrap_or(Wave::Sine),
            ),
        };
    }

    /// A note on channel index `channel` with this channel's synth,
    /// envelope, pan and layers (`note()` and sequencer steps; the release
    /// follows the note's end).
    pub fn note(
        &self,
        channel: u8,
        freq_hz: f64,
        amp: f64,
        dur_beats: f64,
    ) -> super::scheduler::NoteSpec {
        super::scheduler::NoteSpec {
            channel,
            source: self.source,
            freq_hz,
            amp,
            pan: self.pan,
            env: self.env,
            dur_beats,
            fit: false,
            filter: None,
            layers: self.layers,
        }
    }

    /// A drum channel (channel 10 by default): notes are GM drum numbers.
    pub fn drums() -> ChannelConfig {
        let mut c = ChannelConfig {
            synth: "drums",
            env: EnvSpec::Adsr {
                attack_s: 0.0,
                decay_s: 0.0,
                sustain: 1.0,
                release_s: 0.005,
            },
            max_voices: 32,
            ..ChannelConfig::default()
        };
        c.rebuild();
        c
    }
}
