//! Hostile input to the live session (issue 16, "Live"): a tempo change
//! against what was already released ahead, an evaluation longer than the
//! lookahead, and an editor that saves in place slowly.

use tactus::command::Command;
use tactus::time::{Beats, Frame};

/// The live thread's release step, on a simulated audio clock: what a tick
/// at `now` sends (a block and a 100 ms lookahead ahead).
fn tick(h: &mut tactus::script::ScriptHost, now: u64) {
    h.with_session(|s| s.skip_before = Frame(now + 1));
    h.advance(Frame(now + 256 + 4_800));
}

/// The start frames of the notes sent so far.
fn note_starts(h: &mut tactus::script::ScriptHost) -> Vec<u64> {
    let sent = h.with_session(|s| s.take_outbox());
    let starts = sent.into_iter().filter_map(|c| match c {
        Command::Note(n) => Some(n.frame.0),
        _ => None,
    });
    starts.collect()
}

/// `tempo(1000)` then `tempo(60)` at the prompt: the notes already sent
/// ahead at 1000 bpm play, and the next ones follow 60 bpm at once: no
/// silence longer than a beat at 60 bpm (it was 1.7 s: the beats already
/// released were counted again at the new tempo).
#[test]
fn a_typed_tempo_change_follows_what_was_released_with_no_gap() {
    let (mut h, _) = crate::common::host(&format!(
        "{}\ntempo(1000);\nlive_loop(\"a\", 1, |i| note(1, 60, 0.1));",
        crate::common::DC_SETUP
    ));
    let mut starts = Vec::new();
    let typed_at = 48_000;
    for now in (0..typed_at).step_by(240) {
        tick(&mut h, now);
        starts.extend(note_starts(&mut h));
    }
    let at = h.with_session(|s| s.tempo.frame_to_beats(Frame(typed_at + 256), s.sr));
    h.eval_repl("tempo(60)", at).unwrap();
    for now in (typed_at..typed_at + 6 * 48_000).step_by(240) {
        tick(&mut h, now);
        starts.extend(note_starts(&mut h));
    }
    let gaps: Vec<u64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    let beat_1000 = 2_880;
    assert!(gaps.iter().take(10).all(|g| *g == beat_1000), "{gaps:?}");
    let longest = gaps.iter().max().unwrap();
    assert!(
        *longest <= 48_000,
        "a silence of {longest} frames after tempo(60): {starts:?}"
    );
    let last: Vec<u64> = gaps.iter().rev().take(4).copied().collect();
    assert_eq!(last, vec![48_000; 4], "60 bpm after the change: {gaps:?}");
    let now = h.eval_repl("tempo()", Beats(at.0)).unwrap();
    assert_eq!(now.as_deref(), Some("60.0"));
}

/// An editor that saves in place slowly: it truncates the script, writes
/// its first half, and the rest 50 ms later. The half is never applied: one
/// reload line, for the whole version, and no loop stopped in between.
#[test]
fn a_script_saved_in_place_slowly_is_applied_once_whole() {
    use std::io::Write;
    let _serial = crate::common::wall_clock_lock();
    let dir = crate::repl::scratch("slow-save");
    let path = dir.join("live.rhai");
    let a = "live_loop(\"a\", 1, |i| note(1, 60, 0.5));\n";
    std::fs::write(
        &path,
        format!("{a}live_loop(\"b\", 1, |i| note(1, 64, 0.5));\n"),
    )
    .unwrap();
    let (lines, quit, thread) = live_with_watcher(&path);
    wait_reloads(&lines, 1);
    let mut f = std::fs::File::create(&path).unwrap(); // truncates
    f.write_all(a.as_bytes()).unwrap();
    f.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    f.write_all(b"live_loop(\"b\", 1, |i| note(1, 67, 0.5));\n")
        .unwrap();
    drop(f);
    wait_reloads(&lines, 2);
    std::thread::sleep(std::time::Duration::from_millis(400));
    quit();
    thread.join().unwrap();
    let all: Vec<String> = lines
        .lock()
        .unwrap()
        .iter()
        .map(|(_, l)| l.clone())
        .collect();
    let reloads: Vec<&String> = all.iter().filter(|l| l.starts_with("reloaded")).collect();
    assert_eq!(reloads.len(), 2, "{all:?}");
    assert!(reloads[1].ends_with("swapped b; unchanged a"), "{all:?}");
    assert!(
        !all.iter()
            .any(|l| l.contains("removed") || l.contains("failed")),
        "the half-written file was applied: {all:?}"
    );
}

type Lines = std::sync::Arc<std::sync::Mutex<Vec<(std::time::Instant, String)>>>;

