//! GEN routines: function-table generators in the Csound tradition.
//!
//! Each generator fills `size` points. Harmonic generators (`gen10`, `gen9`,
//! the band-limited waves) are normalised to a peak of 1 unless built raw.

use crate::audio::table::{add_harmonics, normalize, wave_partial};
use crate::command::Wave;

/// A table generator, as a script builds it (`gen10([1, 0.5])`, `saw(16)`).
#[derive(Debug, Clone, PartialEq)]
pub enum Gen {
    /// Harmonic partials: amplitude of harmonic k+1 at index k (Csound GEN10).
    Gen10(Vec<f64>),
    /// Partials as (ratio, amplitude, phase in degrees) (Csound GEN09).
    Gen9(Vec<(f64, f64, f64)>),
    /// Line segments: v0, len0, v1, len1, v2, ... (Csound GEN07).
    Gen7(Vec<f64>),
    /// Exponential segments: v0, len0, v1, ... all values non-zero, same sign (GEN05).
    Gen5(Vec<f64>),
    /// Values copied as given (Csound GEN02).
    Gen2(Vec<f64>),
    /// A band-limited waveform with a number of harmonics.
    Wave(Wave, usize),
    /// A band-limited impulse (pulse train): all harmonics at equal amplitude.
    Impulse(usize),
}

/// Why a generator could not fill a table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenError {
    /// Table sizes are 1 .. 2^24 points.
    #[error("table size {0} is out of range: use 1 to 16777216 points")]
    Size(i64),
    /// Segment lists need an odd number of values (v0 len v1 ...).
    #[error("{0} needs values and lengths alternating: v0, len0, v1, len1, v2, ...")]
    Segments(&'static str),
    /// A harmonic sum that would take too long (size x partials).
    #[error("{0} points x {1} partials is too much work: use fewer partials or a smaller table (at most {MAX_WORK} in all)")]
    TooMuchWork(i64, usize),
    /// Exponential segments cannot cross or touch zero.
    #[error("gen5 values must be non-zero and of one sign (got {0})")]
    ExpZero(f64),
}

/// Most point x partial products a harmonic generator may compute.
pub const MAX_WORK: u64 = 1 << 28;

/// Largest table size accepted.
pub const MAX_TABLE_SIZE: i64 = 1 << 24;

impl Gen {
    /// The name used in scripts and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Gen::Gen10(_) => "gen10",
            Gen::Gen9(_) => "gen9",
            Gen::Gen7(_) => "gen7",
            Gen::Gen5(_) => "gen5",
            Gen::Gen2(_) => "gen2",
            Gen::Wave(w, _) => w.name(),
            Gen::Impulse(_) => "impulse",
        }
    }

    /// Fill `size` points; `normalise` rescales harmonic sums to a peak of 1.
    pub fn fill(&self, size: i64, normalise: bool) -> Result<Vec<f32>, GenError> {
        if !(1..=MAX_TABLE_SIZE).contains(&size) {
            return Err(GenError::Size(size));
        }
        let partials = self.partials();
        if size as u64 * partials as u64 > MAX_WORK {
            return Err(GenError::TooMuchWork(size, partials));
        }
        let n = size as usize;
        let mut v = match self {
            Gen::Gen10(amps) => {
                let mut acc = vec![0.0; n];
                add_harmonics(&mut acc, 1..=amps.len(), |k| (amps[k - 1], 0.0));
                acc
            }
            Gen::Gen9(parts) => gen9(n, parts),
            Gen::Gen7(segs) => segments(n, segs, "gen7", false)?,
            Gen::Gen5(segs) => segments(n, segs, "gen5", true)?,
            Gen::Gen2(vals) => (0..n)
                .map(|i| vals.get(i).copied().unwrap_or(0.0))
                .collect(),
            Gen::Wave(w, h) => {
                let mut acc = vec![0.0; n];
                add_harmonics(&mut acc, 1..=(*h).max(1), |k| (wave_partial(*w, k), 0.0));
                acc
            }
            Gen::Impulse(h) => {
                let mut acc = vec![0.0; n];
                add_harmonics(&mut acc, 1..=(*h).max(1), |_| (1.0, 0.0));
                acc
            }
        };
        if normalise && self.normalises() {
            normalize(&mut v);
        }
        Ok(v.into_iter().map(|x| x as f32).collect())
    }

    /// How many partials a harmonic generator sums (0 for the others).
    fn partials(&self) -> usize {
        match self {
            Gen::Gen10(a) => a.len(),
            Gen::Gen9(p) => p.len(),
            Gen::Wave(_, h) | Gen::Impulse(h) => *h,
            Gen::Gen7(_) | Gen::Gen5(_) | Gen::Gen2(_) => 0,
        }
    }

    /// Harmonic generators rescale; segment and value lists keep their values.
    fn normalises(&self) -> bool {
        matches!(
            self,
            Gen::Gen10(_) | Gen::Gen9(_) | Gen::Wave(..) | Gen::Impulse(_)
        )
    }
}

