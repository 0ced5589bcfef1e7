//! `keyboard(ch)`: the computer keyboard as an instrument, on the REPL
//! thread. Two rows in the layout musicians know (trackers, DAWs): Z S X D C
//! V G B H N J M play C to B of the lower octave, Q 2 W 3 E R 5 T 6 Y 7 U the
//! upper one; `-` / `=` shift the octave, `[` / `]` the velocity; Esc (or
//! Ctrl-C, Ctrl-D) returns to the prompt. Terminals (and tmux) do not report
//! key releases, so each key plays a fixed-length note. Every key is an
//! evaluation like a typed line (`note(...)` at the next block), so it goes
//! through the session's transaction and is recorded like any other note.

use std::io::Write;

/// Semitone above the base C for a key, if it plays a note.
pub fn key_semitone(key: u8) -> Option<u8> {
    const LOWER: &[u8] = b"zsxdcvgbhnjm";
    const UPPER: &[u8] = b"q2w3er5t6y7u";
    let k = key.to_ascii_lowercase();
    let lower = LOWER.iter().position(|&c| c == k);
    let upper = UPPER.iter().position(|&c| c == k).map(|p| p + 12);
    lower.or(upper).map(|p| p as u8)
}

/// What a key does in keyboard mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    /// Play MIDI note `n` at the current velocity.
    Play(u8),
    /// Octave down or up.
    Octave(i8),
    /// Velocity down or up by 10.
    Velocity(i8),
    /// Back to the prompt.
    Quit,
    /// Nothing.
    None,
}

/// The keyboard's state: base octave (C of octave 4 is MIDI 60) and velocity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyboard {
    /// Tactus channel 1..=16.
    pub channel: u8,
    /// Octave of the lower row's C (0..=8).
    pub octave: i8,
    /// Velocity 1..=127.
    pub vel: u8,
}

impl Keyboard {
    /// A keyboard on channel `channel` at octave 4, velocity 100.
    pub fn new(channel: u8) -> Keyboard {
        Keyboard {
            channel,
            octave: 4,
            vel: 100,
        }
    }

    /// What `key` (one byte from the terminal) does.
    pub fn action(&self, key: u8) -> KeyAction {
        match key {
            0x1b | 0x03 | 0x04 => KeyAction::Quit,
            b'-' => KeyAction::Octave(-1),
            b'=' | b'+' => KeyAction::Octave(1),
            b'[' => KeyAction::Velocity(-10),
            b']' => KeyAction::Velocity(10),
            k => match key_semitone(k) {
                Some(s) => {
                    let n = (self.octave as i32 + 1) * 12 + s as i32;
                    KeyAction::Play(n.clamp(0, 127) as u8)
                }
                None => KeyAction::None,
            },
        }
    }

    /// Apply an octave or velocity change.
    pub fn apply(&mut self, a: KeyAction) {
        match a {
            KeyAction::Octave(d) => self.octave = (self.octave + d).clamp(0, 8),
            KeyAction::Velocity(d) => self.vel = (self.vel as i16 + d as i16).clamp(1, 127) as u8,
            _ => {}
        }
    }

    /// The script line a played note becomes.
    pub fn note_code(&self, note: u8) -> String {
        format!(
            "note({}, {note}, {NOTE_BEATS}, #{{ vel: {} }})",
            self.channel, self.vel
        )
    }

    /// The one-line display.
    pub fn display(&self, last: &[u8]) -> String {
        let names: Vec<String> = last.iter().map(|&n| crate::pitch::midi_name(n)).collect();
        format!(
            "keyboard ch {} | octave {} | vel {} | played: {}",
            self.channel,
            self.octave,
            self.vel,
            names.join(" ")
        )
    }
}

/// Length of a key's note, in beats (terminals report no key release).
pub const NOTE_BEATS: f64 = 0.5;

/// The help line shown when keyboard mode starts.
pub const HELP: &str = "keys: Z S X D C V G B H N J M (lower octave), Q 2 W 3 E R 5 T 6 Y 7 U (upper); - = octave; [ ] velocity; Esc back to the prompt";

