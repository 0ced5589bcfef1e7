//! A live input on a channel's bus: capture samples read from a lock-free
//! ring (rtrb) that the capture stream's callback fills, added to the bus
//! before its effects, so the input goes through the channel's effects and
//! mix like its voices.
//!
//! # The clock difference between the two streams
//!
//! cpal has no duplex streams: capture and playback are two streams with two
//! callbacks, and on two devices two clocks. The ring between them is kept
//! near a target fill ([`InputSource::target_frames`], two capture plus two
//! output blocks: enough that the two callbacks' order within a period never
//! empties it). A clock difference makes the fill drift. The reader follows
//! a slow average of the fill (about a third of a second) and, only when it
//! leaves a dead band of one capture plus one output block around the
//! target, reads slightly faster or slower through linear interpolation
//! until the average is back at the target: [`CORRECTION`] (0.1 %, 1.7
//! cents, ten times the drift of two crystals 100 ppm apart) one band out,
//! in proportion further out, at most [`MAX_CORRECTION`] (0.5 %). The
//! waveform stays continuous: no frame is dropped or repeated, so there is
//! no click. Inside the dead band (two streams on one clock, as JACK's)
//! the ratio stays exactly 1 and the input passes through sample for
//! sample.
//!
//! An empty ring (the capture stalled) is counted in
//! [`InputStats::starved_frames`]; the reader plays silence, waits for the
//! target fill again and fades back in over [`FADE_FRAMES`]. Each stall
//! grows the target by one dead band, up to [`MAX_TARGET_BANDS`]: a capture
//! that is late now and then (a busy machine, a server that is not a
//! real-time process) costs a little latency instead of a dropout each
//! time. Excess beyond the dead band when reading starts (the capture ran
//! before the input was installed) is skipped before the first frame is
//! heard.

use rtrb::Consumer;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How much faster or slower the reader goes while it corrects a fill
/// one dead band away from the target (more in proportion further out).
pub const CORRECTION: f64 = 0.001;
/// The most it goes faster or slower (8.6 cents): the largest clock
/// difference it absorbs, 5000 ppm.
pub const MAX_CORRECTION: f64 = 0.005;
/// Frames over which the fill average moves about 63 % of the way.
pub const AVERAGE_FRAMES: f64 = 16_384.0;
/// Frames of the fade-in after the input starts or recovers from a stall.
pub const FADE_FRAMES: u32 = 256;
/// The most dead bands the target fill grows to after underruns (it starts
/// at two).
pub const MAX_TARGET_BANDS: usize = 4;

/// What an input counts, shared with the session (`status()`).
#[derive(Debug, Default)]
pub struct InputStats {
    /// Frames played from the ring.
    pub read_frames: AtomicU64,
    /// Frames played as silence because the ring ran empty (not counting
    /// the first fill).
    pub starved_frames: AtomicU64,
    /// Times the ring ran empty while playing.
    pub underruns: AtomicU64,
    /// Times the reader started correcting the fill (clock drift).
    pub corrections: AtomicU64,
    /// Frames skipped at a start to bring the fill to the target.
    pub skipped_frames: AtomicU64,
    /// The read ratio now, as `f64` bits (1.0 unless correcting).
    pub ratio_bits: AtomicU64,
    /// The target fill now, in frames (0 before the reader starts).
    pub target_frames: AtomicU64,
}

impl InputStats {
    /// The read ratio now (1.0 unless correcting a clock difference).
    pub fn ratio(&self) -> f64 {
        match self.ratio_bits.load(Ordering::Relaxed) {
            0 => 1.0,
            bits => f64::from_bits(bits),
        }
    }
}

/// One channel's live input, on the audio thread.
#[derive(Debug)]
pub struct InputSource {
    channel: u8,
    ring: Consumer<f32>,
    /// Samples per frame in the ring (1 or 2).
    width: usize,
    target_frames: usize,
    band_frames: usize,
    priming: bool,
    /// Position between `prev` (0) and `cur` (1).
    frac: f64,
    prev: [f32; 2],
    cur: [f32; 2],
    fill_avg: f64,
    ratio: f64,
    fade: u32,
    /// Priming again after the ring ran empty (not the first fill).
    underrun: bool,
    stats: Arc<InputStats>,
}

