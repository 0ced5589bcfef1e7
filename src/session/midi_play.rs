//! MIDI input playing the channels: each incoming message, stamped with the
//! frame at which it should sound, becomes commands for the audio thread.
//!
//! Note-on on MIDI channel n plays Tactus channel n with its synth, envelope,
//! layers and effects, held until the note-off (velocity 0 is a note-off);
//! the sustain pedal (CC 64) keeps released notes sounding until it lifts;
//! pitch bend bends the channel's sounding notes by up to `bend_range`
//! semitones (smoothed on the audio side); other controllers go to the
//! engine's CC maps (`cc(...)`). Channel 10 plays the drum kit by GM note.
//! Program changes select the General MIDI preset of that program: the
//! script host applies those (the same path as `channel(n, #{ program })`).
//!
//! The held notes and the pedal are journaled state of the [`super::state::Doc`].

use super::state::Session;
use crate::command::{ChannelChange, Command, EnvFrames, NoteOn, Source, CHANNELS};
use crate::midi::MidiMsg;
use crate::time::Frame;

/// The sustain pedal's controller number.
pub const SUSTAIN_CC: u8 = 64;

/// What the script host still has to do for a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MidiAction {
    /// Nothing more.
    Done,
    /// Select General MIDI program `program` (0-127 on the wire, GM
    /// program `program + 1`) on channel `ch`.
    Program {
        /// Channel index 0..16.
        ch: u8,
        /// The program number.
        program: u8,
    },
}

/// The pitch bend value (-8192..=8191) in semitones for a bend range.
pub fn bend_semitones(value: i16, range_semitones: f64) -> f64 {
    value.clamp(-8192, 8191) as f64 / 8192.0 * range_semitones
}

impl Session {
    /// Act on one MIDI message that is to sound at `frame`.
    pub fn midi_message(&mut self, frame: Frame, msg: MidiMsg) -> MidiAction {
        if self.forward_midi(frame, msg) {
            return MidiAction::Done;
        }
        match msg {
            MidiMsg::NoteOn { ch, key, vel } if vel > 0 => self.midi_note_on(frame, ch, key, vel),
            MidiMsg::NoteOn { ch, key, .. } | MidiMsg::NoteOff { ch, key, .. } => {
                self.midi_note_off(frame, ch, key)
            }
            MidiMsg::Cc {
                ch,
                cc: SUSTAIN_CC,
                value,
            } => self.midi_pedal(frame, ch, value >= 64),
            MidiMsg::Cc { ch, cc, value } => self.send(Command::Cc {
                frame,
                channel: ch & 15,
                cc: cc & 127,
                value: value & 127,
            }),
            MidiMsg::PitchBend { ch, value } => self.midi_bend(frame, ch, value),
            MidiMsg::Program { ch, program } => {
                return MidiAction::Program {
                    ch: ch & 15,
                    program,
                }
            }
            // Pressure, clock and transport messages: not played here.
            _ => {}
        }
        MidiAction::Done
    }

    /// A channel message for a channel that goes to a MIDI output is sent
    /// there, on the channel's MIDI channel (a keyboard playing an external
    /// synth through Tactus). True when that is all it does (the channel
    /// does not also sound in Tactus).
    fn forward_midi(&mut self, frame: Frame, msg: MidiMsg) -> bool {
        use MidiMsg::*;
        let ch = match msg {
            NoteOn { ch, .. } | NoteOff { ch, .. } | KeyPressure { ch, .. } | Cc { ch, .. } => ch,
            Program { ch, .. } | ChannelPressure { ch, .. } | PitchBend { ch, .. } => ch,
            _ => return false,
        };
        let route = &self.channels[ch as usize & (CHANNELS - 1)].midi;
        if route.port.is_none() {
            return false;
        }
        let only_midi = !route.sound;
        let (bytes, len) = msg.to_bytes();
        self.midi_to_channel(ch & 15, frame, bytes[0] & 0xF0, &bytes[1..len]);
        only_midi
    }

