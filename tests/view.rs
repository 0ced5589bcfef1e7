//! What the musician sees of the session, at the real REPL under tmux:
//! `status()` as a table (no debug structs, singular/plural right),
//! sequence and channel handles printing their settings, `code()`, and the
//! live `meters()` that give the prompt back with the key that ended them.

use crate::repl::{scratch, Tmux};
use std::time::Duration;

fn session(dir: &std::path::Path) -> String {
    format!(
        "cd {} && TACTUS_HISTORY={}/history {} --no-watch --socket view-{}",
        dir.display(),
        dir.display(),
        env!("CARGO_BIN_EXE_tactus"),
        std::process::id()
    )
}

/// The text printed after the last occurrence of `marker`.
fn after(screen: &str, marker: &str) -> String {
    screen.rsplit(marker).next().unwrap_or("").to_string()
}

#[test]
fn status_handles_code_and_meters_show_what_is_playing() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("view");
    let t = Tmux::start("view", &session(&dir));
    t.wait_for("tactus>");
    t.line_then_prompt(
        "tempo(120); channel(2, #{ synth: \"saw\", lowpass: 800, reverb: 0.3, volume: 0.7 })",
    );
    t.line_then_prompt("live_loop(\"bass\", 1, |i| { note(2, \"C3\", 0.9); })");
    t.line_then_prompt("seq(\"clap\", 10, 39, \"x...x...\")");
    std::thread::sleep(Duration::from_millis(3000));
    t.line_then_prompt("status()");
    let s = after(&t.screen(), "tactus> status()");
    for want in [
        "playing at 120.00 bpm, bar ",
        "channel  2: saw, volume 0.70, pan 0.50, lowpass 800 Hz, reverb 0.30",
        "loop \"bass\": every 1 beats",
        "from the prompt (<repl:2>:1)",
        "seq \"clap\": channel 10, 8 steps of 0.25 beat, x...x..., step ",
        "master: [",
        "callback",
    ] {
        assert!(s.contains(want), "status() lacks {want:?}:\n{s}");
    }
    assert!(
        !s.contains("Wave(") && !s.contains("Fm {"),
        "debug structs:\n{s}"
    );
    assert!(
        !s.contains(" 1 voices") && !s.contains(" 1 passes"),
        "plural:\n{s}"
    );
    let ch2 = s.split("channel  2:").nth(1).unwrap_or("");
    let level_line = ch2.lines().nth(1).unwrap_or("");
    assert!(
        level_line.contains("dB RMS") && !level_line.contains("silent RMS"),
        "channel 2 is playing, its level shows it: {level_line:?}"
    );
    t.line_then_prompt("seq(\"clap\")");
    let s = after(&t.screen(), "seq(\"clap\")");
    assert!(s.contains("=> seq \"clap\" on channel 10"), "{s}");
    assert!(s.contains("  x...x...\n") && s.contains("^ step "), "{s}");
    t.line_then_prompt("channel(2)");
    let s = after(&t.screen(), "tactus> channel(2)");
    assert!(s.contains("=> channel  2: saw, volume 0.70"), "{s}");
    t.line_then_prompt("code(\"bass\")");
    let s = after(&t.screen(), "code(\"bass\")");
    assert!(
        s.contains("loop \"bass\" runs this, from the prompt (<repl:2>:1):"),
        "{s}"
    );
    assert!(
        s.contains("live_loop(\"bass\", 1, |i| { note(2, \"C3\", 0.9); })"),
        "{s}"
    );
    // meters(): live lines, then a key gives the prompt back, the key kept.
    t.line("meters()");
    let s = t.wait_for("meters: RMS as ###");
    t.wait_for("ch  2 saw");
    assert!(after(&s, "meters()").contains("master"), "{s}");
    t.keys(&["-l", "4"]);
    std::thread::sleep(Duration::from_millis(500));
    t.line("0 + 2");
    t.wait_for("=> 42");
    // Stopped: the transport says so and channel 2 falls silent.
    t.line_then_prompt("stop_loop(\"bass\"); stop()");
    std::thread::sleep(Duration::from_millis(6000));
    t.line_then_prompt("status()");
    let s = after(&t.screen(), "tactus> status()");
    assert!(s.contains("stopped (play() starts)"), "{s}");
    let ch2 = s.split("channel  2:").nth(1).unwrap_or("");
    assert!(
        ch2.lines().nth(1).unwrap_or("").contains("silent RMS"),
        "{s}"
    );
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
}
