//! `meters()` at the prompt: each channel's and the master's level, redrawn
//! in place about ten times a second until a key is pressed. The key that
//! ends the view is not lost: a printable one starts the next typed line.

use crate::repl_keys::{read_byte, RawMode};
use std::io::Write;

/// How often the meters are redrawn, in milliseconds.
pub const REDRAW_MS: i32 = 100;

/// The line above the meters.
pub const HEADER: &str = "meters: RMS as ###, peak as |, -60..0 dBFS; press any key to return to the prompt (a letter you press starts the next line)";

/// Show the meters until a key is pressed. `fetch` returns their text now
/// (None when the session has ended). Returns the character to start the
/// next line with, if the key was a printable one, or an error text when
/// the terminal cannot be read key by key.
pub fn run(mut fetch: impl FnMut() -> Option<String>) -> Result<Option<char>, String> {
    let Some(_raw) = RawMode::enter() else {
        return Err(
            "meters(): this terminal cannot be read key by key; status() shows the levels once"
                .into(),
        );
    };
    let mut out = std::io::stdout();
    let _ = write!(out, "{HEADER}\r\n");
    let mut shown = 0usize;
    let key = loop {
        let Some(text) = fetch() else { break None };
        if shown > 0 {
            let _ = write!(out, "\x1b[{shown}A");
        }
        let _ = write!(out, "\r\x1b[J{}\r\n", text.replace('\n', "\r\n"));
        let _ = out.flush();
        shown = text.lines().count();
        if let Some(b) = read_byte(REDRAW_MS) {
            break Some(b);
        }
    };
    // An escape sequence (an arrow key) is read whole and dropped.
    if key == Some(0x1b) {
        while read_byte(5).is_some() {}
    }
    Ok(key
        .filter(|b| b.is_ascii_graphic() || *b == b' ')
        .map(char::from))
}
