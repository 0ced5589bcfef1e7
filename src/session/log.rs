//! `log_score("session.sco")`: every event sent from then on, written as a
//! Csound-style score that `tactus render session.sco` replays.
//!
//! Times are seconds since the log began, under `t 0 60` (so beats are
//! seconds), written as exact frame / sr values: a replay starts every note on
//! the same frame. Every note is one explicit line in the ADSR form of the
//! i-statement map (p10-p13), carrying the envelope actually sent; tables are
//! written as raw GEN02 data. The channel's volume at the time is folded into
//! p4; a volume change during a note is not captured.

use super::scheduler::NoteSpec;
use crate::command::{NoteOn, Source};
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
    /// The first write error, if any (logging stops there).
    pub error: Option<String>,
}

impl ScoreLog {
    /// Start a log at `origin`, writing the header and the current tables.
    pub fn create<'a>(
        path: &Path,
        origin: Frame,
        sr: SampleRate,
        tables: impl Iterator<Item = (u32, &'a [f32])>,
    ) -> std::io::Result<ScoreLog> {
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(
            out,
            "; Tactus score log. Replay: tactus render {} -o out.wav",
            path.display()
        )?;
        writeln!(out, "; times in seconds; i: ch start dur amp oct table 0 0 pan attack decay sustain release")?;
        writeln!(out, "t 0 60")?;
        let mut log = ScoreLog {
            out,
            origin,
            sr,
            error: None,
        };
        for (n, points) in tables {
            log.table(origin, n, points);
        }
        Ok(log)
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

    /// Log a note as sent.
    pub fn note(&mut self, n: &NoteOn, spec: &NoteSpec, dur_frames: u64, volume: f64) {
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
        let oct = 8.75 + (n.freq_hz / 440.0).log2();
        let line = format_args!(
            "i {} {} {} {} {} {} 0 0 {} {} {} {} {}\n",
            n.channel + 1,
            self.at(n.frame),
            p3,
            spec.amp * volume,
            oct,
            p6,
            spec.pan,
            self.seconds(e.attack as u64),
            self.seconds(e.decay as u64),
            e.sustain,
            self.seconds(e.release as u64),
        );
        self.write(line);
    }

    /// Log a table as published (raw values, GEN -2).
    pub fn table(&mut self, frame: Frame, n: u32, points: &[f32]) {
        let mut line = format!("f {} {} {} -2", n, self.at(frame), points.len());
        for p in points {
            line.push(' ');
            line.push_str(&p.to_string());
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

impl Drop for ScoreLog {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}
