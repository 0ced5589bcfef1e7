//! MIDI 1.0 messages, and a byte parser that survives anything: running
//! status, real-time bytes in the middle of a message, SysEx (skipped), stray
//! data bytes and unknown status bytes are all handled without panicking, so
//! bad bytes never disturb the music.

/// A channel or system message (channels are 0-based: 0 is MIDI channel 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MidiMsg {
    /// Key pressed (a note-on with velocity 0 arrives as [`MidiMsg::NoteOff`]).
    NoteOn {
        /// Channel 0..16.
        ch: u8,
        /// Key 0..128.
        key: u8,
        /// Velocity 1..128.
        vel: u8,
    },
    /// Key released.
    NoteOff {
        /// Channel 0..16.
        ch: u8,
        /// Key 0..128.
        key: u8,
        /// Release velocity.
        vel: u8,
    },
    /// Polyphonic key pressure.
    KeyPressure {
        /// Channel 0..16.
        ch: u8,
        /// Key.
        key: u8,
        /// Pressure.
        value: u8,
    },
    /// Control change.
    Cc {
        /// Channel 0..16.
        ch: u8,
        /// Controller number 0..128.
        cc: u8,
        /// Value 0..128.
        value: u8,
    },
    /// Program change.
    Program {
        /// Channel 0..16.
        ch: u8,
        /// Program 0..128.
        program: u8,
    },
    /// Channel pressure (aftertouch).
    ChannelPressure {
        /// Channel 0..16.
        ch: u8,
        /// Pressure.
        value: u8,
    },
    /// Pitch bend, centred on 0 (-8192..=8191).
    PitchBend {
        /// Channel 0..16.
        ch: u8,
        /// Bend, -8192 (down) to 8191 (up).
        value: i16,
    },
    /// Timing clock (24 per quarter note).
    Clock,
    /// Start.
    Start,
    /// Continue.
    Continue,
    /// Stop.
    Stop,
    /// Song position pointer, in sixteenth notes.
    SongPosition(u16),
}

impl MidiMsg {
    /// The bytes of the message (running status not used).
    pub fn to_bytes(self) -> ([u8; 3], usize) {
        use MidiMsg::*;
        let b = |s: u8, ch: u8, d1: u8, d2: u8| ([s | (ch & 15), d1 & 127, d2 & 127], 3);
        match self {
            NoteOn { ch, key, vel } => b(0x90, ch, key, vel),
            NoteOff { ch, key, vel } => b(0x80, ch, key, vel),
            KeyPressure { ch, key, value } => b(0xA0, ch, key, value),
            Cc { ch, cc, value } => b(0xB0, ch, cc, value),
            Program { ch, program } => ([0xC0 | (ch & 15), program & 127, 0], 2),
            ChannelPressure { ch, value } => ([0xD0 | (ch & 15), value & 127, 0], 2),
            PitchBend { ch, value } => {
                let v = (value.clamp(-8192, 8191) + 8192) as u16;
                b(0xE0, ch, (v & 127) as u8, (v >> 7) as u8)
            }
            Clock => ([0xF8, 0, 0], 1),
            Start => ([0xFA, 0, 0], 1),
            Continue => ([0xFB, 0, 0], 1),
            Stop => ([0xFC, 0, 0], 1),
            SongPosition(p) => ([0xF2, (p & 127) as u8, ((p >> 7) & 127) as u8], 3),
        }
    }
}

/// Turns a byte stream into messages.
#[derive(Debug, Default, Clone)]
pub struct Parser {
    status: Option<u8>,
    data: [u8; 2],
    have: usize,
    in_sysex: bool,
    /// Bytes that were not part of any message (counted, never acted on).
    pub ignored_bytes: u64,
}

/// Data bytes a status byte takes.
fn data_len(status: u8) -> usize {
    match status & 0xF0 {
        0xC0 | 0xD0 => 1,
        0x80..=0xE0 => 2,
        _ => match status {
            0xF2 => 2,
            0xF1 | 0xF3 => 1,
            _ => 0,
        },
    }
}

impl Parser {
    /// Feed bytes; each complete message goes to `out`.
    pub fn feed(&mut self, bytes: &[u8], mut out: impl FnMut(MidiMsg)) {
        for &b in bytes {
            if let Some(m) = self.byte(b) {
                out(m);
            }
        }
    }

