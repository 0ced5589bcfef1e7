//! The audio thread's fixed-capacity queue of pending commands, kept in frame
//! order (ties keep arrival order). It never grows: when it is full the
//! engine stops pulling from the channel, and the control side keeps the rest.
//!
//! A binary min-heap keyed by (frame, arrival number): insert and pop are
//! O(log n), so a burst of n commands costs O(n log n) rather than the
//! O(n^2) of a sorted insert (65 536 commands in falling frame order: 12 s
//! with the sorted `VecDeque` insert, 10-15 ms with the heap, release build,
//! 2 shared cores; `a_burst_in_falling_order_is_not_quadratic`).
//! The arrival number makes the order total, so commands on the same frame
//! come out in the order they went in and the engine's output does not
//! depend on the heap's layout.

use crate::command::Command;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A command with its sort key.
struct Entry {
    frame: u64,
    arrival: u64,
    cmd: Command,
}

impl Entry {
    fn key(&self) -> (u64, u64) {
        (self.frame, self.arrival)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// Reversed: `BinaryHeap` is a max-heap and the earliest must come first.
    fn cmp(&self, other: &Entry) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// Commands waiting for their frame.
pub struct PendingQueue {
    heap: BinaryHeap<Entry>,
    capacity: usize,
    /// Commands ever pushed: the tie-break that keeps arrival order.
    arrivals: u64,
}

impl PendingQueue {
    /// A queue holding at most `capacity` commands (allocates now, never later).
    pub fn with_capacity(capacity: usize) -> PendingQueue {
        PendingQueue {
            heap: BinaryHeap::with_capacity(capacity), // rt: Engine::new, before the stream
            capacity,
            arrivals: 0,
        }
    }

    /// Room left.
    #[inline]
    pub fn has_room(&self) -> bool {
        self.heap.len() < self.capacity
    }

    /// Number of commands waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Insert in frame order (after any command already waiting on the same
    /// frame); hands the command back when full. O(log n), no allocation.
    pub fn push(&mut self, cmd: Command) -> Result<(), Command> {
        if !self.has_room() {
            return Err(cmd);
        }
        let entry = Entry {
            frame: cmd.frame().0,
            arrival: self.arrivals,
            cmd,
        };
        self.arrivals = self.arrivals.wrapping_add(1);
        self.heap.push(entry);
        Ok(())
    }

    /// Room for `additional` more commands (allocates: offline renders
    /// only, between blocks, never inside the audio callback).
    pub fn grow(&mut self, additional: usize) {
        self.heap.reserve(additional); // rt: offline only, outside the guard
        self.capacity += additional;
    }

    /// The next command if it is due before `end` (an exclusive frame).
    #[inline]
    pub fn pop_before(&mut self, end: u64) -> Option<Command> {
        match self.heap.peek() {
            Some(e) if e.frame < end => self.heap.pop().map(|e| e.cmd),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
