//! MIDI output as session state: where a channel's notes go (its route),
//! and the MIDI outbox of frame-stamped messages for the output thread.
//! The outbox is journaled like the command outbox: a failed evaluation's
//! messages are taken back before anything is sent, so it sends nothing.

use super::txn::Undo;
use crate::midi::output::OutCmd;
use std::collections::VecDeque;
use std::sync::Arc;

/// Where a channel's notes, CCs and pitch bend go.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MidiRoute {
    /// The output port (its full name); None: the channel only sounds.
    pub port: Option<Arc<str>>,
    /// MIDI channel 0..16 (1-16 to the script); None: the channel's own number.
    pub channel: Option<u8>,
    /// Sound in Tactus as well as over MIDI.
    pub sound: bool,
}

impl MidiRoute {
    /// The port and the MIDI channel (0..16) for Tactus channel index `ch`,
    /// when the channel goes to MIDI.
    pub fn target(&self, ch: u8) -> Option<(Arc<str>, u8)> {
        let port = self.port.clone()?;
        Some((port, self.channel.unwrap_or(ch) & 15))
    }
}

/// Messages waiting for the MIDI output thread, in order.
#[derive(Debug, Default)]
pub struct MidiOutbox {
    queue: VecDeque<OutCmd>,
    mark: Option<usize>,
}

impl MidiOutbox {
    /// Queue a message (sent at the end of a successful evaluation).
    pub fn push(&mut self, cmd: OutCmd) {
        self.queue.push_back(cmd);
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Hand what fits to `send` (which gives a message back when its queue
    /// is full: it waits here for the next tick, nothing is dropped).
    pub fn flush(&mut self, mut send: impl FnMut(OutCmd) -> Result<(), OutCmd>) -> usize {
        let mut sent = 0;
        while let Some(cmd) = self.queue.pop_front() {
            if let Err(cmd) = send(cmd) {
                self.queue.push_front(cmd);
                break;
            }
            sent += 1;
        }
        sent
    }

    /// Take everything (a session with no MIDI output discards it).
    pub fn clear(&mut self) {
        self.queue.clear();
    }
}

impl Undo for MidiOutbox {
    fn begin(&mut self) {
        self.mark = Some(self.queue.len());
    }
    fn commit(&mut self) {
        self.mark = None;
    }
    fn rollback(&mut self) {
        if let Some(m) = self.mark.take() {
            self.queue.truncate(m);
        }
    }
}

/// A frequency as the nearest MIDI key.
pub fn hz_to_key(hz: f64) -> u8 {
    (69.0 + 12.0 * (hz.max(1e-3) / 440.0).log2())
        .round()
        .clamp(0.0, 127.0) as u8
}

/// An amplitude 0..1 as a velocity 1..127 (the inverse of `vel_to_amp`).
pub fn amp_to_vel(amp: f64) -> u8 {
    (amp.clamp(0.0, 1.0).sqrt() * 127.0)
        .round()
        .clamp(1.0, 127.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_velocities_round_trip() {
        assert_eq!(hz_to_key(440.0), 69);
        assert_eq!(hz_to_key(261.63), 60);
        for v in [1.0, 64.0, 100.0, 127.0] {
            assert_eq!(amp_to_vel(crate::pitch::vel_to_amp(v)), v as u8);
        }
    }
}
