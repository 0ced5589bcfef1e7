//! Theory: `scale(root, kind)`, `chord_notes(name)`, `chord(ch, name, dur)`,
//! `euclid(k, n)`.

use super::args::{self, err, Res};
use crate::pitch::note_name_to_midi;
use crate::script::state::Shared;
use rhai::{Array, Dynamic, Engine, Map};

const SCALES: &[(&str, &[i64])] = &[
    ("major", &[0, 2, 4, 5, 7, 9, 11]),
    ("minor", &[0, 2, 3, 5, 7, 8, 10]),
    ("harmonic_minor", &[0, 2, 3, 5, 7, 8, 11]),
    ("melodic_minor", &[0, 2, 3, 5, 7, 9, 11]),
    ("dorian", &[0, 2, 3, 5, 7, 9, 10]),
    ("phrygian", &[0, 1, 3, 5, 7, 8, 10]),
    ("lydian", &[0, 2, 4, 6, 7, 9, 11]),
    ("mixolydian", &[0, 2, 4, 5, 7, 9, 10]),
    ("locrian", &[0, 1, 3, 5, 6, 8, 10]),
    ("major_pentatonic", &[0, 2, 4, 7, 9]),
    ("minor_pentatonic", &[0, 3, 5, 7, 10]),
    ("blues", &[0, 3, 5, 6, 7, 10]),
    ("whole_tone", &[0, 2, 4, 6, 8, 10]),
    ("chromatic", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
];

const CHORDS: &[(&str, &[i64])] = &[
    ("", &[0, 4, 7]),
    ("maj", &[0, 4, 7]),
    ("m", &[0, 3, 7]),
    ("min", &[0, 3, 7]),
    ("7", &[0, 4, 7, 10]),
    ("maj7", &[0, 4, 7, 11]),
    ("m7", &[0, 3, 7, 10]),
    ("min7", &[0, 3, 7, 10]),
    ("dim", &[0, 3, 6]),
    ("dim7", &[0, 3, 6, 9]),
    ("m7b5", &[0, 3, 6, 10]),
    ("aug", &[0, 4, 8]),
    ("sus2", &[0, 2, 7]),
    ("sus4", &[0, 5, 7]),
    ("6", &[0, 4, 7, 9]),
    ("m6", &[0, 3, 7, 9]),
    ("9", &[0, 4, 7, 10, 14]),
    ("maj9", &[0, 4, 7, 11, 14]),
    ("m9", &[0, 3, 7, 10, 14]),
    ("add9", &[0, 4, 7, 14]),
];

/// A root like "C", "F#", "Bb3" (octave 4 when none is given), as MIDI.
fn root_midi(name: &str) -> Option<i64> {
    let has_octave = name.chars().last().is_some_and(|c| c.is_ascii_digit());
    note_name_to_midi(&if has_octave {
        name.to_string()
    } else {
        format!("{name}4")
    })
}

/// Split "C#m7" into ("C#", "m7").
fn split_root(name: &str) -> (&str, &str) {
    // The root's letter is one character, of any width (a byte index
    // could cut "é" or "€" in half).
    let mut end = name.chars().next().map_or(0, char::len_utf8);
    for c in name[end..].chars() {
        if matches!(c, '#' | 'b') || c.is_ascii_digit() || c == '-' {
            end += c.len_utf8();
        } else {
            break;
        }
    }
    name.split_at(end)
}

/// MIDI numbers of a chord name.
pub fn chord_midi(name: &str) -> Result<Vec<i64>, String> {
    let (root, quality) = split_root(name.trim());
    let r = root_midi(root).ok_or_else(|| format!("chord \"{name}\": unknown root \"{root}\" (a letter A-G, optional # or b, optional octave)"))?;
    let Some((_, iv)) = CHORDS.iter().find(|(q, _)| *q == quality) else {
        let names: Vec<&str> = CHORDS
            .iter()
            .map(|c| c.0)
            .filter(|q| !q.is_empty())
            .collect();
        return Err(format!(
            "chord \"{name}\": unknown quality \"{quality}\"; valid: {}",
            names.join(", ")
        ));
    };
    Ok(iv.iter().map(|i| r + i).collect())
}

/// Euclidean rhythm: `k` onsets spread over `n` steps.
pub fn euclid(k: i64, n: i64) -> Vec<bool> {
    (0..n).map(|i| (i * k).rem_euclid(n.max(1)) < k).collect()
}

/// An array turned left by `n` places (right when negative), as Sonic Pi's
/// `.rotate(n)`: `rotate([a, b, c], 1)` is `[b, c, a]`.
pub fn rotate<T>(mut a: Vec<T>, n: i64) -> Vec<T> {
    if !a.is_empty() {
        let k = n.rem_euclid(a.len() as i64) as usize;
        a.rotate_left(k);
    }
    a
}

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    engine.register_fn("scale", |root: &str, kind: &str| -> Res<Array> {
        let r =
            root_midi(root).map_or_else(|| err(format!("scale(): unknown root \"{root}\"")), Ok)?;
        let Some((_, iv)) = SCALES.iter().find(|(n, _)| *n == kind) else {
            let names: Vec<&str> = SCALES.iter().map(|s| s.0).collect();
            return err(format!(
                "scale(): unknown scale \"{kind}\"; valid: {}",
                names.join(", ")
            ));
        };
        Ok(iv.iter().map(|i| Dynamic::from_int(r + i)).collect())
    });
    engine.register_fn("chord_notes", |name: &str| -> Res<Array> {
        let notes = chord_midi(name).or_else(|e| err(format!("chord_notes(): {e}")))?;
        Ok(notes.into_iter().map(Dynamic::from_int).collect())
    });
    engine.register_fn("rotate", |a: Array, n: Dynamic| -> Res<Array> {
        let n = args::int(&n, "rotate", "n")?;
        Ok(rotate(a, n))
    });
    engine.register_fn("euclid", |k: Dynamic, n: Dynamic| -> Res<Array> {
        let (k, n) = (args::int(&k, "euclid", "k")?, args::int(&n, "euclid", "n")?);
        if !(1..=256).contains(&n) || !(0..=n).contains(&k) {
            return err(format!(
                "euclid(): need 0 <= k <= n <= 256, got k {k}, n {n}"
            ));
        }
        Ok(euclid(k, n).into_iter().map(Dynamic::from_bool).collect())
    });
    for with_opts in [false, true] {
        let s = st.clone();
        let f = move |ch: Dynamic, c: Dynamic, dur: Dynamic, opts: Map| -> Res<()> {
            let pitches: Array = match c.clone().try_cast::<Array>() {
                Some(a) => a,
                None => {
                    let name = c.into_string().map_err(|t| {
                        err::<()>(format!(
                            "chord(): give a chord name or an array of pitches, got {t}"
                        ))
                        .unwrap_err()
                    })?;
                    chord_midi(&name)
                        .or_else(|e| err(format!("chord(): {e}")))?
                        .into_iter()
                        .map(Dynamic::from_int)
                        .collect()
                }
            };
            for p in pitches {
                super::notes::note(&s, &ch, &p, &dur, &opts)?;
            }
            Ok(())
        };
        if with_opts {
            engine.register_fn("chord", f);
        } else {
            engine.register_fn("chord", move |ch: Dynamic, c: Dynamic, dur: Dynamic| {
                f(ch, c, dur, Map::new())
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chord_names_in_any_script_are_errors_not_panics() {
        assert_eq!(chord_midi("C#m7").unwrap(), vec![61, 64, 68, 71]);
        for bad in ["é", "€maj", "Cé", "", "ü#", "C€"] {
            let e = chord_midi(bad).unwrap_err();
            assert!(e.contains("chord"), "{bad}: {e}");
        }
    }

    #[test]
    fn chords_and_rhythms() {
        assert_eq!(chord_midi("Cmaj7").unwrap(), vec![60, 64, 67, 71]);
        assert_eq!(chord_midi("F#m").unwrap(), vec![66, 69, 73]);
        assert_eq!(chord_midi("Bb3").unwrap(), vec![58, 62, 65]);
        assert!(chord_midi("Cxyz").unwrap_err().contains("unknown quality"));
        let e38: Vec<bool> = euclid(3, 8);
        assert_eq!(
            e38,
            vec![true, false, false, true, false, false, true, false]
        );
        assert_eq!(euclid(5, 8).iter().filter(|x| **x).count(), 5);
    }
}
