use super::*;
use crate::alloc_count::audio_allocations;
use crate::audio::tap::TapStats;

fn callback(
    width: usize,
) -> (
    Callback,
    rtrb::Producer<Order>,
    rtrb::Consumer<Returned>,
    Arc<CaptureStats>,
) {
    let stats = Arc::new(CaptureStats::default());
    let (cb, orders, returned) = Callback::new(width, stats.clone());
    (cb, orders, returned, stats)
}

/// 16-bit stereo (an ALSA device's format): the ring gets the samples as
/// `f32`, the tap the span between its start and stop, and the callback
/// allocates and frees nothing.
#[test]
fn converts_feeds_the_ring_and_the_tap_without_allocating() {
    let (mut cb, mut orders, mut returned, stats) = callback(2);
    let (ring, mut ring_rx) = rtrb::RingBuffer::new(64);
    let (tap_tx, mut tap_rx) = rtrb::RingBuffer::new(64);
    let tap = Box::new(Tap::with_width(7, tap_tx, Arc::new(TapStats::new()), 2));
    assert!(orders.push(Order::Monitor(Some(ring))).is_ok());
    assert!(orders.push(Order::Record(tap)).is_ok());
    let data: Vec<i16> = vec![i16::MIN, -16384, 0, 16384];
    let before = audio_allocations();
    cb.run(&data);
    assert!(orders.push(Order::StopRecord).is_ok());
    cb.run(&data);
    cb.run(&data);
    assert_eq!(audio_allocations() - before, 0, "the callback allocated");
    let got: Vec<f32> = std::iter::from_fn(|| ring_rx.pop().ok()).collect();
    assert_eq!(got.len(), 12);
    assert_eq!(&got[..4], &[-1.0, -0.5, 0.0, 0.5]);
    let recorded: Vec<f32> = std::iter::from_fn(|| tap_rx.pop().ok()).collect();
    assert_eq!(
        recorded,
        vec![-1.0, -0.5, 0.0, 0.5],
        "one buffer: recorded until stopped"
    );
    assert_eq!(stats.frames.load(Ordering::Relaxed), 6);
    assert_eq!(stats.first_block.load(Ordering::Relaxed), 2);
    assert!(matches!(returned.pop(), Ok(Returned::Tap(t)) if t.id() == 7));
}

/// A ring with no room: the frames are counted, never waited for; a ring
/// replaced goes back to the control side.
#[test]
fn a_full_ring_counts_and_a_replaced_ring_goes_back() {
    let (mut cb, mut orders, mut returned, stats) = callback(1);
    let (ring, _keep) = rtrb::RingBuffer::new(3);
    assert!(orders.push(Order::Monitor(Some(ring))).is_ok());
    cb.run(&[0.1f32, 0.2, 0.3, 0.4, 0.5]);
    assert_eq!(stats.dropped_frames.load(Ordering::Relaxed), 2);
    assert!(orders.push(Order::Monitor(None)).is_ok());
    cb.run(&[0.0f32]);
    assert!(matches!(returned.pop(), Ok(Returned::Ring(_))));
}
