//! `log_score("session.sco")`: the session's sound from then on, written as
//! a Csound-style score that `tactus render session.sco` replays.
//!
//! Times are seconds since the log began, under `t 0 60` (so beats are
//! seconds), written as exact frame / sr values: a replay starts every note
//! and every change on the same frame. The log opens with the state at that
//! moment: the tables (raw GEN -2 data) and, as `c` statements (a Tactus
//! extension: `c <channel> <time> "<option>" <value>`, see
//! `session::channel_set`), every channel's volume, voices and effect
//! settings. Then every note is one explicit line in the ADSR form of the
//! i-statement map (p10-p13), carrying the envelope actually sent, preceded
//! by `c` lines for the synth settings it needs when they differ from what
//! the log has said so far (FM ratio and index, pluck damping, the sample's
//! table, root and loop, layers); volume, voice and effect changes, and the
//! changes a mapped controller makes, are `c` lines on their frames.
//! Numbers are written so they read back to the same bits.

use super::channel_set::{self, SetValue};
use super::channels::ChannelConfig;
use super::scheduler::NoteSpec;
use super::snapshot::CcMapping;
use super::txn::TxMap;
use super::Session;
use crate::command::{ChannelChange, Command, NoteOn, Source, CHANNELS};
use crate::time::{Frame, SampleRate};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// An open score log.
#[derive(Debug)]
pub struct ScoreLog {
    out: BufWriter<File>,
    origin: Frame,
    sr: SampleRate,
    /// The channels as a replay of the log has them so far.
    said: Vec<ChannelConfig>,
    /// The first write error, if any (logging stops there).
    pub error: Option<String>,
    /// The file's path as given (for the error line).
    path: String,
    /// The error has been reported.
    reported: bool,
}

impl ScoreLog {
    /// Start a log of `session` at its evaluation's frame: the header, the
    /// tables and the channels' state.
    pub fn create(path: &Path, session: &Session) -> std::io::Result<ScoreLog> {
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(
            out,
            "; Tactus score log. Replay: tactus render {} -o out.wav",
            path.display()
        )?;
        writeln!(out, "; times in seconds; i: ch start dur amp oct table 0 0 pan attack decay sustain release")?;
        writeln!(
            out,
            "; c: ch time \"option\" value (Tactus: a channel option from that time on)"
        )?;
        writeln!(
            out,
            "; tempo when the log began: {} bpm",
            session.tempo.bpm_at(session.cursor)
        )?;
        writeln!(out, "t 0 60")?;
        let fresh = Session::new(session.sr, session.block_frames);
        let mut log = ScoreLog {
            out,
            origin: session.eval_frame,
            sr: session.sr,
            said: fresh.channels.to_vec(),
            error: None,
            path: path.display().to_string(),
            reported: false,
        };
        for n in session.table_numbers() {
            if let Some(points) = session.table(n) {
                log.table(log.origin, n, points);
            }
        }
        log.channels_now(session);
        // A file that cannot be written (a full disk, /dev/full) fails here.
        log.out.flush()?;
        Ok(log)
    }

    /// The line reporting the first write error, once.
    pub fn error_line(&mut self) -> Option<String> {
        let e = self.error.as_ref().filter(|_| !self.reported)?;
        self.reported = true;
        Some(format!(
            "log_score(): cannot write \"{}\": {e}; the log stops there, the music goes on",
            self.path
        ))
    }

    /// Volume, voices and effects of every channel, at time 0.
    fn channels_now(&mut self, session: &Session) {
        let origin = self.origin;
        for ch in 0..CHANNELS as u8 {
            let (now, said) = (&session.channels[ch as usize], &self.said[ch as usize]);
            let (volume, voices) = (now.volume != said.volume, now.max_voices != said.max_voices);
            if volume {
                self.set(origin, ch, "volume", SetValue::Num(now.volume));
            }
            if voices {
                self.set(
                    origin,
                    ch,
                    "max_voices",
                    SetValue::Num(now.max_voices as f64),
                );
            }
        }
        for ((ch, key), x) in session.fx_values.iter() {
            self.set(origin, *ch, key, SetValue::Num(*x as f64));
        }
    }

    /// Write a `c` line and keep what it says.
    fn set(&mut self, frame: Frame, ch: u8, key: &str, value: SetValue) {
        let Ok(set) = channel_set::parse(key, &value) else {
            return;
        };
        let shown = match &value {
            // Never written: a replay refuses inf and NaN.
            SetValue::Num(x) if !x.is_finite() => return,
            SetValue::Num(x) => x.to_string(),
            SetValue::Str(s) => format!("\"{s}\""),
        };
        let t = self.at(frame);
        self.write(format_args!("c {} {t} \"{key}\" {shown}\n", ch + 1));
        if let Some(c) = self.said.get_mut(ch as usize) {
            set.apply_to(c);
        }
    }

    /// Log a command sent to the engine when it changes a channel's bus: a
    /// volume, voice or effect change, or a controller value through the
    /// maps (`cc_maps`: what each (channel, controller) moves).
    pub fn command(&mut self, cmd: &Command, cc_maps: &TxMap<(u8, u8), CcMapping>) {
        match cmd {
            Command::Channel {
                frame,
                channel,
                change,
            } => {
                let (key, x) = match change {
                    ChannelChange::Volume(v) => ("volume", *v as f64),
                    ChannelChange::MaxVoices(m) => ("max_voices", *m as f64),
                    ChannelChange::Fx(p) => {
                        let (k, x) = super::fx_options::name(*p);
                        (k, x as f64)
                    }
                    _ => return,
                };
                self.set(*frame, *channel, key, SetValue::Num(x));
            }
            Command::Cc {
                frame, cc, value, ..
            } => {
                for ((ch, _), m) in cc_maps.iter().filter(|((_, c), _)| c == cc) {
                    let x = cc_value(m, *value);
                    self.set(*frame, *ch, &m.param, SetValue::Num(x as f64));
                }
            }
            _ => {}
        }
    }

