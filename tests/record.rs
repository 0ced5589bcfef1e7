//! Keeping what was played: recordings of the master output, from the
//! no-device fallback (in process), from a real cpal stream (a JACK dummy
//! server, against `jack_capture` of the same stream), and after SIGKILL.

use crate::repl::{scratch, Tmux};
use crate::rig::live_on_fallback;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Notes whose pitch changes every beat (7 pitches, through a delay), so
/// no two stretches of the output are alike and an alignment is unique.
const PLAYING: &str = r#"
    channel(1, #{ synth: "saw", env: adsr(0.005, 0.05, 0.6, 0.05), delay: 0.3, delay_time: 0.13 });
    live_loop("a", 0.5, |i| note(1, 55 + (i * 5) % 17, 0.3, #{ amp: 0.3 }));
"#;

fn read_f32(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    (spec, r.samples::<f32>().map(Result::unwrap).collect())
}

/// Where `needle` (interleaved stereo) sits in `hay`, found from a window
/// that starts at its first sound; `None` when it is not there.
fn offset_in(hay: &[f32], needle: &[f32]) -> Option<usize> {
    let first = needle.iter().position(|x| x.abs() > 1e-3)? & !1;
    let window = &needle[first..(first + 2048).min(needle.len())];
    let at = (0..hay.len().saturating_sub(window.len()))
        .step_by(2)
        .find(|&i| hay[i..i + window.len()] == *window)?;
    at.checked_sub(first)
}

/// Evaluate and wait for a line the session prints.
fn wait_line(lines: &Arc<Mutex<Vec<String>>>, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(l) = lines.lock().unwrap().iter().find(|l| l.contains(want)) {
            return l.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no line with {want:?}: {lines:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// On the fallback, `record_audio` records exactly what the device plays
/// (the fallback's own WAV is the tee), 24-bit and 32-bit float, with no
/// allocation on the audio thread; a bad name is one message.
#[test]
fn record_audio_on_the_fallback_matches_the_output_sample_for_sample() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("record-fallback");
    let tee = dir.join("tee.wav");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l = lines.clone();
    let rig = live_on_fallback(48_000, &tee, move |s| l.lock().unwrap().push(s.to_string()));
    rig.eval(PLAYING).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let allocs_before = tactus::alloc_count::audio_allocations();
    let take = dir.join("take.wav");
    let take24 = dir.join("sub/take24.wav");
    rig.eval(&format!(
        "record_audio({:?}); record_audio({:?}, #{{ bits: 24 }})",
        take.display().to_string(),
        take24.display().to_string()
    ))
    .unwrap();
    wait_line(&lines, "take24.wav (24-bit WAV)");
    rig.eval("status()").unwrap();
    assert!(wait_line(&lines, "recording audio to").contains(".wav"));
    std::thread::sleep(Duration::from_millis(1500));
    rig.eval("stop_record_audio()").unwrap();
    wait_line(&lines, "s to ");
    let ended = || {
        lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("recorded "))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while ended() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(ended(), 2, "both recordings ended: {lines:?}");
    let allocs = tactus::alloc_count::audio_allocations() - allocs_before;
    let bad = rig.eval("record_audio(\"/proc/nope/x.wav\")");
    assert!(bad.is_ok(), "the evaluation itself succeeds: {bad:?}");
    wait_line(&lines, "cannot record to /proc/nope/x.wav");
    let e = rig.eval("record_audio(\"x.mid\")").unwrap_err();
    assert!(e.to_string().contains("not a .wav name"), "{e}");
    let _ = rig.finish(&tee);
    assert_eq!(allocs, 0, "the audio thread allocated while recording");

    let (_, out) = read_f32(&tee);
    let (spec, rec) = read_f32(&take);
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 48_000, 32)
    );
    assert!(rec.len() / 2 >= 48_000, "{} frames", rec.len() / 2);
    let at = offset_in(&out, &rec).expect("the recording is in the output");
    assert_eq!(out[at..at + rec.len()], rec[..], "sample for sample");
    let mut r = hound::WavReader::open(&take24).unwrap();
    assert_eq!(r.spec().bits_per_sample, 24);
    let rec24: Vec<i32> = r.samples::<i32>().map(Result::unwrap).collect();
    assert_eq!(rec24.len(), rec.len(), "both stopped on the same frame");
    for (a, b) in rec24.iter().zip(&rec) {
        assert_eq!(*a, tactus::record::wav::f32_to_i24(*b));
    }
    // An independent reader takes both without a warning.
    for f in [&take, &take24] {
        let o = Command::new("sox")
            .arg(f)
            .args(["-n", "stat"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success() && !err.contains("WARN"), "{err}");
    }
}

/// The spawned `tactus`, with stdin kept open (the REPL waits on it).
fn spawn_tactus(dir: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_tactus"))
        .args(args)
        .current_dir(dir)
        .env("TACTUS_HISTORY", dir.join("h"))
        .env("JACK_NO_START_SERVER", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// SIGKILL in the middle of a recording leaves a file sox reads, holding
/// everything up to the last header update (at most a second before).
#[test]
fn sigkill_mid_recording_leaves_a_readable_file_with_all_but_the_last_second() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("record-kill");
    std::fs::write(
        dir.join("s.rhai"),
        format!("{PLAYING}\nrecord_audio(\"take.wav\");"),
    )
    .unwrap();
    let mut child = spawn_tactus(&dir, &["s.rhai", "--no-watch"]);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send((Instant::now(), line));
        }
    });
    let started = loop {
        let (t, line) = rx
            .recv_timeout(Duration::from_secs(15))
            .expect("tactus starts");
        if line.contains("recording the output to") {
            break t;
        }
    };
    std::thread::sleep(Duration::from_millis(3500));
    let killed_after = started.elapsed().as_secs_f64();
    child.kill().unwrap(); // SIGKILL, this child only
    let _ = child.wait();
    let take = std::fs::read_dir(dir.join("recordings"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_take.wav"))
        .expect("a dated take in recordings/");
    let o = Command::new("sox")
        .arg(&take)
        .args(["-n", "stat"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "sox reads it: {err}");
    let (_, rec) = read_f32(&take);
    let secs = rec.len() as f64 / 2.0 / 48_000.0;
    println!("killed {killed_after:.2} s after the recording started; the file holds {secs:.2} s");
    assert!(
        secs >= killed_after - 1.0 - 0.1,
        "{secs} s of {killed_after} s"
    );
    assert!(rec.iter().any(|x| x.abs() > 0.01), "the notes are in it");
}

/// `--record` with a real cpal stream (a JACK dummy server): the file is
/// what JACK received, sample for sample, as `jack_capture` recorded it.
#[cfg(feature = "jack")]
#[test]
fn record_from_a_jack_stream_matches_jack_capture_sample_for_sample() {
    let _serial = crate::common::wall_clock_lock();
    let jack = crate::jack::Jackd::start();
    let dir = scratch("record-jack");
    std::fs::write(dir.join("s.rhai"), PLAYING).unwrap();
    let cmd = format!(
        "cd {d} && JACK_DEFAULT_SERVER={j} JACK_NO_START_SERVER=1 TACTUS_HISTORY={d}/h {bin} s.rhai --no-watch --record rec.wav",
        d = dir.display(),
        j = jack.name,
        bin = env!("CARGO_BIN_EXE_tactus")
    );
    let t = Tmux::start("record-jack", &cmd);
    let s = t.wait_for("tactus>");
    assert!(
        s.contains("audio: ") && s.contains("48000 Hz"),
        "JACK, not the fallback:\n{s}"
    );
    t.wait_for("recording the output to");
    std::thread::sleep(Duration::from_millis(500));
    let cap = dir.join("cap.wav");
    let o = Command::new("jack_capture")
        .args(["-d", "2", "-dc", "-ns", cap.to_str().unwrap()])
        .env("JACK_DEFAULT_SERVER", &jack.name)
        .env("JACK_NO_START_SERVER", "1")
        .output()
        .expect("jack_capture is installed by make");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::thread::sleep(Duration::from_millis(300));
    t.keys(&["C-d"]);
    let s = t.wait_for("EXITED rc=0");
    assert!(
        s.contains("recorded ") && !s.contains("could not be kept"),
        "{s}"
    );
    let (_, rec) = read_f32(&dir.join("rec.wav"));
    let (spec, cap) = read_f32(&cap);
    assert_eq!(spec.channels, 2);
    assert!(cap.len() / 2 >= 90_000, "two seconds captured");
    let at = offset_in(&rec, &cap).expect("the capture is inside the recording");
    assert_eq!(rec[at..at + cap.len()], cap[..], "sample for sample");
}

/// A MIDI take in a live session: the notes typed and looped, with the
/// frames they played on, written when `stop_record()`'s frame has passed.
#[test]
fn a_live_midi_take_is_written_after_stop_record() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("record-live-mid");
    let tee = dir.join("tee.wav");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l = lines.clone();
    let rig = live_on_fallback(48_000, &tee, move |s| l.lock().unwrap().push(s.to_string()));
    let take = dir.join("live.mid");
    rig.eval("tempo(120); live_loop(\"a\", 0.5, |i| note(1, 60 + i % 4, 0.25, #{ vel: 100 }));")
        .unwrap();
    rig.eval(&format!("record({:?})", take.display().to_string()))
        .unwrap();
    rig.eval("status()").unwrap();
    assert!(wait_line(&lines, "recording MIDI to").contains("live.mid"));
    std::thread::sleep(Duration::from_millis(1600));
    rig.eval("note(2, 72, 0.5, #{ vel: 80 }); stop_record()")
        .unwrap();
    wait_line(&lines, "recorded the MIDI take to");
    let _ = rig.finish(&tee);
    let song = tactus::midi_file::read(&std::fs::read(&take).unwrap()).unwrap();
    let loop_notes: Vec<u64> = song
        .notes
        .iter()
        .filter(|n| n.channel == 0)
        .map(|n| n.tick)
        .collect();
    assert!(loop_notes.len() >= 5, "{song:?}");
    // Loop notes every half beat: 480 ticks apart, exactly.
    assert!(
        loop_notes.windows(2).all(|w| w[1] - w[0] == 480),
        "{loop_notes:?}"
    );
    assert!(song
        .notes
        .iter()
        .all(|n| n.len_ticks > 0 && n.vel == 100 || n.channel == 1));
    assert!(
        !song.notes.iter().any(|n| n.channel == 1),
        "the typed note starts at the take's end"
    );
}
