//! The benchmark workloads: event lists (CSV, shipped in the binary) and
//! their wavetables, turned into session notes and tables.

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

    /// Put its tables and notes into a session (tempo 60: beats are seconds).
    pub fn load_into(self, session: &mut Session) -> Result<(), WorkloadError> {
        load_tables(session)?;
        session.channel_change(0, ChannelChange::MaxVoices(1024));
        match self {
            Workload::W1Grains => load_grains(session, text_lines(W1_CSV), "w1_grains.csv"),
            Workload::W2Poly => load_poly(session),
            Workload::W3Dense => {
                let lines = BufReader::new(flate2::read::GzDecoder::new(W3_CSV_GZ)).lines();
                load_grains(session, lines, "w3_dense.csv")
            }
        }
    }

    /// The W2 voices, for the real-time voice count.
    pub fn poly_voices() -> Result<Vec<NoteSpec>, WorkloadError> {
        let mut out = Vec::new();
        for_rows(text_lines(W2_CSV), "w2_poly.csv", 17, |f| {
            out.push(poly_note(f));
        })?;
        Ok(out)
    }
}

/// Lines of an in-memory text, in the form a reader gives them.
fn text_lines(text: &str) -> impl Iterator<Item = std::io::Result<String>> + '_ {
    text.lines().map(|l| Ok(l.to_string()))
}

/// Parse data rows (after the header) of `n` numeric fields.
fn for_rows(
    lines: impl Iterator<Item = std::io::Result<String>>,
    file: &'static str,
    n: usize,
    mut row: impl FnMut(&[f64]),
) -> Result<(), WorkloadError> {
    let mut fields = Vec::with_capacity(n);
    for (i, line) in lines.enumerate().skip(1) {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        fields.clear();
        for f in line.split(',') {
            fields.push(f.trim().parse::<f64>().map_err(|_| WorkloadError::Parse {
                file,
                line: i + 1,
                message: format!("not a number: {f:?}"),
            })?);
        }
        if fields.len() != n {
            return Err(WorkloadError::Parse {
                file,
                line: i + 1,
                message: format!("expected {n} fields, got {}", fields.len()),
            });
        }
        row(&fields);
    }
    Ok(())
}

/// The workload tables alone (for the real-time voice count).
pub fn load_tables_into(session: &mut Session) -> Result<(), WorkloadError> {
    load_tables(session)
}

/// tables.csv: `table,size,h1..h25`, raw harmonic sums (no normalisation).
fn load_tables(session: &mut Session) -> Result<(), WorkloadError> {
    for_rows(text_lines(TABLES_CSV), "tables.csv", 27, |f| {
        let mut acc = vec![0.0f64; f[1] as usize];
        add_harmonics(&mut acc, 1..=25, |k| (f[1 + k], 0.0));
        session.set_table(f[0] as u32, acc.iter().map(|&x| x as f32).collect());
    })
}

/// W1/W3: `start,dur,amp,oct,table,rise,dec,pan` with linen, oscili, pan2.
fn load_grains(
    session: &mut Session,
    lines: impl Iterator<Item = std::io::Result<String>>,
    file: &'static str,
) -> Result<(), WorkloadError> {
    for_rows(lines, file, 8, |f| {
        let note = NoteSpec {
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
        };
        session.schedule_note(Beats(f[0]), note);
    })
}

fn load_poly(session: &mut Session) -> Result<(), WorkloadError> {
    for_rows(text_lines(W2_CSV), "w2_poly.csv", 17, |f| {
        session.schedule_note(Beats(f[0]), poly_note(f));
    })
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
