//! Building a voice's oscillator at note-on, on the audio thread (nothing
//! here allocates): the kind from the note's source, its layers, and the
//! pool of plucked-string delay lines.

use super::table::TableBank;
use super::voice::osc::{noise_sample, Pluck, SamplePlay};
use super::voice::{phase_inc, Kind, LayerState};
use crate::command::{NoteOn, Source};

/// Plucked strings that can ring at once.
pub const STRINGS: usize = 48;
/// Samples per delay line: the lowest string is sr / STRING_LEN (11.7 Hz at 48 kHz).
pub const STRING_LEN: usize = 4096;

/// The fastest a sample plays: ten octaves above its root (C4's root plays
/// at 268 kHz there, far past any Nyquist frequency; faster is only aliasing).
pub const MAX_SAMPLE_RATIO: f64 = 1024.0;

/// The delay lines of plucked strings, allocated before the stream starts.
pub struct StringPool {
    /// `STRINGS` lines of `STRING_LEN` samples.
    pub lines: Box<[f32]>,
    free: Vec<u16>,
}

impl StringPool {
    /// All lines free.
    pub fn new() -> StringPool {
        StringPool {
            lines: vec![0.0; STRINGS * STRING_LEN].into_boxed_slice(), // rt: Engine::new, before the stream
            free: (0..STRINGS as u16).rev().collect(), // rt: Engine::new, before the stream
        }
    }

    fn take(&mut self) -> Option<u16> {
        self.free.pop()
    }

    /// A finished string's line is free again (capacity is fixed: no allocation).
    pub fn give_back(&mut self, line: u16) {
        if self.free.len() < self.free.capacity() {
            self.free.push(line);
        }
    }
}

impl Default for StringPool {
    fn default() -> Self {
        Self::new()
    }
}

/// A nonzero noise seed from a note id.
fn seed_of(id: u64) -> u32 {
    let h = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    (h as u32) | 1
}

/// The table slot and oscillator kind of a note (`None` when no string is
/// free for a pluck, or a drum note is not in the kit).
pub fn kind(note: &NoteOn, sr: f64, strings: &mut StringPool) -> Option<(u32, Kind)> {
    let sine = super::table::SINE_SLOT;
    Some(match note.source {
        Source::Table(n) => (n, Kind::Table),
        Source::Wave(w) => (TableBank::wave_slot(w, note.freq_hz, sr), Kind::Table),
        Source::Fm { ratio, index } => {
            let minc = phase_inc(note.freq_hz * ratio as f64, sr);
            (
                sine,
                Kind::Fm {
                    mphase: 0,
                    minc,
                    index: index * vel_tone(note) as f32,
                },
            )
        }
        Source::Noise => (sine, Kind::Noise),
        Source::Pluck { damping } => (sine, Kind::Pluck(pluck(note, sr, damping, strings)?)),
        Source::Sample {
            table,
            root_hz,
            looped,
        } => {
            let ratio = (note.freq_hz / (root_hz as f64).max(1e-3)).clamp(0.0, MAX_SAMPLE_RATIO);
            // NaN becomes 0 (the sample holds still).
            let step = (ratio * 4_294_967_296.0) as u64;
            let play = SamplePlay {
                pos: 0,
                step,
                looped,
                ended: false,
            };
            (table, Kind::Sample(play))
        }
        Source::Drum => {
            let gm = (69.0 + 12.0 * (note.freq_hz / 440.0).log2())
                .round()
                .clamp(0.0, 127.0) as u8;
            let velocity = note.amp.max(0.0).sqrt().min(1.0);
            let d = super::drums::DrumVoice::new(gm, velocity, sr as f32, seed_of(note.id))?;
            (
                sine,
                Kind::Drum(d, super::drums::DrumVoice::choke_group(gm)),
            )
        }
    })
}

/// Corner of the plucked string's DC blocker: well under its lowest pitch.
const PLUCK_DC_CUTOFF_HZ: f64 = 10.0;

