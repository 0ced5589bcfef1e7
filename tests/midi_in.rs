//! MIDI input with real components: a private JACK dummy server, Tactus's
//! live session (the script thread against the real-time fallback device,
//! recording to WAV) and a midir output client in the test playing the
//! keyboard. A probe input in the test, connected to the same keyboard port,
//! stamps each message's arrival as Tactus's own callback does, so the
//! recording can be checked against "arrival + one block".

use crate::jack::Jackd;
use crate::repl::scratch;
use midir::os::unix::{VirtualInput, VirtualOutput};
use midir::{MidiInput, MidiOutput, MidiOutputConnection};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tactus::time::SampleRate;

const SR: u32 = 48_000;

/// A JACK server for this test, under the name this process's JACK
/// clients look for (set once before main: see `jack_server_name`).
struct JackSession {
    _jack: Jackd,
}

impl JackSession {
    fn start() -> JackSession {
        JackSession {
            _jack: Jackd::start(),
        }
    }
}

impl Drop for JackSession {
    fn drop(&mut self) {
        // Let the session's JACK clients leave first (after a failed
        // assertion its script thread is still closing them): a server
        // stopped with clients attached may have to be killed, and a killed
        // server keeps its slot in JACK's registry.
        std::thread::sleep(Duration::from_millis(300));
    }
}

type Lines = Arc<Mutex<Vec<String>>>;

/// What the probe input saw: arrival and the first three bytes.
type Seen = Arc<Mutex<Vec<(Instant, [u8; 3])>>>;

fn printer(lines: &Lines) -> impl Fn(&str) + Send + 'static {
    let sink = lines.clone();
    move |s: &str| sink.lock().unwrap().push(s.to_string())
}

