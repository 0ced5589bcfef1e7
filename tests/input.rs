//! Audio input (issue 11, item 2) through a real cpal capture stream: a
//! private JACK dummy server, an independent JACK client (`jack_metro`, from
//! jackd2, installed by make) clicking into Tactus's capture ports, and the
//! tactus binary in a private tmux server, as a musician runs it.

use crate::jack::Jackd;
use crate::repl::{scratch, Tmux};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SR: usize = 48_000;
/// `delay_time` of the channel the input plays on, in frames (0.25 s).
const DELAY_FRAMES: usize = 12_000;
/// The metronome's click: 1 kHz, 20 ms, amplitude 0.5, once a second.
const CLICK_AMP: f32 = 0.5;
const CLICK_FRAMES: usize = 960;

/// `jack_metro`, stopped by its PID when dropped.
struct Metro(Child);

impl Metro {
    fn start(server: &str) -> Metro {
        let child = Command::new("jack_metro")
            .args([
                "-n", "metro", "-b", "60", "-f", "1000", "-D", "20", "-A", "0.5",
            ])
            .env("JACK_DEFAULT_SERVER", server)
            .env("JACK_NO_START_SERVER", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("jack_metro comes with jackd2");
        Metro(child)
    }
}

impl Drop for Metro {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn jack(server: &str, tool: &str, args: &[&str]) -> std::process::Output {
    Command::new(tool)
        .args(args)
        .env("JACK_DEFAULT_SERVER", server)
        .env("JACK_NO_START_SERVER", "1")
        .output()
        .expect("the JACK tools come with jackd2")
}

/// Connect `from` to `to` once both ports exist.
fn connect(server: &str, from: &str, to: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if jack(server, "jack_connect", &[from, to]).status.success() {
            return;
        }
        assert!(Instant::now() < deadline, "jack_connect {from} {to} failed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The first channel of a WAV file.
fn left(path: &Path) -> Vec<f32> {
    let mut r = hound::WavReader::open(path).unwrap();
    let ch = r.spec().channels as usize;
    r.samples::<f32>().step_by(ch).map(Result::unwrap).collect()
}

/// Frames where a click starts: above `thr` after 2000 frames below it.
fn onsets(x: &[f32], thr: f32) -> Vec<usize> {
    let mut out = Vec::new();
    let mut last_loud: Option<usize> = None;
    for (i, v) in x.iter().enumerate() {
        if v.abs() > thr {
            if last_loud.is_none_or(|l| i - l > 2000) {
                out.push(i);
            }
            last_loud = Some(i);
        }
    }
    out
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// The recording whose name ends with `suffix` in `dir/recordings`.
fn recording(dir: &Path, suffix: &str) -> PathBuf {
    std::fs::read_dir(dir.join("recordings"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no recording *{suffix}"))
}

/// The input through channel 1's delay: each click is heard dry and again
/// 0.25 s later at the delay's level; the dry click is the captured one
/// sample for sample (one clock: the ring passes it through untouched);
/// the raw input recorded beside it holds the clicks one second apart; the
/// audio threads (capture and output) allocate nothing. A device that does
/// not exist is one message listing the inputs, and the music goes on.
#[test]
fn input_through_a_channels_delay_is_heard_with_the_delay() {
    let _serial = crate::common::wall_clock_lock();
    let jackd = Jackd::start();
    let dir = scratch("input-delay");
    std::fs::write(
        dir.join("s.rhai"),
        "channel(1, #{ delay: 0.5, delay_time: 0.25, delay_feedback: 0.0 });\n\
         input(1);\n\
         record_audio(\"out.wav\");\n\
         record_input(\"in.wav\");\n",
    )
    .unwrap();
    let cmd = format!(
        "cd {d} && JACK_DEFAULT_SERVER={j} JACK_NO_START_SERVER=1 TACTUS_HISTORY={d}/h {bin} s.rhai --no-watch",
        d = dir.display(),
        j = jackd.name,
        bin = env!("CARGO_BIN_EXE_tactus")
    );
    let t = Tmux::start("input", &cmd);
    let s = t.wait_for("plays on channel 1");
    assert!(
        s.contains("recording the input (cpal_client_in, 2 ch)"),
        "{s}"
    );
    let _metro = Metro::start(&jackd.name);
    connect(&jackd.name, "metro:60_bpm", "cpal_client_in:in_0");
    connect(&jackd.name, "metro:60_bpm", "cpal_client_in:in_1");
    std::thread::sleep(Duration::from_millis(4500));
    t.line_then_prompt("input(2, #{ device: \"no such mic\" })");
    let s = t.wait_for("no audio input matches");
    assert!(
        s.contains("input(2): no audio input matches \"no such mic\"; available inputs: ")
            && s.contains("cpal_client_in")
            && s.contains("the music goes on"),
        "{s}"
    );
    t.line_then_prompt("status()");
    let s = t.wait_for("frames captured");
    assert!(s.contains("audio thread: 0 allocations"), "{s}");
    assert!(
        s.contains("input: cpal_client_in (2 ch) on channel 1"),
        "{s}"
    );
    t.line_then_prompt("stop_record_input()");
    t.wait_for("s of input to");
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");

    let input = left(&recording(&dir, "_in.wav"));
    // The first click may be cut (connected mid-click): from the second on.
    let ins = onsets(&input, 0.05).split_off(1);
    assert!(ins.len() >= 3, "clicks captured: {ins:?}");
    for w in ins.windows(2) {
        assert_eq!(w[1] - w[0], SR, "one second apart on JACK's clock: {ins:?}");
    }
    let out = left(&recording(&dir, "_out.wav"));
    let dry = onsets(&out, 0.3).split_off(1); // the echoes are at 0.25
    assert!(dry.len() >= 3, "clicks heard: {dry:?}");
    for w in dry.windows(2) {
        assert_eq!(w[1] - w[0], SR, "dry clicks one second apart: {dry:?}");
    }
    for &d in &dry[..dry.len() - 1] {
        // The echo is the click at half level: its onset at half the threshold.
        let echo = &out[d + CLICK_FRAMES + 100..d + SR - 100];
        let e = onsets(echo, 0.15);
        assert_eq!(e.len(), 1, "one echo after the click at {d}: {e:?}");
        let at = e[0] + CLICK_FRAMES + 100;
        assert!(
            at.abs_diff(DELAY_FRAMES) <= 2,
            "the echo comes {at} frames after the click, the delay is {DELAY_FRAMES}"
        );
        let level = peak(&echo[e[0]..e[0] + CLICK_FRAMES]);
        assert!((level - 0.5 * CLICK_AMP).abs() < 0.02, "echo level {level}");
        // The dry click is the captured click, sample for sample.
        let click = &out[d - 10..d + CLICK_FRAMES];
        let i = onsets(&input, 0.3)[1];
        let captured = &input[i - 10..i + CLICK_FRAMES];
        let worst = click
            .iter()
            .zip(captured)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            worst < 1e-4,
            "dry click differs from the capture by {worst}"
        );
    }
    println!(
        "input: {} clicks, dry one second apart, echoes {DELAY_FRAMES} frames later at {:.3}",
        dry.len(),
        peak(&out[dry[0] + DELAY_FRAMES - 50..dry[0] + DELAY_FRAMES + CLICK_FRAMES])
    );
}

/// No capture device at all (no JACK server, no sound card): `input(1)`
/// says so in one line, and the session plays on.
#[test]
fn no_capture_device_is_said_plainly_and_the_music_goes_on() {
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("input-none");
    std::fs::write(
        dir.join("s.rhai"),
        "input(1);\nchannel(1, #{ synth: \"sine\" });\n",
    )
    .unwrap();
    let cmd = format!(
        "cd {d} && JACK_DEFAULT_SERVER=tactus-no-server-{p} JACK_NO_START_SERVER=1 TACTUS_HISTORY={d}/h {bin} s.rhai --no-watch",
        d = dir.display(),
        p = std::process::id(),
        bin = env!("CARGO_BIN_EXE_tactus")
    );
    let t = Tmux::start("input-none", &cmd);
    let s = t.wait_for("input(1): ");
    assert!(
        s.contains("input(1): no audio input device could be opened (")
            && s.contains("the music goes on"),
        "{s}"
    );
    t.line_then_prompt("note(1, 60, 1); print(\"still playing\")");
    t.wait_for("still playing");
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
}

/// Two streams on two clocks: the capture on a JACK dummy server, the
/// output on the real-time fallback (paced by the system clock, in its own
/// thread), in one process. Nothing runs empty or over, the read ratio
/// stays within its limits, every click comes through whole with its echo
/// 0.25 s later, and between them the output is silent: no glitch. (The
/// dummy server cannot be made to run fast or slow: `-w` is overridden by
/// the period; the reader's drift correction is tested on simulated clocks
/// in `audio::input`'s unit tests.)
#[test]
fn a_capture_on_another_stream_and_clock_plays_without_a_glitch() {
    let _serial = crate::common::wall_clock_lock();
    let _jackd = Jackd::start();
    let dir = scratch("input-drift");
    let wav = dir.join("out.wav");
    let lines: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let seen = lines.clone();
    let rig = crate::rig::live_on_fallback(SR as u32, &wav, move |l: &str| {
        seen.lock().unwrap().push(l.to_string())
    });
    // A failed evaluation opens nothing.
    let failed = rig.eval("input(1); record_input(\"no.wav\"); throw \"fails here\"");
    assert!(failed.is_err());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !lines.lock().unwrap().iter().any(|l| l.contains("input")),
        "{:?}",
        lines.lock().unwrap()
    );
    rig.eval("channel(1, #{ delay: 0.5, delay_time: 0.25, delay_feedback: 0.0 }); input(1);")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lines
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("plays on channel 1"))
    {
        assert!(Instant::now() < deadline, "{:?}", lines.lock().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
    let server = crate::jack_server_name();
    let _metro = Metro::start(&server);
    connect(&server, "metro:60_bpm", "cpal_client_in:in_0");
    connect(&server, "metro:60_bpm", "cpal_client_in:in_1");
    // The dummy server is no real-time process here: a busy moment, or a
    // change to its graph (the connections just made), can hold its cycle
    // back by a period or two, which the input may feel once as an
    // underrun; its buffer then grows, and there is no second.
    std::thread::sleep(Duration::from_secs(1));
    rig.eval("status()").unwrap();
    let settled = lines.lock().unwrap().join("\n");
    let settled = input_line(&settled).to_string();
    println!("after connecting: {settled}");
    std::thread::sleep(Duration::from_secs(5));
    rig.eval("status()").unwrap();
    let status = lines.lock().unwrap().join("\n");
    let out = rig.finish(&wav);
    let line = input_line(&status);
    println!("{line}");
    assert!(status.contains("audio thread: 0 allocations"), "{status}");
    assert!(line.contains(" 0 lost (ring full), "), "{line}");
    assert!(underruns(line) <= 1, "{settled}\n{line}");
    let ratio: f64 = line.rsplit("read ratio ").next().unwrap()[..6]
        .parse()
        .unwrap();
    assert!((0.995..=1.005).contains(&ratio), "{line}");

    let dry = onsets(&out, 0.3).split_off(1);
    assert!(dry.len() >= 4, "clicks heard: {dry:?}");
    let gaps: Vec<usize> = dry.windows(2).map(|w| w[1] - w[0]).collect();
    for g in &gaps {
        // 48000 capture frames: 48000 output frames read 1:1, 48000 / ratio
        // while correcting a clock difference (at most 0.5 % either way).
        assert!((47_700..=48_250).contains(g), "gaps {gaps:?}");
    }
    let mut quiet_worst = 0.0f32;
    for &d in &dry[..dry.len() - 1] {
        let level = peak(&out[d..d + CLICK_FRAMES]);
        assert!((level - CLICK_AMP).abs() < 0.01, "click level {level}");
        let echo = &out[d + CLICK_FRAMES + 100..d + 40_000];
        let e = onsets(echo, 0.15);
        assert_eq!(e.len(), 1, "one echo after the click at {d}: {e:?}");
        let at = e[0] + CLICK_FRAMES + 100;
        assert!(at.abs_diff(DELAY_FRAMES) <= 3, "echo {at} frames after");
        // Silence between the click and its echo, and after the echo.
        let between = &out[d + CLICK_FRAMES + 200..d + DELAY_FRAMES - 100];
        let after = &out[d + DELAY_FRAMES + CLICK_FRAMES + 200..d + 40_000];
        quiet_worst = quiet_worst.max(peak(between)).max(peak(after));
    }
    assert!(quiet_worst < 1e-3, "a glitch between clicks: {quiet_worst}");
    println!("two clocks: click gaps {gaps:?}, silence between clicks below {quiet_worst:e}");
}

/// The last line of `status()` about the input.
fn input_line(status: &str) -> &str {
    status
        .lines()
        .filter(|l| l.starts_with("input: ") && l.contains("frames captured"))
        .last()
        .unwrap_or_else(|| panic!("no input line: {status}"))
}

/// The underruns an input line counts ("..., 2 underruns (...)").
fn underruns(line: &str) -> u64 {
    let before = line.split(" underruns").next().unwrap_or_default();
    before
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .parse()
        .unwrap_or_else(|_| panic!("{line}"))
}

/// A render has no capture device: `input()` and `record_input()` say so
/// once each, the render goes on and the channel plays its notes.
#[test]
fn a_render_says_it_has_no_capture_device() {
    let dir = scratch("input-render");
    std::fs::write(
        dir.join("r.rhai"),
        "input(1);\nrecord_input(\"x.wav\");\nchannel(1, #{ synth: \"sine\" });\nnote(1, 60, 1);\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tactus"))
        .current_dir(&dir)
        .args([
            "render",
            "r.rhai",
            "-o",
            "r.wav",
            "--duration",
            "2",
            "--bits",
            "32f",
        ])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("input(1): a render has no capture device; channel 1 plays only its notes"),
        "{text}"
    );
    assert!(
        text.contains("record_input(): a render has no capture device; nothing is recorded"),
        "{text}"
    );
    assert!(peak(&left(&dir.join("r.wav"))) > 0.1, "the note plays");
    assert!(!dir.join("recordings").exists(), "nothing recorded");
}

/// `panic()` disconnects the input; then the capture device stops
/// delivering (its JACK server goes away, while the output runs on the
/// fallback): one line says so within a few seconds, and the session goes
/// on; `input(ch, false)` disconnects (and says when there was nothing).
#[test]
fn a_capture_that_stops_delivering_is_reported_and_the_music_goes_on() {
    let _serial = crate::common::wall_clock_lock();
    let jackd = Jackd::start();
    let dir = scratch("input-gone");
    let wav = dir.join("out.wav");
    let lines: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let seen = lines.clone();
    let rig = crate::rig::live_on_fallback(SR as u32, &wav, move |l: &str| {
        seen.lock().unwrap().push(l.to_string())
    });
    let wait_line = |want: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !lines.lock().unwrap().iter().any(|l| l.contains(want)) {
            assert!(
                Instant::now() < deadline,
                "no {want:?}: {:?}",
                lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    rig.eval("input(1)").unwrap();
    wait_line("plays on channel 1");
    // panic() disconnects the input (a feedback howl stops); input(1) is back.
    rig.eval("panic()").unwrap();
    wait_line("input: channel 1 disconnected by panic(); input(1) brings it back");
    rig.eval("input(1)").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let plays = || {
        let l = lines.lock().unwrap();
        l.iter()
            .filter(|l| l.contains("plays on channel 1"))
            .count()
    };
    while plays() < 2 {
        assert!(Instant::now() < deadline, "{:?}", lines.lock().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    drop(jackd);
    wait_line("input: cpal_client_in delivered no samples in the last second; the input is silent");
    rig.eval("input(3, false)").unwrap();
    wait_line("input(3, false): channel 3 has no input");
    rig.eval("input(1, false)").unwrap();
    wait_line("input: channel 1 disconnected; input(1) brings it back");
    rig.eval("channel(1, #{ synth: \"sine\" }); note(1, 69, 0.5)")
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let out = rig.finish(&wav);
    assert!(
        peak(&out[out.len() - SR..]) > 0.1,
        "the note after the input went away"
    );
}
