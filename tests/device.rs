//! The real cpal path, with no sound card: an ALSA `file` device (TESTING.md
//! §1) tees what the callback plays into a WAV. A note typed at the REPL is
//! in that file at its pitch and length, and the binary's own count of
//! allocations inside the audio callback stays 0 for the whole session.

use crate::repl::{scratch, Tmux};

#[test]
fn cpal_through_an_alsa_file_device_plays_the_typed_note_without_allocating() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("alsa-file");
    std::fs::create_dir_all(dir.join("alsa")).unwrap();
    let conf = format!(
        "{}/tests/data/alsa/file-wav16.asoundrc",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::copy(conf, dir.join("alsa/asoundrc")).unwrap();
    let tee = dir.join("tee.wav");
    let cmd = format!(
        "cd {d} && XDG_CONFIG_HOME={d} ALSA_TEE_WAV={t} TACTUS_HISTORY={d}/h {bin} --no-watch --sr 48000 --buffer 256",
        d = dir.display(),
        t = tee.display(),
        bin = env!("CARGO_BIN_EXE_tactus")
    );
    let t = Tmux::start("alsa", &cmd);
    let s = t.wait_for("tactus>");
    assert!(
        s.contains("audio: ") && !s.contains("no audio device"),
        "the device path, not the fallback:\n{s}"
    );
    t.line_then_prompt("channel(1, #{ synth: \"sine\", env: adsr(0.005, 0.05, 1, 0.05) }); note(1, \"A4\", 0.25, #{ amp: 0.5 })");
    t.line("status()");
    let s = t.wait_for("audio thread: ");
    assert!(s.contains("audio thread: 0 allocations"), "{s}");
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
    // The file device writes its header when the stream closes. It runs on
    // ALSA's null device, free-running faster than real time, so the note is
    // somewhere in a long file.
    let mut r = hound::WavReader::open(&tee).expect("the tee WAV is complete");
    assert_eq!((r.spec().channels, r.spec().sample_rate), (2, 48_000));
    let left: Vec<f32> = r
        .samples::<i16>()
        .step_by(2)
        .map(|s| s.unwrap() as f32 / 32768.0)
        .collect();
    let on: Vec<usize> = (0..left.len()).filter(|&i| left[i].abs() > 0.01).collect();
    let (first, last) = (*on.first().expect("the note sounds"), *on.last().unwrap());
    // 0.25 beat at 60 bpm = 12000 frames, + a 50 ms release (2400 frames).
    let len = last - first;
    assert!((13_900..=14_400).contains(&len), "note length {len} frames");
    let crossings = (first..last)
        .filter(|&i| left[i - 1] < 0.0 && left[i] >= 0.0)
        .count();
    let hz = crossings as f64 * 48_000.0 / len as f64;
    assert!((hz - 440.0).abs() < 5.0, "pitch {hz} Hz");
}