impl InputSource {
    /// An input for channel index `channel` reading `ring` (interleaved,
    /// `width` samples a frame: 1 = mono to both sides, 2 = stereo), for a
    /// capture stream of `in_block` frames and an output of `out_block`.
    pub fn new(
        channel: u8,
        ring: Consumer<f32>,
        width: usize,
        in_block: usize,
        out_block: usize,
        stats: Arc<InputStats>,
    ) -> InputSource {
        let band_frames = in_block.max(1) + out_block.max(1);
        stats
            .target_frames
            .store(2 * band_frames as u64, Ordering::Relaxed);
        InputSource {
            channel,
            ring,
            width: width.clamp(1, 2),
            target_frames: 2 * band_frames,
            band_frames,
            priming: true,
            frac: 0.0,
            prev: [0.0; 2],
            cur: [0.0; 2],
            fill_avg: 0.0,
            ratio: 1.0,
            fade: 0,
            underrun: false,
            stats,
        }
    }

    /// The channel index (0..16) it plays on.
    pub fn channel(&self) -> u8 {
        self.channel
    }

    /// The fill the reader keeps, in frames (the ring's share of the latency).
    pub fn target_frames(&self) -> usize {
        self.target_frames
    }

    /// The read ratio now (1.0 unless correcting a clock difference).
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    fn fill_frames(&self) -> usize {
        self.ring.slots() / self.width
    }

    /// Add the next `left.len()` frames of input to `left` and `right`.
    /// Never blocks or allocates.
    pub fn add_to(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        if self.priming && !self.start() {
            if self.underrun {
                self.stats
                    .starved_frames
                    .fetch_add(n as u64, Ordering::Relaxed);
            }
            return;
        }
        self.steer(n);
        for j in 0..n {
            let t = self.frac as f32;
            let mut l = self.prev[0] + (self.cur[0] - self.prev[0]) * t;
            let mut r = self.prev[1] + (self.cur[1] - self.prev[1]) * t;
            if self.fade < FADE_FRAMES {
                let g = self.fade as f32 / FADE_FRAMES as f32;
                (l, r) = (l * g, r * g);
                self.fade += 1;
            }
            left[j] += l;
            right[j] += r;
            self.frac += self.ratio;
            while self.frac >= 1.0 {
                self.frac -= 1.0;
                if !self.advance() {
                    self.starve((n - j - 1) as u64);
                    return;
                }
            }
        }
        self.stats
            .read_frames
            .fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Leave priming once the ring holds the target: skip any excess, load
    /// the first two frames. False while it is still filling.
    fn start(&mut self) -> bool {
        let fill = self.fill_frames();
        if fill < self.target_frames {
            return false;
        }
        let excess = fill - self.target_frames;
        if let Ok(chunk) = self.ring.read_chunk(excess * self.width) {
            chunk.commit_all();
        }
        self.stats
            .skipped_frames
            .fetch_add(excess as u64, Ordering::Relaxed);
        self.priming = false;
        self.frac = 0.0;
        self.ratio = 1.0;
        self.fade = 0;
        self.fill_avg = self.target_frames as f64;
        self.prev = [0.0; 2];
        self.advance() && self.advance()
    }

    /// Move the fill average and choose the read ratio for the next `n` frames.
    fn steer(&mut self, n: usize) {
        let fill = self.fill_frames() as f64;
        let k = (n as f64 / AVERAGE_FRAMES).min(1.0);
        self.fill_avg += (fill - self.fill_avg) * k;
        let err = self.fill_avg - self.target_frames as f64;
        let over = err.abs() / self.band_frames as f64;
        let back = (self.ratio > 1.0 && err <= 0.0) || (self.ratio < 1.0 && err >= 0.0);
        if back {
            self.ratio = 1.0;
        } else if self.ratio != 1.0 || over > 1.0 {
            if self.ratio == 1.0 {
                self.stats.corrections.fetch_add(1, Ordering::Relaxed);
            }
            let step = (CORRECTION * over.max(1.0)).min(MAX_CORRECTION);
            self.ratio = 1.0 + step * err.signum();
        }
        self.stats
            .ratio_bits
            .store(self.ratio.to_bits(), Ordering::Relaxed);
    }

    /// The next frame from the ring into `cur`; false when the ring is empty.
    fn advance(&mut self) -> bool {
        if self.ring.slots() < self.width {
            return false;
        }
        self.prev = self.cur;
        let a = self.ring.pop().unwrap_or(0.0);
        let b = if self.width == 2 {
            self.ring.pop().unwrap_or(0.0)
        } else {
            a
        };
        self.cur = [a, b];
        true
    }

    /// The ring ran empty with `rest` frames of the block left.
    fn starve(&mut self, rest: u64) {
        self.priming = true;
        self.underrun = true;
        self.target_frames =
            (self.target_frames + self.band_frames).min(MAX_TARGET_BANDS * self.band_frames);
        self.stats
            .target_frames
            .store(self.target_frames as u64, Ordering::Relaxed);
        self.stats.underruns.fetch_add(1, Ordering::Relaxed);
        self.stats.starved_frames.fetch_add(rest, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests;
