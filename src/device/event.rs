//! What the output reports after it started, without allocating where it is
//! reported: a small `Copy` value goes through a bounded channel with
//! `try_send` (a full channel drops it) and is formatted by the receiver.
//! cpal calls its error callback on the audio thread (ALSA) or on JACK's
//! notification thread, so nothing there may build a `String`.

use std::fmt;

/// Bytes of a backend's error text kept (longer texts are cut).
pub const TEXT_BYTES: usize = 96;

/// A short text held inline (no heap), cut at a character boundary.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ShortText {
    bytes: [u8; TEXT_BYTES],
    len: u8,
}

impl ShortText {
    /// The first [`TEXT_BYTES`] bytes of `s` or fewer, ending on a character
    /// boundary. Copies; never allocates.
    pub fn new(s: &str) -> ShortText {
        let mut len = s.len().min(TEXT_BYTES);
        while !s.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0; TEXT_BYTES];
        bytes[..len].copy_from_slice(&s.as_bytes()[..len]);
        ShortText {
            bytes,
            len: len as u8,
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Cut on a character boundary of a `str` in `new`: always valid.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Something the running output reports; the session keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceEvent {
    /// The device went away (unplugged, or its server stopped).
    DeviceGone,
    /// Another error from the audio backend, with its text (cut to fit).
    Backend(ShortText),
    /// The fallback's recording failed with an I/O error of this kind; the
    /// rest of the session is not recorded.
    RecordingFailed(std::io::ErrorKind),
    /// The fallback's recorder fell behind and dropped this many frames.
    RecordingDropped {
        /// Frames lost from the recording.
        frames: u64,
    },
}

impl fmt::Display for DeviceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceEvent::DeviceGone => write!(f, "the audio device is no longer available"),
            DeviceEvent::Backend(text) => write!(f, "{}", text.as_str()),
            DeviceEvent::RecordingFailed(kind) => {
                write!(
                    f,
                    "recording to the WAV file failed ({kind}); the rest is not recorded"
                )
            }
            DeviceEvent::RecordingDropped { frames } => {
                write!(f, "recording fell behind: {frames} frames dropped")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_cuts_long_text_on_a_character_boundary() {
        assert_eq!(ShortText::new("xrun").as_str(), "xrun");
        // 95 ASCII bytes, then a 4-byte character that does not fit.
        let long = format!("{}\u{1f3b5}tail", "a".repeat(TEXT_BYTES - 1));
        assert_eq!(ShortText::new(&long).as_str(), "a".repeat(TEXT_BYTES - 1));
        let exact = "b".repeat(TEXT_BYTES + 10);
        assert_eq!(ShortText::new(&exact).as_str().len(), TEXT_BYTES);
    }

    #[test]
    fn events_read_as_sentences() {
        let gone = DeviceEvent::DeviceGone.to_string();
        assert_eq!(gone, "the audio device is no longer available");
        let dropped = DeviceEvent::RecordingDropped { frames: 512 }.to_string();
        assert_eq!(dropped, "recording fell behind: 512 frames dropped");
        let failed = DeviceEvent::RecordingFailed(std::io::ErrorKind::StorageFull);
        assert!(failed.to_string().contains("failed"), "{failed}");
    }
}
