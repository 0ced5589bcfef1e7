//! The recording tap: the master output, copied frame-exactly into a
//! lock-free ring (rtrb) that a writer thread drains to disk.
//!
//! The audio thread only pushes: never waits, never touches the file. When
//! the ring has no room for a block (the disk stalled longer than the ring
//! holds), the block is not kept and its frames are counted in
//! [`TapStats::dropped_frames`]; the writer reports them. A tap is built on
//! the control side and installed with [`crate::command::Command::RecordStart`];
//! it goes back as garbage when it stops, so its ring is never freed here.

use rtrb::Producer;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What a tap counts, shared with the writer and the session.
#[derive(Debug, Default)]
pub struct TapStats {
    /// Frames handed to the ring.
    pub pushed_frames: AtomicU64,
    /// Frames that found the ring full and were not kept.
    pub dropped_frames: AtomicU64,
    /// The engine frame of the first frame recorded (`u64::MAX` until then).
    pub first_frame: AtomicU64,
}

impl TapStats {
    /// Fresh counters (no frame recorded yet).
    pub fn new() -> TapStats {
        TapStats {
            first_frame: AtomicU64::new(u64::MAX),
            ..TapStats::default()
        }
    }
}

/// One recording's end of the ring, on the audio thread.
#[derive(Debug)]
pub struct Tap {
    id: u64,
    ring: Producer<f32>,
    stats: Arc<TapStats>,
    /// Engine frames from here on are recorded.
    from: u64,
    /// Engine frames from here on are not (`u64::MAX`: until stopped).
    until: u64,
    /// Samples per frame (2 for the master output).
    width: u64,
}

impl Tap {
    /// Tap `id` into `ring` (interleaved stereo), counting in `stats`.
    pub fn new(id: u64, ring: Producer<f32>, stats: Arc<TapStats>) -> Tap {
        Tap::with_width(id, ring, stats, 2)
    }

    /// Tap `id` into `ring` with `width` interleaved samples a frame (a
    /// capture stream's channels: `record_input`).
    pub fn with_width(id: u64, ring: Producer<f32>, stats: Arc<TapStats>, width: u16) -> Tap {
        Tap {
            id,
            ring,
            stats,
            from: 0,
            until: u64::MAX,
            width: u64::from(width.max(1)),
        }
    }

    /// The recording it belongs to (for [`crate::command::Command::RecordStop`]).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Record from engine frame `frame` on.
    pub fn start_at(&mut self, frame: u64) {
        self.from = frame;
    }

    /// Stop at engine frame `frame` (not included).
    pub fn stop_at(&mut self, frame: u64) {
        self.until = self.until.min(frame.max(self.from));
    }

    /// True once every frame it will record has been pushed.
    pub fn is_done(&self, next_frame: u64) -> bool {
        next_frame >= self.until
    }

    /// Push the part of `out` (interleaved, starting at engine frame `t0`)
    /// that falls inside the recorded span. Never blocks or allocates.
    pub fn push(&mut self, out: &[f32], t0: u64) {
        let w = self.width;
        let n = out.len() as u64 / w;
        let a = self.from.clamp(t0, t0 + n);
        let b = self.until.clamp(t0, t0 + n);
        if a >= b {
            return;
        }
        let slice = &out[((a - t0) * w) as usize..((b - t0) * w) as usize];
        let frames = b - a;
        if self.ring.push_entire_slice(slice).is_ok() {
            if self.stats.pushed_frames.load(Ordering::Relaxed) == 0 {
                self.stats.first_frame.store(a, Ordering::Relaxed);
            }
            self.stats
                .pushed_frames
                .fetch_add(frames, Ordering::Release);
        } else {
            self.stats
                .dropped_frames
                .fetch_add(frames, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_exactly_the_recorded_span_and_counts_what_does_not_fit() {
        let (tx, mut rx) = rtrb::RingBuffer::new(16);
        let stats = Arc::new(TapStats::new());
        let mut tap = Tap::new(1, tx, stats.clone());
        tap.start_at(3);
        tap.stop_at(9);
        let block: Vec<f32> = (0..8).map(|i| i as f32).collect(); // frames 0..4
        tap.push(&block, 0); // frame 3 only
        let block2: Vec<f32> = (8..16).map(|i| i as f32).collect(); // frames 4..8
        tap.push(&block2, 4);
        let block3: Vec<f32> = (16..24).map(|i| i as f32).collect(); // frames 8..12
        tap.push(&block3, 8); // frame 8 only
        let got: Vec<f32> = std::iter::from_fn(|| rx.pop().ok()).collect();
        let want: Vec<f32> = (6..18).map(|i| i as f32).collect();
        assert_eq!(got, want);
        assert_eq!(stats.pushed_frames.load(Ordering::Relaxed), 6);
        assert_eq!(stats.first_frame.load(Ordering::Relaxed), 3);
        assert!(tap.is_done(12));
        // A full ring: the block is counted, not kept.
        let mut tap = Tap::new(2, rtrb::RingBuffer::new(8).0, Arc::new(TapStats::new()));
        tap.push(&[0.0; 8], 0);
        tap.push(&[0.0; 8], 4);
        assert_eq!(tap.stats.dropped_frames.load(Ordering::Relaxed), 4);
    }
}
