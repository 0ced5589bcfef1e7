//! Ableton Link between Tactus processes, strictly inside a network
//! namespace this test makes (TESTING.md §3): a private tmux server is
//! started under `unshare -n` (loopback up, nothing else), so every peer it
//! runs shares that namespace and no packet reaches a real network. The
//! peers play through one JACK dummy server, A panned left and B right;
//! `jack_capture` records both on JACK's one clock, so their onsets compare
//! frame by frame.

use crate::jack::Jackd;
use crate::repl::{scratch, Tmux};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A tmux server inside a network namespace of its own; each window a peer.
struct Namespace {
    server: Tmux,
}

impl Namespace {
    /// Start the namespace with its first window running `cmd`; `None` (and
    /// a line saying why) when unshare is refused here.
    fn start(first: &str, cmd: &str) -> Option<Namespace> {
        Namespace::start_with("ip link set lo up && ", first, cmd)
    }

    /// A namespace with no network at all (loopback down).
    fn start_offline(first: &str, cmd: &str) -> Option<Namespace> {
        Namespace::start_with("", first, cmd)
    }

    fn start_with(setup: &str, first: &str, cmd: &str) -> Option<Namespace> {
        // One server per test (tests run in parallel): named by the process
        // and the first peer, which differs from test to test.
        let socket = format!("tactus-link-{}-{first}", std::process::id());
        let tmux = format!(
            "tmux -L {socket} -f /dev/null new-session -d -s peers -n {first} -x 150 -y 50 {}",
            shell_quote(&Tmux::keep_open(cmd))
        );
        let out = Command::new("unshare")
            .args(["-n", "sh", "-c", &format!("{setup}{tmux}")])
            .output()
            .expect("unshare (util-linux)");
        if !out.status.success() {
            eprintln!(
                "SKIPPED: unshare -n was refused ({}); Link is never enabled outside a namespace the test made",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        let server = Tmux::window_of(&socket, &format!("peers:{first}"), true);
        Some(Namespace { server })
    }

    /// Another peer in the same namespace.
    fn add(&self, name: &str, cmd: &str) {
        let cmd = Tmux::keep_open(cmd);
        let args = ["new-window", "-d", "-t", "peers", "-n", name, &cmd];
        self.server.run(&args);
    }

    /// A peer's window (the server stays the namespace's).
    fn peer(&self, name: &str) -> Tmux {
        Tmux::window_of(&self.server_socket(), &format!("peers:{name}"), false)
    }

    fn server_socket(&self) -> String {
        self.server.socket().to_string()
    }

    /// Type a line at a peer's prompt.
    fn line(&self, peer: &str, code: &str) {
        self.peer(peer).line(code);
    }

    fn keys(&self, peer: &str, keys: &str) {
        self.peer(peer).keys(&[keys]);
    }

    fn screen(&self, peer: &str) -> String {
        self.peer(peer).screen()
    }

    /// Wait (up to 15 s) until a peer's screen contains `want`.
    fn wait_for(&self, peer: &str, want: &str) -> String {
        self.peer(peer).wait_for(want)
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The command that runs a Tactus peer on the JACK server, from `dir`.
fn peer_cmd(dir: &Path, jack: &Jackd, script: &str) -> String {
    format!(
        "cd {d} && TACTUS_LINK_TRACE={d} JACK_DEFAULT_SERVER={j} JACK_NO_START_SERVER=1 TACTUS_HISTORY={d}/h-{script} {bin} {script} --no-watch",
        d = dir.display(),
        j = jack.name,
        bin = env!("CARGO_BIN_EXE_tactus")
    )
}

/// A loop of short notes every quarter beat, panned hard to one side;
/// start/stop shared.
fn peer_script(pan: f64) -> String {
    format!(
        "link(true); link_start_stop(true);\n\
         channel(1, #{{ synth: \"sine\", env: adsr(0.001, 0.01, 1, 0.01), pan: {pan:.1} }});\n\
         live_loop(\"t\", 0.25, |i| note(1, \"A5\", 0.1, #{{ amp: 0.5 }}));\n"
    )
}

/// `jack_capture` of A's left and B's right output port for `seconds`,
/// started now. Their ports, not `system:playback`: jack_capture follows
/// the playback ports' connections, and as the third peer connected its
/// ports there, its reconnecting made notes in the recording 5-30 ms late,
/// missing or doubled (in 3 of 4 runs; 0 of 6 recording the ports; 0 of 4
/// with a third client that connected nothing, or with three busy loops).
fn capture(jack: &Jackd, wav: &Path, seconds: u32, ports: &[String; 2]) -> Child {
    Command::new("jack_capture")
        .args([
            "-d",
            &seconds.to_string(),
            "-dc",
            "-ns",
            "-p",
            &ports[0],
            "-p",
            &ports[1],
            wav.to_str().unwrap(),
        ])
        .env("JACK_DEFAULT_SERVER", &jack.name)
        .env("JACK_NO_START_SERVER", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("jack_capture is installed by make")
}

/// The JACK client a peer plays through, from its first line
/// ("audio: cpal_client_out-01 at 48000 Hz, ...").
fn jack_client(screen: &str) -> String {
    let line = screen
        .lines()
        .find(|l| l.starts_with("audio: "))
        .unwrap_or_else(|| panic!("the peer names its device:\n{screen}"));
    line["audio: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .to_string()
}

/// The last "sound X ms off the shared beat" that a peer's `status()` printed.
fn speaker_late_ms(screen: &str) -> f64 {
    let line = screen
        .lines()
        .filter(|l| l.contains("off the shared beat"))
        .last()
        .unwrap_or_else(|| panic!("status() shows the sound against the beat:\n{screen}"));
    let at = line.find("sound ").unwrap() + "sound ".len();
    let ms = line[at..].split(' ').next().unwrap();
    ms.parse().unwrap_or_else(|_| panic!("{line}"))
}

/// Left and right channels of a float WAV.
fn channels(wav: &PathBuf) -> (Vec<f32>, Vec<f32>) {
    let mut r = hound::WavReader::open(wav).unwrap();
    let all: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    let left = all.iter().step_by(2).copied().collect();
    let right = all.iter().skip(1).step_by(2).copied().collect();
    (left, right)
}

/// Frames where a note starts: sound after at least 10 ms of silence.
fn onsets(x: &[f32]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut quiet = 0usize;
    for (i, v) in x.iter().enumerate() {
        if v.abs() > 1e-4 {
            if quiet >= 480 {
                out.push(i);
            }
            quiet = 0;
        } else {
            quiet += 1;
        }
    }
    out
}

/// For each onset of `a`, the nearest of `b` and the distance in frames.
fn pairs(a: &[usize], b: &[usize]) -> Vec<(usize, i64)> {
    a.iter()
        .filter_map(|&x| {
            b.iter()
                .map(|&y| y as i64 - x as i64)
                .min_by_key(|d| d.abs())
                .map(|d| (x, d))
        })
        .collect()
}

/// The longest silence between onsets: (last onset before, first after).
fn longest_gap(a: &[usize]) -> (usize, usize) {
    a.windows(2)
        .max_by_key(|w| w[1] - w[0])
        .map(|w| (w[0], w[1]))
        .unwrap()
}

#[test]
fn two_tactus_peers_jam_in_phase_follow_tempo_and_share_start_stop() {
    let _serial = crate::common::wall_clock_lock();
    let jack = Jackd::start();
    let dir = scratch("link");
    std::fs::write(dir.join("a.rhai"), peer_script(0.0)).unwrap();
    std::fs::write(dir.join("b.rhai"), peer_script(1.0)).unwrap();
    std::fs::write(dir.join("c.rhai"), "link(true);\n").unwrap();
    let Some(ns) = Namespace::start("a", &peer_cmd(&dir, &jack, "a.rhai")) else {
        return;
    };
    let a_client = jack_client(&ns.wait_for("a", "Link on: quantum 4"));
    ns.add("b", &peer_cmd(&dir, &jack, "b.rhai"));
    let b_client = jack_client(&ns.wait_for("b", "Link on: quantum 4"));
    // Both see each other (discovery takes 0.06-0.55 s).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        ns.line("b", "print(`peers ${link_peers()}`)");
        std::thread::sleep(Duration::from_millis(300));
        if ns.screen("b").contains("peers 1") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B never found A:\n{}",
            ns.screen("b")
        );
    }
    // The tempo is set once both are in (which one wins a join varies).
    ns.line("a", "tempo(120)");
    std::thread::sleep(Duration::from_millis(500));

    let wav = dir.join("peers.wav");
    let ports = [format!("{a_client}:out_0"), format!("{b_client}:out_1")];
    let mut cap = capture(&jack, &wav, 13, &ports);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(3));
    ns.line("a", "tempo(150)");
    std::thread::sleep(Duration::from_secs(3));
    ns.line("a", "stop()");
    std::thread::sleep(Duration::from_millis(1500));
    ns.line("a", "play()");
    std::thread::sleep(Duration::from_millis(1000));
    // A third peer joins mid-session, then quits.
    let c_from = t0.elapsed().as_secs_f64();
    ns.add("c", &peer_cmd(&dir, &jack, "c.rhai"));
    ns.wait_for("c", "Link on: quantum 4");
    std::thread::sleep(Duration::from_millis(1500));
    ns.line("b", "print(`with c: ${link_peers()} peers`)");
    ns.keys("c", "C-d");
    ns.wait_for("c", "EXITED rc=0");
    let c_until = t0.elapsed().as_secs_f64();
    assert!(cap.wait().unwrap().success(), "jack_capture failed");
    // The third peer's visit in the capture's frames, with a margin for
    // jack_capture's own start.
    let visit = ((c_from - 0.5) * 48_000.0) as usize..((c_until + 1.0) * 48_000.0) as usize;

    // What each peer says at the end: B saw A's tempo, and no peer's audio
    // thread allocated with Link on.
    ns.line("b", "status()");
    let b = ns.wait_for("b", "audio thread:");
    assert!(b.contains("with c: 2 peers"), "B saw C join:\n{b}");
    assert!(
        b.contains(" at 150.00 bpm, bar "),
        "B follows A's tempo:\n{b}"
    );
    assert!(b.contains("Link: 1 peer, 150.00 bpm"), "{b}");
    assert!(b.contains("audio thread: 0 allocations"), "{b}");
    ns.line("a", "status()");
    let a = ns.wait_for("a", "audio thread:");
    assert!(a.contains("audio thread: 0 allocations"), "{a}");
    assert!(
        b.contains("Link: stop (from a peer)") && b.contains("Link: play (from a peer)"),
        "{b}"
    );

    for (who, screen) in [("A", &a), ("B", &b)] {
        // The audio callback's own reading of Link: the sound is on the
        // shared beat at the speaker.
        let late = speaker_late_ms(screen);
        assert!(
            late.abs() < 1.0,
            "{who}'s sound {late} ms off the beat:\n{screen}"
        );
        for what in ["tempo ", "events:", "Link: "] {
            let line = screen.lines().filter(|l| l.starts_with(what)).last();
            println!("{who}: {}", line.unwrap_or("?"));
        }
    }
    let (left, right) = channels(&wav);
    let (a_on, b_on) = (onsets(&left), onsets(&right));
    println!("A's onsets: {a_on:?}\nB's onsets: {b_on:?}");
    assert!(a_on.len() > 60 && b_on.len() > 60, "both played");
    // In phase: each of A's notes has B's within 1 ms (48 frames), the
    // third peer's visit included; but for A's last note before the stop
    // (B may stop a note earlier: the stop is not bar-quantized), and the
    // notes of the capture's first half second (jack_capture connecting its
    // ports changes the server's graph: a note then can land a period late).
    const CAPTURE_SETTLES: usize = 24_000;
    let (stop_a, resume_a) = longest_gap(&a_on);
    let (stop_b, resume_b) = longest_gap(&b_on);
    let p = pairs(&a_on, &b_on);
    let worst: Vec<i64> = p.iter().map(|&(_, d)| d.abs()).collect();
    let off: Vec<&(usize, i64)> = p
        .iter()
        .filter(|(x, d)| d.abs() > 48 && *x != stop_a && *x >= CAPTURE_SETTLES)
        .collect();
    let in_visit = p.iter().filter(|(x, _)| visit.contains(x)).count();
    assert!(
        in_visit >= 15,
        "both played while C was there: {in_visit} notes"
    );
    let in_phase: Vec<i64> = worst.iter().copied().filter(|d| *d <= 48).collect();
    println!(
        "phase error over {} notes ({in_visit} while the third peer was there): max {} frames, mean {:.2}; out of phase: {off:?}",
        in_phase.len(),
        in_phase.iter().max().unwrap_or(&0),
        in_phase.iter().sum::<i64>() as f64 / in_phase.len().max(1) as f64
    );
    assert!(off.is_empty(), "out of phase by more than 1 ms: {off:?}");
    // The tempo change: A's gaps go from 6000 frames (a quarter beat at
    // 120) to 4800 (at 150), and B's with them.
    let gaps = |on: &[usize]| -> Vec<usize> { on.windows(2).map(|w| w[1] - w[0]).collect() };
    for (who, on) in [("A", &a_on), ("B", &b_on)] {
        let g = gaps(on);
        let at120 = g.iter().filter(|&&x| x.abs_diff(6000) <= 120).count();
        let at150 = g.iter().filter(|&&x| x.abs_diff(4800) <= 96).count();
        assert!(at120 >= 15 && at150 >= 40, "{who}'s gaps: {g:?}");
    }
    // Stop and play: B stops within 150 ms of A and starts with A.
    assert!(resume_a - stop_a > 48_000, "A stopped for over a second");
    assert!(
        stop_b.abs_diff(stop_a) <= 7_200,
        "B stopped at {stop_b}, A at {stop_a}"
    );
    assert!(
        resume_b.abs_diff(resume_a) <= 48,
        "B resumed at {resume_b}, A at {resume_a}"
    );
    ns.keys("a", "C-d");
    ns.keys("b", "C-d");
    ns.wait_for("a", "EXITED rc=0");
    ns.wait_for("b", "EXITED rc=0");
}

#[test]
fn with_no_network_link_plays_alone_without_an_error() {
    // Its onsets are timed to half a millisecond on the wall clock: not
    // beside the other real-time tests.
    let _serial = crate::common::wall_clock_lock();
    let dir = scratch("link-alone");
    std::fs::write(dir.join("s.rhai"), peer_script(0.5)).unwrap();
    let cmd = format!(
        "cd {d} && TACTUS_HISTORY={d}/h {bin} s.rhai --no-watch --link --record {d}/alone.wav",
        d = dir.display(),
        bin = env!("CARGO_BIN_EXE_tactus")
    );
    let Some(ns) = Namespace::start_offline("solo", &cmd) else {
        return;
    };
    ns.wait_for("solo", "Link on: quantum 4, 0 peers");
    std::thread::sleep(Duration::from_millis(1500));
    ns.line("solo", "status()");
    let s = ns.wait_for("solo", "audio thread:");
    assert!(s.contains("Link: 0 peers, 60.00 bpm"), "{s}");
    ns.keys("solo", "C-d");
    let s = ns.wait_for("solo", "EXITED rc=0");
    assert!(!s.to_lowercase().contains("error"), "{s}");
    let (left, _) = channels(&dir.join("alone.wav"));
    let on = onsets(&left);
    assert!(on.len() >= 4, "the loop played alone: {on:?}");
    // After the join (the loop waits for Link's bar), a quarter beat at 60
    // bpm apart on Link's clock: the device's frames against the host clock
    // put a frame or two of play in it.
    for w in on[1..].windows(2) {
        let gap = w[1] - w[0];
        assert!(
            gap.abs_diff(12_000) <= 24,
            "a quarter beat at 60 bpm apart: {on:?}"
        );
    }
}
