//! Standard MIDI Files through midly: what `record()` writes and what
//! `play_midi()` and `tactus render song.mid` read.
//!
//! Writing: type 1, [`PPQ`] ticks per quarter note; track 0 holds the tempo
//! map, then one track per Tactus channel that played (its program change
//! first, when the channel plays a preset). Reading: type 0 and 1 (running
//! status is midly's), metrical division only; an SMPTE (timecode) division
//! is refused with a clear message.

use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

/// Ticks per quarter note in the files Tactus writes.
pub const PPQ: u16 = 960;

/// Errors reading a MIDI file.
#[derive(Debug, thiserror::Error)]
pub enum MidiFileError {
    /// Not a Standard MIDI File (or damaged).
    #[error("not a Standard MIDI File: {0}")]
    Parse(String),
    /// Timecode (SMPTE) division.
    #[error("the file counts time in SMPTE frames ({fps} fps); Tactus reads files with ticks per quarter note only (type 0 or 1)")]
    Smpte {
        /// Frames per second of the division.
        fps: u8,
    },
    /// Type 2 (independent sequences).
    #[error("the file is type 2 (independent patterns); Tactus reads type 0 and 1")]
    Sequential,
}

/// One note, in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SongNote {
    /// Start tick.
    pub tick: u64,
    /// Length in ticks.
    pub len_ticks: u64,
    /// MIDI channel 0..16.
    pub channel: u8,
    /// Key 0..127.
    pub key: u8,
    /// Velocity 1..127.
    pub vel: u8,
}

/// The content of a MIDI file Tactus plays.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Song {
    /// Ticks per quarter note.
    pub ppq: u16,
    /// Tempo changes: (tick, microseconds per quarter note), sorted.
    pub tempos: Vec<(u64, u32)>,
    /// Notes, sorted by start.
    pub notes: Vec<SongNote>,
    /// Program changes: (tick, channel, program).
    pub programs: Vec<(u64, u8, u8)>,
}

impl Song {
    /// Seconds at `tick` through the tempo map (120 bpm until the first change).
    pub fn tick_to_seconds(&self, tick: u64) -> f64 {
        let ppq = self.ppq.max(1) as f64;
        let (mut t, mut last, mut us) = (0.0, 0u64, 500_000u32);
        for &(at, tempo) in self.tempos.iter().take_while(|(at, _)| *at <= tick) {
            t += (at - last) as f64 / ppq * us as f64 / 1e6;
            last = at;
            us = tempo;
        }
        t + (tick - last) as f64 / ppq * us as f64 / 1e6
    }
}

/// Read a MIDI file's bytes.
///
/// # Errors
/// [`MidiFileError`]: not an SMF, an SMPTE division, or type 2.
pub fn read(bytes: &[u8]) -> Result<Song, MidiFileError> {
    let smf = Smf::parse(bytes).map_err(|e| MidiFileError::Parse(e.to_string()))?;
    let ppq = match smf.header.timing {
        Timing::Metrical(t) => t.as_int(),
        Timing::Timecode(fps, _) => return Err(MidiFileError::Smpte { fps: fps.as_int() }),
    };
    if smf.header.format == Format::Sequential {
        return Err(MidiFileError::Sequential);
    }
    let mut song = Song {
        ppq,
        ..Song::default()
    };
    for track in &smf.tracks {
        read_track(track, &mut song);
    }
    song.tempos.sort_by_key(|t| t.0);
    song.notes.sort_by_key(|n| (n.tick, n.channel, n.key));
    song.programs.sort_by_key(|p| p.0);
    Ok(song)
}

