//! The benchmark workloads: event lists (CSV, shipped in the binary) and
//! their wavetables, turned into session notes and tables.

use super::release_behind::ReleaseBehind;
use crate::audio::table::add_harmonics;
use crate::command::{ChannelChange, Source};
use crate::pitch::oct_to_hz;
use crate::session::channels::EnvSpec;
use crate::session::scheduler::NoteSpec;
use crate::session::Session;
use crate::time::Beats;
use std::io::{BufRead, BufReader};

const TABLES_CSV: &str = include_str!("../../bench/workloads/tables.csv");
const W1_CSV: &str = include_str!("../../bench/workloads/w1_grains.csv");
const W2_CSV: &str = include_str!("../../bench/workloads/w2_poly.csv");
const W3_CSV_GZ: &[u8] = include_bytes!("../../bench/workloads/w3_dense.csv.gz");

/// One of the three benchmark workloads (bench/README.md describes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// 6,800 overlapping wavetable grains, 120 s.
    W1Grains,
    /// 256 sustained voices with a low-pass biquad each, 60 s.
    W2Poly,
    /// 100,000 notes of 50 ms, 60 s.
    W3Dense,
}

/// A workload file that does not parse.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// Unknown name.
    #[error("unknown workload '{0}'; valid: w1_grains, w2_poly, w3_dense")]
    Unknown(String),
    /// A bad line.
    #[error("{file}:{line}: {message}")]
    Parse {
        /// File name.
        file: &'static str,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A file did not read (the compressed one did not decompress).
    #[error("reading a workload: {0}")]
    Gzip(#[from] std::io::Error),
}

impl Workload {
    /// Every workload, in order.
    pub const ALL: [Workload; 3] = [Workload::W1Grains, Workload::W2Poly, Workload::W3Dense];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Workload::W1Grains => "w1_grains",
            Workload::W2Poly => "w2_poly",
            Workload::W3Dense => "w3_dense",
        }
    }

    /// Look a workload up by name.
    pub fn from_name(name: &str) -> Result<Workload, WorkloadError> {
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == name)
            .ok_or_else(|| WorkloadError::Unknown(name.to_string()))
    }

    /// Seconds of audio it renders.
    pub fn audio_seconds(self) -> f64 {
        match self {
            Workload::W1Grains => 120.0,
            _ => 60.0,
        }
    }

    /// Put its tables and its channel set-up into a session (tempo 60:
    /// beats are seconds); the notes come from [`Workload::notes`].
    pub fn load_setup(self, session: &mut Session) -> Result<(), WorkloadError> {
        load_tables(session)?;
        session.channel_change(0, ChannelChange::MaxVoices(1024));
        Ok(())
    }

    /// Put its tables and every one of its notes into a session at once (the
    /// whole score held in the scheduler: W3's 100,000 notes took 21 MB of
    /// heap there; `tactus bench` streams them instead, see [`super::stream`]).
    pub fn load_into(self, session: &mut Session) -> Result<(), WorkloadError> {
        self.load_setup(session)?;
        for note in self.notes() {
            let (at, note) = note?;
            session.schedule_note(at, note);
        }
        Ok(())
    }

    /// Its notes in start order, parsed one row at a time as they are read
    /// (W3's is decompressed as it goes): nothing is held but the row.
    pub fn notes(self) -> NoteStream {
        // The pages read are released as the reader moves on (see
        // `release_behind`).
        match self {
            Workload::W1Grains => NoteStream::new(self, ReleaseBehind::new(W1_CSV.as_bytes())),
            Workload::W2Poly => NoteStream::new(self, ReleaseBehind::new(W2_CSV.as_bytes())),
            Workload::W3Dense => {
                let gz = flate2::bufread::GzDecoder::new(ReleaseBehind::new(W3_CSV_GZ));
                NoteStream::new(self, BufReader::new(gz))
            }
        }
    }

    /// The W2 voices, for the real-time voice count.
    pub fn poly_voices() -> Result<Vec<NoteSpec>, WorkloadError> {
        Workload::W2Poly
            .notes()
            .map(|n| n.map(|(_, note)| note))
            .collect()
    }
}

/// A workload's notes, read and parsed lazily, in start order (a row that
/// starts before the one above it is an error: a stream cannot go back).
pub struct NoteStream {
    rows: Rows<Box<dyn BufRead + Send>>,
    note: fn(&[f64]) -> NoteSpec,
    last_beat: f64,
}

impl NoteStream {
    /// The notes of CSV text in `w`'s row format (a header line, then one
    /// row per note), read from `reader`.
    pub fn new(w: Workload, reader: impl BufRead + Send + 'static) -> NoteStream {
        let (file, fields, note): (_, _, fn(&[f64]) -> NoteSpec) = match w {
            Workload::W1Grains => ("w1_grains.csv", 8, grain_note),
            Workload::W2Poly => ("w2_poly.csv", 17, poly_note),
            Workload::W3Dense => ("w3_dense.csv", 8, grain_note),
        };
        NoteStream {
            rows: Rows::new(Box::new(reader), file, fields),
            note,
            last_beat: f64::NEG_INFINITY,
        }
    }
}