/// Wait until an output-side port containing `part` exists; its name.
fn wait_for_input_port(part: &str) -> String {
    let out = MidiOutput::new("probe list").unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(n) = out
            .ports()
            .iter()
            .filter_map(|p| out.port_name(p).ok())
            .find(|n| n.contains(part))
        {
            return n;
        }
        assert!(Instant::now() < deadline, "no port {part}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn send(conn: &mut MidiOutputConnection, bytes: &[u8]) -> Instant {
    conn.send(bytes).unwrap();
    Instant::now()
}

fn jack_connect(from: &str, to: &str) {
    let ok = Command::new("jack_connect")
        .args([from, to])
        .output()
        .unwrap();
    assert!(ok.status.success(), "jack_connect {from} {to}: {ok:?}");
}

/// Frequency from the rising zero crossings.
fn freq_of(x: &[f32]) -> f64 {
    let ups: Vec<f64> = (1..x.len())
        .filter(|&i| x[i - 1] < 0.0 && x[i] >= 0.0)
        .map(|i| i as f64 - 1.0 + (-x[i - 1] / (x[i] - x[i - 1])) as f64)
        .collect();
    assert!(ups.len() > 10, "no tone here");
    let n = ups.len() - 1;
    SR as f64 * n as f64 / (ups[n] - ups[0])
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

#[test]
fn three_hundred_messages_play_at_arrival_plus_one_block() {
    let _serial = crate::common::wall_clock_lock();
    let _jack = JackSession::start();
    let dir = scratch("midi-timing");
    let wav = dir.join("take.wav");
    let lines: Lines = Default::default();
    let rig = crate::rig::live_on_fallback_with(SR, &wav, true, printer(&lines));
    let block = rig.block_frames as i64;
    rig.eval(
        "table(1, 64, gen7([1, 64, 1])); channel(1, #{ table: 1, env: linen(0, 0) }); \
         cc(74, \"volume\", 0, 1, 1);",
    )
    .unwrap();
    let tactus_in = wait_for_input_port("Tactus in");
    // The keyboard, connected to Tactus's virtual input and to the probe.
    let probe: Seen = Default::default();
    let seen = probe.clone();
    let _probe = MidiInput::new("probe")
        .unwrap()
        .create_virtual(
            "in",
            move |_, b: &[u8], _| {
                let mut m = [0u8; 3];
                m[..b.len().min(3)].copy_from_slice(&b[..b.len().min(3)]);
                seen.lock().unwrap().push((Instant::now(), m));
            },
            (),
        )
        .unwrap();
    let out = MidiOutput::new("kbd").unwrap();
    let port = out
        .ports()
        .into_iter()
        .find(|p| out.port_name(p).unwrap() == tactus_in)
        .unwrap();
    let mut kbd = out.connect(&port, "keys").unwrap();
    jack_connect("kbd:keys", "probe:in");
    std::thread::sleep(Duration::from_millis(200));
    let allocs_before = tactus::alloc_count::audio_allocations();

    let value = |i: usize| 40 + ((i * 7) % 88) as u8;
    for i in 0..100 {
        send(&mut kbd, &[0xB0, 74, value(i)]);
        std::thread::sleep(Duration::from_millis(3));
        send(&mut kbd, &[0x90, 60, 100]);
        std::thread::sleep(Duration::from_micros(12_000 + (i as u64 * 731) % 4000));
        send(&mut kbd, &[0x80, 60, 0]);
        std::thread::sleep(Duration::from_micros(9_000 + (i as u64 * 389) % 5000));
    }
    std::thread::sleep(Duration::from_millis(300));
    let allocs = tactus::alloc_count::audio_allocations() - allocs_before;
    let telemetry = rig.telemetry.clone();
    let x = rig.finish(&wav);

    let got = probe.lock().unwrap().clone();
    assert_eq!(got.len(), 300, "the probe saw every message");
    let frame_of = |t: Instant| telemetry.frame_at(t, SampleRate(SR)).unwrap() as i64;
    let ons: Vec<i64> = got
        .iter()
        .filter(|(_, m)| m[0] == 0x90)
        .map(|(t, _)| frame_of(*t))
        .collect();
    let offs: Vec<i64> = got
        .iter()
        .filter(|(_, m)| m[0] == 0x80)
        .map(|(t, _)| frame_of(*t))
        .collect();
    let onsets: Vec<i64> = (1..x.len())
        .filter(|&i| x[i] != 0.0 && x[i - 1] == 0.0)
        .map(|i| i as i64)
        .collect();
    let ends: Vec<i64> = (1..x.len())
        .filter(|&i| x[i] == 0.0 && x[i - 1] != 0.0)
        .map(|i| i as i64)
        .collect();
    assert_eq!(onsets.len(), 100, "every note-on sounds once");
    assert_eq!(ends.len(), 100, "every note-off ends its note");
    let lat: Vec<i64> = onsets.iter().zip(&ons).map(|(o, a)| o - a).collect();
    let off_lat: Vec<i64> = ends.iter().zip(&offs).map(|(o, a)| o - a).collect();
    let (lo, hi) = (*lat.iter().min().unwrap(), *lat.iter().max().unwrap());
    let mean = lat.iter().sum::<i64>() as f64 / lat.len() as f64;
    // Each note's level follows the controller sent before it.
    let levels: Vec<f64> = onsets
        .iter()
        .zip(&ends)
        .enumerate()
        .map(|(i, (_, b))| x[(*b - 1) as usize] as f64 / (value(i) as f64 / 127.0))
        .collect();
    let (lmin, lmax) = levels
        .iter()
        .fold((f64::MAX, 0.0f64), |(a, b), l| (a.min(*l), b.max(*l)));
    let mut sorted = lat.clone();
    sorted.sort_unstable();
    let near = lat.iter().filter(|l| (*l - block).abs() <= 8).count();
    println!(
        "MIDI in: 300 messages, arrival -> sound {mean:.1} frames mean, median {} (p5 {}, p95 {}; \
         {lo}..{hi}; block {block}; {near}/100 within 8 frames of one block), \
         jitter {} frames; note-off {}..{}; level/cc {lmin:.4}..{lmax:.4}; audio allocations {allocs}",
        sorted[50],
        sorted[5],
        sorted[95],
        hi - lo,
        off_lat.iter().min().unwrap(),
        off_lat.iter().max().unwrap()
    );
    assert!(hi - lo <= block, "jitter {} > one block ({block})", hi - lo);
    // The probe's callback and Tactus's run one after the other in each
    // JACK cycle, and both stamps go through the published clock pairs, so
    // single notes may land up to a block either way of arrival + one block;
    // the mean is the fixed latency.
    assert!(
        lo >= 0 && hi <= 2 * block && (mean - block as f64).abs() <= block as f64 / 4.0,
        "latency {lo}..{hi} (mean {mean}), expected one block ({block})"
    );
    for l in &off_lat {
        assert!((0..=2 * block).contains(l), "note-off latency {l}");
    }
    assert!(lmax / lmin < 1.02, "CC levels {lmin}..{lmax}");
    assert_eq!(allocs, 0, "the audio thread allocated");
    assert_eq!(
        telemetry
            .bad_commands
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[test]
fn an_opened_port_bends_sustains_changes_program_and_plays_drums() {
    let _serial = crate::common::wall_clock_lock();
    let _jack = JackSession::start();
    let dir = scratch("midi-port");
    let wav = dir.join("take.wav");
    let lines: Lines = Default::default();
    let rig = crate::rig::live_on_fallback_with(SR, &wav, true, printer(&lines));
    let mut kbd = MidiOutput::new("kbd")
        .unwrap()
        .create_virtual("keys")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let listed = rig.eval("midi_in()").unwrap().unwrap();
    assert!(listed.contains("kbd:keys"), "{listed}");
    let e = rig
        .eval("midi_in(\"no-such-port\")")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no MIDI input matches \"no-such-port\"") && e.contains("kbd:keys"),
        "{e}"
    );
    // A failed evaluation opens nothing.
    assert!(rig.eval("midi_in(\"KBD\"); throw \"no\"").is_err());
    std::thread::sleep(Duration::from_millis(50));
    let status = rig.eval("status()").unwrap().unwrap_or_default();
    let line = status
        .lines()
        .find(|l| l.contains("MIDI in:"))
        .unwrap_or_default()
        .to_string();
    assert!(!line.contains("kbd:keys"), "{status}");
    let opened = rig.eval("midi_in(\"KBD\")").unwrap().unwrap();
    assert!(opened.contains("kbd:keys"), "{opened}");
    // `tactus devices` sees the same server: ports with their backend, no noise.
    let dev = Command::new(env!("CARGO_BIN_EXE_tactus"))
        .arg("devices")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&dev.stdout);
    assert!(
        stdout.contains("MIDI inputs (JACK):") && stdout.contains("kbd:keys"),
        "{stdout}"
    );
    assert!(
        dev.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&dev.stderr)
    );

    rig.eval(
        "channel(2, #{ synth: \"sine\", env: adsr(0.001, 0.01, 1, 0.01) }); \
         channel(3, #{ synth: \"sine\", env: adsr(0.001, 0.01, 1, 0.01) });",
    )
    .unwrap();
    let tel = rig.telemetry.clone();
    let frame = move |t: Instant| tel.frame_at(t, SampleRate(SR)).unwrap() as usize;
    let ms = |n: u64| std::thread::sleep(Duration::from_millis(n));
    // Bend: A4 on channel 2, +4096 (1 semitone at range 2), then range 12
    // and +2048 (3 semitones).
    let t0 = send(&mut kbd, &[0x91, 69, 100]);
    ms(300);
    let lsb = |v: i32| ((v + 8192) & 127) as u8;
    let msb = |v: i32| ((v + 8192) >> 7) as u8;
    let b1 = send(&mut kbd, &[0xE1, lsb(4096), msb(4096)]);
    ms(300);
    rig.eval("let c = channel(2); c.bend_range = 12").unwrap();
    let b2 = send(&mut kbd, &[0xE1, lsb(2048), msb(2048)]);
    ms(300);
    let b3 = send(&mut kbd, &[0x81, 69, 0]);
    send(&mut kbd, &[0xE1, lsb(0), msb(0)]);
    ms(100);
    // Bad bytes on the way: stray data bytes and a SysEx.
    send(&mut kbd, &[0x12, 0x34]);
    send(&mut kbd, &[0xF0, 0x7E, 0x01, 0xF7]);
    // Pedal on channel 3: the note outlives its note-off until the pedal lifts.
    send(&mut kbd, &[0xB2, 64, 127]);
    let p_on = send(&mut kbd, &[0x92, 64, 100]);
    ms(100);
    let p_off = send(&mut kbd, &[0x82, 64, 0]);
    ms(400);
    let p_up = send(&mut kbd, &[0xB2, 64, 0]);
    ms(300);
    // Program 1 on the wire (GM program 2) on channel 4 selects the bright
    // acoustic piano; channel 10 plays drums.
    send(&mut kbd, &[0xC3, 1]);
    let drum = send(&mut kbd, &[0x99, 38, 120]);
    ms(300);
    let synth = rig.eval("channel(4).synth").unwrap().unwrap();
    let x = rig.finish(&wav);

    let f = |a: Instant, from_ms: usize, to: Instant, to_ms: usize| {
        let (a, b) = (frame(a) + from_ms * 48, frame(to) - to_ms * 48);
        &x[a..b]
    };
    let base = freq_of(f(t0, 50, b1, 20));
    let c1 = 1200.0 * (freq_of(f(b1, 100, b2, 20)) / base).log2();
    let c2 = 1200.0 * (freq_of(f(b2, 100, b3, 20)) / base).log2();
    let held = rms(f(p_off, 100, p_up, 50));
    let after = rms(&x[frame(p_up) + 100 * 48..frame(p_up) + 250 * 48]);
    let on = rms(f(p_on, 20, p_off, 0));
    let drum_rms = rms(&x[frame(drum)..frame(drum) + 200 * 48]);
    println!(
        "MIDI bend: A4 {base:.2} Hz, +{c1:.2} cents (want 100), +{c2:.2} cents (want 300); \
         pedal: {on:.3} on, {held:.3} held after note-off, {after:.5} after lifting; drum {drum_rms:.3}"
    );
    assert!((base - 440.0).abs() < 0.5, "{base}");
    assert!((c1 - 100.0).abs() < 2.0, "bend 1: {c1} cents");
    assert!((c2 - 300.0).abs() < 2.0, "bend 2: {c2} cents");
    assert!(held > 0.5 * on, "the pedal held the note: {held} vs {on}");
    assert!(
        after < 1e-4,
        "the note ended when the pedal lifted: {after}"
    );
    assert_eq!(
        synth, "\"fm\"",
        "wire program 1 = GM 2, bright_acoustic_piano (FM)"
    );
    let printed = lines.lock().unwrap().join("\n");
    assert!(
        printed.contains("channel 4: bright_acoustic_piano (GM program 2)"),
        "{printed}"
    );
    assert!(drum_rms > 0.01, "channel 10 played a drum: {drum_rms}");
}

