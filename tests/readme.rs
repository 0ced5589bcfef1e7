//! Every code example in README.md runs, so the README and the code cannot
//! drift apart. The README's code blocks are its 4-space indented blocks:
//!
//! - a block with `tactus> ` lines is typed into one live session under tmux
//!   (started as `make run` starts it: `tactus scripts/demo.rhai`, no sound
//!   card); a line that follows an input without a prompt is output the
//!   README shows: it must appear after that input. An input that prints
//!   an error fails. `$ ` lines in such a block are shell commands run after
//!   the session has ended (they use the files it made).
//! - a block whose lines all start with `tactus `, `./target/release/tactus `
//!   or `$ ` is shell commands, each run (`sh -c`) and expected to succeed.
//! - any other block is a script: written to a file and run through
//!   `tactus check`.
//!
//! An HTML comment on the last non-blank line before a block changes that:
//! `<!-- not run: reason -->` skips it (a block that needs hardware, another
//! program or a network); `<!-- file: name.rhai -->` names the script's file,
//! so later commands can use it; `<!-- output of: command -->` runs the
//! command and requires each line of the block in what it prints (a line
//! ending in ` ...` need only start a printed line);
//! `<!-- shown in the session after: command -->` runs the command while the
//! live session plays (editing its script, say) and waits for the block's
//! lines on its screen. Commands run in a
//! scratch folder holding `scripts/` (the project's) and
//! `./target/release/tactus` (the binary under test), with `tactus` on the
//! PATH, so the README's commands run as written. A new example runs by
//! default: mark it only when it cannot run here.

use crate::repl::{scratch, Tmux};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const README: &str = include_str!("../README.md");

/// What the comment before a block asks.
#[derive(Debug, Clone, PartialEq)]
enum Marker {
    None,
    NotRun(String),
    File(String),
    OutputOf(String),
    SessionAfter(String),
}

/// A code block: its first line's number in README.md, its lines without
/// the indent, and its marker.
#[derive(Debug, Clone)]
struct Block {
    line: usize,
    lines: Vec<String>,
    marker: Marker,
}

/// The README's indented code blocks, in order.
fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let starts = lines[k].starts_with("    ") && k > 0 && lines[k - 1].trim().is_empty();
        if !starts {
            k += 1;
            continue;
        }
        let indent = lines[k].len() - lines[k].trim_start().len();
        let first = k;
        let mut body = Vec::new();
        while k < lines.len()
            && (lines[k].trim().is_empty() || lines[k].starts_with(&" ".repeat(indent)))
        {
            body.push(lines[k].get(indent..).unwrap_or("").trim_end().to_string());
            k += 1;
        }
        while body.last().is_some_and(|l| l.is_empty()) {
            body.pop();
        }
        let before = lines[..first].iter().rev().find(|l| !l.trim().is_empty());
        out.push(Block {
            line: first + 1,
            lines: body,
            marker: marker(before.map_or("", |l| l.trim())),
        });
    }
    out
}

fn marker(line: &str) -> Marker {
    let Some(inner) = line
        .strip_prefix("<!--")
        .and_then(|l| l.strip_suffix("-->"))
    else {
        return Marker::None;
    };
    let inner = inner.trim();
    let arg = |key: &str| inner.strip_prefix(key).map(|a| a.trim().to_string());
    if let Some(a) = arg("not run:") {
        Marker::NotRun(a)
    } else if let Some(a) = arg("file:") {
        Marker::File(a)
    } else if let Some(a) = arg("output of:") {
        Marker::OutputOf(a)
    } else if let Some(a) = arg("shown in the session after:") {
        Marker::SessionAfter(a)
    } else {
        panic!(
            "README.md: a comment before a code block that the README test does not know: {line}"
        )
    }
}

fn is_repl(b: &Block) -> bool {
    b.lines.iter().any(|l| l.starts_with("tactus> "))
}

fn is_shell(b: &Block) -> bool {
    b.lines.iter().filter(|l| !l.is_empty()).all(|l| {
        l.starts_with("tactus ") || l.starts_with("./target/release/tactus ") || l.starts_with("$ ")
    })
}

/// A scratch folder laid out like the project for the README's commands,
/// with a copy of `scripts/` (the README edits the demo).
fn workspace(name: &str) -> PathBuf {
    let dir = scratch(name);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    for e in std::fs::read_dir(root.join("scripts")).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join("scripts").join(e.file_name())).unwrap();
    }
    std::fs::create_dir_all(dir.join("target/release")).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_tactus"),
        dir.join("target/release/tactus"),
    )
    .unwrap();
    dir
}

