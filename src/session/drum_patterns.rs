//! Drum patterns as data: `stdlib/drums.json`, built into the binary and
//! parsed once, on first use, into [`DrumPattern`]s for `drums("house")`.
//!
//! Each pattern is a set of step-sequencer tracks on the General MIDI drum
//! map (the notes of [`crate::audio::drums::KIT`]): one character a step,
//! `x` a hit, `X` an accent, `.` a rest.

use crate::audio::drums::KIT;
use serde::Deserialize;
use std::sync::OnceLock;

/// The patterns shipped with Tactus.
const DRUMS_JSON: &str = include_str!("../../stdlib/drums.json");

/// A drum pattern: tracks of steps, looped.
#[derive(Debug, Clone, PartialEq)]
pub struct DrumPattern {
    /// Its name, as given to `drums(name)`.
    pub name: String,
    /// One line on its style and tempo.
    pub about: String,
    /// Steps in the pattern: every track has this many characters. With
    /// `bars` = 1 this is the steps per bar (16 = sixteenths, 12 = triplet
    /// eighths); see [`DrumPattern::step_beats`].
    pub steps: usize,
    /// Bars the pattern spans (1 unless given; the bossa is 2 bars of 16).
    pub bars: usize,
    /// Swing, 0..0.5: every second step is late by this fraction of a step
    /// (1/3 is a triplet feel, 0.5 dotted).
    pub swing: f64,
    /// `(GM note, hits)`, with hits like `"x..x..x."` (x hit, X accent, . rest).
    pub tracks: Vec<(u8, String)>,
}

impl DrumPattern {
    /// Length of a step in beats (quarter notes), bars being 4/4.
    pub fn step_beats(&self) -> f64 {
        4.0 * self.bars as f64 / self.steps as f64
    }
}

/// Why pattern data was rejected.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PatternError {
    /// Not valid JSON, or not the expected shape.
    #[error("drum patterns: {0}")]
    Json(String),
    /// A value out of range or a malformed track.
    #[error("drum pattern \"{pattern}\": {problem}")]
    Invalid {
        /// The pattern's name.
        pattern: String,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    patterns: Vec<RawPattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    name: String,
    #[serde(default)]
    about: String,
    steps: usize,
    #[serde(default = "one")]
    bars: usize,
    #[serde(default)]
    swing: f64,
    tracks: Vec<RawTrack>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrack {
    /// The KIT name, a check on `note` for the reader.
    sound: Option<String>,
    note: u8,
    hits: String,
}

fn one() -> usize {
    1
}

/// Parse and check pattern data (the format of `stdlib/drums.json`).
///
/// # Errors
/// [`PatternError::Json`] if the text is not the expected JSON;
/// [`PatternError::Invalid`] if a pattern has no steps or bars, a swing
/// outside 0..=0.5, a note not in the kit, a sound name that does not match
/// its note, a track of the wrong length or with characters other than
/// `x X .`, or a name used twice.
pub fn parse(json: &str) -> Result<Vec<DrumPattern>, PatternError> {
    let raw: RawFile = serde_json::from_str(json).map_err(|e| PatternError::Json(e.to_string()))?;
    let mut out: Vec<DrumPattern> = Vec::with_capacity(raw.patterns.len());
    for p in raw.patterns {
        let invalid = |problem: String| PatternError::Invalid {
            pattern: p.name.clone(),
            problem,
        };
        if out.iter().any(|q| q.name == p.name) {
            return Err(invalid("defined twice".into()));
        }
        check_shape(&p).map_err(invalid)?;
        let tracks: Result<Vec<_>, String> =
            p.tracks.iter().map(|t| check_track(t, p.steps)).collect();
        let tracks = tracks.map_err(invalid)?;
        out.push(DrumPattern {
            name: p.name,
            about: p.about,
            steps: p.steps,
            bars: p.bars,
            swing: p.swing,
            tracks,
        });
    }
    Ok(out)
}

fn check_shape(p: &RawPattern) -> Result<(), String> {
    if p.steps == 0 || p.bars == 0 {
        return Err(format!(
            "steps ({}) and bars ({}) must be at least 1",
            p.steps, p.bars
        ));
    }
    if !(0.0..=0.5).contains(&p.swing) {
        return Err(format!("swing {} is outside 0..=0.5", p.swing));
    }
    Ok(())
}

fn check_track(t: &RawTrack, steps: usize) -> Result<(u8, String), String> {
    let Some(&(_, name)) = KIT.iter().find(|(n, _)| *n == t.note) else {
        return Err(format!("note {} is not in the kit", t.note));
    };
    if let Some(sound) = t.sound.as_deref().filter(|s| *s != name) {
        return Err(format!("note {} is \"{name}\", not \"{sound}\"", t.note));
    }
    if let Some(c) = t.hits.chars().find(|c| !matches!(c, 'x' | 'X' | '.')) {
        return Err(format!("'{c}' in \"{}\" (use x, X or .)", t.hits));
    }
    if t.hits.len() != steps {
        return Err(format!(
            "\"{}\" has {} steps, not {steps}",
            t.hits,
            t.hits.len()
        ));
    }
    Ok((t.note, t.hits.clone()))
}

/// Every built-in pattern (parsed on first use).
pub fn patterns() -> &'static [DrumPattern] {
    static PATTERNS: OnceLock<Vec<DrumPattern>> = OnceLock::new();
    PATTERNS.get_or_init(|| parse(DRUMS_JSON).expect("stdlib/drums.json is checked by the tests"))
}

