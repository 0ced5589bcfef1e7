//! MIDI in and out (midir): the byte parser, the ports, the input thread's
//! events for the script thread, and the output thread that sends each
//! message at its time.
//!
//! Threads: midir calls the input callback on its own thread; it stamps each
//! message on arrival and hands it to the script thread over a channel (never
//! to the audio thread). The output thread sleeps until each message's due
//! time. The audio thread never touches MIDI.

pub mod controls;
pub mod input;
pub mod msg;
pub mod output;
pub mod ports;

pub use msg::{MidiMsg, Parser};

/// A message as it arrived: which input, when, what.
#[derive(Debug, Clone)]
pub struct MidiEvent {
    /// The input port's name.
    pub port: std::sync::Arc<str>,
    /// When the input callback received it.
    pub arrived: std::time::Instant,
    /// The message.
    pub msg: MidiMsg,
}
