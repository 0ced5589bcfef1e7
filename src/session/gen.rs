//! GEN routines: function-table generators in the Csound tradition.
//!
//! Each generator fills `size` points and, as in Csound, the result is
//! normalised to a peak of 1 unless it is wrapped in `raw()` (a negative GEN
//! number in the `f` statement form).

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
    /// Samples from a WAV file (Csound GEN01): one channel (1-based) or all
    /// channels mixed; size 0 takes the file's length.
    Gen1 {
        /// The file.
        path: String,
        /// 1-based channel, or `None` to mix all channels.
        channel: Option<usize>,
    },
    /// Csound's named GENs "tanh", "exp" and "sone": the function over
    /// points evenly spaced from `start` to `end`.
    Curve {
        /// Which function.
        kind: CurveKind,
        /// The first x.
        start: f64,
        /// The last x (at the table's length without its guard point).
        end: f64,
        /// "sone": the x where input and output are equal.
        equal_point: f64,
    },
    /// The inner generator's values as they are (no normalisation).
    Raw(Box<Gen>),
}

/// The functions of Csound's named GENs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CurveKind {
    /// `f # time size "tanh" start end rescale`.
    Tanh,
    /// `f # time size "exp" start end rescale`.
    Exp,
    /// `f # time size "sone" start end equalpoint rescale`: x (x / eq)^(33/78).
    Sone,
}

/// Csound's named GEN routines Tactus has, with the numbers an `f`
/// statement carries for them (Csound too gives a named GEN a number past
/// its numbered ones).
pub const NAMED_GENS: &[(&str, i64)] = &[("tanh", 1001), ("exp", 1002), ("sone", 1003)];

/// The number of a named GEN (`"tanh"`), if Tactus has it.
pub fn named_gen(name: &str) -> Option<i64> {
    NAMED_GENS.iter().find(|g| g.0 == name).map(|g| g.1)
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
    /// A sample file that cannot be read.
    #[error("gen1: {0}")]
    Wav(String),
    /// An `f` statement with a GEN number Tactus does not have.
    #[error("GEN {0} is not available; use 1 (WAV file), 2 (values), 5 (exponential), 7 (lines), 9 (partials), 10 (harmonics), negative for no normalisation, or the named \"tanh\", \"exp\", \"sone\"")]
    UnknownGen(i64),
    /// A named GEN's function is not a finite number somewhere in the range.
    #[error("\"{0}\" gives values that are not finite numbers over that range (\"sone\": start, end and the equal point of one sign; \"exp\": x up to about 709)")]
    NotFinite(&'static str),
    /// Exponential segments cannot cross or touch zero.
    #[error("gen5 values must be non-zero and of one sign (got {0})")]
    ExpZero(f64),
}

/// Most point x partial products a harmonic generator may compute.
pub const MAX_WORK: u64 = 1 << 28;

/// Largest table size accepted.
pub const MAX_TABLE_SIZE: i64 = 1 << 24;

/// Most points all tables hold together: 2^27 (512 MiB of samples), eight
/// of the largest tables.
pub const MAX_TABLE_POINTS_TOTAL: usize = 1 << 27;

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
            Gen::Gen1 { .. } => "gen1",
            Gen::Curve { kind, .. } => match kind {
                CurveKind::Tanh => "tanh",
                CurveKind::Exp => "exp",
                CurveKind::Sone => "sone",
            },
            Gen::Raw(_) => "raw",
        }
    }

    /// Fill `size` points; `normalise` rescales harmonic sums to a peak of 1.
    pub fn fill(&self, size: i64, normalise: bool) -> Result<Vec<f32>, GenError> {
        match self {
            Gen::Raw(inner) => return inner.fill(size, false),
            Gen::Gen1 { path, channel } => return gen1(path, *channel, size, normalise),
            _ => {}
        }
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
            Gen::Curve {
                kind,
                start,
                end,
                equal_point,
            } => {
                let v = curve_points(n, *kind, *start, *end, *equal_point);
                if v.iter().any(|x| !x.is_finite()) {
                    return Err(GenError::NotFinite(self.name()));
                }
                v
            }
            Gen::Gen1 { .. } | Gen::Raw(_) => unreachable!("handled above"),
        };
        if normalise {
            normalize(&mut v);
        }
        Ok(v.into_iter().map(|x| x as f32).collect())
    }

    /// A generator from a Csound GEN number and its numeric arguments (the
    /// `f` statement form); a negative number means no normalisation.
    pub fn from_number(gen_no: i64, args: &[f64], path: Option<&str>) -> Result<Gen, GenError> {
        let g = match gen_no.abs() {
            1 => Gen::Gen1 {
                path: path.unwrap_or("").to_string(),
                channel: args.get(2).filter(|c| **c >= 1.0).map(|c| *c as usize),
            },
            2 => Gen::Gen2(args.to_vec()),
            5 => Gen::Gen5(args.to_vec()),
            7 => Gen::Gen7(args.to_vec()),
            9 => Gen::Gen9(
                args.chunks(3)
                    .map(|c| (c[0], *c.get(1).unwrap_or(&0.0), *c.get(2).unwrap_or(&0.0)))
                    .collect(),
            ),
            10 => Gen::Gen10(args.to_vec()),
            1001..=1003 if gen_no > 0 => return Ok(curve(gen_no, args)),
            _ => return Err(GenError::UnknownGen(gen_no)),
        };
        Ok(if gen_no < 0 { Gen::Raw(Box::new(g)) } else { g })
    }

    /// How many partials a harmonic generator sums (0 for the others).
    fn partials(&self) -> usize {
        match self {
            Gen::Gen10(a) => a.len(),
            Gen::Gen9(p) => p.len(),
            Gen::Wave(_, h) | Gen::Impulse(h) => *h,
            Gen::Gen7(_)
            | Gen::Gen5(_)
            | Gen::Gen2(_)
            | Gen::Gen1 { .. }
            | Gen::Curve { .. }
            | Gen::Raw(_) => 0,
        }
    }
}

