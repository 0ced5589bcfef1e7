//! The drum kit's building blocks, each a small `Copy` state machine that
//! advances one sample per call (so a render never depends on block sizes):
//! a xorshift32 noise source, a state-variable filter, a two-stage
//! exponential envelope with optional bursts, and an oscillator bank.

use std::f32::consts::{PI, TAU};

/// Deterministic white noise: Marsaglia's xorshift32.
#[derive(Debug, Clone, Copy)]
pub struct Rng(u32);

impl Rng {
    /// A generator seeded from a note number and an engine seed (never 0).
    pub fn new(note: u8, seed: u32) -> Rng {
        // A murmur3 finaliser spreads nearby seeds over the whole state.
        let mut h = seed ^ (note as u32).wrapping_mul(0x9E37_79B9);
        h ^= h >> 16;
        h = h.wrapping_mul(0x85EB_CA6B);
        h ^= h >> 13;
        h = h.wrapping_mul(0xC2B2_AE35);
        h ^= h >> 16;
        Rng(h | 1)
    }

    /// The next value, uniform in [-1, 1).
    #[inline]
    pub fn bipolar(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x >> 8) as f32 * (2.0 / 16_777_216.0) - 1.0
    }
}

/// What a filter passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No filter: the input unchanged.
    Off,
    /// Low-pass.
    Low,
    /// Band-pass, unity gain at the centre.
    Band,
    /// High-pass.
    High,
}

/// A filter's design: mode, cutoff (or centre) in Hz, resonance Q.
#[derive(Debug, Clone, Copy)]
pub struct FilterSpec {
    /// What it passes.
    pub mode: Mode,
    /// Cutoff or centre frequency in Hz.
    pub hz: f32,
    /// Resonance (0.707 = Butterworth).
    pub q: f32,
}

/// A trapezoidal state-variable filter (Simper), 12 dB/octave.
#[derive(Debug, Clone, Copy)]
pub struct Svf {
    mode: Mode,
    k: f32,
    a1: f32,
    a2: f32,
    a3: f32,
    ic1: f32,
    ic2: f32,
}

impl Svf {
    /// A filter at rest; the cutoff is kept below Nyquist.
    pub fn new(spec: FilterSpec, sr_hz: f32) -> Svf {
        let hz = spec.hz.clamp(10.0, 0.45 * sr_hz);
        let g = (PI * hz / sr_hz).tan();
        let k = 1.0 / spec.q.max(0.1);
        let a1 = 1.0 / (1.0 + g * (g + k));
        Svf {
            mode: spec.mode,
            k,
            a1,
            a2: g * a1,
            a3: g * g * a1,
            ic1: 0.0,
            ic2: 0.0,
        }
    }

    /// Filter one sample.
    #[inline]
    pub fn tick(&mut self, x: f32) -> f32 {
        if self.mode == Mode::Off {
            return x;
        }
        let v3 = x - self.ic2;
        let v1 = self.a1 * self.ic1 + self.a2 * v3;
        let v2 = self.ic2 + self.a2 * self.ic1 + self.a3 * v3;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
        match self.mode {
            Mode::Low => v2,
            Mode::Band => self.k * v1,
            _ => x - self.k * v1 - v2,
        }
    }
}

/// Two filters in series.
pub type Chain = [Svf; 2];

/// Run `x` through a chain.
#[inline]
pub fn chain_tick(chain: &mut Chain, x: f32) -> f32 {
    let y = chain[0].tick(x);
    chain[1].tick(y)
}

/// An envelope's design: a linear attack, then the sum of a fast and a slow
/// exponential decay. With `bursts` > 1 the fast part restarts every
/// `burst_gap_s` and the slow part (the tail) starts with the last burst.
#[derive(Debug, Clone, Copy)]
pub struct EnvSpec {
    /// Attack time in seconds (0 = instant).
    pub attack_s: f32,
    /// Share of the fast decay in the peak (0..1).
    pub fast_amt: f32,
    /// Time constant of the fast decay in seconds.
    pub fast_tau_s: f32,
    /// Time constant of the slow decay in seconds.
    pub slow_tau_s: f32,
    /// Number of onsets (1 for a single hit, 3-4 for a clap).
    pub bursts: u8,
    /// Time between onsets in seconds.
    pub burst_gap_s: f32,
}

/// A running envelope.
#[derive(Debug, Clone, Copy)]
pub struct Env {
    attack_frames: u32,
    attack_inc: f32,
    ramp: f32,
    fast_amt: f32,
    fast: f32,
    slow: f32,
    fast_mul: f32,
    slow_mul: f32,
    bursts_left: u8,
    gap: u32,
    next_burst: u32,
}

