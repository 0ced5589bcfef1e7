//! MIDI clock in with real components: a private JACK dummy server
//! (32-frame periods, so MIDI arrives at 0.67 ms boundaries), Tactus's live
//! session on the real-time fallback device, and a midir output in the test
//! playing a drum machine's clock: 120 bpm, a ramp to 90, Start, Stop, Song
//! Position Pointer and Continue, then the port vanishing.
//!
//! The assertions read the estimate (`tempo()`) and the beats at which a
//! probe loop starts again after each transport change, not single ticks:
//! JACK's dummy server on a busy machine now and then loses a cycle's MIDI,
//! and a lost tick must not matter (the estimator counts it); each
//! transport message is sent twice, in different cycles (a repeat is
//! ignored).
//! The exact frames and beats are tested offline in
//! `tactus::session::clock_follow`.

use crate::jack::Jackd;
use crate::repl::scratch;
use midir::os::unix::VirtualOutput;
use midir::MidiOutput;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SR: u32 = 48_000;

type Lines = Arc<Mutex<Vec<String>>>;

/// The drum machine's tempo at a beat: 120, a ramp to 90 over beats 8-16, 90.
fn bpm_at(beat: f64) -> f64 {
    if beat < 8.0 {
        120.0
    } else if beat < 16.0 {
        120.0 - 30.0 * (beat - 8.0) / 8.0
    } else {
        90.0
    }
}

/// Transport messages, sent just before the tick of their beat: Stop at
/// beat 1, Start at 3, Stop at 18, Song Position 6 sixteenths at 19,
/// Continue at 20.
const TRANSPORT: &[(usize, &[u8])] = &[
    (24, &[0xFC]),
    (72, &[0xFA]),
    (432, &[0xFC]),
    (456, &[0xF2, 6, 0]),
    (480, &[0xFB]),
];

/// Ticks sent: 22 beats.
const TICKS: usize = 24 * 23;

