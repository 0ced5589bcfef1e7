//! Saved sessions (`save_session("set.json")`, `load_session`, `tactus
//! --session`): what makes the sound, as JSON. Channels (synth, envelope,
//! every effect, volume, pan, MIDI route), tables (their raw points),
//! controller maps, tempo, the drum pattern, step sequences with their steps
//! and phase, the MIDI outputs and the Link settings. Loops are code: they
//! stay in the script.
//!
//! A file carries `"format": FORMAT`; a newer one is refused by name. Reading
//! checks everything before anything changes ([`SessionFile::parse`]); the
//! restore ([`super::Session::restore`]) then goes through the journaled
//! stores of the evaluation that asked for it, so a later error in the same
//! evaluation undoes the load too.

mod restore;

use super::channels::{ChannelConfig, EnvSpec, SYNTHS};
use super::scheduler::Item;
use super::seqs::Step;
use super::Session;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use restore::Vocab;

/// The session format this Tactus writes and the newest it reads.
pub const FORMAT: u32 = 1;

/// A controller map as the engine holds it for one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcMapping {
    /// The parameter's name (`"volume"` or an effect option).
    pub param: String,
    /// Its value at controller 0.
    pub min: f64,
    /// Its value at controller 127.
    pub max: f64,
}

/// A whole saved session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionFile {
    /// The format version ([`FORMAT`] when written by this Tactus).
    pub format: u32,
    /// The tempo at the moment of saving, bpm.
    pub tempo_bpm: f64,
    /// All 16 channels, channel 1 first.
    pub channels: Vec<ChannelFile>,
    /// Function tables with their points.
    pub tables: Vec<TableFile>,
    /// Controller maps.
    pub cc_maps: Vec<CcMapFile>,
    /// The drum pattern `drums()` last started, if any (its steps are in `seqs`).
    pub drums: Option<String>,
    /// Step sequences, in the order their next steps play.
    pub seqs: Vec<SeqFile>,
    /// MIDI outputs.
    pub midi: MidiFile,
    /// Ableton Link settings.
    pub link: LinkFile,
}

/// One channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelFile {
    /// Channel number 1-16.
    pub channel: u8,
    /// The preset it was set to, if any (the fields below say what it is now).
    pub instrument: Option<String>,
    /// The synth (one of [`SYNTHS`]).
    pub synth: String,
    /// The table a `"table"` or `"sample"` synth reads.
    pub table: Option<u32>,
    /// Envelope, seconds.
    pub env: EnvSpec,
    /// Gain, linear 0-4.
    pub volume: f64,
    /// Pan of its notes, 0 left - 1 right.
    pub pan: f64,
    /// Polyphony limit, 1-1024.
    pub max_voices: u16,
    /// Pitch-bend range, semitones.
    pub bend_range: f64,
    /// Detuned layer, cents.
    pub detune_cents: f64,
    /// Sub-oscillator level 0-1.
    pub sub_osc: f64,
    /// Noise layer level 0-1.
    pub noise: f64,
    /// Velocity brightness 0-1 (absent in older files: 0).
    #[serde(default)]
    pub vel_bright: f64,
    /// FM modulator / carrier ratio.
    pub fm_ratio: f64,
    /// FM index.
    pub fm_index: f64,
    /// Pluck damping 0-1.
    pub damping: f64,
    /// Sample root pitch, Hz.
    pub root_hz: f64,
    /// Sample looped.
    pub looped: bool,
    /// Effect settings by option name.
    pub fx: BTreeMap<String, f64>,
    /// MIDI output port, if its notes go to MIDI.
    pub midi_out: Option<String>,
    /// MIDI channel 1-16 (None: its own number).
    pub midi_channel: Option<u8>,
    /// Sound in Tactus as well as over MIDI.
    pub sound: bool,
}

/// One table: its raw points (exact: each f32 written as a decimal that
/// reads back to the same bits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableFile {
    /// Table number.
    pub number: u32,
    /// The points.
    pub points: Vec<f64>,
}

