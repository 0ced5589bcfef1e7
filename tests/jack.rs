//! A real-time audio device with no sound card: a private JACK server on its
//! dummy backend (started and stopped by PID here). The stream runs at real-
//! time pace, and `jack_capture` records what the script played, note for
//! note, on JACK's own clock.

use crate::repl::{scratch, Tmux};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A private JACK server on its dummy backend (48 kHz, 256-frame periods),
/// stopped by its PID when dropped.
pub struct Jackd {
    child: Child,
    /// The server's name (for `JACK_DEFAULT_SERVER`).
    pub name: String,
}

impl Jackd {
    /// The server this process's own JACK clients use (`jack_server_name`);
    /// its users hold the wall-clock lock, so one runs at a time.
    pub fn start() -> Jackd {
        Jackd::start_with(&crate::jack_server_name(), 256)
    }

    /// A server whose period is `frames` at 48 kHz (JACK MIDI leaves at
    /// period boundaries: a short period keeps MIDI timing fine).
    pub fn start_with_period(frames: u32) -> Jackd {
        Jackd::start_with(&crate::jack_server_name(), frames)
    }

    /// A server called `name` with `frames`-frame periods, once it runs.
    fn start_with(name: &str, frames: u32) -> Jackd {
        reclaim_dead_servers();
        let name = name.to_string();
        let period = frames.to_string();
        let child = Command::new("jackd")
            .args(["-n", &name, "-d", "dummy", "-r", "48000", "-p", &period])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("jackd is installed by make (jackd2)");
        let ok = Command::new("jack_wait")
            .args(["-w", "-t", "10"])
            .env("JACK_DEFAULT_SERVER", &name)
            .env("JACK_NO_START_SERVER", "1")
            .output()
            .expect("jack_wait");
        assert!(ok.status.success(), "the dummy JACK server did not start");
        Jackd { child, name }
    }
}

/// JACK's shared registry has 8 server slots, and a server that dies
/// without unregistering (killed, or by a signal while a client
/// misbehaved) keeps its slot until a server of the same name starts: after
/// a few, no server can start ("Too many servers already active"). Free the
/// slots whose server process is gone (never a live server's).
fn reclaim_dead_servers() {
    const SLOTS: usize = 8;
    const FIRST: usize = 24; // after magic, protocol, size, hdr_len, entry_len
    const SLOT: usize = 264; // pid + name[257], aligned
    let path = "/dev/shm/jack-shm-registry";
    let Ok(mut d) = std::fs::read(path) else {
        return;
    };
    if d.len() < FIRST + SLOTS * SLOT || &d[..4] != b"KCAJ" {
        return;
    }
    let mut changed = false;
    for i in 0..SLOTS {
        let off = FIRST + SLOT * i;
        let pid = i32::from_le_bytes(d[off..off + 4].try_into().unwrap());
        if pid > 0 && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            d[off..off + 5].fill(0);
            changed = true;
        }
    }
    if changed {
        let _ = std::fs::write(path, &d);
    }
}

impl Drop for Jackd {
    fn drop(&mut self) {
        // Only the server this test started, by its PID. SIGTERM lets jackd
        // leave JACK's shared registry (a killed server stays registered, and
        // after a few of those no server can start); SIGKILL if it hangs.
        let pid = self.child.id() as i32;
        // SAFETY: signals a child process this test spawned and still owns.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // The segments named after this server outlive it: remove ours.
        if let Ok(dir) = std::fs::read_dir("/dev/shm") {
            let prefix = format!("jack_{}_", self.name);
            for e in dir
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// The beat `status()` reports.
fn beat(t: &Tmux, n: usize) -> (Instant, f64) {
    t.line("status()");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = t.screen();
        let beats: Vec<f64> = s
            .lines()
            .filter_map(|l| l.split("beat ").nth(1))
            .filter_map(|r| r.split(',').next()?.parse().ok())
            .collect();
        if beats.len() >= n {
            return (Instant::now(), beats[n - 1]);
        }
        assert!(Instant::now() < deadline, "no status:\n{s}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn jack_dummy_runs_at_real_time_pace_and_jack_capture_records_the_notes() {
    let _serial = crate::common::wall_clock_lock();
    let jack = Jackd::start();
    let dir = scratch("jack");
    std::fs::write(
        dir.join("s.rhai"),
        "channel(1, #{ synth: \"sine\", env: adsr(0.002, 0.01, 1, 0.01) });\n\
         live_loop(\"t\", 1, |i| note(1, \"A4\", 0.5, #{ amp: 0.5 }));",
    )
    .unwrap();
    let cmd = format!(
        "cd {d} && JACK_DEFAULT_SERVER={j} JACK_NO_START_SERVER=1 TACTUS_HISTORY={d}/h {bin} s.rhai --no-watch",
        d = dir.display(),
        j = jack.name,
        bin = env!("CARGO_BIN_EXE_tactus")
    );
    let t = Tmux::start("jack", &cmd);
    let s = t.wait_for("tactus>");
    assert!(
        s.contains("audio: ") && s.contains("48000 Hz"),
        "JACK's output, not the fallback:\n{s}"
    );
    // The pace is read through tmux, whose delays a loaded machine
    // stretches: the best of up to 3 readings (each printed) must be within
    // 10 % (JACK's own clock is checked exactly below, from the capture).
    let mut paces = Vec::new();
    let (mut t0, mut b0) = beat(&t, 1);
    for k in 2..=4 {
        std::thread::sleep(Duration::from_millis(1500));
        let (t1, b1) = beat(&t, k);
        paces.push((b1 - b0) / t1.duration_since(t0).as_secs_f64());
        println!("pace: {:.3} beats per second", paces[paces.len() - 1]);
        if (paces[paces.len() - 1] - 1.0).abs() < 0.1 {
            break;
        }
        (t0, b0) = (t1, b1);
    }
    assert!(
        paces.iter().any(|p| (p - 1.0).abs() < 0.1),
        "60 bpm should advance 1 beat per second, got {paces:?}"
    );
    let wav = dir.join("cap.wav");
    let cap = Command::new("jack_capture")
        .args(["-d", "2", "-dc", "-ns", wav.to_str().unwrap()])
        .env("JACK_DEFAULT_SERVER", &jack.name)
        .env("JACK_NO_START_SERVER", "1")
        .output()
        .expect("jack_capture is installed by make");
    assert!(
        cap.status.success(),
        "{}",
        String::from_utf8_lossy(&cap.stderr)
    );
    t.keys(&["C-d"]);
    t.wait_for("EXITED rc=0");
    let mut r = hound::WavReader::open(&wav).unwrap();
    let ch = r.spec().channels as usize;
    let left: Vec<f32> = r.samples::<f32>().step_by(ch).map(Result::unwrap).collect();
    let starts: Vec<usize> = (1..left.len())
        .filter(|&i| left[i].abs() > 1e-4 && left[i - 1..i].iter().all(|x| x.abs() <= 1e-4))
        .filter(|&i| i >= 480 && left[i - 480..i].iter().all(|x| x.abs() <= 1e-4))
        .collect();
    assert!(starts.len() >= 1, "notes recorded from system:playback");
    for w in starts.windows(2) {
        let gap = w[1] - w[0];
        assert!(
            (47_990..=48_010).contains(&gap),
            "one beat apart on JACK's clock: {gap} frames ({starts:?})"
        );
    }
    let peak = left.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(
        (peak - 0.5 * std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01,
        "peak {peak}"
    );
}
