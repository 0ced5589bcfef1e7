//! Real-time edges of the output layer: the fallback counts its lateness as
//! xruns, and device events are polled (never waited for).

use super::*;
use crate::audio::Telemetry;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Virtual time for the fallback clock: sleeping advances it (after a
/// short real sleep, so the clock runs about 20 times faster than real
/// time), and at given virtual instants it jumps ahead, as if the machine
/// had stalled.
struct Stalling {
    base: Instant,
    now: Duration,
    /// (at, length), earliest first.
    stalls: Vec<(Duration, Duration)>,
}

impl fallback::Pace for Stalling {
    fn now(&mut self) -> Instant {
        if let Some(&(at, len)) = self.stalls.first() {
            if self.now >= at {
                self.now += len;
                self.stalls.remove(0);
            }
        }
        self.base + self.now
    }
    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d / 20);
        self.now += d;
    }
}

#[test]
fn the_fallback_counts_each_late_stretch_as_one_xrun() {
    let path = tmp("late.wav");
    let sr = SampleRate(48_000);
    let engine = engine(sr);
    let telemetry: Arc<Telemetry> = engine.telemetry();
    let (tx, _rx) = bounded(ERROR_CAPACITY);
    let ms = Duration::from_millis;
    let pace = Stalling {
        base: Instant::now(),
        now: Duration::ZERO,
        // 30 ms late (5.6 blocks: caught up in a burst), then 100 ms late
        // (18.75 blocks: skipped ahead).
        stalls: vec![(ms(100), ms(30)), (ms(300), ms(100))],
    };
    let mut running =
        fallback::start_paced(engine, sr, &path, tx, pace).expect("the fallback starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    // Half a second of virtual time, past both stalls.
    while telemetry.frame.load(Ordering::Acquire) < 24_000 {
        assert!(Instant::now() < deadline, "the clock stopped");
        std::thread::sleep(ms(2));
    }
    running.stop().expect("the WAV is finalised");
    assert_eq!(telemetry.xruns.load(Ordering::Relaxed), 2);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn device_events_are_polled_and_forwarding_ends_with_the_output() {
    let (tx, rx) = bounded(ERROR_CAPACITY);
    let forwarder = std::thread::spawn(move || {
        let mut shown = Vec::new();
        forward_events(&rx, Duration::from_millis(1), |e| shown.push(e.to_string()));
        shown
    });
    tx.send(DeviceEvent::DeviceGone).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    tx.send(DeviceEvent::RecordingDropped { frames: 256 })
        .unwrap();
    drop(tx);
    let shown = forwarder
        .join()
        .expect("the forwarder returns once the sender is gone");
    assert_eq!(
        shown,
        [
            "the audio device is no longer available",
            "recording fell behind: 256 frames dropped"
        ]
    );
}