fn read_track(track: &[TrackEvent], song: &mut Song) {
    let mut tick = 0u64;
    // Held notes: (channel, key) -> (start tick, velocity).
    let mut held: std::collections::BTreeMap<(u8, u8), Vec<(u64, u8)>> = Default::default();
    for ev in track {
        tick += ev.delta.as_int() as u64;
        match ev.kind {
            TrackEventKind::Meta(MetaMessage::Tempo(us)) => song.tempos.push((tick, us.as_int())),
            TrackEventKind::Midi { channel, message } => {
                let ch = channel.as_int();
                match message {
                    MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => held
                        .entry((ch, key.as_int()))
                        .or_default()
                        .push((tick, vel.as_int())),
                    MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                        if let Some(starts) = held.get_mut(&(ch, key.as_int())) {
                            if !starts.is_empty() {
                                let (start, vel) = starts.remove(0);
                                song.notes.push(SongNote {
                                    tick: start,
                                    len_ticks: tick - start,
                                    channel: ch,
                                    key: key.as_int(),
                                    vel,
                                });
                            }
                        }
                    }
                    MidiMessage::ProgramChange { program } => {
                        song.programs.push((tick, ch, program.as_int()))
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// A note to write: channel, key, velocity, start and end tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakeNote {
    /// MIDI channel 0..16.
    pub channel: u8,
    /// Key.
    pub key: u8,
    /// Velocity 1..127.
    pub vel: u8,
    /// Start tick.
    pub on_tick: u64,
    /// End tick.
    pub off_tick: u64,
}

/// Write a type-1 file: the tempo track (tick, µs per quarter), then one
/// track per channel with its program (if any) and notes.
pub fn write(tempos: &[(u64, u32)], programs: &[(u8, u8)], notes: &[TakeNote]) -> Vec<u8> {
    let mut tracks = vec![tempo_track(tempos)];
    let mut channels: Vec<u8> = notes.iter().map(|n| n.channel).collect();
    channels.sort_unstable();
    channels.dedup();
    for ch in channels {
        let program = programs.iter().find(|p| p.0 == ch).map(|p| p.1);
        tracks.push(channel_track(ch, program, notes));
    }
    let smf = Smf {
        header: Header::new(Format::Parallel, Timing::Metrical(u15::new(PPQ))),
        tracks,
    };
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = smf.write_std(&mut out);
    out
}

fn tempo_track(tempos: &[(u64, u32)]) -> Vec<TrackEvent<'static>> {
    let mut evs: Vec<(u64, TrackEventKind<'static>)> = tempos
        .iter()
        .map(|&(t, us)| {
            (
                t,
                TrackEventKind::Meta(MetaMessage::Tempo(u24::new(us.min(0xFF_FFFF)))),
            )
        })
        .collect();
    evs.push((
        tempos.last().map_or(0, |t| t.0),
        TrackEventKind::Meta(MetaMessage::TrackName(b"Tactus tempo")),
    ));
    to_track(evs)
}

fn channel_track(ch: u8, program: Option<u8>, notes: &[TakeNote]) -> Vec<TrackEvent<'static>> {
    let channel = u4::new(ch & 15);
    let mut evs: Vec<(u64, TrackEventKind<'static>)> = Vec::new();
    if let Some(p) = program {
        let message = MidiMessage::ProgramChange {
            program: u7::new(p & 127),
        };
        evs.push((0, TrackEventKind::Midi { channel, message }));
    }
    for n in notes.iter().filter(|n| n.channel == ch) {
        let (key, vel) = (u7::new(n.key & 127), u7::new(n.vel.clamp(1, 127)));
        let on = MidiMessage::NoteOn { key, vel };
        let off = MidiMessage::NoteOff {
            key,
            vel: u7::new(0),
        };
        evs.push((
            n.on_tick,
            TrackEventKind::Midi {
                channel,
                message: on,
            },
        ));
        evs.push((
            n.off_tick.max(n.on_tick),
            TrackEventKind::Midi {
                channel,
                message: off,
            },
        ));
    }
    to_track(evs)
}

/// Absolute ticks to a track with deltas; at equal ticks note-offs first.
fn to_track(mut evs: Vec<(u64, TrackEventKind<'static>)>) -> Vec<TrackEvent<'static>> {
    let order = |k: &TrackEventKind| match k {
        TrackEventKind::Meta(_) => 0,
        TrackEventKind::Midi {
            message: MidiMessage::ProgramChange { .. },
            ..
        } => 1,
        TrackEventKind::Midi {
            message: MidiMessage::NoteOff { .. },
            ..
        } => 2,
        _ => 3,
    };
    evs.sort_by_key(|(t, k)| (*t, order(k)));
    let mut last = 0;
    let mut track: Vec<TrackEvent> = evs
        .into_iter()
        .map(|(t, kind)| {
            let delta = u28::new((t - last).min(0x0FFF_FFFF) as u32);
            last = t;
            TrackEvent { delta, kind }
        })
        .collect();
    track.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    track
}

/// The General MIDI program (0-127) of an instrument: its own for a GM
/// preset, the nearest for a Tactus original.
pub fn preset_to_gm(name: &str) -> Option<u8> {
    crate::presets::to_gm(name)
}

/// The GM preset of a General MIDI program (0-127): exactly the program.
pub fn gm_to_preset(program: u8) -> &'static str {
    crate::presets::gm::program(program).name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_is_exact_to_the_tick() {
        let notes = [
            TakeNote {
                channel: 0,
                key: 60,
                vel: 100,
                on_tick: 0,
                off_tick: 480,
            },
            TakeNote {
                channel: 0,
                key: 64,
                vel: 90,
                on_tick: 480,
                off_tick: 961,
            },
            TakeNote {
                channel: 9,
                key: 36,
                vel: 127,
                on_tick: 7,
                off_tick: 8,
            },
        ];
        let bytes = write(&[(0, 500_000), (1920, 400_000)], &[(0, 4)], &notes);
        let song = read(&bytes).unwrap();
        assert_eq!(song.ppq, PPQ);
        assert_eq!(song.tempos, vec![(0, 500_000), (1920, 400_000)]);
        assert_eq!(song.programs, vec![(0, 0, 4)]);
        let got: Vec<(u64, u64, u8, u8, u8)> = song
            .notes
            .iter()
            .map(|n| (n.tick, n.len_ticks, n.channel, n.key, n.vel))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 480, 0, 60, 100),
                (7, 1, 9, 36, 127),
                (480, 481, 0, 64, 90)
            ]
        );
        assert!((song.tick_to_seconds(1920 + 960) - (1.0 + 0.4)).abs() < 1e-12);
    }

    #[test]
    fn smpte_and_garbage_are_refused_clearly() {
        let smf = Smf {
            header: Header::new(Format::SingleTrack, Timing::Timecode(midly::Fps::Fps25, 40)),
            tracks: vec![vec![]],
        };
        let mut b = Vec::new();
        smf.write_std(&mut b).unwrap();
        assert!(read(&b).unwrap_err().to_string().contains("SMPTE"));
        assert!(read(b"RIFF....WAVE")
            .unwrap_err()
            .to_string()
            .contains("not a Standard MIDI File"));
    }

    #[test]
    fn gm_programs_map_to_their_own_presets_and_back() {
        assert_eq!(gm_to_preset(0), "acoustic_grand_piano");
        assert_eq!(gm_to_preset(56), "trumpet");
        assert_eq!(gm_to_preset(127), "gunshot");
        for p in 0..128u8 {
            assert_eq!(preset_to_gm(gm_to_preset(p)), Some(p), "{p} round-trips");
        }
        assert_eq!(preset_to_gm("piano"), Some(0), "a Tactus original");
        assert_eq!(preset_to_gm("vibes"), Some(11), "an alias");
        assert_eq!(preset_to_gm("drums"), None);
    }
}
