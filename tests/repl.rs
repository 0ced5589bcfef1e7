//! The REPL as a musician uses it, in a private tmux server (TESTING.md §5):
//! completion, multi-line input, help, the error caret, Ctrl-C stopping a
//! runaway evaluation while the session goes on, history across restarts,
//! and what was typed heard in the session's recording.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server (its own socket), seen through one window: the
/// REPL's, or one peer's among several (tests/link.rs).
pub struct Tmux {
    socket: String,
    target: String,
    /// Kill the server when dropped (the handle that started it).
    owner: bool,
}

impl Tmux {
    pub fn start(name: &str, cmd: &str) -> Tmux {
        let socket = format!("tactus-test-{}-{name}", std::process::id());
        let t = Tmux::window_of(&socket, "repl", true);
        t.run(&[
            "new-session",
            "-d",
            "-s",
            "repl",
            "-x",
            "120",
            "-y",
            "40",
            &Tmux::keep_open(cmd),
        ]);
        t
    }

    /// A handle on window `target` of the server at `socket`; the owner's
    /// drop ends the server.
    pub fn window_of(socket: &str, target: &str, owner: bool) -> Tmux {
        Tmux {
            socket: socket.to_string(),
            target: target.to_string(),
            owner,
        }
    }

    /// `cmd`, then its exit status on the screen, and the window kept open.
    pub fn keep_open(cmd: &str) -> String {
        format!("{cmd}; echo EXITED rc=$?; sleep 30")
    }

    /// The server's socket name.
    pub fn socket(&self) -> &str {
        &self.socket
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux is installed by make");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.target];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Type `text` and Enter. tmux reads `;` in its arguments as a command
    /// separator, so semicolons go as a hex key.
    pub fn line(&self, text: &str) {
        for (k, part) in text.split(';').enumerate() {
            if k > 0 {
                self.keys(&["-H", "3b"]);
            }
            if !part.is_empty() {
                self.keys(&["-l", part]);
            }
        }
        self.keys(&["Enter"]);
    }

    /// Type `text` and Enter, then wait for the next prompt. Type the next
    /// line only after that: keys typed while a line evaluates were seen
    /// lost on a loaded machine (the line after a note came out empty).
    pub fn line_then_prompt(&self, text: &str) {
        let prompts = || {
            self.run(&["capture-pane", "-p", "-J", "-t", &self.target, "-S", "-"])
                .matches("tactus>")
                .count()
        };
        let before = prompts();
        self.line(text);
        let deadline = Instant::now() + Duration::from_secs(15);
        while prompts() <= before {
            assert!(
                Instant::now() < deadline,
                "no prompt after {text:?}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-J", "-t", &self.target, "-S", "-300"])
    }

    /// Wait until the screen contains `want`.
    pub fn wait_for(&self, want: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if s.contains(want) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "{}: timed out waiting for {want:?}; screen:\n{s}",
                self.target
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if self.owner {
            self.run(&["kill-server"]);
        }
    }
}

pub fn scratch(name: &str) -> PathBuf {
    super::common::scratch_dir("repl", name)
}

fn session_cmd(dir: &Path) -> String {
    format!(
        "cd {} && TACTUS_HISTORY={}/history {} --no-watch --record {}/take.wav",
        dir.display(),
        dir.display(),
        env!("CARGO_BIN_EXE_tactus"),
        dir.display()
    )
}

#[test]
fn repl_completion_multiline_help_caret_interrupt_history_and_sound() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("main");
    let t = Tmux::start("main", &session_cmd(&dir));
    let s = t.wait_for("tactus>");
    assert!(
        s.contains("no audio device: recording to"),
        "one clear line about the fallback:\n{s}"
    );
    assert!(
        !s.contains("ALSA lib"),
        "alsa-lib noise kept off the terminal:\n{s}"
    );
    assert!(
        !s.contains("Failed to open client"),
        "JACK client noise kept off the terminal:\n{s}"
    );

    // Tab completion of a binding.
    t.keys(&["-l", "live_lo"]);
    t.keys(&["Tab"]);
    t.wait_for("live_loop");
    t.keys(&["C-u"]);

    // Multi-line input while brackets are open.
    t.line("let xs = [1,");
    t.line_then_prompt("  2, 3];");
    t.line("xs.len()");
    t.wait_for("=> 3");

    // Function tables and score statements at the prompt.
    t.line("table(1, 4096, sine()); let tb = table(1); tb[1024] = -1.0; plot(1)");
    let s = t.wait_for("table 1 (4096 points)");
    assert!(
        s.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
        "a braille plot:\n{s}"
    );
    t.line("tb[1024]");
    t.wait_for("=> -1.0");
    // Score time at the prompt depends on how long the session has run.
    t.line("score(\"i 1 0 0.5 0.2 8.09\"); let st = score_time(); st >= 0.0 && st < 60.0");
    t.wait_for("=> true");

    // help() from the same text as the docs.
    t.line("help(\"note\")");
    t.wait_for("note(ch, pitch, dur_beats)");

    // The error caret under the column.
    t.line("  note(1, \"H4\", 1)");
    let s = t.wait_for("unknown note name \"H4\"");
    let err_line = s.lines().find(|l| l.contains("unknown note name")).unwrap();
    assert!(err_line.contains(":1:3: error:"), "{err_line}");
    let lines: Vec<&str> = s.lines().collect();
    let k = lines
        .iter()
        .position(|l| l.contains("unknown note name"))
        .unwrap();
    assert_eq!(lines[k + 1], "1 |   note(1, \"H4\", 1)");
    assert_eq!(lines[k + 2], "      ^");