/// The terminal in raw mode while it lives (restored on drop, panics included).
pub(crate) struct RawMode {
    saved: libc::termios,
}

impl RawMode {
    pub(crate) fn enter() -> Option<RawMode> {
        // SAFETY: termios calls on fd 0 with a zeroed struct they fill in.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return None;
            }
            let saved = t;
            libc::cfmakeraw(&mut t);
            t.c_oflag |= libc::OPOST;
            (libc::tcsetattr(0, libc::TCSANOW, &t) == 0).then_some(RawMode { saved })
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restores the attributes read in `enter`.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &self.saved);
        }
    }
}

/// One byte from stdin within `ms` milliseconds.
pub(crate) fn read_byte(ms: i32) -> Option<u8> {
    let mut fds = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll and read on fd 0 into a one-byte buffer.
    unsafe {
        if libc::poll(&mut fds, 1, ms) <= 0 {
            return None;
        }
        let mut b = 0u8;
        (libc::read(0, (&mut b as *mut u8).cast(), 1) == 1).then_some(b)
    }
}

/// Run keyboard mode until Esc; `play` evaluates a line in the session.
/// Returns an error text when the terminal cannot enter raw mode.
pub fn run(channel: u8, mut play: impl FnMut(&str)) -> Result<(), String> {
    let Some(_raw) = RawMode::enter() else {
        return Err("keyboard(): this terminal cannot be read key by key".into());
    };
    let mut kb = Keyboard::new(channel);
    let mut last: Vec<u8> = Vec::new();
    let mut out = std::io::stdout();
    let _ = write!(out, "{HELP}\r\n{}", kb.display(&last));
    let _ = out.flush();
    loop {
        let Some(b) = read_byte(-1) else { continue };
        let action = if b == 0x1b {
            // An escape sequence (arrow keys: ESC [ or ESC O) follows at
            // once; anything else means Esc was pressed.
            match read_byte(30) {
                Some(b'[') | Some(b'O') => {
                    while read_byte(5).is_some_and(|c| !c.is_ascii_alphabetic() && c != b'~') {}
                    KeyAction::None
                }
                _ => KeyAction::Quit,
            }
        } else {
            kb.action(b)
        };
        match action {
            KeyAction::Quit => break,
            KeyAction::Play(n) => {
                play(&kb.note_code(n));
                last.push(n);
                if last.len() > 8 {
                    last.remove(0);
                }
            }
            KeyAction::None => continue,
            a => kb.apply(a),
        }
        let _ = write!(out, "\r\x1b[2K{}", kb.display(&last));
        let _ = out.flush();
    }
    let _ = write!(out, "\r\n");
    let _ = out.flush();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_rows_play_two_octaves_from_c4() {
        let kb = Keyboard::new(1);
        let lower: Vec<KeyAction> = b"zsxdcvgbhnjm".iter().map(|&k| kb.action(k)).collect();
        let upper: Vec<KeyAction> = b"q2w3er5t6y7u".iter().map(|&k| kb.action(k)).collect();
        assert_eq!(lower, (60..72).map(KeyAction::Play).collect::<Vec<_>>());
        assert_eq!(upper, (72..84).map(KeyAction::Play).collect::<Vec<_>>());
        assert_eq!(kb.action(b'Z'), KeyAction::Play(60));
    }

    #[test]
    fn octave_and_velocity_keys_stay_in_range() {
        let mut kb = Keyboard::new(3);
        for _ in 0..20 {
            kb.apply(kb.action(b'='));
            kb.apply(kb.action(b']'));
        }
        assert_eq!((kb.octave, kb.vel), (8, 127));
        assert_eq!(kb.action(b'u'), KeyAction::Play(127));
        kb.apply(kb.action(b'-'));
        assert_eq!(kb.action(b'z'), KeyAction::Play(96));
        assert_eq!(kb.note_code(96), "note(3, 96, 0.5, #{ vel: 127 })");
        assert_eq!(kb.action(0x1b), KeyAction::Quit);
    }
}
