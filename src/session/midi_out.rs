//! MIDI output as session state: where a channel's notes go (its route),
//! and the MIDI outbox of frame-stamped messages for the output thread.
//! The outbox is journaled like the command outbox: a failed evaluation's
//! messages are taken back before anything is sent, so it sends nothing.

use crate::midi::output::OutCmd;
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

/// Messages waiting for the MIDI output thread, in order (a failed
/// evaluation's are taken back).
pub type MidiOutbox = super::txn::TxQueue<OutCmd>;

impl super::Session {
    /// Take the outbox's `Send` messages as (frame, bytes), for tests.
    #[cfg(test)]
    pub(crate) fn take_midi_sends(&mut self) -> Vec<(u64, Vec<u8>)> {
        self.midi_outbox
            .take()
            .into_iter()
            .filter_map(|c| match c {
                OutCmd::Send { frame, bytes, .. } => Some((frame, bytes)),
                _ => None,
            })
            .collect()
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
