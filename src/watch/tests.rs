//! Real files in fresh temp directories, real notify.

use super::*;
use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError};
use std::fs;
use std::time::Instant;

/// The SPEC's budget from the write to the reload event.
const BUDGET: Duration = Duration::from_millis(50);
/// How long to listen to be sure no further event comes.
const QUIET: Duration = Duration::from_millis(200);

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("tactus-watch-{tag}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A temp dir holding `song.rhai`, watched, with the receiving end.
fn setup(tag: &str) -> (TempDir, PathBuf, ScriptWatcher, Receiver<WatchEvent>) {
    let dir = TempDir::new(tag);
    let file = dir.0.join("song.rhai");
    fs::write(&file, "// v0\n").unwrap();
    let (tx, rx) = unbounded();
    let w = ScriptWatcher::watch(&file, DEBOUNCE, tx).unwrap();
    (dir, file, w, rx)
}

/// The tests here measure wall-clock latency: they take this so that they
/// never run beside each other (other tests and builds still may).
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Waits for the first event after a save made at `t0`; returns the latency
/// (printed; [`within_budget`] checks it).
fn expect_changed(rx: &Receiver<WatchEvent>, file: &Path, t0: Instant, what: &str) -> Duration {
    let ev = rx.recv_timeout(Duration::from_secs(2));
    let latency = t0.elapsed();
    assert_eq!(ev, Ok(WatchEvent::Changed(file.to_path_buf())), "{what}");
    eprintln!(
        "watch latency ({what}): {:.1} ms",
        latency.as_secs_f64() * 1e3
    );
    latency
}

/// Runs `attempt` (saves with every check on their events, returning the
/// latencies) up to 3 times, until its best latency is within the budget.
/// A loaded machine can delay one event past 50 ms; a slow watcher delays
/// all of them.
fn within_budget(what: &str, mut attempt: impl FnMut(usize) -> Vec<Duration>) {
    let mut all = Vec::new();
    for k in 0..3 {
        let lats = attempt(k);
        all.extend_from_slice(&lats);
        if lats.iter().any(|l| *l < BUDGET) {
            return;
        }
    }
    panic!("{what}: no event within {BUDGET:?} in 3 attempts: {all:?}");
}

fn expect_quiet(rx: &Receiver<WatchEvent>, what: &str) {
    match rx.recv_timeout(QUIET) {
        Err(RecvTimeoutError::Timeout) => {}
        other => panic!("{what}: unexpected {other:?}"),
    }
}

/// Writes `.song.rhai.tmp` and renames it over the script, as editors do.
fn atomic_save(file: &Path, text: &str) -> Instant {
    let tmp = file.with_file_name(".song.rhai.tmp");
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, file).unwrap();
    Instant::now()
}

fn plain_save(file: &Path, text: &str) -> Instant {
    fs::write(file, text).unwrap();
    Instant::now()
}

#[test]
fn plain_write_gives_one_event_within_budget() {
    let _serial = serial();
    let (_dir, file, _w, rx) = setup("plain");
    within_budget("plain write", |k| {
        let t0 = plain_save(&file, &format!("// v{k}\n"));
        let l = expect_changed(&rx, &file, t0, "plain write");
        expect_quiet(&rx, "after a plain write");
        vec![l]
    });
}

#[test]
fn atomic_save_gives_one_event() {
    let _serial = serial();
    let (_dir, file, _w, rx) = setup("atomic");
    within_budget("atomic save", |k| {
        let t0 = atomic_save(&file, &format!("// v{k}\n"));
        let l = expect_changed(&rx, &file, t0, "atomic save");
        expect_quiet(&rx, "after an atomic save");
        vec![l]
    });
}

#[test]
fn other_files_in_the_directory_are_ignored() {
    let (dir, file, _w, rx) = setup("other");
    fs::write(dir.0.join("notes.txt"), "hello").unwrap();
    fs::write(dir.0.join("song.rhai.bak"), "// old").unwrap();
    let _ = fs::read_to_string(&file).unwrap(); // Access(Open) on the script itself
    expect_quiet(&rx, "other files");
}

#[test]
fn saves_300_ms_apart_give_one_event_each() {
    let _serial = serial();
    let (_dir, file, _w, rx) = setup("three");
    within_budget("three saves", |k| {
        let mut lats = Vec::new();
        for i in 1..=3 {
            let t0 = plain_save(&file, &format!("// v{k}.{i}\n"));
            lats.push(expect_changed(&rx, &file, t0, &format!("save {i} of 3")));
            if i < 3 {
                std::thread::sleep(Duration::from_millis(300).saturating_sub(t0.elapsed()));
            }
        }
        expect_quiet(&rx, "after three saves");
        lats
    });
}

#[test]
fn watch_survives_an_atomic_save() {
    let _serial = serial();
    let (_dir, file, _w, rx) = setup("survive");
    let t0 = atomic_save(&file, "// v1\n");
    expect_changed(&rx, &file, t0, "atomic save, then");
    std::thread::sleep(Duration::from_millis(100));
    // Under load the debouncer can split one atomic save into two batches
    // (write, then rename): the second must not pass for the plain write's.
    while rx.try_recv().is_ok() {}
    within_budget("plain write after the rename", |k| {
        let t1 = plain_save(&file, &format!("// v2.{k}\n"));
        let l = expect_changed(&rx, &file, t1, "plain write after the rename");
        expect_quiet(&rx, "after both");
        vec![l]
    });
}

#[test]
fn dropping_the_watcher_stops_it() {
    let (_dir, file, w, rx) = setup("drop");
    drop(w);
    plain_save(&file, "// v1\n");
    assert_eq!(rx.recv_timeout(QUIET), Err(RecvTimeoutError::Disconnected));
}

