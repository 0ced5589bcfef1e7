//! Level bars for `status()` and `meters()`: RMS as a filled bar, the peak
//! as a mark, over [`FLOOR_DB`]..0 dBFS, and counting words.

use crate::audio::meter::dbfs;

/// The quietest level a bar shows.
pub const FLOOR_DB: f32 = -60.0;

/// `n` with its noun, singular or plural: "1 voice", "3 voices".
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if let Some(stem) = noun.strip_suffix('y').filter(|_| !noun.ends_with("ay")) {
        format!("{n} {stem}ies")
    } else if noun.ends_with('s') || noun.ends_with("ch") {
        format!("{n} {noun}es")
    } else {
        format!("{n} {noun}s")
    }
}

/// A bar `width` characters wide: `#` up to the RMS level, `|` at the peak,
/// `.` above.
pub fn bar(peak: f32, rms: f32, width: usize) -> String {
    let cells = |x: f32| -> usize {
        let db = dbfs(x).unwrap_or(f32::NEG_INFINITY).max(FLOOR_DB);
        (((db - FLOOR_DB) / -FLOOR_DB) * width as f32).round() as usize
    };
    let (r, p) = (cells(rms).min(width), cells(peak).min(width));
    (0..width)
        .map(|i| {
            if p > 0 && i + 1 == p {
                '|'
            } else if i < r {
                '#'
            } else {
                '.'
            }
        })
        .collect()
}

/// "-18.3 dB" or "silent".
pub fn db_text(x: f32) -> String {
    match dbfs(x) {
        Some(db) if db > -100.0 => format!("{db:.1} dB"),
        _ => "silent".to_string(),
    }
}

/// A level as a bar with its RMS and peak in dB.
pub fn level(peak: f32, rms: f32, width: usize) -> String {
    format!(
        "[{}] {} RMS, {} peak",
        bar(peak, rms, width),
        db_text(rms),
        db_text(peak)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_singular_or_plural() {
        assert_eq!(count(1, "voice"), "1 voice");
        assert_eq!(count(0, "voice"), "0 voices");
        assert_eq!(count(2, "xrun"), "2 xruns");
        assert_eq!(count(3, "entry"), "3 entries");
        assert_eq!(count(2, "pass"), "2 passes");
    }

    #[test]
    fn bars_fill_to_the_rms_and_mark_the_peak() {
        assert_eq!(bar(0.0, 0.0, 6), "......");
        assert_eq!(bar(1.0, 0.1, 6), "####.|"); // -20 dB of 60: 4 of 6
        assert_eq!(level(0.0, 0.0, 2), "[..] silent RMS, silent peak");
    }
}
