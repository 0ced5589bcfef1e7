//! Level meters: each channel's and the master's peak and RMS level,
//! measured on the audio thread block by block and published through
//! atomics, for `status()` and `meters()` to read on the script thread.
//!
//! The measuring side ([`Level`]) is plain arithmetic on the engine's own
//! state: no allocation, no lock. Peaks hold and then fall at
//! [`PEAK_FALL_DB_PER_S`], like a peak programme meter; RMS is averaged over
//! about [`RMS_WINDOW_S`]. Meters are for the eye: they never touch the
//! output, so the blocks they see may be of any size.

use crate::command::CHANNELS;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// How fast a shown peak falls once the signal is quieter, in dB per second.
pub const PEAK_FALL_DB_PER_S: f32 = 20.0;

/// The time constant of the RMS average, in seconds.
pub const RMS_WINDOW_S: f32 = 0.3;

/// One signal's published level, linear amplitude (1.0 is full scale).
#[derive(Debug, Default)]
pub struct MeterCell {
    peak_bits: AtomicU32,
    rms_bits: AtomicU32,
    voices: AtomicU32,
}

impl MeterCell {
    /// The shown peak and RMS, linear amplitude.
    pub fn read(&self) -> (f32, f32) {
        (
            f32::from_bits(self.peak_bits.load(Ordering::Relaxed)),
            f32::from_bits(self.rms_bits.load(Ordering::Relaxed)),
        )
    }

    /// Voices sounding at the end of the last block.
    pub fn voices(&self) -> u32 {
        self.voices.load(Ordering::Relaxed)
    }

    /// Publish the number of voices sounding.
    pub fn set_voices(&self, n: u32) {
        self.voices.store(n, Ordering::Relaxed);
    }

    fn write(&self, peak: f32, rms: f32) {
        self.peak_bits.store(peak.to_bits(), Ordering::Relaxed);
        self.rms_bits.store(rms.to_bits(), Ordering::Relaxed);
    }
}

/// Every channel's meter and the master's, with the master's clip count.
#[derive(Debug, Default)]
pub struct Meters {
    /// Channels 1..=16 (index 0 is channel 1), after volume and effects.
    pub channels: [MeterCell; CHANNELS],
    /// The master mix, before the output's soft clipper.
    pub master: MeterCell,
    /// Master samples over full scale (before the soft clipper) so far.
    pub clipped_samples: AtomicU64,
}

/// The audio thread's running measure of one stereo signal.
#[derive(Debug, Default, Clone, Copy)]
pub struct Level {
    block_peak: f32,
    block_sum_sq: f32,
    shown_peak: f32,
    mean_sq: f32,
}

impl Level {
    /// Take one stereo frame into this block's measure.
    #[inline]
    pub fn add(&mut self, l: f32, r: f32) {
        let m = l.abs().max(r.abs());
        if m > self.block_peak {
            self.block_peak = m;
        }
        self.block_sum_sq += 0.5 * (l * l + r * r);
    }

    /// Take the frames `(l[j], r[j])` into this block's measure: the same
    /// measure as [`Level::add`] frame by frame, kept in eight lanes so the
    /// loop runs eight frames a vector (the sum's rounding differs from the
    /// frame-by-frame one in its last bits: a meter, not a sample).
    pub fn add_block(&mut self, l: &[f32], r: &[f32]) {
        let n = l.len().min(r.len());
        let (mut peak, mut sum) = ([0.0f32; 8], [0.0f32; 8]);
        let (mut lc, mut rc) = (l[..n].chunks_exact(8), r[..n].chunks_exact(8));
        for (a, b) in (&mut lc).zip(&mut rc) {
            for k in 0..8 {
                peak[k] = peak[k].max(a[k].abs().max(b[k].abs()));
                sum[k] += 0.5 * (a[k] * a[k] + b[k] * b[k]);
            }
        }
        for (&x, &y) in lc.remainder().iter().zip(rc.remainder()) {
            self.add(x, y);
        }
        self.block_peak = peak.iter().fold(self.block_peak, |p, &m| p.max(m));
        self.block_sum_sq += sum.iter().sum::<f32>();
    }