#[test]
fn with_no_midi_system_one_line_says_why() {
    let _serial = crate::common::wall_clock_lock();
    let out = Command::new(env!("CARGO_BIN_EXE_tactus"))
        .arg("devices")
        .env(
            "JACK_DEFAULT_SERVER",
            format!("tactus-none-{}", std::process::id()),
        )
        .env("JACK_NO_START_SERVER", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let midi: Vec<&str> = stdout.lines().filter(|l| l.contains("MIDI")).collect();
    assert_eq!(midi.len(), 1, "{stdout}");
    assert!(
        midi[0].starts_with("no MIDI: no JACK server is running"),
        "{stdout}"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success());
    let help = Command::new(env!("CARGO_BIN_EXE_tactus"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--midi-in <NAME>"));
    // A live session with no MIDI system (no server runs under the name
    // this process looks for while the lock is held): one line, and
    // everything else works.
    let dir = scratch("midi-none");
    let wav = dir.join("take.wav");
    let lines: Lines = Default::default();
    let rig = crate::rig::live_on_fallback_with(SR, &wav, true, printer(&lines));
    assert_eq!(rig.eval("1 + 1").unwrap().as_deref(), Some("2"));
    let e = rig.eval("midi_in(\"x\")").unwrap_err().to_string();
    rig.finish(&wav);
    let printed = lines.lock().unwrap().clone();
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(
        printed[0].starts_with("no MIDI: no JACK server"),
        "{printed:?}"
    );
    assert!(e.contains("no MIDI"), "{e}");
}

/// Controller handlers through real MIDI: a pad's note and a knob's CC run
/// their handlers on the script thread; a failing handler prints once and
/// leaves nothing behind.
#[test]
fn pads_and_knobs_run_their_handlers() {
    let _serial = crate::common::wall_clock_lock();
    let _jack = JackSession::start();
    let dir = scratch("midi-handlers");
    let wav = dir.join("take.wav");
    let lines: Lines = Default::default();
    let rig = crate::rig::live_on_fallback_with(SR, &wav, true, printer(&lines));
    let mut pads = MidiOutput::new("pads")
        .unwrap()
        .create_virtual("out")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    rig.eval("midi_in(\"pads\")").unwrap();
    rig.eval(
        "on_note(10, |ch, p, v| set(\"pad\", p)); \
         on_cc(20, |ch, v| { set(\"knob\", v); if v > 100 { no_such_fn(); } });",
    )
    .unwrap();
    for bytes in [
        [0x99u8, 38, 100],
        [0x90, 40, 100],
        [0xB0, 20, 77],
        [0xB0, 20, 120],
        [0xB0, 20, 121],
    ] {
        send(&mut pads, &bytes);
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let got = rig.eval("[get(\"pad\"), get(\"knob\")]").unwrap().unwrap();
    assert_eq!(
        got, "[38, 77]",
        "channel 10's pad only; the failed calls undone"
    );
    let printed = lines.lock().unwrap().clone();
    let errors: Vec<&String> = printed.iter().filter(|l| l.contains("on_cc(20)")).collect();
    assert_eq!(errors.len(), 1, "{printed:?}");
    assert!(errors[0].contains("no_such_fn"), "{}", errors[0]);
    let _ = rig.finish(&wav);
}

/// Wait until a MIDI source (an output of another client) containing `part`
/// exists; its name.
fn wait_for_source(part: &str) -> String {
    let probe = MidiInput::new("probe sources").unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(n) = probe
            .ports()
            .iter()
            .filter_map(|p| probe.port_name(p).ok())
            .find(|n| n.contains(part))
        {
            return n;
        }
        assert!(Instant::now() < deadline, "no MIDI source {part}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait until a printed line contains `text`; when it was seen.
fn wait_for_line(lines: &Lines, text: &str) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(3);
    while !lines.lock().unwrap().iter().any(|l| l.contains(text)) {
        assert!(
            Instant::now() < deadline,
            "no line with {text:?}: {:?}",
            lines.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    Instant::now()
}

/// `jack_midiseq` (an independent JACK client, its own process) holding C4
/// for 20000 of every 24000 frames on port `kbd:out`.
fn keyboard_process() -> std::process::Child {
    Command::new("jack_midiseq")
        .args(["kbd", "24000", "0", "60", "20000"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("jack_midiseq comes with jackd2")
}

/// A keyboard whose program is killed mid-session (SIGKILL, while it holds
/// a key): one line says so, the held note ends, the music plays on; when
/// the keyboard returns, one line says so and it plays again.
#[test]
fn a_keyboard_killed_mid_session_is_reported_once_and_plays_again_when_it_returns() {
    let _serial = crate::common::wall_clock_lock();
    let _jack = JackSession::start();
    let dir = scratch("midi-vanish");
    let wav = dir.join("take.wav");
    let lines: Lines = Default::default();
    let rig = crate::rig::live_on_fallback_with(SR, &wav, true, printer(&lines));
    // MIDI (channel 1) on the right, a loop (channel 2) on the left.
    rig.eval(
        "channel(1, #{ synth: \"sine\", env: adsr(0.001, 0.01, 1, 0.02), pan: 1.0 }); \
         channel(2, #{ synth: \"sine\", env: adsr(0.001, 0.01, 1, 0.02), pan: 0.0 }); \
         tempo(120); live_loop(\"beat\", 0.5, |i| note(2, 84, 0.1));",
    )
    .unwrap();
    let mut kbd = keyboard_process();
    let port = wait_for_source("kbd:");
    assert_eq!(
        rig.eval("midi_in(\"kbd\")").unwrap().unwrap(),
        format!("{port:?}")
    );
    std::thread::sleep(Duration::from_millis(1200));
    // SAFETY: kills the process this test spawned, by its PID.
    unsafe { libc::kill(kbd.id() as i32, libc::SIGKILL) };
    let _ = kbd.wait();
    let gone = wait_for_line(&lines, "disappeared");
    std::thread::sleep(Duration::from_millis(1000));
    let restart = Instant::now();
    let mut kbd = keyboard_process();
    let back = wait_for_line(&lines, "is back");
    std::thread::sleep(Duration::from_millis(1200));
    // SAFETY: as above.
    unsafe { libc::kill(kbd.id() as i32, libc::SIGKILL) };
    let _ = kbd.wait();
    let tel = rig.telemetry.clone();
    let x = rig.finish_stereo(&wav);
    let frame = |t: Instant| tel.frame_at(t, SampleRate(SR)).unwrap() as usize;
    let side = |from: usize, to: usize, right: bool| -> Vec<f32> {
        x[2 * from..2 * to]
            .iter()
            .skip(right as usize)
            .step_by(2)
            .copied()
            .collect()
    };
    let ms = 48;
    let held = rms(&side(frame(gone) - 900 * ms, frame(gone) - 700 * ms, true));
    let silent = rms(&side(frame(gone) + 100 * ms, frame(restart), true));
    let again = rms(&side(frame(back) + 200 * ms, frame(back) + 1000 * ms, true));
    let loop_windows: Vec<f64> = (0..4)
        .map(|k| {
            let a = frame(gone) + k * 250 * ms;
            rms(&side(a, a + 250 * ms, false))
        })
        .collect();
    println!(
        "keyboard killed: held {held:.3}, after the line {silent:.6}, back {again:.3}; loop while gone {loop_windows:.3?}"
    );
    assert!(held > 0.05, "the keyboard played before: {held}");
    assert!(silent < 1e-3, "its held note ended: {silent}");
    assert!(again > 0.05, "it plays again once back: {again}");
    assert!(
        loop_windows.iter().all(|r| *r > 0.01),
        "the loop played on: {loop_windows:?}"
    );
    let printed = lines.lock().unwrap().clone();
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert!(
        printed[0].contains(&format!("\"{port}\" disappeared")),
        "{printed:?}"
    );
    assert!(
        printed[1].contains(&format!("\"{port}\" is back")),
        "{printed:?}"
    );
}

/// Largest second difference |x[n+1] - 2x[n] + x[n-1]|: a click or a
/// zipper step stands out from a smooth tone in it.
fn roughness(x: &[f32]) -> f64 {
    x.windows(3)
        .map(|w| (w[2] as f64 - 2.0 * w[1] as f64 + w[0] as f64).abs())
        .fold(0.0, f64::max)
}

/// A knob (CC 74 from a midir client, 128 values over a second) sweeping a
/// low-pass through `cc`: the tone changes with no zipper steps, measured
/// in the recording against the same tone held still.
#[test]
fn a_cc_sweep_of_a_low_pass_has_no_zipper_steps() {
    let _serial = crate::common::wall_clock_lock();
    let _jack = JackSession::start();
    let dir = scratch("midi-sweep");
    let wav = dir.join("take.wav");
    let lines: Lines = Default::default();
    let rig = crate::rig::live_on_fallback_with(SR, &wav, true, printer(&lines));
    let mut knob = MidiOutput::new("knob")
        .unwrap()
        .create_virtual("out")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    rig.eval(
        "midi_in(\"knob\"); \
         channel(1, #{ synth: \"sine\", env: adsr(0.01, 0, 1, 0.01), lowpass: 150 }); \
         cc(74, \"lowpass\", 150, 3000, 1); note(1, \"A3\", 16, #{ amp: 0.5 });",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let t0 = send(&mut knob, &[0xB0, 74, 0]);
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    for v in 0..128u8 {
        send(&mut knob, &[0xB0, 74, v]);
        std::thread::sleep(Duration::from_millis(8));
    }
    let end = Instant::now();
    std::thread::sleep(Duration::from_millis(400));
    let tel = rig.telemetry.clone();
    let x = rig.finish(&wav);
    let frame = |t: Instant| tel.frame_at(t, SampleRate(SR)).unwrap() as usize;
    let ms = 48;
    let low = &x[frame(t0) + 100 * ms..frame(start)];
    let sweep = &x[frame(start)..frame(end) + 100 * ms];
    let high = &x[frame(end) + 150 * ms..frame(end) + 350 * ms];
    let (r_low, r_sweep, r_high) = (roughness(low), roughness(sweep), roughness(high));
    println!(
        "CC sweep of a low-pass: level {:.3} -> {:.3}; second difference held low {r_low:.5}, sweeping {r_sweep:.5}, held high {r_high:.5}",
        rms(low),
        rms(high)
    );
    assert!(rms(high) > 1.5 * rms(low), "the knob opened the filter");
    assert!(
        r_sweep <= 1.2 * r_high.max(r_low),
        "zipper steps: {r_sweep} sweeping vs {r_high} held"
    );
}