/// One controller map on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcMapFile {
    /// Controller number 0-127.
    pub cc: u8,
    /// Channel 1-16.
    pub channel: u8,
    /// What it moves, and between which values.
    #[serde(flatten)]
    pub mapping: CcMapping,
}

/// One step sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeqFile {
    /// Its name.
    pub name: String,
    /// Channel 1-16.
    pub channel: u8,
    /// The pitch of its hits, Hz.
    pub pitch_hz: f64,
    /// Steps: `x` hit, `X` accent, `.` rest.
    pub pattern: String,
    /// Each step's own velocity (0: the step as `pattern` says), when any
    /// step was given as a number; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vels: Vec<u8>,
    /// Step length, beats.
    pub step_beats: f64,
    /// Swing, fraction of a step 0-0.5.
    pub swing: f64,
    /// Velocity of a hit.
    pub vel: f64,
    /// Steps played so far (the next step's place in the pattern).
    pub count: u64,
    /// Beats from the moment of saving to its next step.
    pub next_in_beats: f64,
}

/// MIDI outputs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MidiFile {
    /// The output `midi_out("name")` chose.
    pub default_out: Option<String>,
    /// Nudge per output, ms.
    pub nudge_ms: BTreeMap<String, f64>,
}

/// Ableton Link settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkFile {
    /// Join the Link session.
    pub on: bool,
    /// Beats per shared bar.
    pub quantum: f64,
    /// Share play and stop.
    pub start_stop: bool,
    /// The audio's place on the shared timeline, ms.
    pub audio_nudge_ms: f64,
}

/// Why a session file could not be read; each names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionFileError {
    /// Reading or writing the file failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        message: String,
    },
    /// Not JSON, or JSON that is not a Tactus session.
    #[error("{path} is not a Tactus session: {why}")]
    NotASession {
        /// The file.
        path: String,
        /// What is missing.
        why: String,
    },
    /// Written by a newer Tactus.
    #[error("{path} is a session of format {found}, written by a newer Tactus; this Tactus reads format {FORMAT} and older")]
    Newer {
        /// The file.
        path: String,
        /// Its format.
        found: u64,
    },
    /// A session whose content is damaged or out of range.
    #[error("{path} is damaged: {why}; nothing was loaded")]
    Damaged {
        /// The file.
        path: String,
        /// What is wrong, and where.
        why: String,
    },
}

impl SessionFile {
    /// The JSON text (pretty, one field a line).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Read `text` (from `path`, for messages) and check every value.
    ///
    /// # Errors
    /// Not JSON or not a session, a newer format, a missing field, a value
    /// out of range or a name Tactus does not know.
    pub fn parse(path: &str, text: &str, vocab: &Vocab) -> Result<SessionFile, SessionFileError> {
        let not = |why: String| SessionFileError::NotASession {
            path: path.into(),
            why,
        };
        let damaged = |why: String| SessionFile::damaged(path, why);
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            // A session cut short or edited by hand is damaged; anything
            // else is not a session at all.
            let looks = text.trim_start().starts_with('{') && text.contains("\"format\"");
            match looks {
                true => damaged(format!("broken JSON ({e})")),
                false => not(format!("not JSON ({e})")),
            }
        })?;
        let Some(format) = value.get("format") else {
            return Err(not("it has no \"format\" field".into()));
        };
        let Some(found) = format.as_u64().filter(|f| *f >= 1) else {
            return Err(not(format!("\"format\" is {format}, not a version number")));
        };
        if found > FORMAT as u64 {
            return Err(SessionFileError::Newer {
                path: path.into(),
                found,
            });
        }
        let file: SessionFile =
            serde_json::from_value(value).map_err(|e| damaged(e.to_string()))?;
        file.check(vocab).map_err(damaged)?;
        Ok(file)
    }

    fn damaged(path: &str, why: String) -> SessionFileError {
        SessionFileError::Damaged {
            path: path.into(),
            why,
        }
    }

    /// Every value in range and every name known.
    fn check(&self, vocab: &Vocab) -> Result<(), String> {
        in_range("tempo_bpm", self.tempo_bpm, 1.0, 1000.0)?;
        if self.channels.len() != 16 {
            return Err(format!(
                "\"channels\" has {} entries, not 16",
                self.channels.len()
            ));
        }
        let tables: Vec<u32> = self.tables.iter().map(|t| t.number).collect();
        for t in &self.tables {
            restore::check_table(t, vocab)?;
        }
        for (k, c) in self.channels.iter().enumerate() {
            if c.channel as usize != k + 1 {
                return Err(format!(
                    "channels[{k}] is channel {}, expected {}",
                    c.channel,
                    k + 1
                ));
            }
            restore::check_channel(c, &tables, vocab)
                .map_err(|e| format!("channel {}: {e}", k + 1))?;
        }
        for m in &self.cc_maps {
            restore::check_cc(m, vocab)?;
        }
        for q in &self.seqs {
            restore::check_seq(q).map_err(|e| format!("sequence \"{}\": {e}", q.name))?;
        }
        in_range("link.quantum", self.link.quantum, 1.0, 16.0)?;
        Ok(())
    }
}