    /// End a block of `frames` frames at `sr_hz`: update the shown peak and
    /// the RMS average and publish them to `cell`.
    pub fn publish(&mut self, cell: &MeterCell, frames: usize, sr_hz: f32) {
        if frames == 0 {
            return;
        }
        let seconds = frames as f32 / sr_hz;
        let fall = 10f32.powf(-PEAK_FALL_DB_PER_S * seconds / 20.0);
        self.shown_peak = (self.shown_peak * fall).max(self.block_peak);
        let keep = (-seconds / RMS_WINDOW_S).exp();
        let block_mean_sq = self.block_sum_sq / frames as f32;
        self.mean_sq = self.mean_sq * keep + block_mean_sq * (1.0 - keep);
        if !self.mean_sq.is_finite() || self.mean_sq < 1e-12 {
            self.mean_sq = 0.0;
        }
        if !self.shown_peak.is_finite() || self.shown_peak < 1e-10 {
            self.shown_peak = 0.0;
        }
        cell.write(self.shown_peak, self.mean_sq.sqrt());
        self.block_peak = 0.0;
        self.block_sum_sq = 0.0;
    }
}

/// A linear level in dBFS, or None for silence (below -120 dB).
pub fn dbfs(x: f32) -> Option<f32> {
    (x > 1e-6).then(|| 20.0 * x.log10())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block taken at once measures what its frames taken one by one do:
    /// the same peak, the same sum to float rounding (any length, with
    /// frames left over past the eight-frame vectors).
    #[test]
    fn a_block_measures_as_its_frames_do() {
        let l: Vec<f32> = (0..203)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 57.0)
            .collect();
        let r: Vec<f32> = (0..203)
            .map(|i| ((i * 53 % 89) as f32 - 44.0) / 61.0)
            .collect();
        let (mut one, mut block) = (Level::default(), Level::default());
        for (&a, &b) in l.iter().zip(&r) {
            one.add(a, b);
        }
        block.add_block(&l, &r);
        assert_eq!(block.block_peak, one.block_peak);
        let rel = (block.block_sum_sq - one.block_sum_sq).abs() / one.block_sum_sq;
        assert!(
            rel < 1e-5,
            "{} against {}",
            block.block_sum_sq,
            one.block_sum_sq
        );
    }

    #[test]
    fn a_full_scale_sine_reads_0_db_peak_and_minus_3_db_rms() {
        let (cell, mut lv, sr) = (MeterCell::default(), Level::default(), 48_000.0);
        for block in 0..1000 {
            for j in 0..256 {
                let t = (block * 256 + j) as f32 / sr;
                let x = (2.0 * std::f32::consts::PI * 441.0 * t).sin();
                lv.add(x, x);
            }
            lv.publish(&cell, 256, sr);
        }
        let (peak, rms) = cell.read();
        assert!((dbfs(peak).unwrap()).abs() < 0.01, "{peak}");
        assert!((dbfs(rms).unwrap() + 3.01).abs() < 0.1, "{rms}");
    }

    #[test]
    fn the_peak_falls_20_db_a_second_and_silence_reads_silent() {
        let (cell, mut lv, sr) = (MeterCell::default(), Level::default(), 48_000.0);
        lv.add(1.0, -1.0);
        lv.publish(&cell, 480, sr);
        for _ in 0..100 {
            lv.publish(&cell, 480, sr); // one second of silence
        }
        let (peak, rms) = cell.read();
        assert!((dbfs(peak).unwrap() + 20.0).abs() < 0.2, "{:?}", dbfs(peak));
        assert!(rms < 0.01, "{rms}"); // 3.3 time constants of the 0.3 s average
        for _ in 0..1000 {
            lv.publish(&cell, 480, sr);
        }
        assert_eq!(cell.read(), (0.0, 0.0));
    }
}
