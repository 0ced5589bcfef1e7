//! Files a user names are never destroyed nor silently wrong (issue 16):
//! a render's output is put in place only when the render succeeds, an
//! output that is the script itself or not a regular file is refused with
//! nothing touched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tactus(args: &[&str]) -> Output {
    super::common::tactus(args)
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    super::common::scratch_dir("files", name)
}

fn render(script: &Path, out: &Path) -> (bool, String) {
    let o = tactus(&[
        "render",
        script.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--duration",
        "0.5",
    ]);
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// The names in `dir`, sorted (a temporary file left behind would show).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

const GOOD: &str = "note(1, 69, 0.25, #{ amp: 0.5 });";

/// A re-render whose script now fails leaves the previous render as it
/// was, byte for byte, and no temporary file.
#[test]
fn a_failed_render_keeps_the_previous_file() {
    let dir = scratch("keep");
    let script = dir.join("song.rhai");
    let wav = dir.join("song.wav");
    std::fs::write(&script, GOOD).unwrap();
    let (ok, err) = render(&script, &wav);
    assert!(ok, "{err}");
    let before = std::fs::read(&wav).unwrap();
    std::fs::write(&script, "note(1, 69, 0.25);\nnote(1, nope, 1);").unwrap();
    let (ok, err) = render(&script, &wav);
    assert!(!ok && err.contains("song.rhai:2:"), "{err}");
    assert_eq!(
        std::fs::read(&wav).unwrap(),
        before,
        "the old render is kept"
    );
    assert_eq!(names(&dir), ["song.rhai", "song.wav"]);
}

/// `-o` naming the script (by its path, another spelling, a hard link or
/// a symlink) is refused in one line, and the script is as it was.
#[test]
fn an_output_that_is_the_script_is_refused() {
    let dir = scratch("self");
    let script = dir.join("song.rhai");
    std::fs::write(&script, GOOD).unwrap();
    std::fs::hard_link(&script, dir.join("hard.wav")).unwrap();
    std::os::unix::fs::symlink(&script, dir.join("soft.wav")).unwrap();
    let other_spelling = dir.join(".").join("song.rhai");
    for out in [
        script.clone(),
        other_spelling,
        dir.join("hard.wav"),
        dir.join("soft.wav"),
    ] {
        let (ok, err) = render(&script, &out);
        assert!(!ok, "{}: refused", out.display());
        assert!(
            err.contains("is the input")
                && err.contains("song.rhai itself")
                && err.lines().count() == 1,
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&script).unwrap(), GOOD);
    }
    assert_eq!(names(&dir), ["hard.wav", "soft.wav", "song.rhai"]);
}

/// A FIFO, a directory, a symlink to a FIFO and a dangling symlink are
/// refused and stay; a symlink to a regular file is written through (the
/// link stays a link).
#[test]
fn an_output_that_is_not_a_regular_file_is_refused() {
    let dir = scratch("special");
    let script = dir.join("song.rhai");
    std::fs::write(&script, GOOD).unwrap();
    let fifo = dir.join("fifo.wav");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    std::fs::create_dir(dir.join("d.wav")).unwrap();
    std::os::unix::fs::symlink(&fifo, dir.join("to-fifo.wav")).unwrap();
    std::os::unix::fs::symlink(dir.join("none"), dir.join("dangling.wav")).unwrap();
    for (name, what) in [
        ("fifo.wav", "a FIFO"),
        ("d.wav", "a directory"),
        ("to-fifo.wav", "a FIFO"),
        ("dangling.wav", "a symlink to nothing"),
    ] {
        let (ok, err) = render(&script, &dir.join(name));
        assert!(!ok, "{name}: refused");
        assert!(
            err.contains(&format!("exists and is {what}, not a regular file")),
            "{name}: {err}"
        );
    }
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo_like());
    assert!(dir.join("d.wav").is_dir());
    // Through a link to a regular file: the file gets the render.
    std::fs::write(dir.join("real.wav"), b"old").unwrap();
    std::os::unix::fs::symlink("real.wav", dir.join("link.wav")).unwrap();
    let (ok, err) = render(&script, &dir.join("link.wav"));
    assert!(ok, "{err}");
    assert!(std::fs::symlink_metadata(dir.join("link.wav"))
        .unwrap()
        .file_type()
        .is_symlink());
    let r = hound::WavReader::open(dir.join("real.wav")).unwrap();
    assert_eq!(r.duration(), 24_000);
    // `/dev/null`: a device node.
    let (ok, err) = render(&script, Path::new("/dev/null"));
    assert!(!ok && err.contains("is a device node"), "{err}");
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}
impl FifoLike for std::fs::FileType {
    fn is_fifo_like(&self) -> bool {
        std::os::unix::fs::FileTypeExt::is_fifo(self)
    }
}

