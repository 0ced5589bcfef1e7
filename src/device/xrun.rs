//! Xruns from the cpal callback's timestamps: the device ran dry when a
//! callback comes later than the previous one's data lasted.
//!
//! At each callback cpal says when it was called and when the data written
//! now will start playing; that data then lasts the block's length. So after
//! a callback at `t` the device has data until `t + (playback - callback) +
//! block`. A next callback after that instant means the device had nothing
//! to play for a moment: one xrun. Hosts that report no delay (playback ==
//! callback) or jittery timers would make a normal callback look late, so a
//! gap of up to two blocks never counts. A timestamp going backwards means
//! the host restarted the stream (ALSA re-prepares its PCM after an underrun
//! and its timestamps restart from the new trigger): one xrun too.
//!
//! JACK also reports its xruns through the error callback; the callback
//! takes the larger of the two counts per block, so one xrun seen both ways
//! counts once. Runs on the audio thread: no allocation.

use cpal::StreamInstant;
use std::time::Duration;

/// Detects xruns from successive callback timestamps.
#[derive(Debug, Clone)]
pub struct XrunDetector {
    sr_hz: u32,
    /// The previous callback, and how long after it the device had data.
    last: Option<(StreamInstant, Duration)>,
}

impl XrunDetector {
    /// A detector for a stream at `sr_hz`.
    pub fn new(sr_hz: u32) -> XrunDetector {
        XrunDetector {
            sr_hz: sr_hz.max(1),
            last: None,
        }
    }

    /// Note a callback made at `callback` for `frames` frames that will
    /// start playing at `playback`; true when the device ran dry since the
    /// previous callback.
    pub fn on_callback(
        &mut self,
        callback: StreamInstant,
        playback: StreamInstant,
        frames: usize,
    ) -> bool {
        let block = Duration::from_nanos(frames as u64 * 1_000_000_000 / self.sr_hz as u64);
        let ahead = playback.duration_since(&callback).unwrap_or(Duration::ZERO);
        let xrun = match self.last {
            Some((prev, covered)) => match callback.duration_since(&prev) {
                Some(gap) => gap > covered,
                None => true,
            },
            None => false,
        };
        self.last = Some((callback, (ahead + block).max(2 * block)));
        xrun
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u32 = 48_000;
    /// 256 frames at 48 kHz.
    const BLOCK_NS: i64 = 5_333_333;

    fn at(ns: i64) -> StreamInstant {
        StreamInstant::new(ns / 1_000_000_000, (ns % 1_000_000_000) as u32)
    }

    /// Callbacks at `times` (ns) with `delay` ns of queued audio; the
    /// indices of the callbacks counted as xruns.
    fn xruns(times: &[i64], delay: i64) -> Vec<usize> {
        let mut d = XrunDetector::new(SR);
        (0..times.len())
            .filter(|&i| d.on_callback(at(times[i]), at(times[i] + delay), 256))
            .collect()
    }

    #[test]
    fn steady_and_jittery_callbacks_are_not_xruns() {
        let steady: Vec<i64> = (0..100).map(|k| 1_000_000 + k * BLOCK_NS).collect();
        assert_eq!(xruns(&steady, BLOCK_NS), Vec::<usize>::new());
        assert_eq!(xruns(&steady, 0), Vec::<usize>::new(), "no delay reported");
        // Callbacks alternately 45 % of a block late and early: gaps of up
        // to 1.9 blocks.
        let jitter: Vec<i64> = (0..100)
            .map(|k| 1_000_000 + k * BLOCK_NS + if k % 2 == 0 { 45 } else { -45 } * BLOCK_NS / 100)
            .collect();
        assert_eq!(xruns(&jitter, 0), Vec::<usize>::new());
    }

    #[test]
    fn a_gap_longer_than_the_queued_audio_is_one_xrun() {
        // Callback 10 comes three blocks after callback 9.
        let mut times: Vec<i64> = (0..20).map(|k| k * BLOCK_NS).collect();
        for t in &mut times[10..] {
            *t += 2 * BLOCK_NS;
        }
        assert_eq!(xruns(&times, BLOCK_NS), [10]);
        assert_eq!(xruns(&times, 0), [10]);
        // Four blocks queued ahead: the same gap is covered, no xrun.
        assert_eq!(xruns(&times, 4 * BLOCK_NS), Vec::<usize>::new());
    }

    #[test]
    fn time_going_backwards_is_a_restart_and_one_xrun() {
        let times = [0, BLOCK_NS, 2 * BLOCK_NS, 1000, 1000 + BLOCK_NS];
        assert_eq!(xruns(&times, BLOCK_NS), [3]);
    }
}