    // A note typed now, and Ctrl-C stopping a runaway loop while it sounds.
    t.line_then_prompt("channel(1, #{ synth: \"sine\", env: adsr(0.01, 0.1, 0.8, 0.2) }); note(1, \"A4\", 8, #{ amp: 0.5 })");
    // Each iteration is heavy but only a few operations: only Ctrl-C ends it.
    t.line("loop { table(9, 65536, saw(64)); }");
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        !t.screen().contains("<repl:9>"),
        "still running when Ctrl-C comes"
    );
    t.keys(&["C-c"]);
    let s = t.wait_for("interrupted");
    assert!(s.contains("<repl:9>:1:"), "{s}");
    t.line("40 + 2");
    t.wait_for("=> 42");

    // Quit cleanly; the recording holds the note.
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
    let mut r = hound::WavReader::open(dir.join("take.wav")).expect("a valid WAV after Ctrl-D");
    let samples: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(
        peak > 0.2 && peak < 0.5,
        "the A4 typed at the prompt is in the take (peak {peak})"
    );

    // History across restarts: Up recalls the last line of the last session.
    drop(t);
    let t = Tmux::start("again", &session_cmd(&dir));
    t.wait_for("tactus>");
    t.keys(&["Up"]);
    t.wait_for("tactus> 40 + 2");
    t.keys(&["C-u", "C-d"]);
    t.wait_for("EXITED rc=0");
}

/// Zero crossings upward per second over `x`: the pitch of a sine.
fn sine_hz(x: &[f32], sr: f64) -> f64 {
    let ups = x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    ups as f64 * sr / x.len() as f64
}

/// `keyboard(1)` under tmux: Z plays C4, Q plays C5, `=` shifts Z up an
/// octave, and Esc returns to the prompt; the recording holds those pitches
/// in that order.
#[test]
fn the_computer_keyboard_plays_the_expected_pitches() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("keyboard");
    let t = Tmux::start("keyboard", &session_cmd(&dir));
    t.wait_for("tactus>");
    t.line_then_prompt(
        "tempo(60); channel(1, #{ synth: \"sine\", env: adsr(0.005, 0, 1, 0.005) })",
    );
    t.line("keyboard(1)");
    t.wait_for("keyboard ch 1 | octave 4");
    for key in ["z", "q", "="] {
        t.keys(&["-l", key]);
        std::thread::sleep(Duration::from_millis(700));
    }
    t.keys(&["-l", "z"]);
    t.wait_for("played: C4 C5 C5");
    std::thread::sleep(Duration::from_millis(700));
    let prompts = t.screen().matches("tactus>").count();
    t.keys(&["Escape"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.screen().matches("tactus>").count() <= prompts {
        assert!(
            Instant::now() < deadline,
            "no prompt after Esc:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    t.line("40 + 2");
    t.wait_for("=> 42");
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
    let mut r = hound::WavReader::open(dir.join("take.wav")).unwrap();
    let sr = r.spec().sample_rate as f64;
    let left: Vec<f32> = r.samples::<f32>().step_by(2).map(Result::unwrap).collect();
    // Notes are half a beat (0.5 s at 60 bpm), separated by silence.
    let mut notes = Vec::new();
    let mut i = 0;
    while i < left.len() {
        if left[i] != 0.0 {
            let end = (i..left.len()).find(|&j| left[j..].iter().take(2000).all(|x| *x == 0.0));
            let end = end.unwrap_or(left.len());
            let body = &left[i + 2400..end.saturating_sub(2400).max(i + 2400)];
            notes.push(sine_hz(body, sr));
            i = end;
        }
        i += 1;
    }
    let want = [261.63, 523.25, 523.25];
    assert_eq!(notes.len(), 3, "three notes: {notes:?}");
    for (got, want) in notes.iter().zip(want) {
        assert!((got / want - 1.0).abs() < 0.01, "{notes:?}");
    }
}

/// `help()` in a 72-column terminal: no line wider than the terminal, every
/// name once, and each entry's words whole and in order (a break mid-word
/// would split one).
#[test]
fn help_wraps_at_words_to_the_terminal_width() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("help-width");
    let t = Tmux::start("help", &session_cmd(&dir));
    t.wait_for("tactus>");
    t.run(&["resize-window", "-t", "repl", "-x", "72"]);
    t.line_then_prompt("help()");
    let s = t.run(&["capture-pane", "-p", "-J", "-t", "repl", "-S", "-"]);
    let out = &s[s.rfind("tactus> help()").unwrap() + "tactus> help()".len()..];
    let out = &out[..out.rfind("tactus>").unwrap()];
    for l in out.lines() {
        assert!(l.chars().count() <= 72, "wider than the terminal: {l:?}");
    }
    let names: Vec<&str> = out
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for name in ["note", "set", "live_loop", "help"] {
        let n = names.iter().filter(|&&x| x == name).count();
        assert_eq!(n, 1, "{name} listed {n} times:\n{out}");
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    for d in tactus::script::help::DOCS {
        let want: Vec<&str> = d.text.split_whitespace().collect();
        assert!(
            words.windows(want.len()).any(|w| w == want.as_slice()),
            "the words of {}'s help are not whole and in order:\n{out}",
            d.name
        );
    }
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
}
