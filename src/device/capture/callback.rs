//! The capture stream's callback: audio-thread code (one guard, no
//! allocation, lock, I/O or printing). It converts the device's samples to
//! `f32` in a scratch buffer allocated before the stream starts, pushes them
//! into the live input's ring and the recording tap (a full ring counts the
//! frames it could not take), takes its orders from a small lock-free queue,
//! and sends what it lets go of back through another, to be dropped on the
//! control side.

use super::{CaptureStats, QUEUE, SCRATCH_SAMPLES};
use crate::audio::rt;
use crate::audio::tap::Tap;
use cpal::{FromSample, SizedSample};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// An order for the callback.
pub(super) enum Order {
    /// Feed this ring from now on (`None`: feed none).
    Monitor(Option<rtrb::Producer<f32>>),
    /// Record into this tap from the next buffer on.
    Record(Box<Tap>),
    /// End the recording at the next buffer.
    StopRecord,
}

/// What the callback lets go of, to be dropped on the control side.
pub(super) enum Returned {
    Ring(rtrb::Producer<f32>),
    Tap(Box<Tap>),
}

/// What the capture callback owns.
pub(super) struct Callback {
    orders: rtrb::Consumer<Order>,
    returned: rtrb::Producer<Returned>,
    monitor: Option<rtrb::Producer<f32>>,
    tap: Option<Box<Tap>>,
    /// Capture frames so far (the taps' clock).
    frame: u64,
    width: usize,
    scratch: Box<[f32]>,
    stats: Arc<CaptureStats>,
}

impl Callback {
    /// A callback for `width`-channel buffers counting in `stats`, with the
    /// control side's ends of its order and return queues.
    pub(super) fn new(
        width: usize,
        stats: Arc<CaptureStats>,
    ) -> (Callback, rtrb::Producer<Order>, rtrb::Consumer<Returned>) {
        let (orders_tx, orders) = rtrb::RingBuffer::new(QUEUE);
        let (returned, returned_rx) = rtrb::RingBuffer::new(QUEUE);
        let cb = Callback {
            orders,
            returned,
            monitor: None,
            tap: None,
            frame: 0,
            width: width.max(1),
            scratch: vec![0.0; SCRATCH_SAMPLES].into_boxed_slice(), // rt: before the stream starts
            stats,
        };
        (cb, orders_tx, returned_rx)
    }

    /// The capture callback, in one guard.
    pub(super) fn run<T>(&mut self, data: &[T])
    where
        T: SizedSample,
        f32: FromSample<T>,
    {
        rt::guarded(|_| {
            self.take_orders();
            let per_chunk = SCRATCH_SAMPLES / self.width * self.width;
            for chunk in data.chunks(per_chunk) {
                for (d, s) in self.scratch.iter_mut().zip(chunk) {
                    *d = <f32 as FromSample<T>>::from_sample_(*s);
                }
                self.deliver(chunk.len());
            }
            let frames = (data.len() / self.width) as u64;
            self.stats.frames.fetch_add(frames, Ordering::Relaxed);
            if self.stats.first_block.load(Ordering::Relaxed) == 0 {
                self.stats
                    .first_block
                    .store((frames as u32).max(1), Ordering::Release);
            }
        });
    }

    /// Hand `n` converted samples of the scratch to the ring and the tap.
    fn deliver(&mut self, n: usize) {
        let samples = &self.scratch[..n];
        if let Some(ring) = self.monitor.as_mut() {
            let room = ring.slots() / self.width * self.width;
            let take = room.min(n);
            if let Ok(mut chunk) = ring.write_chunk_uninit(take) {
                let (a, b) = chunk.as_mut_slices();
                for (d, s) in a.iter_mut().chain(b.iter_mut()).zip(samples) {
                    d.write(*s);
                }
                // SAFETY: every one of the `take` slots was written just above.
                unsafe { chunk.commit_all() };
            }
            let lost = ((n - take) / self.width) as u64;
            if lost > 0 {
                self.stats.dropped_frames.fetch_add(lost, Ordering::Relaxed);
            }
        }
        if let Some(tap) = self.tap.as_mut() {
            tap.push(samples, self.frame);
        }
        self.frame += (n / self.width) as u64;
        self.return_finished_tap();
    }

    fn take_orders(&mut self) {
        while let Ok(order) = self.orders.pop() {
            match order {
                Order::Monitor(ring) => {
                    if let Some(old) = std::mem::replace(&mut self.monitor, ring) {
                        self.give_back(Returned::Ring(old));
                    }
                }
                Order::Record(mut tap) => {
                    tap.start_at(self.frame);
                    if let Some(mut old) = self.tap.replace(tap) {
                        old.stop_at(self.frame);
                        self.give_back(Returned::Tap(old));
                    }
                }
                Order::StopRecord => {
                    if let Some(t) = self.tap.as_mut() {
                        t.stop_at(self.frame);
                    }
                }
            }
        }
        self.return_finished_tap();
    }

    fn return_finished_tap(&mut self) {
        if self.tap.as_ref().is_some_and(|t| t.is_done(self.frame)) && self.returned.slots() > 0 {
            if let Some(t) = self.tap.take() {
                self.give_back(Returned::Tap(t));
            }
        }
    }

    /// Send `r` back to be dropped on the control side. The queue has room
    /// for every order it answers; should it be full, `r` is leaked (never
    /// freed here).
    fn give_back(&mut self, r: Returned) {
        if let Err(rtrb::PushError::Full(r)) = self.returned.push(r) {
            std::mem::forget(r);
        }
    }
}