/// Wait (up to 5 s) for `n` reload lines.
fn wait_reloads(lines: &Lines, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let count = || {
        let all = lines.lock().unwrap();
        all.iter()
            .filter(|(_, l)| l.starts_with("reloaded"))
            .count()
    };
    while count() < n {
        assert!(
            std::time::Instant::now() < deadline,
            "waiting for {n} reloads: {:?}",
            lines.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// A live script thread (no audio device: a clock that stays at 0) with a
/// real watcher on `path`: its printed lines, a function that ends it, and
/// its thread.
fn live_with_watcher(
    path: &std::path::Path,
) -> (Lines, impl FnOnce(), std::thread::JoinHandle<()>) {
    use crossbeam_channel::bounded;
    use tactus::live::{self, LiveLinks, Request};
    let (cmd_tx, cmd_rx) = bounded(65_536);
    let (_g_tx, g_rx) = bounded(16);
    let (req_tx, req_rx) = bounded(4);
    let (file_tx, file_rx) = bounded(4);
    let watcher = tactus::watch::ScriptWatcher::watch(path, tactus::watch::DEBOUNCE, file_tx);
    let watcher = watcher.unwrap();
    let lines: Lines = Default::default();
    let sink = lines.clone();
    let cfg = crate::common::live_config(Some(path.to_path_buf()));
    let links = LiveLinks {
        commands: cmd_tx,
        garbage: g_rx,
        telemetry: Default::default(),
        requests: req_rx,
        file_changes: file_rx,
        interrupt: Default::default(),
    };
    let thread = std::thread::spawn(move || {
        let printer: tactus::script::state::Printer = std::rc::Rc::new(move |s: &str| {
            sink.lock()
                .unwrap()
                .push((std::time::Instant::now(), s.to_string()))
        });
        live::run(cfg, links, printer)
    });
    let quit = move || {
        req_tx.send(Request::Quit).unwrap();
        drop((watcher, cmd_rx));
    };
    (lines, quit, thread)
}

/// What a grid through a busy evaluation showed.
struct Busy {
    /// The left channel of the recording.
    left: Vec<f32>,
    /// The audio clock's frame before and after the busy evaluation.
    before: u64,
    after: u64,
}

/// A live session on the no-device clock playing `setup` (after the DC
/// channel of [`crate::common::DC_SETUP`]), then `busy` at the prompt.
fn through_busy_evaluation(name: &str, setup: &str, busy: &str, least_s: f64) -> Busy {
    let _serial = crate::common::wall_clock_lock();
    let dir = crate::repl::scratch(name);
    let wav = dir.join("take.wav");
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let rig = crate::rig::live_on_fallback(48_000, &wav, move |s: &str| {
        sink.lock().unwrap().push(s.to_string())
    });
    rig.eval(&format!("{}\n{setup}", crate::common::DC_SETUP))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let before = rig.frame();
    let value = rig.eval(busy).unwrap();
    let after = rig.frame();
    std::thread::sleep(std::time::Duration::from_millis(600));
    let left = rig.finish(&wav);
    let took = (after - before) as f64 / 48_000.0;
    println!(
        "the busy evaluation took {took:.2} s and gave {value:?}; printed {:?}",
        lines.lock().unwrap()
    );
    assert!(
        took > least_s,
        "the evaluation was not long enough to tell: {took} s"
    );
    Busy {
        left,
        before,
        after,
    }
}

/// Every onset `step` frames after the last (no gap), and as many during
/// the busy evaluation as were due.
fn assert_grid(b: &Busy, step: usize, what: &str) {
    let onsets = crate::common::onsets(&b.left);
    let during = onsets
        .iter()
        .filter(|&&f| f as u64 > b.before && (f as u64) < b.after);
    let heard = during.count();
    let gaps: Vec<usize> = onsets.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().all(|g| *g == step),
        "{what} every {step} frames, {heard} heard during the evaluation: {gaps:?}"
    );
    let expected = ((b.after - b.before) / step as u64) as usize;
    assert!(
        heard + 1 >= expected,
        "{heard} {what} during the evaluation, {expected} due"
    );
}

/// A drum-machine sequence plays on through a 2-second evaluation at the
/// prompt: the recording's onsets stay on their exact grid, with no gap
/// (every step was silent for the evaluation's length before).
#[test]
fn a_sequence_keeps_its_grid_through_a_long_evaluation() {
    let setup = "tempo(120); seq(\"s\", 1, 60, \"xxxx\", #{ step: 0.25 });";
    let busy = "let x = 0; for i in 0..16000000 { x += i; } x";
    let b = through_busy_evaluation("long-eval", setup, busy, 0.5);
    assert_grid(&b, 6_000, "steps (a 16th at 120 bpm)");
}

/// A live loop plays on through a 2-second evaluation at the prompt: its
/// iterations run beside the evaluation (which has changed nothing yet), so
/// the recording's onsets stay on their exact grid, with no gap (15
/// iterations passed unplayed before).
#[test]
fn a_live_loop_keeps_its_grid_through_a_long_evaluation() {
    let setup = "tempo(120); live_loop(\"l\", 0.25, |i| { note(1, 60, 0.1); set(\"n\", i); });";
    // Two seconds of work that changes nothing until its last statement.
    let busy = "let t = timestamp(); let k = 0; while t.elapsed < 2.0 { k += 1; } set(\"k\", k); get(\"n\")";
    let b = through_busy_evaluation("long-eval-loop", setup, busy, 1.5);
    assert_grid(&b, 6_000, "iterations (a 16th at 120 bpm)");
}

/// The same when the evaluation placed a note before its long computation
/// (what it placed is set aside while the loop's iterations run).
#[test]
fn a_live_loop_keeps_its_grid_through_an_evaluation_that_placed_a_note() {
    let setup = "tempo(120); live_loop(\"l\", 0.25, |i| { note(1, 60, 0.1); });";
    let busy = "note(1, 60, 0.1, #{ at: 64 }); let t = timestamp(); let k = 0; while t.elapsed < 2.0 { k += 1; } k";
    let b = through_busy_evaluation("long-eval-note", setup, busy, 1.5);
    assert_grid(&b, 6_000, "iterations (a 16th at 120 bpm)");
}
