//! The pending queue: frame order, arrival order on ties, fixed capacity,
//! no allocation after construction, and no quadratic burst.

use super::*;
use crate::alloc_count::{audio_allocations, audio_scope};
use crate::time::Frame;

fn release(frame: u64, id: u64) -> Command {
    Command::Release {
        frame: Frame(frame),
        id,
    }
}

fn id_of(cmd: &Command) -> u64 {
    match cmd {
        Command::Release { id, .. } => *id,
        other => panic!("not a test command: {other:?}"),
    }
}

/// A deterministic stream of frames with many ties (xorshift, 16 values).
fn frames(n: usize) -> Vec<u64> {
    let mut x = 0x2545_F491_u32;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x % 16) as u64 * 100
        })
        .collect()
}

#[test]
fn frames_come_out_in_order_and_ties_in_arrival_order() {
    let fs = frames(3000);
    let mut q = PendingQueue::with_capacity(fs.len());
    for (id, &f) in fs.iter().enumerate() {
        assert!(q.push(release(f, id as u64)).is_ok());
    }
    // The stable sort by frame is the order the engine must see.
    let mut want: Vec<(u64, u64)> = fs.iter().enumerate().map(|(i, &f)| (f, i as u64)).collect();
    want.sort_by_key(|&(f, _)| f);
    let mut got = Vec::new();
    while let Some(c) = q.pop_before(u64::MAX) {
        got.push((c.frame().0, id_of(&c)));
    }
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
}

#[test]
fn pop_before_stops_at_the_block_end_and_interleaves_with_pushes() {
    let mut q = PendingQueue::with_capacity(8);
    for (f, id) in [(10, 0), (5, 1), (10, 2), (20, 3)] {
        q.push(release(f, id)).unwrap();
    }
    let ids = |q: &mut PendingQueue, end| {
        let mut v = Vec::new();
        while let Some(c) = q.pop_before(end) {
            v.push(id_of(&c));
        }
        v
    };
    assert_eq!(ids(&mut q, 10), [1]);
    // A later arrival on frame 10 goes after the two already waiting there.
    q.push(release(10, 4)).unwrap();
    q.push(release(7, 5)).unwrap();
    assert_eq!(ids(&mut q, 11), [5, 0, 2, 4]);
    assert_eq!(ids(&mut q, 20), Vec::<u64>::new());
    assert_eq!(ids(&mut q, 21), [3]);
    assert!(q.is_empty());
}

#[test]
fn a_full_queue_hands_the_command_back_and_never_grows() {
    let mut q = PendingQueue::with_capacity(4);
    for id in 0..4 {
        q.push(release(100 - id, id)).unwrap();
    }
    assert!(!q.has_room());
    let back = q.push(release(1, 99)).expect_err("full");
    assert_eq!((back.frame(), id_of(&back)), (Frame(1), 99));
    assert_eq!(q.len(), 4);
    assert_eq!(q.pop_before(u64::MAX).map(|c| id_of(&c)), Some(3));
    assert!(q.has_room());
    q.push(release(1, 99)).unwrap();
    assert_eq!(q.pop_before(u64::MAX).map(|c| id_of(&c)), Some(99));
}

#[test]
fn push_and_pop_never_allocate_after_construction() {
    let n = 4096;
    let mut q = PendingQueue::with_capacity(n);
    let before = audio_allocations();
    audio_scope(|| {
        for round in 0..3u64 {
            for i in 0..n as u64 {
                let _ = q.push(release((i * 7919 + round) % 1000, i));
            }
            while q.pop_before(u64::MAX).is_some() {}
        }
    });
    assert_eq!(audio_allocations() - before, 0);
}

/// 65 536 commands in falling frame order (the worst case for a sorted
/// insert scanning from the back): the old sorted `VecDeque` took 12 s in
/// a release build on 2 shared cores; the heap takes 10-15 ms.
#[test]
fn a_burst_in_falling_order_is_not_quadratic() {
    let n = 65_536u64;
    let mut q = PendingQueue::with_capacity(n as usize);
    let started = std::time::Instant::now();
    for i in 0..n {
        q.push(release(n - i, i)).unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(q.pop_before(u64::MAX).map(|c| id_of(&c)), Some(n - 1));
    assert!(
        elapsed < std::time::Duration::from_millis(250),
        "{n} inserts took {elapsed:?}"
    );
}
