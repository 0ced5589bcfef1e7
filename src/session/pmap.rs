//! What a foreign Csound score's p-fields and instruments mean: a p-field
//! map per channel (`pmap(ch, #{ amp: "p4", amp_scale: 32768, pitch: "p5",
//! pitch_as: "cps" })`) and instrument numbers or names mapped to channels
//! (`instr(12, 3)`, `instr("bass", 2)`). A note's p-fields are rewritten
//! into the default layout (p4 amplitude 0-1, p5 pitch, p6 table, p9 pan)
//! before it is built; p-fields the map does not name are ignored. Without
//! a map the default layout applies as it is.

use super::ievent::PVal;
use super::Session;
use crate::pitch::{midi_to_hz, oct_to_hz, pch_to_oct};

/// How a mapped pitch p-field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PitchAs {
    /// Hertz.
    Cps,
    /// Csound octave-point-decimal (8.75 = A4).
    Oct,
    /// Csound pitch-class (8.09 = A4).
    Pch,
    /// A MIDI note number.
    Midi,
}

/// The names `pitch_as` takes.
pub const PITCH_AS: [&str; 4] = ["cps", "oct", "pch", "midi"];

/// The keys a p-field map takes.
pub const PMAP_KEYS: [&str; 6] = ["amp", "amp_scale", "pitch", "pitch_as", "table", "pan"];

/// One channel's p-field map: which p-field (index from 0) means what.
#[derive(Debug, Clone, PartialEq)]
pub struct PMap {
    /// The amplitude's p-field.
    pub amp: Option<usize>,
    /// The amplitude is divided by this (32768 for 16-bit scores).
    pub amp_scale: f64,
    /// The pitch's p-field.
    pub pitch: Option<usize>,
    /// How the pitch is written.
    pub pitch_as: PitchAs,
    /// The table number's p-field.
    pub table: Option<usize>,
    /// The pan's p-field (0 left - 1 right).
    pub pan: Option<usize>,
}

impl Default for PMap {
    /// Nothing mapped: amplitude unscaled, pitch in oct.
    fn default() -> PMap {
        PMap {
            amp: None,
            amp_scale: 1.0,
            pitch: None,
            pitch_as: PitchAs::Oct,
            table: None,
            pan: None,
        }
    }
}

/// `"p4"` as the index 3 (p4 and on: p1-p3 keep their meaning).
pub fn field_index(name: &str) -> Result<usize, String> {
    match name.strip_prefix('p').and_then(|n| n.parse::<usize>().ok()) {
        Some(n) if (4..=1000).contains(&n) => Ok(n - 1),
        _ => Err(format!("expected a p-field from \"p4\" on, got \"{name}\"")),
    }
}

/// A `pitch_as` name.
pub fn pitch_as(name: &str) -> Result<PitchAs, String> {
    match name {
        "cps" => Ok(PitchAs::Cps),
        "oct" => Ok(PitchAs::Oct),
        "pch" => Ok(PitchAs::Pch),
        "midi" => Ok(PitchAs::Midi),
        _ => Err(format!(
            "unknown pitch_as \"{name}\": use {}",
            PITCH_AS.join(", ")
        )),
    }
}

fn number(p: &[Option<PVal>], k: usize, what: &str) -> Result<Option<f64>, String> {
    match p.get(k).and_then(Option::as_ref) {
        None => Ok(None),
        Some(PVal::Num(x)) => Ok(Some(*x)),
        Some(other) => Err(format!(
            "p{} ({what}, by pmap) must be a number, got {other}",
            k + 1
        )),
    }
}

impl PMap {
    /// The note's p-fields in the default layout (p1-p3 kept).
    pub fn apply(&self, p: &[Option<PVal>]) -> Result<Vec<Option<PVal>>, String> {
        let mut out: Vec<Option<PVal>> = p.iter().take(3).cloned().collect();
        out.resize(9, None);
        if let Some(k) = self.amp {
            out[3] = number(p, k, "amplitude")?.map(|a| PVal::Num(a / self.amp_scale));
        }
        if let Some(k) = self.pitch {
            let hz = number(p, k, "pitch")?.map(|x| match self.pitch_as {
                PitchAs::Cps => x,
                PitchAs::Oct => oct_to_hz(x),
                PitchAs::Pch => oct_to_hz(pch_to_oct(x)),
                PitchAs::Midi => midi_to_hz(x),
            });
            out[4] = hz.map(PVal::Hz);
        }
        if let Some(k) = self.table {
            out[5] = p.get(k).cloned().flatten();
        }
        if let Some(k) = self.pan {
            out[8] = number(p, k, "pan")?.map(PVal::Num);
        }
        while out.last().is_some_and(Option::is_none) {
            out.pop();
        }
        Ok(out)
    }
}

/// The key `instr()` files an instrument under: its whole number, or its name.
pub fn instr_key(p1: &PVal) -> Option<String> {
    match p1 {
        PVal::Num(x) => Some(format!("{}", x.trunc() as i64)),
        PVal::Str(s) => Some(s.clone()),
        PVal::Hz(_) => None,
    }
}

/// A note's p-fields with its instrument mapped to a channel (`instr()`)
/// and the channel's p-field map (`pmap()`) applied; unchanged otherwise.
pub fn remap(session: &Session, p: &[Option<PVal>]) -> Result<Option<Vec<Option<PVal>>>, String> {
    let Some(Some(p1)) = p.first() else {
        return Ok(None);
    };
    let mapped = instr_key(p1).and_then(|k| session.instrs.get(&k).copied());
    if let (None, PVal::Str(name)) = (mapped, p1) {
        return Err(format!(
            "p1: instrument \"{name}\" has no channel: map it with instr(\"{name}\", channel)"
        ));
    }
    let ch = match (mapped, p1) {
        (Some(c), _) => c,
        (None, PVal::Num(x)) if (1.0..17.0).contains(x) => *x as u8 - 1,
        _ => return Ok(None),
    };
    let mut out: Vec<Option<PVal>> = p.to_vec();
    out[0] = Some(PVal::Num(f64::from(ch) + 1.0));
    if let Some(m) = session.pmaps.get(&ch) {
        out = m.apply(&out)?;
    }
    Ok((mapped.is_some() || session.pmaps.contains_key(&ch)).then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_note_in_the_default_layout() {
        let m = PMap {
            amp: Some(3),
            amp_scale: 32768.0,
            pitch: Some(4),
            pitch_as: PitchAs::Cps,
            table: Some(5),
            pan: None,
        };
        let p = |x: f64| Some(PVal::Num(x));
        let got = m.apply(&[
            p(12.0),
            p(0.0),
            p(1.0),
            p(16384.0),
            p(440.0),
            p(2.0),
            p(7.0),
        ]);
        let want = vec![
            p(12.0),
            p(0.0),
            p(1.0),
            p(0.5),
            Some(PVal::Hz(440.0)),
            p(2.0),
        ];
        assert_eq!(got.unwrap(), want);
        let pch = PMap {
            pitch: Some(4),
            pitch_as: PitchAs::Pch,
            ..PMap::default()
        };
        let got = pch
            .apply(&[p(1.0), p(0.0), p(1.0), p(0.3), p(8.09)])
            .unwrap();
        assert_eq!(
            got,
            vec![
                p(1.0),
                p(0.0),
                p(1.0),
                None,
                Some(PVal::Hz(oct_to_hz(8.75)))
            ]
        );
        assert_eq!(field_index("p6"), Ok(5));
        assert!(field_index("p3").is_err() && field_index("x").is_err());
        assert!(pitch_as("hz").unwrap_err().contains("cps, oct, pch, midi"));
    }
}