/// A named GEN from its number and arguments (start, end, [equal point,]
/// rescale): as Csound, a non-zero rescale keeps the values as they are.
fn curve(gen_no: i64, args: &[f64]) -> Gen {
    let arg = |k: usize| args.get(k).copied().unwrap_or(0.0);
    let (kind, rescale_at) = match gen_no {
        1001 => (CurveKind::Tanh, 2),
        1002 => (CurveKind::Exp, 2),
        _ => (CurveKind::Sone, 3),
    };
    // Csound: an equal point of 0 is taken as 0.001.
    let eq = if arg(2) == 0.0 { 0.001 } else { arg(2) };
    let g = Gen::Curve {
        kind,
        start: arg(0),
        end: arg(1),
        equal_point: eq,
    };
    if arg(rescale_at) != 0.0 {
        Gen::Raw(Box::new(g))
    } else {
        g
    }
}

/// The named GENs' points, as Csound's: x from `start` in steps of
/// (end - start) / length, the length without the guard point (a size of
/// 2^k + 1 is 2^k and its guard point).
fn curve_points(n: usize, kind: CurveKind, start: f64, end: f64, eq: f64) -> Vec<f64> {
    let pow2 = (n & !1).is_power_of_two();
    let len = if pow2 { n & !1 } else { n };
    let step = (end - start) / len as f64;
    (0..n)
        .map(|i| {
            let x = start + i as f64 * step;
            match kind {
                CurveKind::Tanh => x.tanh(),
                CurveKind::Exp => x.exp(),
                CurveKind::Sone => x * (x / eq).powf(33.0 / 78.0),
            }
        })
        .collect()
}

/// GEN01: read a WAV file (16/24/32-bit integer or 32-bit float, any
/// channels). Only a regular file is opened, and only the frames the table
/// holds are decoded (a 64-point table of an hour-long file reads 64 frames).
fn gen1(
    path: &str,
    channel: Option<usize>,
    size: i64,
    normalise: bool,
) -> Result<Vec<f32>, GenError> {
    let file = crate::files::open_regular(std::path::Path::new(path))
        .map_err(|e| GenError::Wav(e.to_string()))?;
    let mut reader = hound::WavReader::new(std::io::BufReader::new(file))
        .map_err(|e| GenError::Wav(format!("cannot read \"{path}\": {e}")))?;
    let spec = reader.spec();
    let chans = spec.channels as usize;
    if let Some(c) = channel.filter(|c| *c > chans) {
        return Err(GenError::Wav(format!(
            "\"{path}\" has {chans} channel(s); channel {c} does not exist"
        )));
    }
    let file_frames = i64::from(reader.duration());
    let n = if size == 0 { file_frames } else { size };
    if !(1..=MAX_TABLE_SIZE).contains(&n) {
        return Err(GenError::Size(n));
    }
    let wanted = n.min(file_frames) as usize * chans;
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .take(wanted)
            .collect::<Result<_, _>>(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .take(wanted)
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
        }
    }
    .map_err(|e| GenError::Wav(format!("\"{path}\": {e}")))?;
    let frames: Vec<f64> = samples
        .chunks(chans.max(1))
        .map(|f| match channel {
            Some(c) => f[c - 1] as f64,
            None => f.iter().map(|&x| x as f64).sum::<f64>() / chans as f64,
        })
        .collect();
    let mut v: Vec<f64> = (0..n as usize)
        .map(|i| frames.get(i).copied().unwrap_or(0.0))
        .collect();
    if normalise {
        normalize(&mut v);
    }
    Ok(v.into_iter().map(|x| x as f32).collect())
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