#[test]
fn missing_directory_is_an_error() {
    let dir = TempDir::new("missing");
    let file = dir.0.join("nope").join("song.rhai");
    let (tx, _rx) = unbounded();
    let err = ScriptWatcher::watch(&file, DEBOUNCE, tx).unwrap_err();
    assert!(matches!(err, WatchError::Dir { .. }), "{err}");
}

/// 150 saves, alternating plain and atomic: counts second events for one save
/// and prints the latency spread. `cargo test --lib watch -- --ignored --nocapture`
#[test]
#[ignore = "10 s; measures latency and split batches"]
fn stress_latency_and_split_batches() {
    let (_dir, file, _w, rx) = setup("stress");
    let (mut lats, mut extra) = (vec![], 0);
    for i in 0..150 {
        let text = format!("// v{i}\n");
        let t0 = if i % 2 == 0 {
            plain_save(&file, &text)
        } else {
            atomic_save(&file, &text)
        };
        rx.recv_timeout(Duration::from_secs(2)).unwrap();
        lats.push(t0.elapsed().as_secs_f64() * 1e3);
        while rx.recv_timeout(Duration::from_millis(45)).is_ok() {
            extra += 1;
        }
    }
    lats.sort_by(|a, b| a.total_cmp(b));
    let n = lats.len();
    eprintln!(
        "extra events {extra}; latency ms min {:.1} median {:.1} p95 {:.1} max {:.1}",
        lats[0],
        lats[n / 2],
        lats[n * 95 / 100],
        lats[n - 1]
    );
    assert_eq!(extra, 0);
}

/// A `Changed` batch for `path` as the debouncer hands it over.
fn rename_onto(tmp: &Path, path: &Path) -> DebounceEventResult {
    let ev = notify::Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::Both)))
        .add_path(tmp.to_path_buf())
        .add_path(path.to_path_buf());
    Ok(vec![DebouncedEvent::new(ev, std::time::Instant::now())])
}

#[test]
fn one_save_split_over_two_batches_reloads_once_and_a_resave_reloads_again() {
    let dir = TempDir::new("split");
    let file = dir.0.join("song.rhai");
    let tmp = dir.0.join(".song.rhai.tmp");
    let (tx, rx) = unbounded();
    let mut h = Handler::new(file.clone(), file.clone(), tx);
    atomic_save(&file, "// v1\n");
    h.handle(rename_onto(&tmp, &file));
    h.handle(rename_onto(&tmp, &file)); // the same save's late batch
    assert_eq!(rx.try_recv(), Ok(WatchEvent::Changed(file.clone())));
    assert!(rx.try_recv().is_err(), "one save gave two reloads");
    std::thread::sleep(Duration::from_millis(20)); // past the clock's grain
    atomic_save(&file, "// v1\n"); // the same text saved again plays again
    h.handle(rename_onto(&tmp, &file));
    assert_eq!(rx.try_recv(), Ok(WatchEvent::Changed(file.clone())));
}

/// An editor that saves in place slowly (truncates, writes half, writes the
/// rest 50 ms later, then closes): one event, after the close, and the file
/// read then is whole.
#[test]
fn a_slow_write_in_place_is_reported_once_it_is_closed() {
    use std::io::Write;
    let _serial = serial();
    let (_dir, file, _w, rx) = setup("slow");
    let whole = "// first half\n// second half\n";
    let mut f = fs::File::create(&file).unwrap(); // truncates
    f.write_all(&whole.as_bytes()[..14]).unwrap();
    f.flush().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    f.write_all(&whole.as_bytes()[14..]).unwrap();
    let t0 = Instant::now();
    drop(f);
    let ev = rx.recv_timeout(Duration::from_secs(2));
    assert_eq!(ev, Ok(WatchEvent::Changed(file.clone())));
    assert_eq!(fs::read_to_string(&file).unwrap(), whole);
    eprintln!("slow write reported {:?} after its close", t0.elapsed());
    expect_quiet(&rx, "one slow save");
}

/// A batch that only wrote (the writer still has the file open) waits; the
/// close reports it. Where no close comes, [`SETTLE`] later it counts if
/// the file stayed as it was.
#[test]
fn a_write_still_open_waits_for_its_close_or_settles() {
    let dir = TempDir::new("open");
    let file = dir.0.join("song.rhai");
    fs::write(&file, "// half").unwrap();
    let (tx, rx) = unbounded();
    let mut h = Handler::new(file.clone(), file.clone(), tx);
    let batch = |kind| {
        let ev = notify::Event::new(kind).add_path(file.clone());
        Ok(vec![DebouncedEvent::new(ev, Instant::now())])
    };
    let data = EventKind::Modify(ModifyKind::Data(notify::event::DataChange::Any));
    let close = EventKind::Access(AccessKind::Close(AccessMode::Write));
    let stamp = h.handle(batch(data)).expect("a write waits to settle");
    assert!(rx.try_recv().is_err(), "reported while still being written");
    assert_eq!(h.handle(batch(close)), None);
    assert_eq!(rx.try_recv(), Ok(WatchEvent::Changed(file.clone())));
    h.settled(stamp); // the close reported it already
    assert!(rx.try_recv().is_err());
    std::thread::sleep(Duration::from_millis(20)); // past the clock's grain
    fs::write(&file, "// whole").unwrap();
    let stamp = h.handle(batch(data)).unwrap();
    h.settled(stamp);
    assert_eq!(rx.try_recv(), Ok(WatchEvent::Changed(file.clone())));
}
