//! Audio input: `input(ch)` plays a capture device on channel ch, through
//! the channel's effects and mix; `record_input("in.wav")` records the raw
//! input to WAV.
//!
//! The bindings queue [`InputRequest`]s in the session; the live thread's
//! [`live::InputRouter`] performs those of committed evaluations (a failed
//! evaluation opens no device). The capture stream
//! ([`crate::device::capture`]) feeds a lock-free ring that the engine's
//! [`crate::audio::input::InputSource`] reads (absorbing the clock
//! difference between the two streams), and a recording tap whose writer
//! thread owns the file, as `record_audio`'s does. One capture device is
//! open at a time, playing on one channel.
//!
//! Offline (`tactus render`, `tactus check`) there is no capture device:
//! `input()` says so once and the channel plays only its notes.

pub mod live;

use crate::record::WavFormat;
use crate::time::Frame;
use std::path::PathBuf;

/// What an evaluation asks of the input; performed after it commits.
#[derive(Debug, Clone, PartialEq)]
pub enum InputRequest {
    /// Play the capture device on channel index `channel` from `frame`.
    Connect {
        /// Channel index 0..16.
        channel: u8,
        /// Part of the device's name (`None`: the default input).
        device: Option<String>,
        /// Channels to capture, 1 or 2 (`None`: the device's, up to 2).
        channels: Option<u16>,
        /// The first frame it plays.
        frame: Frame,
    },
    /// Stop playing the input on channel index `channel` before `frame`.
    Disconnect {
        /// Channel index 0..16.
        channel: u8,
        /// The first frame without it.
        frame: Frame,
    },
    /// Record the raw input to `path`.
    Record {
        /// The file (already resolved, see [`crate::record::resolve`]).
        path: PathBuf,
        /// Its sample format.
        format: WavFormat,
    },
    /// Stop recording the input.
    StopRecord,
    /// `panic()`: disconnect the input (a feedback howl stops) at `frame`;
    /// a recording of the raw input goes on.
    Panic {
        /// The first frame without it.
        frame: Frame,
    },
}

impl InputRequest {
    /// The message for a session with no capture device (a render), or
    /// `None` for a request that needs none.
    pub fn offline_note(&self) -> Option<String> {
        match self {
            InputRequest::Connect { channel, .. } => Some(format!(
                "input({}): a render has no capture device; channel {} plays only its notes",
                channel + 1,
                channel + 1
            )),
            InputRequest::Record { .. } => {
                Some("record_input(): a render has no capture device; nothing is recorded".into())
            }
            InputRequest::Disconnect { .. }
            | InputRequest::StopRecord
            | InputRequest::Panic { .. } => None,
        }
    }
}