/// One note of a stream, or the error that ends it.
pub type NoteRead = Result<(Beats, NoteSpec), WorkloadError>;

impl Iterator for NoteStream {
    type Item = NoteRead;

    fn next(&mut self) -> Option<Self::Item> {
        let f = match self.rows.next_row()? {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        let start = f[0];
        if !(start >= self.last_beat) {
            return Some(Err(self.rows.error(format!(
                "start {start} is before the row above it (rows must be in start order)"
            ))));
        }
        self.last_beat = start;
        Some(Ok((Beats(start), (self.note)(f))))
    }
}

/// Data rows (after the header) of `n` numeric fields, one at a time, the
/// line and the fields in buffers reused from row to row.
struct Rows<R: BufRead> {
    reader: R,
    file: &'static str,
    n: usize,
    /// 1-based number of the line last read.
    line_no: usize,
    line: String,
    fields: Vec<f64>,
}

impl<R: BufRead> Rows<R> {
    fn new(reader: R, file: &'static str, n: usize) -> Rows<R> {
        Rows {
            reader,
            file,
            n,
            line_no: 0,
            line: String::new(),
            fields: Vec::with_capacity(n),
        }
    }

    /// The next data row's fields; `None` at the end.
    fn next_row(&mut self) -> Option<Result<&[f64], WorkloadError>> {
        loop {
            self.line.clear();
            match self.reader.read_line(&mut self.line) {
                Ok(0) => return None,
                Ok(_) => self.line_no += 1,
                Err(e) => return Some(Err(e.into())),
            }
            if self.line_no > 1 && !self.line.trim().is_empty() {
                break;
            }
        }
        Some(self.parse().map(|()| self.fields.as_slice()))
    }

    fn parse(&mut self) -> Result<(), WorkloadError> {
        self.fields.clear();
        for f in self.line.trim_end_matches(['\n', '\r']).split(',') {
            match f.trim().parse::<f64>() {
                Ok(x) => self.fields.push(x),
                Err(_) => return Err(self.error(format!("not a number: {f:?}"))),
            }
        }
        if self.fields.len() != self.n {
            let got = self.fields.len();
            return Err(self.error(format!("expected {} fields, got {got}", self.n)));
        }
        Ok(())
    }

    /// An error on the line last read.
    fn error(&self, message: String) -> WorkloadError {
        WorkloadError::Parse {
            file: self.file,
            line: self.line_no,
            message,
        }
    }
}

/// Parse data rows (after the header) of `n` numeric fields.
fn for_rows(
    text: &str,
    file: &'static str,
    n: usize,
    mut row: impl FnMut(&[f64]),
) -> Result<(), WorkloadError> {
    let mut rows = Rows::new(text.as_bytes(), file, n);
    while let Some(fields) = rows.next_row() {
        row(fields?);
    }
    Ok(())
}

/// The workload tables alone (for the real-time voice count).
pub fn load_tables_into(session: &mut Session) -> Result<(), WorkloadError> {
    load_tables(session)
}

/// tables.csv: `table,size,h1..h25`, raw harmonic sums (no normalisation).
fn load_tables(session: &mut Session) -> Result<(), WorkloadError> {
    for_rows(TABLES_CSV, "tables.csv", 27, |f| {
        let mut acc = vec![0.0f64; f[1] as usize];
        add_harmonics(&mut acc, 1..=25, |k| (f[1 + k], 0.0));
        session.set_table(f[0] as u32, acc.iter().map(|&x| x as f32).collect());
    })
}

/// W1/W3: `start,dur,amp,oct,table,rise,dec,pan` with linen, oscili, pan2.
fn grain_note(f: &[f64]) -> NoteSpec {
    NoteSpec {
        channel: 0,
        source: Source::Table(f[4] as u32),
        freq_hz: oct_to_hz(f[3]),
        amp: f[2],
        pan: f[7],
        env: EnvSpec::Linen {
            rise_s: f[5],
            decay_s: f[6],
        },
        dur_beats: f[1],
        fit: true,
        filter: None,
        layers: crate::command::Layers::default(),
    }
}

/// W2: `start,dur,amp,freq,table,att,dec,sus,rel,fc,q,b0,b1,b2,a1,a2,pan`.
fn poly_note(f: &[f64]) -> NoteSpec {
    NoteSpec {
        channel: 0,
        source: Source::Table(f[4] as u32),
        freq_hz: f[3],
        amp: f[2],
        pan: f[16],
        env: EnvSpec::Adsr {
            attack_s: f[5],
            decay_s: f[6],
            sustain: f[7],
            release_s: f[8],
        },
        dur_beats: f[1],
        fit: true,
        filter: Some([
            f[11] as f32,
            f[12] as f32,
            f[13] as f32,
            f[14] as f32,
            f[15] as f32,
        ]),
        layers: crate::command::Layers::default(),
    }
}