/// `what` must be finite and within lo..=hi.
pub(crate) fn in_range(what: &str, x: f64, lo: f64, hi: f64) -> Result<(), String> {
    if x.is_finite() && (lo..=hi).contains(&x) {
        Ok(())
    } else {
        Err(format!("{what} is {x}, outside {lo} to {hi}"))
    }
}

impl Session {
    /// The session as a file, at the cursor of the evaluation running now.
    pub fn snapshot(&self) -> SessionFile {
        let channels = (0..16u8).map(|i| self.channel_file(i)).collect();
        let tables = (self.tables.iter())
            .map(|(n, p)| TableFile {
                number: *n,
                points: p.iter().map(|x| *x as f64).collect(),
            })
            .collect();
        let cc_maps = (self.cc_maps.iter())
            .map(|((ch, cc), m)| CcMapFile {
                cc: *cc,
                channel: ch + 1,
                mapping: m.clone(),
            })
            .collect();
        let link = &*self.link;
        SessionFile {
            format: FORMAT,
            tempo_bpm: self.tempo.bpm_at(self.tempo_beat(self.cursor)),
            channels,
            tables,
            cc_maps,
            drums: (*self.drum_pattern).clone(),
            seqs: self.seq_files(),
            midi: MidiFile {
                default_out: self.midi_default.as_ref().map(|p| p.to_string()),
                nudge_ms: self.midi_nudge.as_map().clone(),
            },
            link: LinkFile {
                on: link.on,
                quantum: link.quantum,
                start_stop: link.start_stop,
                audio_nudge_ms: link.audio_nudge_ms,
            },
        }
    }

    fn channel_file(&self, i: u8) -> ChannelFile {
        let c: &ChannelConfig = &self.channels[i as usize];
        let fx = (self.fx_values.iter())
            .filter(|((ch, _), _)| *ch == i)
            .map(|((_, k), v)| (k.clone(), *v as f64))
            .collect();
        ChannelFile {
            channel: i + 1,
            instrument: c.instrument.map(str::to_string),
            synth: c.synth.to_string(),
            table: c.table,
            env: c.env,
            volume: c.volume,
            pan: c.pan,
            max_voices: c.max_voices,
            bend_range: c.bend_range,
            detune_cents: c.layers.detune_cents as f64,
            sub_osc: c.layers.sub_osc as f64,
            noise: c.layers.noise as f64,
            vel_bright: c.layers.vel_bright as f64,
            fm_ratio: c.fm_ratio,
            fm_index: c.fm_index,
            damping: c.damping,
            root_hz: c.root_hz,
            looped: c.looped,
            fx,
            midi_out: c.midi.port.as_ref().map(|p| p.to_string()),
            midi_channel: c.midi.channel.map(|m| m + 1),
            sound: c.midi.sound,
        }
    }