/// Run a README command line in `dir` with `tactus` on the PATH: its
/// status and everything it printed.
fn sh(dir: &Path, cmd: &str) -> (bool, String) {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_tactus")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("PATH", path)
        .env("TACTUS_HISTORY", dir.join("history"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// Each shown line (trailing ` ...`: a prefix) is among the printed ones.
fn shows(printed: &str, shown: &[String]) -> Result<(), String> {
    for want in shown.iter().filter(|l| !l.trim().is_empty()) {
        let found = match want.strip_suffix(" ...") {
            Some(prefix) => printed.lines().any(|l| l.trim_end().starts_with(prefix)),
            None => printed.lines().any(|l| l.trim_end() == want.trim_end()),
        };
        if !found {
            return Err(format!("{want:?} is not in what it printed:\n{printed}"));
        }
    }
    Ok(())
}

fn ran(b: &Block, what: &str) {
    println!("README.md:{}: {what}", b.line);
}

#[test]
fn readme_blocks_are_parsed_and_markers_known() {
    let all = blocks(README);
    assert!(all.len() >= 10, "{} blocks", all.len());
    assert!(all.iter().any(is_repl));
    let mine = all
        .iter()
        .find(|b| b.marker == Marker::File("mine.rhai".into()));
    assert!(
        mine.is_some(),
        "the README's own score is written to mine.rhai"
    );
}

/// The scripts, the command lines and the outputs shown for them.
#[test]
fn readme_scripts_and_commands_run_as_shown() {
    let dir = workspace("readme-cmds");
    for b in blocks(README) {
        match &b.marker {
            Marker::NotRun(_) | Marker::SessionAfter(_) => continue,
            Marker::OutputOf(cmd) => {
                let (_, printed) = sh(&dir, cmd);
                shows(&printed, &b.lines)
                    .unwrap_or_else(|e| panic!("README.md:{}: {cmd}: {e}", b.line));
                ran(&b, cmd);
            }
            _ if is_repl(&b) => continue,
            _ if is_shell(&b) => {
                for line in b.lines.iter().filter(|l| !l.is_empty()) {
                    let cmd = line.strip_prefix("$ ").unwrap_or(line);
                    let (ok, printed) = sh(&dir, cmd);
                    assert!(ok, "README.md:{}: {cmd} failed:\n{printed}", b.line);
                    ran(&b, cmd);
                }
            }
            m => {
                let name = match m {
                    Marker::File(f) => f.clone(),
                    _ => format!("readme_{}.rhai", b.line),
                };
                std::fs::write(dir.join(&name), b.lines.join("\n") + "\n").unwrap();
                let (ok, printed) = sh(&dir, &format!("tactus check {name}"));
                assert!(ok, "README.md:{}: tactus check {name}:\n{printed}", b.line);
                ran(&b, &format!("tactus check {name}"));
            }
        }
    }
}

/// What the screen shows after the last echo of `typed`.
fn after_echo(screen: &str, typed: &str) -> String {
    let echo = format!("tactus> {typed}");
    match screen.rfind(&echo) {
        Some(at) => screen[at + echo.len()..].to_string(),
        None => String::new(),
    }
}

/// The `tactus>` lines in the first session as `make run` starts it; then
/// the session's own recording, where the README says it goes.
#[test]
fn readme_repl_lines_run_in_the_demo_session() {
    let _serial = crate::common::wall_clock_lock();
    let dir = workspace("readme-repl");
    let cmd = format!(
        "cd {} && TACTUS_HISTORY={}/history ./target/release/tactus scripts/demo.rhai",
        dir.display(),
        dir.display()
    );
    let t = Tmux::start("readme", &cmd);
    t.wait_for("tactus>");
    let mut shell_lines = Vec::new();
    for b in &blocks(README) {
        if let Marker::SessionAfter(cmd) = &b.marker {
            let (ok, printed) = sh(&dir, cmd);
            assert!(ok, "README.md:{}: {cmd} failed:\n{printed}", b.line);
            for want in &b.lines {
                t.wait_for(want);
            }
            println!("README.md:{}: {cmd}", b.line);
            continue;
        }
        if !is_repl(b) || b.marker != Marker::None {
            continue;
        }
        let mut k = 0;
        while k < b.lines.len() {
            let line = &b.lines[k];
            k += 1;
            if let Some(cmd) = line.strip_prefix("$ ") {
                shell_lines.push((b.line, cmd.to_string()));
                continue;
            }
            let Some(typed) = line.strip_prefix("tactus> ") else {
                panic!("README.md:{}: {line:?} follows no input", b.line);
            };
            let mut shown = Vec::new();
            while k < b.lines.len()
                && !b.lines[k].starts_with("tactus> ")
                && !b.lines[k].starts_with("$ ")
            {
                shown.push(b.lines[k].clone());
                k += 1;
            }
            t.line_then_prompt(typed);
            let deadline = Instant::now() + Duration::from_secs(10);
            let printed = loop {
                let printed = after_echo(&t.screen(), typed);
                if shows(&printed, &shown).is_ok() || Instant::now() > deadline {
                    break printed;
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            shows(&printed, &shown)
                .unwrap_or_else(|e| panic!("README.md:{}: {typed}: {e}", b.line));
            assert!(
                !printed.contains("error"),
                "README.md:{}: {typed}:\n{printed}",
                b.line
            );
            println!("README.md:{}: tactus> {typed}", b.line);
        }
    }
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
    for (line, cmd) in shell_lines {
        let (ok, printed) = sh(&dir, &cmd);
        assert!(ok, "README.md:{line}: {cmd} failed:\n{printed}");
        println!("README.md:{line}: $ {cmd}");
    }
    // The session's recording: recordings/<date>_<time>_session.wav, read
    // by sox without a warning (as is every take the README made).
    let wavs: Vec<PathBuf> = std::fs::read_dir(dir.join("recordings"))
        .expect("a recordings folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    let dated = |p: &Path, suffix: &str| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let shape: String = name
            .chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect();
        shape == format!("9999-99-99_99-99-99_{suffix}")
    };
    assert!(
        wavs.iter().any(|p| dated(p, "session.wav")),
        "no recordings/<date>_<time>_session.wav: {wavs:?}"
    );
    for w in &wavs {
        let o = Command::new("sox")
            .arg(w)
            .args(["-n", "stat"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() && !err.contains("WARN"),
            "{}: {err}",
            w.display()
        );
    }
}