/// The built-in pattern called `name`.
pub fn pattern(name: &str) -> Option<&'static DrumPattern> {
    patterns().iter().find(|p| p.name == name)
}

/// The built-in patterns' names, in file order.
pub fn names() -> Vec<&'static str> {
    patterns().iter().map(|p| p.name.as_str()).collect()
}

#[cfg(test)]
mod drums_json {
    use super::*;

    #[test]
    fn every_pattern_parses_with_the_listed_names() {
        assert!(parse(DRUMS_JSON).is_ok(), "{:?}", parse(DRUMS_JSON).err());
        let names = names();
        for want in ["rock", "house", "techno", "hiphop", "breakbeat", "bossa"] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        assert_eq!(pattern("house").map(|p| p.name.as_str()), Some("house"));
        assert!(pattern("polka").is_none());
    }

    #[test]
    fn tracks_have_steps_characters_of_x_and_dots_on_kit_notes() {
        for p in patterns() {
            assert!(
                !p.tracks.is_empty() && p.steps > 0 && p.bars > 0,
                "{}",
                p.name
            );
            assert!((0.0..=0.5).contains(&p.swing), "{}", p.name);
            assert!(!p.about.is_empty(), "{} has no description", p.name);
            for (note, hits) in &p.tracks {
                assert_eq!(hits.chars().count(), p.steps, "{}: {hits}", p.name);
                assert!(
                    hits.chars().all(|c| "xX.".contains(c)),
                    "{}: {hits}",
                    p.name
                );
                assert!(KIT.iter().any(|(n, _)| n == note), "{}: {note}", p.name);
            }
        }
    }

    /// Where a sound hits, as step indices.
    fn hits(p: &DrumPattern, note: u8) -> Vec<usize> {
        let (_, h) = p.tracks.iter().find(|(n, _)| *n == note).expect("track");
        h.char_indices()
            .filter(|(_, c)| *c != '.')
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn the_grooves_are_the_named_styles() {
        let house = pattern("house").unwrap();
        assert_eq!(hits(house, 36), [0, 4, 8, 12], "four on the floor");
        assert_eq!(hits(house, 39), [4, 12], "claps on 2 and 4");
        assert_eq!(hits(house, 46), [2, 6, 10, 14], "off-beat open hats");
        let rock = pattern("rock").unwrap();
        assert_eq!(hits(rock, 36), [0, 8, 10]);
        assert_eq!(hits(rock, 38), [4, 12]);
        assert_eq!(hits(rock, 42), [0, 2, 4, 6, 8, 10, 12, 14]);
        assert!(pattern("hiphop").unwrap().swing > 0.1, "hip-hop swings");
        let bossa = pattern("bossa").unwrap();
        assert_eq!(hits(bossa, 37), [0, 6, 12, 20, 26], "bossa clave");
        assert_eq!(bossa.step_beats(), 0.25);
        assert_eq!(pattern("shuffle").unwrap().step_beats(), 1.0 / 3.0);
    }

    #[test]
    fn bad_data_is_rejected_with_the_reason() {
        let one = |track: &str, extra: &str| {
            let json = format!(
                r#"{{"patterns": [{{"name": "p", "steps": 4{extra}, "tracks": [{track}]}}]}}"#
            );
            parse(&json)
        };
        assert!(one(r#"{"note": 36, "hits": "x..."}"#, "").is_ok());
        let invalid = |r: Result<_, PatternError>| matches!(r, Err(PatternError::Invalid { .. }));
        assert!(invalid(one(r#"{"note": 36, "hits": "x.."}"#, "")), "length");
        assert!(
            invalid(one(r#"{"note": 36, "hits": "x.o."}"#, "")),
            "character"
        );
        assert!(invalid(one(r#"{"note": 12, "hits": "x..."}"#, "")), "note");
        assert!(invalid(one(
            r#"{"sound": "snare", "note": 36, "hits": "x..."}"#,
            ""
        )));
        assert!(invalid(one(
            r#"{"note": 36, "hits": "x..."}"#,
            r#", "swing": 0.7"#
        )));
        assert!(matches!(one("{}", ""), Err(PatternError::Json(_))));
    }
}