    fn byte(&mut self, b: u8) -> Option<MidiMsg> {
        if b >= 0xF8 {
            // Real-time bytes may come anywhere, even inside other messages.
            return match b {
                0xF8 => Some(MidiMsg::Clock),
                0xFA => Some(MidiMsg::Start),
                0xFB => Some(MidiMsg::Continue),
                0xFC => Some(MidiMsg::Stop),
                _ => None,
            };
        }
        if b >= 0x80 {
            self.in_sysex = b == 0xF0;
            self.have = 0;
            // System common messages cancel running status.
            self.status = (b != 0xF0 && b != 0xF7).then_some(b);
            if b >= 0xF0 && data_len(b) == 0 {
                self.status = None;
            }
            return None;
        }
        if self.in_sysex {
            return None;
        }
        let Some(status) = self.status else {
            self.ignored_bytes += 1;
            return None;
        };
        self.data[self.have] = b;
        self.have += 1;
        if self.have < data_len(status) {
            return None;
        }
        self.have = 0;
        if status >= 0xF0 {
            self.status = None;
        }
        Some(decode(status, self.data))
    }
}

fn decode(status: u8, d: [u8; 2]) -> MidiMsg {
    let ch = status & 15;
    match status & 0xF0 {
        0x90 if d[1] > 0 => MidiMsg::NoteOn {
            ch,
            key: d[0],
            vel: d[1],
        },
        0x90 | 0x80 => MidiMsg::NoteOff {
            ch,
            key: d[0],
            vel: d[1],
        },
        0xA0 => MidiMsg::KeyPressure {
            ch,
            key: d[0],
            value: d[1],
        },
        0xB0 => MidiMsg::Cc {
            ch,
            cc: d[0],
            value: d[1],
        },
        0xC0 => MidiMsg::Program { ch, program: d[0] },
        0xD0 => MidiMsg::ChannelPressure { ch, value: d[0] },
        0xE0 => MidiMsg::PitchBend {
            ch,
            value: ((d[0] as i16) | ((d[1] as i16) << 7)) - 8192,
        },
        _ => MidiMsg::SongPosition((d[0] as u16) | ((d[1] as u16) << 7)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Vec<MidiMsg> {
        let mut p = Parser::default();
        let mut v = Vec::new();
        p.feed(bytes, |m| v.push(m));
        v
    }

    #[test]
    fn running_status_and_velocity_zero() {
        let got = parse(&[0x91, 60, 100, 62, 90, 60, 0]);
        assert_eq!(
            got,
            vec![
                MidiMsg::NoteOn {
                    ch: 1,
                    key: 60,
                    vel: 100
                },
                MidiMsg::NoteOn {
                    ch: 1,
                    key: 62,
                    vel: 90
                },
                MidiMsg::NoteOff {
                    ch: 1,
                    key: 60,
                    vel: 0
                },
            ]
        );
    }

    #[test]
    fn realtime_inside_a_message_and_sysex_skipped() {
        let got = parse(&[0xB0, 7, 0xF8, 100, 0xF0, 1, 2, 3, 0xF7, 0xE0, 0, 64]);
        assert_eq!(
            got,
            vec![
                MidiMsg::Clock,
                MidiMsg::Cc {
                    ch: 0,
                    cc: 7,
                    value: 100
                },
                MidiMsg::PitchBend { ch: 0, value: 0 },
            ]
        );
    }

    #[test]
    fn stray_and_unknown_bytes_are_ignored() {
        let mut p = Parser::default();
        let mut v = Vec::new();
        p.feed(&[5, 6, 0xF4, 7, 0xF9, 0xFD, 0x80, 60], |m| v.push(m));
        assert!(v.is_empty(), "{v:?}");
        assert_eq!(p.ignored_bytes, 3);
    }

    #[test]
    fn bytes_round_trip() {
        for m in [
            MidiMsg::NoteOn {
                ch: 3,
                key: 64,
                vel: 1,
            },
            MidiMsg::PitchBend {
                ch: 15,
                value: -8192,
            },
            MidiMsg::PitchBend { ch: 0, value: 8191 },
            MidiMsg::Program { ch: 2, program: 5 },
            MidiMsg::SongPosition(1000),
        ] {
            let (b, n) = m.to_bytes();
            assert_eq!(parse(&b[..n]), vec![m]);
        }
    }
}
