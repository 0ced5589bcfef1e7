//! `tactus eval` from a second process, as an editor binding runs it: the
//! session's private socket (0700 directory, 0600 socket), results and
//! errors printed as the REPL prints them, exit codes, stdin and files, the
//! size limit, a stuck client, a stale socket replaced, a second session
//! told the name is taken; and `tactus devices` printing only its answer.

use crate::repl::{scratch, Tmux};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// `tactus eval ARGS` with the session's runtime directory, and `stdin`.
fn eval(run: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tactus"))
        .arg("eval")
        .args(args)
        .env("XDG_RUNTIME_DIR", run)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim_end().to_string()
}

/// A session in tmux whose sockets live under `run`, recording to
/// `take{tag}.wav`.
fn session_cmd(dir: &Path, run: &Path, tag: &str, extra: &str) -> String {
    format!(
        "cd {d} && XDG_RUNTIME_DIR={r} TACTUS_HISTORY={d}/history{tag} {bin} --no-watch --record {d}/take{tag}.wav {extra}",
        d = dir.display(),
        r = run.display(),
        bin = env!("CARGO_BIN_EXE_tactus"),
    )
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn eval_from_a_second_process_reaches_the_session_through_a_private_socket() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("eval");
    let run: PathBuf = dir.join("run");
    let socket_dir = run.join("tactus");
    let socket = socket_dir.join("default.sock");
    // A crashed session's leftovers: an open directory, a dead socket.
    std::fs::create_dir_all(&socket_dir).unwrap();
    std::fs::set_permissions(&socket_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    drop(UnixListener::bind(&socket).unwrap());

    let none = eval(&run, &["1 + 2"], "");
    assert_eq!(none.status.code(), Some(2));
    let said = text(&none.stderr);
    assert!(
        said.contains("no Tactus session is running") && said.contains(&*socket.to_string_lossy()),
        "{said}"
    );

    let t = Tmux::start("eval", &session_cmd(&dir, &run, "", ""));
    t.wait_for("tactus>");
    let is_socket = std::fs::symlink_metadata(&socket)
        .unwrap()
        .file_type()
        .is_socket();
    assert!(is_socket, "the stale socket was replaced by a live one");
    assert_eq!(mode(&socket_dir), 0o700, "the directory is private");
    assert_eq!(mode(&socket), 0o600, "the socket is the user's only");

    let sum = eval(&run, &["1 + 2"], "");
    assert_eq!(text(&sum.stdout), "=> 3");
    assert!(sum.status.success() && sum.stderr.is_empty());
    let set = eval(&run, &["tempo(132)"], "");
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert_eq!(
        text(&set.stdout),
        "",
        "unit prints nothing, as at the prompt"
    );
    // The session changed: the REPL itself reads the new tempo.
    t.line_then_prompt("tempo()");
    let s = t.wait_for("[eval] tempo(132) => ()");
    assert!(s.contains("=> 132"), "{s}");
    assert!(s.contains("[eval] 1 + 2 => 3"), "{s}");

    // An error: positioned, on stderr, exit 1; the assignment before it
    // stays (as at the prompt).
    let bad = eval(&run, &["let y = 2;\ny * nosuch"], "");
    assert_eq!(bad.status.code(), Some(1));
    let err = text(&bad.stderr);
    assert!(
        err.contains("<eval:") && err.contains(":2:5: error:") && err.contains("nosuch"),
        "{err}"
    );
    assert!(bad.stdout.is_empty());
    t.wait_for("[eval] let y = 2; (+1 lines)");

    // Standard input and a file.
    let piped = eval(&run, &["--file", "-"], "y * 4");
    assert_eq!(text(&piped.stdout), "=> 8");
    let file = dir.join("part.rhai");
    std::fs::write(
        &file,
        "channel(1, #{ synth: \"sine\" });\nnote(1, \"A4\", 1, #{ amp: 0.5 });\n\"sent\"",
    )
    .unwrap();
    let sent = eval(&run, &["--file", &file.to_string_lossy()], "");
    assert_eq!(text(&sent.stdout), "=> \"sent\"", "{}", text(&sent.stderr));

    // Over 1 MiB: refused with a clear message, nothing evaluated.
    let big = format!("//{}", "x".repeat(1 << 20));
    let refused = eval(&run, &["--file", "-"], &big);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("1 MiB"),
        "{}",
        text(&refused.stderr)
    );

    // A client that never finishes its message is answered with an error
    // after the read timeout, and the next one is served.
    let mut stuck = UnixStream::connect(&socket).unwrap();
    stuck.write_all(b"1 +").unwrap();
    let mut answer = String::new();
    stuck
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stuck.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("error\n") && answer.contains("did not end"),
        "{answer}"
    );
    assert_eq!(text(&eval(&run, &["y"], "").stdout), "=> 2");

    // A second session: the name is taken, it says so; under its own name
    // it answers.
    let second = Tmux::start("eval2", &session_cmd(&dir, &run, "2", ""));
    let s = second.wait_for("tactus>");
    assert!(s.contains("another Tactus session is listening at"), "{s}");
    second.keys(&["C-d"]);
    second.wait_for("EXITED rc=0");
    assert_eq!(
        text(&eval(&run, &["y"], "").stdout),
        "=> 2",
        "the first keeps its socket"
    );
    let named = Tmux::start("eval3", &session_cmd(&dir, &run, "3", "--socket two"));
    named.wait_for("tactus>");
    assert_eq!(mode(&socket_dir.join("two.sock")), 0o600);
    let other = eval(&run, &["--socket", "two", "y"], "");
    assert_eq!(other.status.code(), Some(1), "a session of its own");
    assert!(text(&other.stderr).contains("unknown variable 'y'"));
    named.keys(&["C-d"]);
    named.wait_for("EXITED rc=0");

    // Quitting removes the socket: the next eval says no session runs.
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
    assert!(!socket.exists());
    assert_eq!(eval(&run, &["1"], "").status.code(), Some(2));
    // What the editor sent was heard.
    let mut wav = hound::WavReader::open(dir.join("take.wav")).unwrap();
    let peak = wav
        .samples::<f32>()
        .map(|s| s.unwrap().abs())
        .fold(0.0f32, f32::max);
    assert!(
        peak > 0.1,
        "the note sent from the editor sounded: peak {peak}"
    );
}

