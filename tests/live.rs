//! The live script thread with a real file watcher: an atomic save (temp
//! file renamed over the script) gives exactly one reload, within 50 ms.

use crossbeam_channel::bounded;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tactus::audio::Telemetry;
use tactus::live::{self, LiveConfig, LiveLinks, Request};
use tactus::time::{SampleRate, Seconds};
use tactus::watch::{ScriptWatcher, DEBOUNCE};

type Lines = Arc<Mutex<Vec<(Instant, String)>>>;

fn reloads(lines: &Lines) -> Vec<(Instant, String)> {
    lines
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, l)| l.starts_with("reloaded"))
        .cloned()
        .collect()
}

fn wait_reloads(lines: &Lines, n: usize) -> Vec<(Instant, String)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while reloads(lines).len() < n {
        assert!(
            Instant::now() < deadline,
            "waiting for {n} reloads: {:?}",
            lines.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    reloads(lines)
}

#[test]
fn one_atomic_save_gives_one_reload_within_50_ms() {
    let dir = crate::repl::scratch("reload");
    let path = dir.join("live.rhai");
    std::fs::write(&path, "live_loop(\"a\", 1, |i| note(1, 60, 0.5));").unwrap();
    let (cmd_tx, _cmd_rx) = bounded(65_536);
    let (_g_tx, g_rx) = bounded(16);
    let (req_tx, req_rx) = bounded(4);
    let (file_tx, file_rx) = bounded(4);
    let _watcher = ScriptWatcher::watch(&path, DEBOUNCE, file_tx).unwrap();
    let lines: Lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let cfg = LiveConfig {
        sr: SampleRate(48_000),
        block_frames: 256,
        lookahead: Seconds(0.1),
        script: Some(path.clone()),
    };
    let links = LiveLinks {
        commands: cmd_tx,
        garbage: g_rx,
        telemetry: Arc::new(Telemetry::default()),
        requests: req_rx,
        file_changes: file_rx,
        interrupt: Arc::new(Default::default()),
    };
    let thread = std::thread::spawn(move || {
        let printer: tactus::script::state::Printer = std::rc::Rc::new(move |s: &str| {
            sink.lock().unwrap().push((Instant::now(), s.to_string()))
        });
        live::run(cfg, links, printer)
    });
    assert!(wait_reloads(&lines, 1)[0].1.ends_with("added a"));
    let mut latencies = Vec::new();
    for k in 0..3 {
        // An editor's save: write a temp file, rename it over the script.
        let tmp = dir.join(".live.rhai.swp");
        std::fs::write(
            &tmp,
            format!("live_loop(\"a\", 1, |i| note(1, {}, 0.5));", 62 + k),
        )
        .unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        let saved = Instant::now();
        let got = wait_reloads(&lines, 2 + k);
        latencies.push(got[1 + k].0.duration_since(saved));
        assert!(got[1 + k].1.ends_with("swapped a"), "{:?}", got[1 + k]);
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            reloads(&lines).len(),
            2 + k,
            "exactly one reload per save: {:?}",
            reloads(&lines)
        );
    }
    for l in &latencies {
        assert!(
            *l < Duration::from_millis(50),
            "reload latency {l:?} ({latencies:?})"
        );
    }
    println!("reload latencies: {latencies:?}");
    req_tx.send(Request::Quit).unwrap();
    thread.join().unwrap();
}
