//! Channel configuration as the script sees it (the desired state), and
//! envelopes in seconds before they become frames.

use crate::command::{EnvFrames, Source, Wave};
use crate::time::{SampleRate, Seconds};

/// An envelope as a script writes it, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
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
    /// duration (score semantics) instead of after it.
    pub fn to_frames(self, dur_frames: u64, fit: bool, sr: SampleRate) -> EnvFrames {
        let f = |s: f64| sr.seconds_to_frames(Seconds(s)).min(u32::MAX as u64) as u32;
        match self {
            EnvSpec::Adsr {
                attack_s,
                decay_s,
                sustain,
                release_s,
            } => {
                let release = f(release_s);
                let gate = if fit {
                    dur_frames.saturating_sub(release as u64)
                } else {
                    dur_frames
                };
                EnvFrames {
                    attack: f(attack_s),
                    decay: f(decay_s),
                    sustain: sustain.clamp(0.0, 1.0) as f32,
                    release,
                    gate,
                }
            }
            EnvSpec::Linen { rise_s, decay_s } => {
                let release = f(decay_s).min(dur_frames.min(u32::MAX as u64) as u32);
                EnvFrames {
                    attack: f(rise_s),
                    decay: 0,
                    sustain: 1.0,
                    release,
                    gate: dur_frames - release as u64,
                }
            }
        }
    }

    /// Linen always ends with the note.
    pub fn fits_duration(&self) -> bool {
        matches!(self, EnvSpec::Linen { .. })
    }
}

/// One channel's desired configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelConfig {
    /// What the oscillator reads.
    pub source: Source,
    /// Envelope for notes on this channel.
    pub env: EnvSpec,
    /// Channel gain, linear.
    pub volume: f64,
    /// Default pan of its notes, 0 left .. 1 right.
    pub pan: f64,
    /// Polyphony limit.
    pub max_voices: u16,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        ChannelConfig {
            source: Source::Wave(Wave::Sine),
            env: EnvSpec::default(),
            volume: 1.0,
            pan: 0.5,
            max_voices: 128,
        }
    }
}