/// What `tactus devices` may print: its headings, entries and one-line
/// verdicts.
fn is_answer(line: &str) -> bool {
    let heads = [
        "audio outputs:",
        "no audio outputs",
        "no usable audio output",
        "audio inputs (",
        "MIDI inputs (",
        "MIDI outputs (",
        "no MIDI: ",
    ];
    heads.iter().any(|h| line.starts_with(h)) || line.starts_with("  ")
}

#[test]
fn devices_prints_only_its_answer_and_verbose_shows_the_libraries() {
    let _serial = crate::common::wall_clock_lock();
    let devices = |verbose: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tactus"));
        c.arg("devices");
        if verbose {
            c.arg("--verbose");
        }
        c.output().unwrap()
    };
    let quiet = devices(false);
    assert!(quiet.status.success());
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
    let answer = text(&quiet.stdout);
    for line in answer.lines() {
        assert!(
            is_answer(line),
            "not part of the answer: {line:?}\n{answer}"
        );
        assert!(!line.contains("ALSA lib") && !line.contains("Failed to open client"));
    }
    assert!(answer.contains("audio inputs ("), "{answer}");
    let verbose = devices(true);
    assert!(verbose.status.success());
    let all = format!("{}\n{}", text(&verbose.stdout), text(&verbose.stderr));
    for line in answer.lines() {
        assert!(
            all.contains(line),
            "--verbose keeps the answer: {line:?}\n{all}"
        );
    }
    // With no sound card, alsa-lib has things to say; --verbose shows them.
    if !Path::new("/dev/snd").exists() {
        assert!(all.contains("ALSA lib"), "{all}");
    }
}

#[test]
fn without_xdg_runtime_dir_the_socket_is_in_a_private_directory_under_tmp() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("eval-tmp");
    let name = format!("test-{}", std::process::id());
    let cmd = format!(
        "cd {d} && env -u XDG_RUNTIME_DIR TACTUS_HISTORY={d}/history {bin} --no-watch --record {d}/take.wav --socket {name}",
        d = dir.display(),
        bin = env!("CARGO_BIN_EXE_tactus"),
    );
    let t = Tmux::start("eval-tmp", &cmd);
    t.wait_for("tactus>");
    // SAFETY: getuid has no preconditions.
    let private = PathBuf::from(format!("/tmp/tactus-{}", unsafe { libc::getuid() }));
    let socket = private.join(format!("{name}.sock"));
    assert_eq!(mode(&private), 0o700);
    assert_eq!(mode(&socket), 0o600);
    let out = Command::new(env!("CARGO_BIN_EXE_tactus"))
        .args(["eval", "--socket", &name, "6 * 7"])
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "=> 42", "{}", text(&out.stderr));
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
    assert!(!socket.exists(), "removed at the end of the session");
}

#[test]
fn help_says_where_the_socket_is_and_a_bad_name_is_refused() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tactus"))
            .args(args)
            .output()
            .unwrap()
    };
    let main = text(&run(&["--help"]).stdout);
    assert!(
        main.contains("--socket <NAME>") && main.contains("$XDG_RUNTIME_DIR/tactus/NAME.sock"),
        "{main}"
    );
    assert!(main.contains("eval"), "{main}");
    let help = text(&run(&["eval", "--help"]).stdout);
    for want in ["0600", "/tmp/tactus-<uid>/NAME.sock", "--file", "1 MiB"] {
        assert!(help.contains(want), "{want}: {help}");
    }
    let devices = text(&run(&["devices", "--help"]).stdout);
    assert!(devices.contains("--verbose"), "{devices}");
    let bad = run(&["--socket", "../elsewhere", "--no-watch"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("--socket: socket name \"../elsewhere\""),
        "{}",
        text(&bad.stderr)
    );
    let bad = run(&["eval", "--socket", "a/b", "1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("socket name \"a/b\""),
        "{}",
        text(&bad.stderr)
    );
}
