//! Link read in the audio callback: each block, the callback captures
//! Link's audio session state (rusty_link's realtime-safe capture) and
//! publishes which Link beat its first frame leaves the speaker on (the
//! host time of the callback plus the device's output latency). The script
//! thread compares that with the beat the tempo map put on the frame: how
//! far the sound actually is from the shared beat, as `status()` shows it.
//!
//! The Link object is made once, on the script thread, and never freed
//! (it lives as long as the process), so the callback holds a plain
//! reference and nothing is dropped on the audio thread.

use rusty_link::{AblLink, SessionState};
use std::sync::atomic::{AtomicI64, AtomicPtr, AtomicU64, Ordering};

/// What the callback publishes; shared through the engine's telemetry.
#[derive(Debug, Default)]
pub struct LinkTap {
    /// The Link object, once made (null before).
    link: AtomicPtr<AblLink>,
    /// The quantum beats are read at (f64 bits).
    quantum_bits: AtomicU64,
    /// A sequence count, odd while the reading below is being written.
    seq: AtomicU64,
    frame: AtomicU64,
    host_us: AtomicI64,
    beat_bits: AtomicU64,
    bpm_bits: AtomicU64,
}

/// One block's reading, from the audio thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TapReading {
    /// The block's first frame.
    pub frame: u64,
    /// When it leaves the speaker, on Link's clock (µs).
    pub host_us: i64,
    /// Link's beat then, at the quantum, from the audio session state.
    pub beat: f64,
    /// Link's tempo then.
    pub bpm: f64,
}

/// The callback's own session state, allocated before the stream starts.
pub struct LinkCapture(SessionState);

impl Default for LinkCapture {
    fn default() -> Self {
        LinkCapture(SessionState::new())
    }
}

impl std::fmt::Debug for LinkCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkCapture")
    }
}

impl LinkTap {
    /// Hand the (never freed) Link object to the callback.
    pub fn install(&self, link: &'static AblLink, quantum: f64) {
        self.set_quantum(quantum);
        let ptr = link as *const AblLink as *mut AblLink;
        self.link.store(ptr, Ordering::Release);
    }

    /// The quantum the callback reads beats at.
    pub fn set_quantum(&self, quantum: f64) {
        self.quantum_bits
            .store(quantum.to_bits(), Ordering::Relaxed);
    }

    /// In the audio callback, at the start of the block that begins at
    /// `frame`: capture Link's audio session state and publish the beat
    /// the frame leaves the speaker on (`latency_ns` after now).
    /// Realtime-safe: atomics, Link's clock and its audio-thread capture.
    pub fn capture(&self, frame: u64, latency_ns: u64, state: &mut LinkCapture) {
        let ptr = self.link.load(Ordering::Acquire);
        if ptr.is_null() {
            return;
        }
        // SAFETY: set by `install` from a `&'static AblLink`: never freed.
        let link = unsafe { &*ptr };
        link.capture_audio_session_state(&mut state.0);
        let host_us = link.clock_micros() + (latency_ns / 1000) as i64;
        let quantum = f64::from_bits(self.quantum_bits.load(Ordering::Relaxed));
        let beat = state.0.beat_at_time(host_us, quantum);
        let bpm = state.0.tempo();
        self.seq.fetch_add(1, Ordering::AcqRel);
        self.frame.store(frame, Ordering::Release);
        self.host_us.store(host_us, Ordering::Release);
        self.beat_bits.store(beat.to_bits(), Ordering::Release);
        self.bpm_bits.store(bpm.to_bits(), Ordering::Release);
        self.seq.fetch_add(1, Ordering::AcqRel);
    }

    /// The last block's reading, read consistently (`None` before one).
    pub fn read(&self) -> Option<TapReading> {
        for _ in 0..8 {
            let s1 = self.seq.load(Ordering::Acquire);
            let r = TapReading {
                frame: self.frame.load(Ordering::Acquire),
                host_us: self.host_us.load(Ordering::Acquire),
                beat: f64::from_bits(self.beat_bits.load(Ordering::Acquire)),
                bpm: f64::from_bits(self.bpm_bits.load(Ordering::Acquire)),
            };
            let s2 = self.seq.load(Ordering::Acquire);
            if s1 == s2 && s1 % 2 == 0 {
                return (s1 > 0).then_some(r);
            }
        }
        None
    }
}