/// Excite a free string with a burst of noise and tune its loop.
fn pluck(note: &NoteOn, sr: f64, damping: f32, strings: &mut StringPool) -> Option<Pluck> {
    let line = strings.take()?;
    let period = (sr / note.freq_hz.max(1.0)).clamp(2.0, STRING_LEN as f64 - 1.0);
    // The averaging filter delays half a sample; the allpass makes up the rest.
    let len = ((period - 0.6).floor() as usize).max(1);
    let frac = (period - 0.5 - len as f64) as f32;
    let start = line as usize * STRING_LEN;
    let mut seed = seed_of(note.id);
    let burst = &mut strings.lines[start..start + len];
    for s in burst.iter_mut() {
        *s = noise_sample(&mut seed);
    }
    // A burst with no offset: the loop keeps its mean for seconds.
    let mean = burst.iter().sum::<f32>() / len as f32;
    for s in burst.iter_mut() {
        *s -= mean;
    }
    Some(Pluck {
        line,
        len: len as u32,
        pos: 0,
        decay: 0.9995 - 0.02 * damping.clamp(0.0, 1.0),
        ap: (1.0 - frac) / (1.0 + frac),
        ap_state: (0.0, 0.0),
        dc_pole: (1.0 - std::f64::consts::TAU * PLUCK_DC_CUTOFF_HZ / sr) as f32,
        dc_state: (0.0, 0.0),
    })
}

/// The layers' state from the note's settings.
pub fn layers(note: &NoteOn, sr: f64) -> LayerState {
    let l = note.layers;
    let detune_inc = if l.detune_cents != 0.0 {
        phase_inc(note.freq_hz * 2f64.powf(l.detune_cents as f64 / 1200.0), sr)
    } else {
        0
    };
    LayerState {
        detune: (0x4000_0000, detune_inc),
        sub: (0, phase_inc(note.freq_hz * 0.5, sr), l.sub_osc),
        noise: l.noise,
        seed: seed_of(note.id ^ 0x5EED),
    }
}

/// The velocity as 0-1 (the amplitude is its square).
fn velocity(note: &NoteOn) -> f64 {
    (note.amp as f64).max(0.0).sqrt().min(1.0)
}

/// How far velocity brightness opens the tone: 1 at full velocity, down to
/// `1 - vel_bright` at the softest (1 when brightness is off).
fn vel_tone(note: &NoteOn) -> f64 {
    let b = (note.layers.vel_bright as f64).clamp(0.0, 1.0);
    1.0 - b * (1.0 - velocity(note))
}

/// The note's own filter, else the velocity-brightness lowpass: cutoff
/// 2^(1 + 7 x tone^2) times the pitch (tone from [`vel_tone`]), at least
/// 150 Hz, below 0.45 x the sample rate; Butterworth (Q 0.707). A few
/// trigonometric calls at note-on, no allocation.
pub fn filter(note: &NoteOn, sr: f64) -> Option<[f32; 5]> {
    if note.filter.is_some() || note.layers.vel_bright <= 0.0 {
        return note.filter;
    }
    let cutoff_hz = (note.freq_hz.max(1.0) * 2f64.powf(1.0 + 7.0 * vel_tone(note).powi(2)))
        .max(150.0)
        .min(0.45 * sr);
    Some(lowpass(cutoff_hz, sr))
}

/// RBJ lowpass coefficients `[b0, b1, b2, a1, a2]` (a0 = 1), Q 0.707.
fn lowpass(cutoff_hz: f64, sr: f64) -> [f32; 5] {
    let w = std::f64::consts::TAU * cutoff_hz / sr;
    let (sin, cos) = w.sin_cos();
    let alpha = sin / (2.0 * std::f64::consts::FRAC_1_SQRT_2);
    let a0 = 1.0 + alpha;
    let b1 = (1.0 - cos) / a0;
    [
        (b1 * 0.5) as f32,
        b1 as f32,
        (b1 * 0.5) as f32,
        (-2.0 * cos / a0) as f32,
        ((1.0 - alpha) / a0) as f32,
    ]
}
