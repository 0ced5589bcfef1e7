//! The i-statement p-field map, shared by the `i()` binding, score text and
//! replayed score logs:
//!
//! | p | meaning | default |
//! | --- | --- | --- |
//! | p1 | channel 1-16 | required |
//! | p2 | start, beats from the reference time | required |
//! | p3 | duration, beats | required |
//! | p4 | amplitude 0-1 | 0.5 |
//! | p5 | pitch: a number is Csound oct (8.75 = A4); a note name or hz() also works | 8.75 |
//! | p6 | table number, or a synth name ("sine", "saw", "square", "triangle"); 0 = the channel's | channel's |
//! | p7, p8 | linen rise and decay, seconds | channel's envelope |
//! | p9 | pan 0 left - 1 right | channel's pan |
//! | p10-p13 | ADSR attack, decay (s), sustain (0-1), release (s), fitted inside p3 | - |
//!
//! `instr()` and `pmap()` (`pmap.rs`) map a foreign score's instruments
//! and p-fields onto this layout first.

use super::channels::{ChannelConfig, EnvSpec};
use super::log::{OCT_MAX, OCT_MIN};
use super::scheduler::NoteSpec;
use super::Session;
use crate::command::Source;
use crate::pitch::{midi_to_hz, oct_to_hz, parse_note_name};
use std::collections::BTreeSet;

/// One p-field as given.
#[derive(Debug, Clone, PartialEq)]
pub enum PVal {
    /// A number.
    Num(f64),
    /// A string (a note name for p5, a synth name for p6).
    Str(String),
    /// An explicit frequency (`hz()`, `oct()`, `pch()` in scripts).
    Hz(f64),
}

impl std::fmt::Display for PVal {
    /// As the user wrote it: `8.07`, `"lead"`, `hz(440)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PVal::Num(x) => f.write_str(&show_number(*x)),
            PVal::Str(s) => write!(f, "\"{s}\""),
            PVal::Hz(x) => write!(f, "hz({})", show_number(*x)),
        }
    }
}