    /// `c` lines for the synth settings a note needs that the log has not
    /// said yet (the replay builds the note from the channel's settings).
    fn synth_for(&mut self, frame: Frame, ch: u8, spec: &NoteSpec) {
        let c = self.said[ch as usize & (CHANNELS - 1)].clone();
        let mut need: Vec<(&str, f64)> = Vec::new();
        let mut want = |key, now: f64, x: f64| {
            if now != x {
                need.push((key, x));
            }
        };
        match spec.source {
            Source::Fm { ratio, index } => {
                want("fm_ratio", c.fm_ratio as f32 as f64, ratio as f64);
                want("fm_index", c.fm_index as f32 as f64, index as f64);
            }
            Source::Pluck { damping } => want("damping", c.damping as f32 as f64, damping as f64),
            Source::Sample {
                table,
                root_hz,
                looped,
            } => {
                want("table", c.table.unwrap_or(0) as f64, table as f64);
                want("root", c.root_hz as f32 as f64, root_hz as f64);
                want("looped", c.looped as u8 as f64, looped as u8 as f64);
            }
            _ => {}
        }
        let l = (c.layers, spec.layers);
        want("detune", l.0.detune_cents as f64, l.1.detune_cents as f64);
        want("sub_osc", l.0.sub_osc as f64, l.1.sub_osc as f64);
        want("noise", l.0.noise as f64, l.1.noise as f64);
        want("vel_bright", l.0.vel_bright as f64, l.1.vel_bright as f64);
        for (key, x) in need {
            self.set(frame, ch, key, SetValue::Num(x));
        }
    }

    fn seconds(&self, frames: u64) -> f64 {
        frames as f64 / self.sr.hz()
    }

    fn at(&self, frame: Frame) -> f64 {
        self.seconds(frame.0.saturating_sub(self.origin.0))
    }

    fn write(&mut self, line: std::fmt::Arguments) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_fmt(line) {
                self.error = Some(e.to_string());
            }
        }
    }

    /// Log a note as sent, after the synth settings it needs.
    pub fn note(&mut self, n: &NoteOn, spec: &NoteSpec, dur_frames: u64) {
        self.synth_for(n.frame, n.channel, spec);
        let e = n.env;
        let gate = e.gate.min(dur_frames);
        let p3 = self.seconds(gate + e.release as u64);
        // Other synths replay with the channel's settings for their parameters.
        let p6 = match spec.source {
            Source::Table(t) => t.to_string(),
            Source::Wave(w) => format!("\"{}\"", w.name()),
            Source::Fm { .. } => "\"fm\"".into(),
            Source::Pluck { .. } => "\"pluck\"".into(),
            Source::Noise => "\"noise\"".into(),
            Source::Sample { .. } => "\"sample\"".into(),
            Source::Drum => "\"drums\"".into(),
        };
        // Within what a replay reads (the engine played no more than this).
        let oct = finite_in(8.75 + (n.freq_hz / 440.0).log2(), OCT_MIN, OCT_MAX, 8.75);
        let line = format_args!(
            "i {} {} {} {} {} {} 0 0 {} {} {} {} {}\n",
            n.channel + 1,
            self.at(n.frame),
            p3,
            finite_in(spec.amp, 0.0, 1.0, 0.0),
            oct,
            p6,
            finite_in(spec.pan, 0.0, 1.0, 0.5),
            self.seconds(e.attack as u64),
            self.seconds(e.decay as u64),
            finite_in(e.sustain as f64, 0.0, 1.0, 1.0),
            self.seconds(e.release as u64),
        );
        self.write(line);
    }

    /// Log a table as published (raw values, GEN -2).
    pub fn table(&mut self, frame: Frame, n: u32, points: &[f32]) {
        let mut line = format!("f {} {} {} -2", n, self.at(frame), points.len());
        for p in points {
            line.push(' ');
            line.push_str(&(if p.is_finite() { *p } else { 0.0 }).to_string());
        }
        self.write(format_args!("{line}\n"));
    }

    /// Log a quiet change (`q ch time 0|1`).
    pub fn quiet(&mut self, frame: Frame, channel: u8, on: bool) {
        let line = format_args!("q {} {} {}\n", channel + 1, self.at(frame), u8::from(on));
        self.write(line);
    }

    /// Push what was written to the file.
    pub fn flush(&mut self) {
        if let Err(e) = self.out.flush() {
            self.error.get_or_insert(e.to_string());
        }
    }
}

/// The lowest p5 (pitch in oct) a score may give: about 0.00002 Hz.
pub const OCT_MIN: f64 = -16.0;
/// The highest p5 (pitch in oct): about 1e12 Hz, as far as `hz()` is
/// useful (beyond Nyquist a table aliases; the log must replay it).
pub const OCT_MAX: f64 = 40.0;

/// `x` within `lo..=hi`, or `default` when it is not a finite number.
fn finite_in(x: f64, lo: f64, hi: f64, default: f64) -> f64 {
    if x.is_finite() {
        x.clamp(lo, hi)
    } else {
        default
    }
}

/// The value a controller gives a mapped parameter, as the engine computes it.
pub fn cc_value(m: &CcMapping, value: u8) -> f32 {
    let (min, max) = (m.min as f32, m.max as f32);
    min + (max - min) * (value.min(127) as f32 / 127.0)
}

impl Drop for ScoreLog {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}