/// Per-sample multiplier of an exponential decay with time constant `tau_s`.
pub fn decay_mul(tau_s: f32, sr_hz: f32) -> f32 {
    (-1.0 / (tau_s.max(1e-5) * sr_hz)).exp()
}

impl Env {
    /// An envelope starting now.
    pub fn new(spec: EnvSpec, sr_hz: f32) -> Env {
        let bursts = spec.bursts.max(1);
        let attack_frames = (spec.attack_s * sr_hz).max(1.0);
        Env {
            attack_frames: attack_frames.ceil() as u32,
            attack_inc: 1.0 / attack_frames,
            ramp: if spec.attack_s > 0.0 { 0.0 } else { 1.0 },
            fast_amt: spec.fast_amt,
            fast: 1.0,
            slow: if bursts > 1 { 0.0 } else { 1.0 },
            fast_mul: decay_mul(spec.fast_tau_s, sr_hz),
            slow_mul: decay_mul(spec.slow_tau_s, sr_hz),
            bursts_left: bursts - 1,
            gap: (spec.burst_gap_s * sr_hz).round().max(1.0) as u32,
            next_burst: (spec.burst_gap_s * sr_hz).round().max(1.0) as u32,
        }
    }

    /// Frames until the attack of the last onset has ended (a low level
    /// before that does not mean the hit is over).
    pub fn hold_frames(&self) -> u32 {
        self.gap * self.bursts_left as u32 + self.attack_frames + 1
    }

    /// The level at frame `age` of the hit, then advance one frame.
    #[inline]
    pub fn tick(&mut self, age: u32) -> f32 {
        if self.bursts_left > 0 && age == self.next_burst {
            self.bursts_left -= 1;
            self.next_burst += self.gap;
            self.fast = 1.0;
            if self.bursts_left == 0 {
                self.slow = 1.0;
            }
        }
        let level = self.ramp * (self.fast_amt * self.fast + (1.0 - self.fast_amt) * self.slow);
        self.ramp = (self.ramp + self.attack_inc).min(1.0);
        self.fast *= self.fast_mul;
        self.slow *= self.slow_mul;
        level
    }
}

/// Oscillator waveform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wave {
    /// Sine, starting at phase 0 (no click).
    Sine,
    /// Band-limited (polyBLEP) square, for metallic sounds.
    Square,
}

/// Up to six oscillators sharing one pitch envelope:
/// `f = base * (1 + bend * e^(-t / bend_tau))`.
#[derive(Debug, Clone, Copy)]
pub struct Bank {
    wave: Wave,
    n: usize,
    inc: [f32; 6],
    phase: [f32; 6],
    bend: f32,
    pitch_env: f32,
    pitch_mul: f32,
}

impl Bank {
    /// A bank of `freqs_hz` (at most six); squares start at random phases.
    pub fn new(wave: Wave, freqs_hz: &[f32], bend: (f32, f32), sr_hz: f32, rng: &mut Rng) -> Bank {
        let mut bank = Bank {
            wave,
            n: freqs_hz.len().min(6),
            inc: [0.0; 6],
            phase: [0.0; 6],
            bend: bend.0,
            pitch_env: 1.0,
            pitch_mul: decay_mul(bend.1, sr_hz),
        };
        for (i, f) in freqs_hz.iter().take(6).enumerate() {
            bank.inc[i] = f / sr_hz;
            if wave == Wave::Square {
                bank.phase[i] = 0.5 * (rng.bipolar() + 1.0);
            }
        }
        bank
    }

    /// The mean of the oscillators' next samples.
    #[inline]
    pub fn tick(&mut self) -> f32 {
        let scale = 1.0 + self.bend * self.pitch_env;
        self.pitch_env *= self.pitch_mul;
        let mut sum = 0.0;
        for i in 0..self.n {
            let dt = (self.inc[i] * scale).min(0.5);
            let p = self.phase[i];
            sum += match self.wave {
                Wave::Sine => (TAU * p).sin(),
                Wave::Square => square(p, dt),
            };
            let next = p + dt;
            self.phase[i] = if next >= 1.0 { next - 1.0 } else { next };
        }
        sum / self.n.max(1) as f32
    }
}

/// A polyBLEP square at phase `p` with phase increment `dt`.
#[inline]
fn square(p: f32, dt: f32) -> f32 {
    let naive = if p < 0.5 { 1.0 } else { -1.0 };
    let half = if p < 0.5 { p + 0.5 } else { p - 0.5 };
    naive + blep(p, dt) - blep(half, dt)
}

/// The polyBLEP correction around a rising step at phase 0.
#[inline]
fn blep(t: f32, dt: f32) -> f32 {
    if t < dt {
        let x = t / dt;
        x + x - x * x - 1.0
    } else if t > 1.0 - dt {
        let x = (t - 1.0) / dt;
        x * x + x + x + 1.0
    } else {
        0.0
    }
}
