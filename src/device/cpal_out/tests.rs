//! The cpal callback without a device: one guard per call, xruns counted
//! from its timestamps and from the error callback, errors reported without
//! allocating.

use super::*;
use crate::alloc_count::{audio_allocations, audio_scope};
use crate::audio::{EngineConfig, Telemetry};
use crate::time::SampleRate;
use cpal::{BackendSpecificError, BufferSize, OutputStreamTimestamp, StreamInstant};
use crossbeam_channel::bounded;

const BLOCK: usize = 256;
/// 256 frames at 48 kHz, in nanoseconds.
const BLOCK_NS: i64 = 5_333_333;

/// A stereo 48 kHz callback with its renderer waiting in the slot.
fn callback() -> (Callback, Arc<AtomicU64>, Arc<Telemetry>) {
    let (mut slot, slot_rx) = rtrb::RingBuffer::new(1);
    let (_commands, commands_rx) = bounded(4);
    let (garbage, _garbage_rx) = bounded(4);
    let engine = Engine::new(EngineConfig::new(SampleRate(48_000)), commands_rx, garbage);
    let telemetry = engine.telemetry();
    assert!(slot.push(Renderer::new(engine, 2)).is_ok());
    let config = StreamConfig {
        channels: 2,
        sample_rate: cpal::SampleRate(48_000),
        buffer_size: BufferSize::Default,
    };
    let reported = Arc::new(AtomicU64::new(0));
    let first = Arc::new(AtomicU32::new(0));
    let cb = Callback::new(slot_rx, first, &config, reported.clone());
    (cb, reported, telemetry)
}

/// Callback info for a call at `ns` whose data plays one block later.
fn info(ns: i64) -> OutputCallbackInfo {
    let at = |ns: i64| StreamInstant::new(ns / 1_000_000_000, (ns % 1_000_000_000) as u32);
    OutputCallbackInfo::new(OutputStreamTimestamp {
        callback: at(ns),
        playback: at(ns + BLOCK_NS),
    })
}

#[test]
fn each_callback_enters_the_real_time_guard_once() {
    let (mut cb, _, telemetry) = callback();
    let mut data = vec![0.0f32; BLOCK * 2];
    for k in 0..3 {
        let before = crate::audio::rt::entries();
        cb.run(&mut data, &info(k * BLOCK_NS));
        assert_eq!(crate::audio::rt::entries() - before, 1, "callback {k}");
    }
    assert!(cb.renderer().is_some(), "the engine was picked up");
    assert_eq!(telemetry.frame.load(Ordering::Relaxed), 3 * BLOCK as u64);
}

#[test]
fn xruns_from_timestamp_gaps_and_the_error_callback_reach_the_telemetry() {
    let (mut cb, reported, telemetry) = callback();
    let xruns = || telemetry.xruns.load(Ordering::Relaxed);
    let mut data = vec![0.0f32; BLOCK * 2];
    let mut t = 0;
    for _ in 0..10 {
        cb.run(&mut data, &info(t));
        t += BLOCK_NS;
    }
    assert_eq!(xruns(), 0, "steady callbacks");
    // Three blocks late: the device ran dry.
    t += 3 * BLOCK_NS;
    cb.run(&mut data, &info(t));
    assert_eq!(xruns(), 1);
    // The error callback (JACK) reports one: counted at the next callback.
    reported.fetch_add(1, Ordering::Relaxed);
    t += BLOCK_NS;
    cb.run(&mut data, &info(t));
    assert_eq!(xruns(), 2);
    // Seen both ways at once: one xrun.
    reported.fetch_add(1, Ordering::Relaxed);
    t += 4 * BLOCK_NS;
    cb.run(&mut data, &info(t));
    assert_eq!(xruns(), 3);
    assert_eq!(reported.load(Ordering::Relaxed), 0, "handed over");
}

#[test]
fn stream_errors_are_reported_without_allocating_or_blocking() {
    let (tx, rx) = bounded(2);
    let counted = Arc::new(AtomicU64::new(0));
    let report = ErrorReport::new(tx, counted.clone());
    let backend = |s: &str| StreamError::BackendSpecific {
        err: BackendSpecificError {
            description: s.to_string(),
        },
    };
    let xrun = backend("xrun (buffer over or under run)");
    let shutdown = backend("JACK was shut down for reason: test");
    let gone = StreamError::DeviceNotAvailable;
    let before = audio_allocations();
    audio_scope(|| {
        report.report(&gone);
        report.report(&xrun);
        report.report(&shutdown);
        // The channel is full now: dropped, never waited for.
        report.report(&gone);
    });
    assert_eq!(audio_allocations() - before, 0, "no allocation or free");
    assert_eq!(counted.load(Ordering::Relaxed), 1, "the xrun is counted");
    assert_eq!(rx.try_recv(), Ok(DeviceEvent::DeviceGone));
    let text = rx.try_recv().expect("the backend error").to_string();
    assert_eq!(text, "JACK was shut down for reason: test");
    assert!(rx.try_recv().is_err(), "an xrun is not a message");
}