/// A number as messages show it: plain between 1e-6 and 1e9, otherwise
/// in exponent form (`1e308`, never 309 digits).
pub fn show_number(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || !x.is_finite() || (1e-6..1e9).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A note placed by an i-statement: its start (beats from the reference) and the note.
#[derive(Debug, Clone, PartialEq)]
pub struct IEvent {
    /// p2.
    pub start_beats: f64,
    /// The note.
    pub note: NoteSpec,
}

type Fields<'a> = &'a [Option<PVal>];

fn num(p: Fields, k: usize, what: &str, lo: f64, hi: f64) -> Result<Option<f64>, String> {
    match p.get(k).and_then(Option::as_ref) {
        None => Ok(None),
        Some(PVal::Num(x)) if (lo..=hi).contains(x) => Ok(Some(*x)),
        Some(PVal::Num(x)) => Err(format!(
            "p{} ({what}) {} is out of range {lo} to {hi}",
            k + 1,
            show_number(*x)
        )),
        Some(other) => Err(format!("p{} ({what}) must be a number, got {other}", k + 1)),
    }
}

/// Build the note of an i-statement from its p-fields (at least three).
pub fn i_event(session: &Session, p: Fields) -> Result<IEvent, String> {
    i_event_with(session, p, &BTreeSet::new())
}

/// [`i_event`], where the tables in `also` count as existing (a score's own
/// `f` statements, created when it is placed).
pub fn i_event_with(session: &Session, p: Fields, also: &BTreeSet<u32>) -> Result<IEvent, String> {
    if let Some(mapped) = super::pmap::remap(session, p)? {
        return build(session, &mapped, also);
    }
    build(session, p, also)
}

/// [`i_event_with`] with the channels configured as `channels` (a score's
/// `c` statements written before the note).
pub fn i_event_in(
    session: &Session,
    channels: &[ChannelConfig],
    p: Fields,
    also: &BTreeSet<u32>,
) -> Result<IEvent, String> {
    match super::pmap::remap(session, p)? {
        Some(mapped) => build_in(session, channels, &mapped, also),
        None => build_in(session, channels, p, also),
    }
}

/// [`i_event_with`] on p-fields already in the default layout.
fn build(session: &Session, p: Fields, also: &BTreeSet<u32>) -> Result<IEvent, String> {
    build_in(session, &session.channels, p, also)
}

fn build_in(
    session: &Session,
    channels: &[ChannelConfig],
    p: Fields,
    also: &BTreeSet<u32>,
) -> Result<IEvent, String> {
    if p.len() < 3 || p[..3].iter().any(Option::is_none) {
        return Err("i needs at least p1 p2 p3: i(channel, start_beats, dur_beats, ...)".into());
    }
    let ch = num(p, 0, "channel", 1.0, 16.0)
        .map_err(|_| {
            format!(
                "p1: channel {} is out of range: channels are 1-16 (instr(n, ch) maps a score's instrument n)",
                p[0].as_ref().map_or_else(String::new, PVal::to_string)
            )
        })?
        .unwrap_or(1.0);
    if ch.fract() != 0.0 {
        return Err(format!("p1: channel must be a whole number 1-16, got {ch}"));
    }
    let channel = ch as u8 - 1;
    let start = num(p, 1, "start", 0.0, f64::MAX)?.unwrap_or(0.0);
    let dur = num(p, 2, "duration", 0.0, f64::MAX).map_err(|e| {
        if matches!(p[2], Some(PVal::Num(x)) if x < 0.0) {
            "p3: held notes (negative p3) are not supported; give a duration in beats".to_string()
        } else {
            e
        }
    })?;
    let cfg = &channels[channel as usize];
    let note = NoteSpec {
        channel,
        source: source(session, cfg, p, also)?,
        freq_hz: pitch(p)?,
        amp: num(p, 3, "amplitude", 0.0, 1.0)?.unwrap_or(0.5),
        pan: num(p, 8, "pan", 0.0, 1.0)?.unwrap_or(cfg.pan),
        env: envelope(p, cfg.env)?,
        dur_beats: dur.unwrap_or(0.0),
        fit: true,
        filter: None,
        layers: cfg.layers,
    };
    Ok(IEvent {
        start_beats: start,
        note,
    })
}

fn pitch(p: Fields) -> Result<f64, String> {
    match p.get(4).and_then(Option::as_ref) {
        None => Ok(oct_to_hz(8.75)),
        Some(PVal::Num(o)) if (OCT_MIN..=OCT_MAX).contains(o) => Ok(oct_to_hz(*o)),
        Some(PVal::Num(o)) => Err(format!(
            "p5 (pitch in oct) {o} is out of range {OCT_MIN} to {OCT_MAX}"
        )),
        Some(PVal::Hz(hz)) => Ok(*hz),
        Some(PVal::Str(s)) => parse_note_name(s)
            .map(|m| midi_to_hz(m as f64))
            .map_err(|e| format!("p5: {e}")),
    }
}

fn source(
    session: &Session,
    cfg: &ChannelConfig,
    p: Fields,
    also: &BTreeSet<u32>,
) -> Result<Source, String> {
    let default = cfg.source;
    match p.get(5).and_then(Option::as_ref) {
        None => Ok(default),
        Some(PVal::Num(n)) if *n == 0.0 => Ok(default),
        Some(PVal::Num(n)) if n.fract() == 0.0 && Session::table_range().contains(&(*n as i64)) => {
            let n = *n as u32;
            if !also.contains(&n) {
                session.check_table(n).map_err(|e| format!("p6: {e}"))?;
            }
            Ok(Source::Table(n))
        }
        Some(PVal::Str(name)) => match super::channels::SYNTHS.iter().find(|s| **s == name) {
            // The channel's own settings give the synth's parameters.
            Some(synth) => {
                let mut c = cfg.clone();
                c.synth = synth;
                c.rebuild();
                Ok(c.source)
            }
            None => Err(format!(
                "p6: unknown synth \"{name}\"; valid synths: {}",
                super::channels::SYNTHS.join(", ")
            )),
        },
        Some(other) => Err(format!(
            "p6 (table) must be a table number 1-9999 or a synth name, got {other}"
        )),
    }
}

fn envelope(p: Fields, default: EnvSpec) -> Result<EnvSpec, String> {
    if p.get(9).and_then(Option::as_ref).is_some() {
        return Ok(EnvSpec::Adsr {
            attack_s: num(p, 9, "attack", 0.0, 3600.0)?.unwrap_or(0.0),
            decay_s: num(p, 10, "decay", 0.0, 3600.0)?.unwrap_or(0.0),
            sustain: num(p, 11, "sustain", 0.0, 1.0)?.unwrap_or(1.0),
            release_s: num(p, 12, "release", 0.0, 3600.0)?.unwrap_or(0.0),
        });
    }
    let (rise, dec) = (
        num(p, 6, "rise", 0.0, 3600.0)?,
        num(p, 7, "decay", 0.0, 3600.0)?,
    );
    if rise.is_none() && dec.is_none() {
        return Ok(default);
    }
    Ok(EnvSpec::Linen {
        rise_s: rise.unwrap_or(0.0),
        decay_s: dec.unwrap_or(0.0),
    })
}
