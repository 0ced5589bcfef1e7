//! Memory ceilings and hostile files (issue 16): nested data, FIFOs and
//! devices, huge files, table budgets, Rhai's size limits; the messages
//! they give.

use crate::common::{check_error, host};
use crossbeam_channel::bounded;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tactus::audio::Telemetry;
use tactus::live::{self, LiveLinks, Reply, Request};
use tactus::time::Beats;

fn tactus(args: &[&str]) -> Output {
    super::common::tactus(args)
}

fn scratch(name: &str) -> PathBuf {
    super::common::scratch_dir("limits", name)
}

/// `f()` on another thread, failing the test (not hanging it) after 30 s.
fn within_30_s<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = bounded(1);
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("{what}: no answer in 30 s (blocked?)"))
}

const DEEP_SCRIPTS: &[(&str, &str)] = &[
    (
        "array",
        "note(1, 60, 0.5);\nlet a = []; for i in 0..50000 { a = [a]; }\n",
    ),
    (
        "map",
        "note(1, 60, 0.5);\nlet m = #{}; for i in 0..50000 { m = #{x: m}; }\n",
    ),
    (
        "million",
        "note(1, 60, 0.5);\nlet a = []; for i in 0..1000000 { a = [a]; }\n",
    ),
];

/// Arrays or maps nested 50,000 (or a million) deep used to overflow the
/// stack (abort, exit 134): check and render now stop with one error at
/// the line, naming the limit.
#[test]
fn deep_nesting_is_one_error_in_check_and_render() {
    let dir = scratch("deep");
    for (name, src) in DEEP_SCRIPTS {
        let path = dir.join(format!("{name}.rhai"));
        std::fs::write(&path, src).unwrap();
        let p = path.to_str().unwrap();
        let out = dir.join(format!("{name}.wav"));
        let runs = [
            tactus(&["check", p]),
            tactus(&["render", p, "-o", out.to_str().unwrap(), "--duration", "1"]),
        ];
        for run in runs {
            let err = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(1), "{name}: {:?} {err}", run.status);
            assert!(
                err.contains(&format!("{name}.rhai:2:"))
                    && err.contains("nested more than 256 deep"),
                "{name}: {err}"
            );
            assert!(!err.contains("overflow"), "{name}: {err}");
        }
    }
}

/// A live session on a thread with the script stack; its printed lines.
struct Live {
    requests: crossbeam_channel::Sender<Request>,
    _commands: crossbeam_channel::Receiver<tactus::command::Command>,
    lines: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _watcher: Option<tactus::watch::ScriptWatcher>,
}

impl Live {
    fn start(script: Option<PathBuf>) -> Live {
        let (cmd_tx, cmd_rx) = bounded(65_536);
        let (_g_tx, g_rx) = bounded(16);
        let (req_tx, req_rx) = bounded(4);
        let (file_tx, file_rx) = bounded(4);
        let watcher = script.as_ref().map(|p| {
            tactus::watch::ScriptWatcher::watch(p, tactus::watch::DEBOUNCE, file_tx.clone())
                .unwrap()
        });
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let cfg = crate::common::live_config(script);
        let links = LiveLinks {
            commands: cmd_tx,
            garbage: g_rx,
            telemetry: Arc::new(Telemetry::default()),
            requests: req_rx,
            file_changes: file_rx,
            interrupt: Arc::new(Default::default()),
        };
        let thread = std::thread::Builder::new()
            .stack_size(tactus::script::limits::SCRIPT_STACK_BYTES)
            .spawn(move || {
                let printer: tactus::script::state::Printer =
                    std::rc::Rc::new(move |s: &str| sink.lock().unwrap().push(s.to_string()));
                live::run(cfg, links, printer);
            })
            .unwrap();
        Live {
            requests: req_tx,
            _commands: cmd_rx,
            lines,
            thread: Some(thread),
            _watcher: watcher,
        }
    }

    fn eval(&self, code: &str) -> Reply {
        let (tx, rx) = bounded(1);
        self.requests
            .send(Request::Eval {
                code: code.into(),
                reply: tx,
            })
            .unwrap();
        rx.recv_timeout(Duration::from_secs(60)).expect("an answer")
    }