    /// Running sequences in the order their next steps are scheduled.
    fn seq_files(&self) -> Vec<SeqFile> {
        let now = self.cursor.0;
        let mut out = Vec::new();
        for (beat, item) in self.scheduler.items() {
            let Item::Seq(id) = item else { continue };
            let Some((name, q)) = self.seqs.iter().find(|(_, q)| q.id == *id) else {
                continue;
            };
            if q.stopping {
                continue;
            }
            let pattern = q.pattern.iter().map(|s| match s {
                Step::Off => '.',
                Step::On | Step::Vel(_) => 'x',
                Step::Accent => 'X',
            });
            let vels = step_vels(&q.pattern);
            out.push(SeqFile {
                name: name.clone(),
                channel: q.channel + 1,
                pitch_hz: q.pitch_hz,
                pattern: pattern.collect(),
                vels,
                step_beats: q.step_beats,
                swing: q.swing,
                vel: q.vel,
                count: q.count,
                next_in_beats: (beat - now).max(0.0),
            });
        }
        out
    }
}

/// The steps' own velocities (0 for the others), empty when none has one.
fn step_vels(pattern: &[Step]) -> Vec<u8> {
    if !pattern.iter().any(|s| matches!(s, Step::Vel(_))) {
        return Vec::new();
    }
    let vel = |s: &Step| if let Step::Vel(v) = s { *v } else { 0 };
    pattern.iter().map(vel).collect()
}

/// Check a synth name.
pub(crate) fn synth_name(name: &str) -> Result<&'static str, String> {
    SYNTHS.iter().copied().find(|s| *s == name).ok_or_else(|| {
        format!(
            "unknown synth \"{name}\"; valid synths: {}",
            SYNTHS.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::fx_options;
    use crate::time::{Beats, SampleRate};

    fn vocab() -> Vocab {
        Vocab {
            instruments: vec!["piano"],
            fx_options: fx_options::FX_OPTIONS,
            fx_range: fx_options::range,
            fx_param: fx_options::param,
            fx_off: fx_options::off,
            max_volume: 4.0,
        }
    }

    fn session() -> Session {
        Session::new(SampleRate(48_000), 256)
    }

    #[test]
    fn a_snapshot_reads_back_as_itself() {
        let s = session();
        let file = s.snapshot();
        let back = SessionFile::parse("s.json", &file.to_json(), &vocab()).unwrap();
        assert_eq!(file, back);
    }

    #[test]
    fn table_points_come_back_to_the_bit() {
        let hard = [
            0.1f32,
            1e-30,
            f32::MIN_POSITIVE,
            16_777_216.0,
            -0.333_333_34,
            1.0 - f32::EPSILON,
        ];
        let mut points: Vec<f32> = hard.to_vec();
        points.extend((0..1000).map(|k| ((k as f32) * 0.618_034).sin() / 3.0));
        let mut a = session();
        a.set_table(5, points.clone());
        let json = a.snapshot().to_json();
        let mut b = session();
        b.begin_eval(Beats(0.0));
        b.restore(
            &SessionFile::parse("s.json", &json, &vocab()).unwrap(),
            &vocab(),
        );
        let got = b.table(5).unwrap();
        assert!(points
            .iter()
            .zip(got)
            .all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    #[test]
    fn format_and_names_are_checked() {
        let v = vocab();
        let json = session().snapshot().to_json();
        let err = |text: &str| {
            SessionFile::parse("s.json", text, &v)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("[1, 2]"),
            "s.json is not a Tactus session: it has no \"format\" field"
        );
        assert!(
            err("{\"format\": \"one\"}").contains("\"format\" is \"one\", not a version number")
        );
        assert!(err(&json.replace("\"format\": 1", "\"format\": 3")).contains("format 3"));
        let piano = json.replacen("\"instrument\": null", "\"instrument\": \"kazoo\"", 1);
        assert!(err(&piano).contains("channel 1: unknown instrument \"kazoo\"; instruments: piano"));
        let fx = json.replacen("\"fx\": {}", "\"fx\": {\"wah\": 1}", 1);
        assert!(err(&fx).contains("unknown effect \"wah\"; effects: lowpass"));
        let table = json.replacen("\"table\": null", "\"table\": 4", 1);
        assert!(err(&table).contains("reads table 4, which the file does not define"));
    }
}