/// The seconds of audio `sox --i -D` says a WAV holds (from its header).
fn header_seconds(path: &Path) -> f64 {
    let o = Command::new("soxi").arg("-D").arg(path).output().unwrap();
    let s = String::from_utf8_lossy(&o.stdout);
    s.trim()
        .parse()
        .unwrap_or_else(|_| panic!("soxi -D {}: {s}", path.display()))
}

/// SIGTERM and SIGHUP end a session as Ctrl-D does: the fallback's own
/// recording (`--record`), a `record_audio` take and a MIDI take are all
/// finished, their headers saying how long they are.
#[test]
fn sigterm_and_sighup_finish_the_recordings() {
    use std::io::BufRead;
    use std::time::{Duration, Instant};
    let _serial = crate::common::wall_clock_lock();
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let dir = scratch(&format!("signal-{signal}"));
        std::fs::write(
            dir.join("s.rhai"),
            "live_loop(\"a\", 0.25, |i| note(1, 60 + i % 5, 0.2, #{ amp: 0.3 }));\n\
             record_audio(\"take.wav\");\nrecord(\"take.mid\");",
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_tactus"))
            .args(["s.rhai", "--no-watch", "--record", "all.wav"])
            .current_dir(&dir)
            .env("TACTUS_HISTORY", dir.join("h"))
            .env("JACK_NO_START_SERVER", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let started = loop {
            let l = lines.next().expect("tactus starts").unwrap();
            if l.contains("recording the output to") {
                break Instant::now();
            }
        };
        std::thread::sleep(Duration::from_millis(2000));
        let sent_after = started.elapsed().as_secs_f64();
        // SAFETY: a signal to the child this test started.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let status = child.wait().unwrap();
        assert!(status.success(), "{signal}: {status:?}: {rest:?}");
        let said = rest.join("\n");
        assert!(said.contains("the session ends as on Ctrl-D"), "{said}");
        let takes: Vec<PathBuf> = std::fs::read_dir(dir.join("recordings"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        let find = |end: &str| {
            takes
                .iter()
                .find(|p| p.to_string_lossy().ends_with(end))
                .cloned()
        };
        let wav = find("_take.wav").expect("the WAV take");
        for path in [wav, dir.join("all.wav")] {
            let secs = header_seconds(&path);
            let len = std::fs::metadata(&path).unwrap().len();
            let data_secs = (len - 94) as f64 / 8.0 / 48_000.0;
            assert!(
                (secs - data_secs).abs() < 0.001,
                "{}: header {secs} s, data {data_secs} s",
                path.display()
            );
            assert!(
                secs > sent_after - 0.5 && secs < sent_after + 1.5,
                "{}: {secs} s of {sent_after}",
                path.display()
            );
        }
        let mid = find("_take.mid").expect("the MIDI take is written");
        let smf = std::fs::read(&mid).unwrap();
        assert!(
            smf.starts_with(b"MThd") && smf.len() > 40,
            "{} bytes",
            smf.len()
        );
    }
}

/// `tactus render` with no `--duration`: (exit ok, stderr, frames).
fn render_open(dir: &Path, src: &str) -> (bool, String, u32) {
    let script = dir.join("s.rhai");
    let wav = dir.join("s.wav");
    std::fs::write(&script, src).unwrap();
    let o = tactus(&[
        "render",
        script.to_str().unwrap(),
        "-o",
        wav.to_str().unwrap(),
        "--sr",
        "8000",
    ]);
    let frames = hound::WavReader::open(&wav).map_or(0, |r| r.duration());
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).to_string(),
        frames,
    )
}

/// A note after the 600 s cap is rendered when nothing repeats; with a
/// live loop going, the render stops at 600 s and names what it left.
#[test]
fn a_note_after_the_600_s_cap_is_rendered_or_named() {
    let dir = scratch("cap");
    let (ok, err, frames) = render_open(&dir, "note(1, 69, 1, #{ at: 700, amp: 0.5 });");
    assert!(ok, "{err}");
    let wav = hound::WavReader::open(dir.join("s.wav")).unwrap();
    let x: Vec<i32> = wav.into_samples::<i32>().map(Result::unwrap).collect();
    let loud = |a: usize, b: usize| {
        x[a * 2..(b * 2).min(x.len())]
            .iter()
            .any(|s| s.abs() > 1000)
    };
    assert!(
        loud(700 * 8000, 701 * 8000),
        "the note at 700 s sounds; {frames} frames; {err}"
    );
    assert!(!loud(0, 699 * 8000), "silence before it");
    assert!(frames < 703 * 8000, "ends after the note: {frames}");
    let (ok, err, frames) = render_open(
        &dir,
        "live_loop(\"a\", 100, |i| note(1, 60, 0.1));\nnote(1, 69, 1, #{ at: 700 });",
    );
    assert!(ok, "{err}");
    // The loop's last note is at 500 s; the quiet stretch after it is cut.
    assert!(frames <= 600 * 8000, "{frames}");
    assert!(
        err.contains("render stopped at the 600 s cap: 1 note after it was not rendered (the first at 700.0 s), and 1 live loop, sequence or at() item was still going; give --duration 702 to render it"),
        "{err}"
    );
}

/// The peak and RMS of interleaved samples.
fn level(x: &[f32]) -> (f32, f32) {
    let peak = x.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    let rms = (x.iter().map(|s| (s * s) as f64).sum::<f64>() / x.len().max(1) as f64).sqrt();
    (peak, rms as f32)
}

/// What `log_score` writes, `tactus render` takes, and it sounds the same:
/// a channel volume above 1, a pitch far above 16 in oct (`hz(200000)`).
/// A file that cannot be written (a full disk: /dev/full) is an error at
/// the call.
#[test]
fn a_score_log_always_replays() {
    use tactus::render::{render_to_vec, RenderOptions};
    use tactus::time::Seconds;
    let dir = scratch("log");
    let log = dir.join("s.sco");
    let src = format!(
        "channel(1, #{{ synth: \"saw\", volume: 1.5 }});\nchannel(2, #{{ volume: 1.2 }});\n\
         log_score({:?});\nnote(1, 57, 1, #{{ amp: 0.6 }});\nnote(2, hz(200000), 1, #{{ at: 1, amp: 0.4 }});\n\
         note(1, hz(15000), 0.5, #{{ at: 2, amp: 0.3 }});",
        log.display().to_string()
    );
    let opts = RenderOptions {
        duration: Some(Seconds(3.0)),
        ..RenderOptions::default()
    };
    let (heard, _) = render_to_vec("s.rhai", &src, &opts).unwrap();
    let wav = dir.join("replay.wav");
    let o = tactus(&[
        "render",
        log.to_str().unwrap(),
        "-o",
        wav.to_str().unwrap(),
        "--duration",
        "3",
        "--bits",
        "32f",
    ]);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        o.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
    let replay: Vec<f32> = hound::WavReader::open(&wav)
        .unwrap()
        .into_samples::<f32>()
        .map(Result::unwrap)
        .collect();
    for (a, b) in [(0, 1), (1, 2), (2, 3)] {
        let (x, y) = (
            &heard[a * 96_000..b * 96_000],
            &replay[a * 96_000..b * 96_000],
        );
        let (hp, hr) = level(x);
        let (rp, rr) = level(y);
        println!("second {a}: heard peak {hp:.4} rms {hr:.4}; replayed peak {rp:.4} rms {rr:.4}");
        assert!(hr > 0.01, "second {a} sounds");
        assert!(
            (hp - rp).abs() < 1e-3 && (hr - rr).abs() < 1e-3,
            "second {a}"
        );
    }
    let e = render_to_vec("full.rhai", "log_score(\"/dev/full\");", &opts).unwrap_err();
    assert!(
        e.to_string()
            .contains("log_score(): cannot write \"/dev/full\": No space left on device"),
        "{e}"
    );
}
