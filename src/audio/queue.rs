//! The audio thread's fixed-capacity queue of pending commands, kept in frame
//! order (ties keep arrival order). It never grows: when it is full the
//! engine stops pulling from the channel, and the control side keeps the rest.

use crate::command::Command;
use std::collections::VecDeque;

/// Commands waiting for their frame.
pub struct PendingQueue {
    items: VecDeque<Command>,
}

impl PendingQueue {
    /// A queue holding at most `capacity` commands (allocates now, never later).
    pub fn with_capacity(capacity: usize) -> PendingQueue {
        PendingQueue {
            items: VecDeque::with_capacity(capacity),
        }
    }

    /// Room left.
    #[inline]
    pub fn has_room(&self) -> bool {
        self.items.len() < self.items.capacity()
    }

    /// Number of commands waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Insert in frame order; hands the command back when full.
    pub fn push(&mut self, cmd: Command) -> Result<(), Command> {
        if !self.has_room() {
            return Err(cmd);
        }
        let f = cmd.frame();
        let mut i = self.items.len();
        while i > 0 && self.items[i - 1].frame() > f {
            i -= 1;
        }
        self.items.insert(i, cmd);
        Ok(())
    }

    /// The next command if it is due before `end` (an exclusive frame).
    #[inline]
    pub fn pop_before(&mut self, end: u64) -> Option<Command> {
        match self.items.front() {
            Some(c) if c.frame().0 < end => self.items.pop_front(),
            _ => None,
        }
    }
}
