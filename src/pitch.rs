//! Pitch: MIDI numbers, note names ("C4", "F#3", "Bb2"), and Csound's
//! octave-point-decimal (`oct`) and pitch-class (`pch`) notations.
//!
//! A4 = MIDI 69 = 440 Hz; C4 = MIDI 60 (middle C); oct 8.75 = pch 8.09 = A4.

/// A pitch given explicitly in hertz (what `hz()`, `oct()` and `pch()` return).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pitch {
    /// Frequency.
    pub hz: f64,
}

impl std::fmt::Display for Pitch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} Hz", self.hz)
    }
}

/// Amplitude of a velocity: `(vel / 127)^2`, so vel 90 is about 0.5.
pub fn vel_to_amp(vel: f64) -> f64 {
    let v = vel.clamp(0.0, 127.0) / 127.0;
    v * v
}

/// The name of MIDI note `n`: 60 is "C4", 61 "C#4".
pub fn midi_name(n: u8) -> String {
    const NAMES: [&str; 12] = [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ];
    format!("{}{}", NAMES[(n % 12) as usize], n as i32 / 12 - 1)
}

/// MIDI note number (may be fractional) to hertz.
pub fn midi_to_hz(m: f64) -> f64 {
    440.0 * ((m - 69.0) / 12.0).exp2()
}

/// Csound `cpsoct`: octave-point-decimal to hertz (8.75 = A4 = 440 Hz).
pub fn oct_to_hz(oct: f64) -> f64 {
    440.0 * (oct - 8.75).exp2()
}

/// Csound `octpch`: pitch-class (8.09 = octave 8, semitone 9) to
/// octave-point-decimal. The two digits after the point are semitones.
pub fn pch_to_oct(pch: f64) -> f64 {
    let octave = pch.trunc();
    // Round away binary noise (8.09 is stored as 8.0899999...).
    let semis = ((pch - octave) * 100.0 * 1e6).round() / 1e6;
    octave + semis / 12.0
}

/// What a bad note name looks like, and the valid form.
pub const NOTE_NAME_HELP: &str =
    "a note name is a letter A-G, then up to two # or b (sharp or flat), then an octave, within MIDI 0-127 (C-1 to G9): \"C4\", \"F#3\", \"Bb2\", \"C-1\"";

/// The most accidentals a note name may carry (a double sharp or flat).
pub const MAX_ACCIDENTALS: usize = 2;

/// A note name to a MIDI number: "C4" = 60, "A4" = 69, "F#3" = 54, "Bb2" = 46.
pub fn note_name_to_midi(name: &str) -> Option<i64> {
    parse_note_name(name).ok()
}

/// A note name to a MIDI number 0-127, or why it is not one (the message
/// names the valid form, [`NOTE_NAME_HELP`]).
pub fn parse_note_name(name: &str) -> Result<i64, String> {
    let shown = shown_name(name);
    let unknown = || format!("unknown note name \"{shown}\": {NOTE_NAME_HELP}");
    let s = name.trim();
    let mut chars = s.chars();
    let letter = chars.next().ok_or_else(unknown)?.to_ascii_uppercase();
    let base = match letter {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return Err(unknown()),
    };
    let rest = chars.as_str();
    let acc_len = rest
        .chars()
        .take_while(|c| matches!(c, '#' | 'b' | 's'))
        .count();
    if acc_len > MAX_ACCIDENTALS {
        return Err(format!(
            "note name \"{shown}\" has {acc_len} accidentals, at most {MAX_ACCIDENTALS}: {NOTE_NAME_HELP}"
        ));
    }
    let (acc, octave) = rest.split_at(acc_len);
    let shift: i64 = acc.chars().map(|c| if c == 'b' { -1 } else { 1 }).sum();
    let octave: i64 = octave.parse().map_err(|_| unknown())?;
    if !(-1..=9).contains(&octave) {
        return Err(unknown());
    }
    let midi = 12 * (octave + 1) + base + shift;
    if !(0..=127).contains(&midi) {
        return Err(format!(
            "note name \"{shown}\" is MIDI {midi}, outside 0-127 (C-1 to G9)"
        ));
    }
    Ok(midi)
}

/// A name as an error shows it: at most 24 characters, then "...".
fn shown_name(name: &str) -> String {
    const MAX_CHARS: usize = 24;
    if name.chars().count() <= MAX_CHARS {
        return name.to_string();
    }
    let head: String = name.chars().take(MAX_CHARS).collect();
    format!("{head}...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(note_name_to_midi("C4"), Some(60));
        assert_eq!(note_name_to_midi("A4"), Some(69));
        assert_eq!(note_name_to_midi("F#3"), Some(54));
        assert_eq!(note_name_to_midi("Bb2"), Some(46));
        assert_eq!(note_name_to_midi("c-1"), Some(0));
        assert_eq!(note_name_to_midi("H4"), None);
        assert_eq!(note_name_to_midi("C"), None);
        assert_eq!(note_name_to_midi("C#x"), None);
        assert_eq!(note_name_to_midi("G9"), Some(127));
        assert_eq!(note_name_to_midi("G#9"), None);
        assert_eq!(note_name_to_midi("Cb-1"), None);
        assert_eq!(note_name_to_midi("C##4"), Some(62));
        assert_eq!(
            note_name_to_midi(&format!("C{}4", "#".repeat(20_000))),
            None
        );
    }

    #[test]
    fn forms_agree_on_a4() {
        assert_eq!(midi_to_hz(69.0), 440.0);
        assert_eq!(oct_to_hz(8.75), 440.0);
        assert_eq!(pch_to_oct(8.09), 8.75);
        assert_eq!(oct_to_hz(pch_to_oct(8.09)), 440.0);
    }
}