fn gen9(n: usize, parts: &[(f64, f64, f64)]) -> Vec<f64> {
    let mut acc = vec![0.0; n];
    for &(ratio, amp, phase_deg) in parts {
        let w = std::f64::consts::TAU * ratio / n as f64;
        let ph = phase_deg.to_radians();
        for (i, o) in acc.iter_mut().enumerate() {
            *o += amp * (w * i as f64 + ph).sin();
        }
    }
    acc
}

/// Line or exponential segments over `n` points; lengths are in points and
/// are scaled to fit when they do not add up to `n` (the last value holds).
fn segments(n: usize, segs: &[f64], name: &'static str, exp: bool) -> Result<Vec<f64>, GenError> {
    if segs.len() < 3 || segs.len() % 2 == 0 {
        return Err(GenError::Segments(name));
    }
    if exp {
        if let Some(&bad) = segs.iter().step_by(2).find(|v| **v == 0.0) {
            return Err(GenError::ExpZero(bad));
        }
        let sign = segs[0].signum();
        if let Some(&bad) = segs.iter().step_by(2).find(|v| v.signum() != sign) {
            return Err(GenError::ExpZero(bad));
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i + 2 < segs.len() && out.len() < n {
        let (a, len, b) = (segs[i], segs[i + 1].max(0.0), segs[i + 2]);
        let steps = len.round() as usize;
        for k in 0..steps {
            if out.len() == n {
                break;
            }
            let x = k as f64 / steps as f64;
            out.push(if exp {
                a * (b / a).powf(x)
            } else {
                a + (b - a) * x
            });
        }
        i += 2;
    }
    let last = *segs.last().unwrap_or(&0.0);
    out.resize(n, last);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gen10_of_one_is_a_sine() {
        let v = Gen::Gen10(vec![1.0]).fill(4096, true).unwrap();
        for (i, x) in v.iter().enumerate() {
            let want = (std::f64::consts::TAU * i as f64 / 4096.0).sin();
            assert!((*x as f64 - want).abs() < 1e-6);
        }
    }

    #[test]
    fn gen7_segments_exact() {
        let v = Gen::Gen7(vec![0.0, 4.0, 1.0, 4.0, -1.0])
            .fill(8, false)
            .unwrap();
        assert_eq!(v, vec![0.0, 0.25, 0.5, 0.75, 1.0, 0.5, 0.0, -0.5]);
    }

    #[test]
    fn bad_sizes_and_segments_are_errors() {
        assert!(Gen::Gen10(vec![1.0]).fill(0, true).is_err());
        assert!(Gen::Gen7(vec![0.0, 4.0]).fill(8, true).is_err());
        assert!(Gen::Gen5(vec![1.0, 4.0, 0.0]).fill(8, true).is_err());
        assert!(matches!(
            Gen::Wave(Wave::Saw, 65_536).fill(1 << 24, true),
            Err(GenError::TooMuchWork(..))
        ));
    }
}