#[test]
fn a_drum_machine_clock_sets_the_tempo_and_drives_the_transport() {
    let _serial = crate::common::wall_clock_lock();
    let _jack = Jackd::start_with_period(32);
    let dir = scratch("midi-clock-in");
    let wav = dir.join("take.wav");
    let lines: Lines = Default::default();
    let sink = lines.clone();
    let rig = crate::rig::live_on_fallback_with(SR, &wav, true, move |s: &str| {
        sink.lock().unwrap().push(s.to_string())
    });
    let mut drum = MidiOutput::new("tr8")
        .unwrap()
        .create_virtual("clock")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let port = rig.eval("clock_in(\"tr8\")").unwrap().unwrap();
    assert!(port.contains("tr8"), "{port}");
    // The probe: a loop that notes the beat at which it starts again after
    // the transport stopped (a stopped transport skips its body).
    rig.eval(
        "table(1, 64, gen7([1, 64, 1])); channel(1, #{ table: 1, env: linen(0, 0) }); \
         set(\"starts\", []); \
         live_loop(\"probe\", 0.25, |i| { \
             let last = get(\"last\"); \
             if last == () { set(\"first\", now()); } \
             if last != () && now() - last > 0.3 { let s = get(\"starts\"); s.push(now() - get(\"first\")); set(\"starts\", s); note(1, 60, 0.1); } \
             set(\"last\", now()); })",
    )
    .unwrap();
    // The probe starts on the next bar: wait for it before the clock runs.
    let deadline = Instant::now() + Duration::from_secs(6);
    while rig.eval("get(\"first\")").unwrap().is_none() {
        assert!(Instant::now() < deadline, "the probe loop never started");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The ticks from a thread, on an absolute schedule (no drift).
    let t0 = Instant::now() + Duration::from_millis(50);
    let mut at = vec![t0; TICKS];
    let mut t = 0.0;
    for (k, slot) in at.iter_mut().enumerate() {
        *slot = t0 + Duration::from_secs_f64(t);
        t += 60.0 / bpm_at(k as f64 / 24.0) / 24.0;
    }
    let schedule = at.clone();
    let sender = std::thread::spawn(move || {
        let sleep_until = |when: Instant| {
            if let Some(d) = when.checked_duration_since(Instant::now()) {
                std::thread::sleep(d);
            }
        };
        for (k, &when) in schedule.iter().enumerate() {
            // Each transport message twice, 6 and 3 ms before its tick (in
            // different JACK cycles): the dummy server may lose a cycle,
            // and Tactus ignores a repeated Start, Continue or Stop.
            for (_, bytes) in TRANSPORT.iter().filter(|(tick, _)| *tick == k) {
                for before in [6, 3] {
                    sleep_until(when - Duration::from_millis(before));
                    drum.send(bytes).unwrap();
                }
            }
            sleep_until(when);
            drum.send(&[0xF8]).unwrap();
        }
        drum
    });
    let wait_until_beat = |b: f64| {
        let k = ((b * 24.0) as usize).min(TICKS - 1);
        if let Some(d) = at[k].checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
    };
    let tempo = || -> f64 { rig.eval("tempo()").unwrap().unwrap().parse().unwrap() };

    // Two beats of steady clock after the first (beats 0-2): within 0.1 bpm.
    let mut steady = Vec::new();
    for b in [2.5, 4.0, 5.5, 7.0] {
        wait_until_beat(b);
        steady.push(tempo());
    }
    let mut ramp = Vec::new();
    for b in [10.0, 12.0, 14.0] {
        wait_until_beat(b);
        ramp.push((bpm_at(b), tempo()));
    }
    let mut after = Vec::new();
    for b in [19.0, 20.5, 22.0] {
        wait_until_beat(b);
        after.push(tempo());
    }
    let drum = sender.join().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let starts = rig.eval("get(\"starts\")").unwrap().unwrap();
    rig.eval("status()").unwrap();
    let events = lines
        .lock()
        .unwrap()
        .iter()
        .flat_map(|l| l.lines().map(str::to_string).collect::<Vec<_>>())
        .find(|l| l.starts_with("events:"))
        .unwrap_or_default();
    println!(
        "MIDI clock in: tempo at 120: {steady:?}; along the ramp (want, got): {ramp:?}; \
         at 90: {after:?}; transport restarts at beats {starts}; {events}"
    );
    for bpm in &steady {
        assert!((bpm - 120.0).abs() < 0.1, "steady 120: {steady:?}");
    }
    for (want, got) in &ramp {
        assert!((want - got).abs() < 3.0, "the ramp is followed: {ramp:?}");
    }
    for bpm in &after {
        assert!(
            (bpm - 90.0).abs() < 0.1,
            "steady 90 after the ramp: {after:?}"
        );
    }
    // Start put the clock's beat 0 on a bar line, Continue from song
    // position 1.5 beats on beat 1.5 of a bar; Stop stopped in between.
    let starts: Vec<f64> = starts
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    assert_eq!(
        starts.len(),
        2,
        "Start and Continue, after Stops: {starts:?}"
    );
    // How far past its place in the bar each restart came: 0 unless the
    // machine was so busy that the script thread handled Start or Continue
    // after its first iteration's time had passed (that iteration is then
    // skipped, as every past event is; seen once in a full `make test`).
    // Beats are sums of floats: within 1e-9 of a sixteenth.
    let past = |b: f64, at: f64| {
        let sixteenths = (b - at) * 4.0;
        assert!(
            (sixteenths - sixteenths.round()).abs() < 1e-9,
            "restarts on the clock's sixteenths: {starts:?}"
        );
        (sixteenths.round() / 4.0).rem_euclid(4.0)
    };
    let late = [past(starts[0], 0.0), past(starts[1], 1.5)];
    assert!(
        late.iter().all(|l| *l < 1.0),
        "Start on a bar, Continue on beat 1.5 of one: restarts {starts:?}"
    );
    if late != [0.0, 0.0] {
        println!("MIDI clock in: a restart came {late:?} beats late (a busy machine)");
    }
    lines.lock().unwrap().clear();

    // The clock's port vanishes: one line, the last tempo holds.
    drop(drum);
    let deadline = Instant::now() + Duration::from_secs(3);
    let lost = loop {
        let l = lines.lock().unwrap().clone();
        if let Some(line) = l.iter().find(|l| l.contains("MIDI clock from")) {
            break line.clone();
        }
        assert!(Instant::now() < deadline, "no line about the clock: {l:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(lost.contains("lost") && lost.contains("plays on"), "{lost}");
    let about_tr8 = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("tr8"))
        .count();
    assert_eq!(about_tr8, 1, "one line: {:?}", lines.lock().unwrap());
    let before = rig.frame();
    std::thread::sleep(Duration::from_millis(200));
    assert!(rig.frame() > before + 4800, "the session plays on");
    assert!((tempo() - 90.0).abs() < 0.1, "the last tempo holds");
    // Where the restarts sounded: on the frame of the tick after Start
    // (and after Continue) as it arrived, plus one block (as MIDI input).
    let telemetry = rig.telemetry.clone();
    let block = rig.block_frames as f64;
    let x = rig.finish(&wav);
    let onsets: Vec<f64> = (1..x.len())
        .filter(|&i| x[i] != 0.0 && x[i - 1] == 0.0)
        .map(|i| i as f64)
        .collect();
    let frame_of = |t: Instant| telemetry.frame_at(t, tactus::time::SampleRate(SR)).unwrap() as f64;
    // The tick each restart belongs to (the one after Start or Continue,
    // or a later one if the restart came late).
    let tick = |first: usize, l: f64| at[first + (l * 24.0).round() as usize];
    let want = [
        frame_of(tick(72, late[0])) + block,
        frame_of(tick(480, late[1])) + block,
    ];
    let off: Vec<f64> = onsets
        .iter()
        .zip(&want)
        .map(|(o, w)| (o - w) / 48.0)
        .collect();
    println!("MIDI clock in: Start and Continue sounded {off:?} ms from their tick's arrival + one block");
    assert_eq!(onsets.len(), 2, "a note at each restart: {onsets:?}");
    assert!(off.iter().all(|o| o.abs() < 3.0), "{off:?} ms");
}
