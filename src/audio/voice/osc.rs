//! The oscillator pass of a voice: fill a run of samples from its source.
//! One function per kind, chosen once per run (never per sample); layers
//! (detune, sub oscillator, noise) add extra passes only when on.

use crate::audio::table::Table;

/// 2^-32, to turn the low phase bits into a fraction.
pub const FRAC_SCALE: f32 = 1.0 / 4_294_967_296.0;

/// Table lookup with linear interpolation; returns the advanced phase.
/// Tables of a power-of-two size run eight frames a vector when the CPU has
/// AVX2 (the same samples).
#[inline]
pub fn table(t: &Table, phase: u32, inc: u32, gain: f32, out: &mut [f32], add: bool) -> u32 {
    let data = t.with_guard();
    let len = t.len();
    #[cfg(target_arch = "x86_64")]
    if len.is_power_of_two() && len > 1 && len <= 1 << 30 && super::avx2::available() {
        let bits = len.trailing_zeros();
        // SAFETY: AVX2 is present; data holds len + 1 = 2^bits + 1 points.
        return unsafe { super::avx2::table_pow2(data, bits, phase, inc, gain, out, add) };
    }
    table_scalar(data, len, phase, inc, gain, out, add)
}

/// [`table`] one frame at a time; `data` holds `len + 1` points.
#[inline]
pub fn table_scalar(
    data: &[f32],
    len: usize,
    mut phase: u32,
    inc: u32,
    gain: f32,
    out: &mut [f32],
    add: bool,
) -> u32 {
    assert_eq!(data.len(), len + 1);
    let len = len as u64;
    for o in out.iter_mut() {
        let p = phase as u64 * len;
        let idx = (p >> 32) as usize;
        let frac = (p as u32) as f32 * FRAC_SCALE;
        // SAFETY: phase < 2^32, so idx = (phase * len) >> 32 < len, and
        // `data` holds len + 1 points (the guard point): idx + 1 <= len.
        let (a, b) = unsafe { (*data.get_unchecked(idx), *data.get_unchecked(idx + 1)) };
        let s = (a + (b - a) * frac) * gain;
        *o = if add { *o + s } else { s };
        phase = phase.wrapping_add(inc);
    }
    phase
}

/// Two-operator FM: a sine carrier whose phase is offset by the modulator
/// (`index` radians peak). Returns the advanced (carrier, modulator) phases.
#[inline]
pub fn fm(
    sine: &Table,
    phases: (u32, u32),
    incs: (u32, u32),
    index: f32,
    out: &mut [f32],
) -> (u32, u32) {
    let (mut pc, mut pm) = phases;
    let data = sine.with_guard();
    let len = sine.len() as u64;
    let depth = index / std::f32::consts::TAU * 4_294_967_296.0;
    let read = |phase: u32| {
        let p = phase as u64 * len;
        let idx = (p >> 32) as usize;
        let frac = (p as u32) as f32 * FRAC_SCALE;
        let (a, b) = (data[idx], data[idx + 1]);
        a + (b - a) * frac
    };
    for o in out.iter_mut() {
        let m = read(pm);
        let offset = (m * depth) as i64 as u32;
        *o = read(pc.wrapping_add(offset));
        pc = pc.wrapping_add(incs.0);
        pm = pm.wrapping_add(incs.1);
    }
    (pc, pm)
}

/// One step of xorshift32, as a sample in [-1, 1).
#[inline]
pub fn noise_sample(seed: &mut u32) -> f32 {
    let mut x = *seed;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *seed = x;
    (x as i32) as f32 * (1.0 / 2_147_483_648.0)
}

/// White noise at `gain`, written or added.
#[inline]
pub fn noise(seed: &mut u32, gain: f32, out: &mut [f32], add: bool) {
    for o in out.iter_mut() {
        let s = noise_sample(seed) * gain;
        *o = if add { *o + s } else { s };
    }
}

/// A plucked string's state: its delay line lives in the engine's pool.
#[derive(Debug, Clone, Copy)]
pub struct Pluck {
    /// Which line of the pool.
    pub line: u16,
    /// Integer delay in samples.
    pub len: u32,
    /// Read/write position.
    pub pos: u32,
    /// Loss per period: the averaging filter's gain.
    pub decay: f32,
    /// First-order allpass coefficient for the fractional delay (tuning).
    pub ap: f32,
    /// Allpass state: previous input and output.
    pub ap_state: (f32, f32),
    /// DC blocker pole (one-pole high-pass near 10 Hz): the string's loop
    /// passes DC almost undamped, so any offset in the burst would ring on
    /// as a slow drift long after the pitch has died.
    pub dc_pole: f32,
    /// DC blocker state: previous input and output.
    pub dc_state: (f32, f32),
}

impl Pluck {
    /// Fill `out` from the string, damping it as it goes.
    #[inline]
    pub fn run(&mut self, line: &mut [f32], out: &mut [f32]) {
        let n = self.len as usize;
        let (mut x1, mut y1) = self.ap_state;
        let (mut dx1, mut dy1) = self.dc_state;
        let mut pos = self.pos as usize;
        for o in out.iter_mut() {
            let next = if pos + 1 == n { 0 } else { pos + 1 };
            let avg = 0.5 * (line[pos] + line[next]) * self.decay;
            // Fractional delay: y = c*x + x1 - c*y1.
            let y = self.ap * avg + x1 - self.ap * y1;
            x1 = avg;
            y1 = y;
            // DC blocker: y[n] = x[n] - x[n-1] + R * y[n-1].
            let dry = line[pos];
            dy1 = dry - dx1 + self.dc_pole * dy1;
            dx1 = dry;
            *o = dy1;
            line[pos] = y;
            pos = next;
        }
        self.pos = pos as u32;
        self.ap_state = (x1, y1);
        self.dc_state = (dx1, dy1);
    }
}

/// A sample played at pitch from a table: position in 32.32 fixed point.
#[derive(Debug, Clone, Copy)]
pub struct SamplePlay {
    /// Position (integer frames << 32 | fraction).
    pub pos: u64,
    /// Step per output frame.
    pub step: u64,
    /// Loop at the end instead of stopping.
    pub looped: bool,
    /// A one-shot reached its end.
    pub ended: bool,
}

impl SamplePlay {
    /// Fill `out` from the table (zeros after a one-shot ends). A looped
    /// position wraps modulo the table's length however large the step, so
    /// it stays below `len << 32` and never overflows.
    #[inline]
    pub fn run(&mut self, t: &Table, out: &mut [f32]) {
        let data = t.points();
        let len = data.len() as u64;
        // Tables hold at most 2^24 points; the bound keeps the span in a u64
        // for any slice.
        let span = len.min(1 << 31) << 32;
        let step = if self.looped && span > 0 {
            self.step % span
        } else {
            self.step
        };
        for o in out.iter_mut() {
            if self.pos >= span {
                if self.looped && span > 0 {
                    self.pos %= span;
                } else {
                    self.ended = true;
                    *o = 0.0;
                    continue;
                }
            }
            *o = interp(data, self.pos, len, self.looped);
            self.pos = self.pos.saturating_add(step);
        }
    }
}

#[inline]
fn interp(data: &[f32], pos: u64, len: u64, looped: bool) -> f32 {
    let idx = (pos >> 32) as usize;
    let frac = (pos as u32) as f32 * FRAC_SCALE;
    let a = data[idx.min(len as usize - 1)];
    let j = idx + 1;
    let b = if (j as u64) < len {
        data[j]
    } else if looped {
        data[0]
    } else {
        0.0
    };
    a + (b - a) * frac
}

#[cfg(test)]
mod tests;
