//! How a drum sound is described: a tonal layer (sines with a pitch drop, or
//! a bank of detuned squares for metal) and a filtered noise layer, each with
//! its own envelope, then an optional tanh drive and the output gain; and
//! short builders for the designs in [`super::kit`].

use super::dsp::{EnvSpec, FilterSpec, Mode, Wave};

/// The tonal layer of a sound.
#[derive(Debug, Clone, Copy)]
pub struct ToneSpec {
    /// Sines (drums) or squares (metal).
    pub wave: Wave,
    /// Oscillator frequencies in Hz: the first `count` are used.
    pub freqs_hz: [f32; 6],
    /// Number of oscillators (0..=6).
    pub count: usize,
    /// Pitch drop: the pitch starts at `1 + bend` times the base.
    pub bend: f32,
    /// Time constant of the pitch drop in seconds.
    pub bend_tau_s: f32,
    /// Level (0 = no tonal layer).
    pub level: f32,
    /// Amplitude envelope.
    pub env: EnvSpec,
    /// Filters after the oscillators.
    pub filters: [FilterSpec; 2],
}

/// The noise layer of a sound.
#[derive(Debug, Clone, Copy)]
pub struct NoiseSpec {
    /// Level (0 = no noise layer).
    pub level: f32,
    /// Amplitude envelope.
    pub env: EnvSpec,
    /// Filters on the white noise.
    pub filters: [FilterSpec; 2],
}

/// A complete drum sound.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Tonal layer.
    pub tone: ToneSpec,
    /// Noise layer.
    pub noise: NoiseSpec,
    /// Saturation: `tanh(drive x) / tanh(drive)` (0 = linear).
    pub drive: f32,
    /// Output gain at velocity 1.
    pub gain: f32,
}

/// No filter.
pub(super) const OFF: FilterSpec = FilterSpec {
    mode: Mode::Off,
    hz: 1000.0,
    q: 0.707,
};

/// A Butterworth low-pass.
pub(super) const fn lp(hz: f32) -> FilterSpec {
    FilterSpec {
        mode: Mode::Low,
        hz,
        q: 0.707,
    }
}

/// A Butterworth high-pass.
pub(super) const fn hp(hz: f32) -> FilterSpec {
    FilterSpec {
        mode: Mode::High,
        hz,
        q: 0.707,
    }
}

/// A band-pass, unity gain at `hz`.
pub(super) const fn bp(hz: f32, q: f32) -> FilterSpec {
    FilterSpec {
        mode: Mode::Band,
        hz,
        q,
    }
}

/// A single exponential decay.
pub(super) const fn decay(tau_s: f32) -> EnvSpec {
    two(0.0, tau_s, tau_s)
}

/// A fast transient (`fast_amt` of the peak) over a slower body.
pub(super) const fn two(fast_amt: f32, fast_tau_s: f32, slow_tau_s: f32) -> EnvSpec {
    EnvSpec {
        attack_s: 0.0,
        fast_amt,
        fast_tau_s,
        slow_tau_s,
        bursts: 1,
        burst_gap_s: 0.0,
    }
}

/// Up to six frequencies, padded.
fn bank(f: &[f32]) -> ([f32; 6], usize) {
    let mut freqs_hz = [0.0; 6];
    let count = f.len().min(6);
    freqs_hz[..count].copy_from_slice(&f[..count]);
    (freqs_hz, count)
}

/// Sines with a pitch drop.
pub(super) fn sines(f: &[f32], bend: f32, bend_tau_s: f32, level: f32, env: EnvSpec) -> ToneSpec {
    let (freqs_hz, count) = bank(f);
    ToneSpec {
        wave: Wave::Sine,
        freqs_hz,
        count,
        bend,
        bend_tau_s,
        level,
        env,
        filters: [OFF, OFF],
    }
}

/// Squares through two filters.
pub(super) fn squares(f: &[f32], level: f32, env: EnvSpec, filters: [FilterSpec; 2]) -> ToneSpec {
    let (freqs_hz, count) = bank(f);
    ToneSpec {
        wave: Wave::Square,
        freqs_hz,
        count,
        bend: 0.0,
        bend_tau_s: 1.0,
        level,
        env,
        filters,
    }
}

/// No tonal layer.
pub(super) fn no_tone() -> ToneSpec {
    sines(&[], 0.0, 1.0, 0.0, decay(0.01))
}

/// A noise layer.
pub(super) const fn noise(level: f32, env: EnvSpec, filters: [FilterSpec; 2]) -> NoiseSpec {
    NoiseSpec {
        level,
        env,
        filters,
    }
}

/// A sound from its layers.
pub(super) const fn spec(tone: ToneSpec, noise: NoiseSpec, drive: f32, gain: f32) -> Spec {
    Spec {
        tone,
        noise,
        drive,
        gain,
    }
}