    fn midi_note_on(&mut self, frame: Frame, ch: u8, key: u8, vel: u8) {
        let i = ch as usize & (CHANNELS - 1);
        let ch = i as u8;
        if self.quiet[i] {
            self.notes_quieted += 1;
            return;
        }
        // The same key again before its note-off: the old note ends here.
        if let Some(old) = self.midi_held.remove(&(ch, key)) {
            self.send(Command::Release { frame, id: old });
        }
        self.take_note(ch, key, vel, frame, None);
        let c = &self.channels[i];
        let freq = crate::pitch::midi_to_hz(key as f64);
        let spec = c.note(ch, freq, crate::pitch::vel_to_amp(vel as f64), 0.0);
        let drum = matches!(spec.source, Source::Drum);
        let env = if drum {
            // A drum rings out by itself (as in `Session::emit_note`).
            EnvFrames {
                attack: 0,
                decay: 0,
                sustain: 1.0,
                release: 240,
                gate: u64::MAX,
            }
        } else {
            let mut e = spec.env.to_frames(u64::MAX, false, self.sr);
            e.gate = u64::MAX;
            e
        };
        let id = self.fresh_note_id();
        self.notes_sent += 1;
        self.send(Command::Note(NoteOn {
            frame,
            id,
            channel: ch,
            source: spec.source,
            freq_hz: spec.freq_hz,
            amp: spec.amp as f32,
            pan: spec.pan as f32,
            env,
            filter: spec.filter,
            layers: spec.layers,
        }));
        if !drum {
            self.midi_held.insert((ch, key), id);
        }
    }

    fn midi_note_off(&mut self, frame: Frame, ch: u8, key: u8) {
        let ch = ch & 15;
        self.take_note(ch, key, 0, frame, None);
        let Some(id) = self.midi_held.remove(&(ch, key)) else {
            return;
        };
        if self.midi_pedal[ch as usize] {
            self.midi_sustained.insert(id, ch);
        } else {
            self.send(Command::Release { frame, id });
        }
    }

    fn midi_pedal(&mut self, frame: Frame, ch: u8, down: bool) {
        let ch = ch & 15;
        self.midi_pedal.update(|p| p[ch as usize] = down);
        if down {
            return;
        }
        let lifted: Vec<u64> = self
            .midi_sustained
            .iter()
            .filter(|(_, c)| **c == ch)
            .map(|(id, _)| *id)
            .collect();
        for id in lifted {
            self.midi_sustained.remove(&id);
            self.send(Command::Release { frame, id });
        }
    }

    fn midi_bend(&mut self, frame: Frame, ch: u8, value: i16) {
        let i = ch as usize & (CHANNELS - 1);
        let st = bend_semitones(value, self.channels[i].bend_range);
        self.send(Command::Channel {
            frame,
            channel: i as u8,
            change: ChannelChange::Bend(st as f32),
        });
    }

    /// End every note MIDI input holds (keys down or kept by the pedal) at
    /// `frame`, and lift the pedals: what a vanished keyboard leaves behind.
    pub fn midi_release_all(&mut self, frame: Frame) {
        let held: Vec<u64> = self
            .midi_held
            .values()
            .chain(self.midi_sustained.keys())
            .copied()
            .collect();
        self.midi_held.clear();
        self.midi_sustained.clear();
        self.midi_pedal
            .update(|p| p.iter_mut().for_each(|d| *d = false));
        for id in held {
            self.send(Command::Release { frame, id });
        }
    }

