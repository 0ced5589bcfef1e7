//! Mixing helpers: the constant-power pan law, click-free parameter ramps and
//! the master soft clip.

/// Constant-power pan: `(cos(p*pi/2), sin(p*pi/2))` for p in 0 (left) .. 1
/// (right). The centre gives 0.7071 (-3 dB) on each side.
#[inline]
pub fn pan_gains(pan: f32) -> (f32, f32) {
    let p = pan.clamp(0.0, 1.0) as f64 * std::f64::consts::FRAC_PI_2;
    (p.cos() as f32, p.sin() as f32)
}

/// Where the soft clip's knee begins: below it the master is untouched.
pub const CLIP_KNEE: f32 = 0.8;

/// Master soft clip: identity below [`CLIP_KNEE`], then a tanh curve that
/// approaches 1.0 with a continuous slope.
#[inline]
pub fn soft_clip(x: f32) -> f32 {
    let a = x.abs();
    if a <= CLIP_KNEE {
        x
    } else {
        let room = 1.0 - CLIP_KNEE;
        let y = CLIP_KNEE + room * ((a - CLIP_KNEE) / room).tanh();
        y.copysign(x)
    }
}

/// A linear ramp towards a target over a fixed number of frames; the value
/// is a closed form of the frames since the ramp began, so skipping silent
/// frames gives the same values as computing them.
#[derive(Debug, Clone, Copy)]
pub struct Ramp {
    start: f32,
    target: f32,
    step: f32,
    len: u32,
    k: u32,
}

impl Ramp {
    /// A ramp resting at `value`.
    pub fn new(value: f32) -> Ramp {
        Ramp {
            start: value,
            target: value,
            step: 0.0,
            len: 0,
            k: 0,
        }
    }

    /// Start moving from the current value to `target` over `len` frames.
    pub fn set(&mut self, target: f32, len: u32) {
        self.start = self.value();
        self.target = target;
        self.len = len.max(1);
        self.step = (target - self.start) / self.len as f32;
        self.k = 0;
    }

    /// The current value.
    #[inline]
    pub fn value(&self) -> f32 {
        if self.k >= self.len {
            self.target
        } else {
            self.start + self.step * self.k as f32
        }
    }

    /// True while the value still moves.
    #[inline]
    pub fn moving(&self) -> bool {
        self.k < self.len
    }

    /// Advance one frame.
    #[inline]
    pub fn tick(&mut self) {
        if self.k < self.len {
            self.k += 1;
        }
    }

    /// Jump to the target (the ramp rests there).
    #[inline]
    pub fn finish(&mut self) {
        *self = Ramp::new(self.target);
    }

    /// Advance `n` frames at once.
    #[inline]
    pub fn skip(&mut self, n: u32) {
        self.k = self.k.saturating_add(n).min(self.len);
    }
}

/// `x[j] *= g; sum[j] += x[j]` over the shorter of the two: a bus scaled
/// by its steady volume and added into the master.
#[inline]
pub fn scale_into(x: &mut [f32], g: f32, sum: &mut [f32]) {
    for (v, s) in x.iter_mut().zip(sum.iter_mut()) {
        *v *= g;
        *s += *v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_is_minus_3_db() {
        let (l, r) = pan_gains(0.5);
        assert!((l - r).abs() < 1e-7);
        assert!((20.0 * l.log10() + 3.0103).abs() < 1e-3);
    }

    #[test]
    fn soft_clip_is_transparent_below_knee_and_bounded() {
        assert_eq!(soft_clip(0.5), 0.5);
        assert_eq!(soft_clip(-0.8), -0.8);
        assert!(soft_clip(10.0) <= 1.0 && soft_clip(10.0) > 0.99);
        assert!(soft_clip(-3.0) >= -1.0);
    }

    #[test]
    fn ramp_skip_equals_ticks() {
        let mut a = Ramp::new(0.0);
        let mut b = Ramp::new(0.0);
        a.set(1.0, 100);
        b.set(1.0, 100);
        for _ in 0..37 {
            a.tick();
        }
        b.skip(37);
        assert_eq!(a.value(), b.value());
    }
}