    /// Wait up to 10 s for a printed line containing `text`.
    fn wait_line(&self, text: &str) -> String {
        let t0 = Instant::now();
        loop {
            if let Some(l) = self.lines.lock().unwrap().iter().find(|l| l.contains(text)) {
                return l.clone();
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "no line with {text:?}: {:?}",
                self.lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.requests.send(Request::Quit);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// At the prompt, the nesting gives one error and the session plays on.
#[test]
fn deep_nesting_at_the_prompt_keeps_the_session_playing() {
    let live = Live::start(None);
    let r = live.eval("live_loop(\"pulse\", 0.25, |i| note(1, 60, 0.1));");
    assert!(r.result.is_ok(), "{:?}", r.result);
    for (name, src) in DEEP_SCRIPTS {
        let r = live.eval(src);
        let e = r.result.expect_err(name).to_string();
        assert!(e.contains("nested more than 256 deep"), "{name}: {e}");
        // The session answers and its loop is still there.
        let r = live.eval("loops()");
        assert_eq!(r.result.unwrap().as_deref(), Some("[\"pulse\"]"), "{name}");
    }
}

/// Nesting within the limit still works, and is printed.
#[test]
fn nesting_within_the_limit_is_fine() {
    let (_, out) = host("let a = []; for i in 0..200 { a = [a]; } let m = #{}; for i in 0..200 { m = #{x: m}; } print(\"ok\");");
    assert!(out.borrow().contains("ok"));
}

/// A FIFO blocked open() for ever, /dev/zero was read until memory ran
/// out: both are refused at once, saying what they are.
#[test]
fn a_fifo_or_a_device_is_refused_not_waited_on() {
    let dir = scratch("fifo");
    let fifo = dir.join("pipe.wav");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let f = fifo.display().to_string();
    let cases = [
        (format!("score_file(\"{f}\");"), "a FIFO"),
        (format!("table(1, 64, gen1(\"{f}\"));"), "a FIFO"),
        (format!("f(1, 0, 64, 1, \"{f}\");"), "a FIFO"),
        (format!("score(\"f 1 0 64 1 \\\"{f}\\\"\");"), "a FIFO"),
        (format!("score(\"#include \\\"{f}\\\"\");"), "a FIFO"),
        (format!("play_midi(\"{f}\", #{{}});"), "a FIFO"),
        ("score_file(\"/dev/zero\");".to_string(), "a device"),
        ("table(1, 64, gen1(\"/dev/zero\"));".to_string(), "a device"),
        (format!("score_file(\"{}\");", dir.display()), "a directory"),
    ];
    for (src, kind) in cases {
        let s = src.clone();
        let e = within_30_s(&src, move || check_error(&s));
        assert!(
            e.contains(&format!("it is {kind}")) && e.contains("not a regular file"),
            "{src}: {e}"
        );
    }
}

/// A score file larger than the documented 64 MiB is refused, not read
/// into memory.
#[test]
fn a_score_file_over_64_mib_is_refused() {
    let dir = scratch("big");
    let path = dir.join("big.sco");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len((64 << 20) + 1).unwrap(); // sparse: no disk used
    let e = check_error(&format!("score_file(\"{}\");", path.display()));
    assert!(e.contains("larger than 64 MiB"), "{e}");
}

/// A 64-point table reads 64 frames: a WAV whose header promises far more
/// frames than the file holds (as a huge file would be, for the reading)
/// loads, where the whole file used to be decoded first.
#[test]
fn gen1_reads_only_the_frames_a_table_holds() {
    let dir = scratch("gen1");
    let path = dir.join("ramp.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for i in 0..100_000i32 {
        w.write_sample((i % 300 * 100) as i16).unwrap(); // left: a ramp
        w.write_sample(-1000i16).unwrap(); // right: constant
    }
    w.finalize().unwrap();
    // Cut the data after 1000 frames; the header still says 100,000.
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(44 + 1000 * 4).unwrap();
    let p = path.display();
    let left = crate::common::table_points(&format!("table(1, 64, raw(gen1(\"{p}\", 1)));"), 1);
    let right = crate::common::table_points(&format!("table(2, 64, raw(gen1(\"{p}\", 2)));"), 2);
    for i in 0..64 {
        let want = (i * 100) as f32 / 32768.0;
        assert!(
            (left[i] - want).abs() < 1e-6,
            "left {i}: {} vs {want}",
            left[i]
        );
        assert!(
            (right[i] + 1000.0 / 32768.0).abs() < 1e-6,
            "right {i}: {}",
            right[i]
        );
    }
    // The whole (cut) file, by size 0, says what is wrong with it.
    let e = check_error(&format!("table(3, 0, gen1(\"{p}\"));"));
    assert!(e.contains("gen1"), "{e}");
}

/// All tables together hold at most 2^27 points (512 MiB): the ninth table
/// of 2^24 points is refused before it is made, naming the limit and what
/// is in use; interpolate() across 398 tables is refused the same way.
#[test]
fn tables_have_a_total_budget() {
    let e = check_error("for n in 1..=9 { table(n, 16777216, gen2([1])); }");
    assert!(
        e.contains("table 9 of 16777216 points")
            && e.contains("the limit is 134217728 points (512 MiB)")
            && e.contains("134217728 in use"),
        "{e}"
    );
    let e = check_error(
        "table(1, 1048576, gen2([0])); table(400, 1048576, gen2([1])); interpolate(1, 400);",
    );
    assert!(
        e.contains("interpolate(): 398 tables of 1048576 points")
            && e.contains("the limit is 134217728 points (512 MiB)"),
        "{e}"
    );
    // Replacing a table frees its points: eight big tables, made twice.
    let (h, _) = host("for k in 0..2 { for n in 1..=8 { table(n, 16777216, gen2([k])); } }");
    h.with_session(|s| assert_eq!(s.table_points_in_use(), 1 << 27));
}

/// Rhai's strings, arrays and blobs have limits: one line naming the limit
/// instead of an abort when memory runs out.
#[test]
fn strings_arrays_and_blobs_have_limits() {
    let e = check_error("let s = \"xxxxxxxx\";\nfor i in 0..40 { s += s; }");
    assert!(
        e.contains(":2:") && e.contains("a string longer than 16 MiB"),
        "{e}"
    );
    let e = check_error("let b = blob(1 << 33);");
    assert!(e.contains("more than 16777216 array items"), "{e}");
    let e = check_error("let a = [];\na.pad(1 << 25, 0);");
    assert!(
        e.contains(":2:") && e.contains("more than 16777216 array items"),
        "{e}"
    );
    // The largest table still comes out as an array.
    let (_, out) = host("table(1, 16777216, gen2([1])); print(table(1).to_array().len());");
    assert!(out.borrow().contains("16777216"), "{}", out.borrow());
}

/// "f(): f:" doubled its prefix.
#[test]
fn f_errors_say_f_once() {
    let e = check_error("f(1, 0, 16, 99);");
    assert!(e.contains("f(): GEN 99 is not available"), "{e}");
    assert!(!e.contains("f(): f:"), "{e}");
}

/// No Rust debug text in binding errors.
#[test]
fn no_debug_text_in_note_errors() {
    for src in [
        "i(0, 0, 1, 60);",
        "i(1, 0, 1, 60, 0.5, [1]);",
        "i(1, 0, 1, 60, 0.5, 0.5);",
        "i(1, 0, 1, \"x\", [1]);",
    ] {
        let e = check_error(src);
        for leak in ["Some(", "Num(", "Str(", "Hz(", "None"] {
            assert!(!e.contains(leak), "{src}: {e}");
        }
    }
}

/// Non-strings print as their value and numbers in a short form.
#[test]
fn print_shows_values_and_short_numbers() {
    let (_, out) = host(
        "print(()); print([1, 2]); print(#{a: 1}); print(1e308); print(0.25); print(-1e-300);",
    );
    let out = out.borrow();
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().all(|l| !l.is_empty()), "{out}");
    assert!(out.contains("[1, 2]") && out.contains("0.25"), "{out}");
    assert!(lines.iter().all(|l| l.len() < 40), "{out}");
}

/// Rhai's Rust type names and Debug text stay out of messages and prints.
#[test]
fn wrong_arguments_and_envelopes_read_as_scripts_write_them() {
    let e = check_error("seq(1.5, \"x\", 2);");
    assert!(e.contains("got (float, string, integer)"), "{e}");
    let (_, out) = host("print(adsr(0.1, 0.2, 0.5, 0.3)); print(linen(0.01, 0.1));");
    let out = out.borrow();
    assert!(
        out.contains("adsr(0.1, 0.2, 0.5, 0.3)") && out.contains("linen(0.01, 0.1)"),
        "{out}"
    );
}

/// A loop body stopped by the operation limit points at its live_loop.
#[test]
fn a_runaway_loop_body_names_the_loop_and_its_line() {
    let (mut h, _) = host("\n\nlive_loop(\"spin\", 1, |i| { loop { } });");
    let errors = h.advance(tactus::time::Frame(48_000));
    let e = errors.first().expect("the loop's error").to_string();
    assert!(
        e.contains("loop \"spin\"") && e.contains("test.rhai:3:"),
        "{e}"
    );
    let _ = Beats(0.0);
}

/// Deleting the watched script says so in one line; the playing version
/// plays on.
#[test]
fn deleting_the_watched_script_says_so() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("deleted");
    let path = dir.join("x.rhai");
    std::fs::write(&path, "live_loop(\"a\", 0.25, |i| note(1, 60, 0.1));").unwrap();
    let live = Live::start(Some(path.clone()));
    live.wait_line("added a");
    std::fs::remove_file(&path).unwrap();
    let line = live.wait_line("was deleted");
    assert!(
        line.contains("x.rhai was deleted: the playing version keeps playing"),
        "{line}"
    );
    let r = live.eval("loops()");
    assert_eq!(r.result.unwrap().as_deref(), Some("[\"a\"]"));
}