    /// Notes held by MIDI input now (keys down or kept by the pedal).
    pub fn midi_notes_held(&self) -> usize {
        self.midi_held.len() + self.midi_sustained.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SampleRate;

    fn session() -> Session {
        Session::new(SampleRate(48_000), 256)
    }

    fn cmds(s: &mut Session) -> Vec<Command> {
        s.take_outbox().into_iter().collect()
    }

    #[test]
    fn a_note_is_held_until_its_note_off_and_velocity_0_is_a_note_off() {
        let mut s = session();
        s.midi_message(
            Frame(100),
            MidiMsg::NoteOn {
                ch: 0,
                key: 69,
                vel: 100,
            },
        );
        let c = cmds(&mut s);
        let Command::Note(n) = &c[0] else {
            panic!("{c:?}")
        };
        assert_eq!((n.frame, n.channel, n.env.gate), (Frame(100), 0, u64::MAX));
        assert!((n.freq_hz - 440.0).abs() < 1e-9);
        s.midi_message(
            Frame(500),
            MidiMsg::NoteOn {
                ch: 0,
                key: 69,
                vel: 0,
            },
        );
        let c = cmds(&mut s);
        assert!(matches!(c[0], Command::Release { frame: Frame(500), id } if id == n.id));
        assert_eq!(s.midi_notes_held(), 0);
    }

    #[test]
    fn the_pedal_holds_released_notes_until_it_lifts() {
        let mut s = session();
        s.midi_message(
            Frame(0),
            MidiMsg::Cc {
                ch: 2,
                cc: 64,
                value: 127,
            },
        );
        s.midi_message(
            Frame(0),
            MidiMsg::NoteOn {
                ch: 2,
                key: 60,
                vel: 90,
            },
        );
        s.midi_message(
            Frame(10),
            MidiMsg::NoteOff {
                ch: 2,
                key: 60,
                vel: 0,
            },
        );
        let c = cmds(&mut s);
        assert!(
            c.iter().all(|c| !matches!(c, Command::Release { .. })),
            "{c:?}"
        );
        s.midi_message(
            Frame(99),
            MidiMsg::Cc {
                ch: 2,
                cc: 64,
                value: 0,
            },
        );
        let c = cmds(&mut s);
        assert!(
            matches!(
                c[0],
                Command::Release {
                    frame: Frame(99),
                    ..
                }
            ),
            "{c:?}"
        );
    }

    #[test]
    fn a_channel_routed_to_midi_passes_the_keyboard_through() {
        use crate::session::midi_out::MidiRoute;
        let mut s = session();
        s.channels.update(|all| {
            all[1].midi = MidiRoute {
                port: Some("synth".into()),
                channel: Some(4),
                sound: false,
            }
        });
        let on = MidiMsg::NoteOn {
            ch: 1,
            key: 60,
            vel: 90,
        };
        assert_eq!(s.midi_message(Frame(10), on), MidiAction::Done);
        s.midi_message(Frame(20), MidiMsg::PitchBend { ch: 1, value: 0 });
        s.midi_message(Frame(30), MidiMsg::Program { ch: 1, program: 7 });
        let sent: Vec<(u64, Vec<u8>)> = s.take_midi_sends();
        assert_eq!(
            sent,
            vec![
                (10, vec![0x94, 60, 90]),
                (20, vec![0xE4, 0, 64]),
                (30, vec![0xC4, 7])
            ]
        );
        assert!(cmds(&mut s).is_empty(), "nothing sounds in Tactus");
        assert_eq!(s.midi_notes_held(), 0);
        s.channels.update(|all| all[1].midi.sound = true);
        s.midi_message(Frame(40), on);
        assert_eq!(s.midi_outbox.len(), 1);
        assert!(cmds(&mut s).iter().any(|c| matches!(c, Command::Note(_))));
    }

    #[test]
    fn bend_controllers_drums_and_programs() {
        let mut s = session();
        s.midi_message(Frame(0), MidiMsg::PitchBend { ch: 0, value: 8191 });
        s.midi_message(
            Frame(0),
            MidiMsg::PitchBend {
                ch: 0,
                value: -8192,
            },
        );
        s.midi_message(
            Frame(7),
            MidiMsg::Cc {
                ch: 0,
                cc: 74,
                value: 5,
            },
        );
        s.midi_message(
            Frame(0),
            MidiMsg::NoteOn {
                ch: 9,
                key: 36,
                vel: 127,
            },
        );
        s.midi_message(
            Frame(0),
            MidiMsg::NoteOff {
                ch: 9,
                key: 36,
                vel: 0,
            },
        );
        let c = cmds(&mut s);
        let bends: Vec<f32> = c
            .iter()
            .filter_map(|c| match c {
                Command::Channel {
                    change: ChannelChange::Bend(b),
                    ..
                } => Some(*b),
                _ => None,
            })
            .collect();
        assert!((bends[0] - 2.0 * 8191.0 / 8192.0).abs() < 1e-6 && bends[1] == -2.0);
        assert!(matches!(
            c[2],
            Command::Cc {
                frame: Frame(7),
                cc: 74,
                value: 5,
                channel: 0
            }
        ));
        assert!(matches!(&c[3], Command::Note(n) if n.source == Source::Drum));
        assert_eq!(c.len(), 4, "a drum's note-off changes nothing: {c:?}");
        assert_eq!(
            s.midi_message(Frame(0), MidiMsg::Program { ch: 3, program: 1 }),
            MidiAction::Program { ch: 3, program: 1 }
        );
    }
}
