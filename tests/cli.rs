//! The command line as a user runs it: render writes a WAV that sox and hound
//! read back, with the notes at their frames; renders are byte-identical;
//! check reports file:line:col; --help works everywhere.

use std::path::PathBuf;
use std::process::{Command, Output};

fn tactus(args: &[&str]) -> Output {
    super::common::tactus(args)
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    super::common::scratch_dir("test", name)
}

fn project_file(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn render_first_script_gives_a_wav_sox_reads() {
    let dir = scratch("first");
    let wav = dir.join("first.wav");
    let out = tactus(&[
        "render",
        &project_file("scripts/first.rhai"),
        "-o",
        wav.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = Command::new("sox")
        .args(["--i", wav.to_str().unwrap()])
        .output()
        .expect("sox is installed by make");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Channels       : 2"), "{info}");
    assert!(info.contains("Sample Rate    : 48000"), "{info}");
    let stat = Command::new("sox")
        .args([wav.to_str().unwrap(), "-n", "stat"])
        .output()
        .unwrap();
    let stat = String::from_utf8_lossy(&stat.stderr);
    let max: f64 = stat
        .lines()
        .find(|l| l.starts_with("Maximum amplitude"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.trim().parse().ok())
        .expect("sox stat prints the maximum amplitude");
    assert!(max > 0.1 && max <= 1.0, "audible and not clipped: {max}");
}

#[test]
fn rendered_file_has_the_notes_at_their_frames() {
    let dir = scratch("frames");
    let script = dir.join("s.rhai");
    std::fs::write(
        &script,
        "table(1, 64, gen7([1, 64, 1]));\nchannel(1, #{ table: 1, env: linen(0, 0) });\ntempo(150);\n\
         for b in [0.25, 1.5, 2.0, 3.3] { note(1, 60, 0.1, #{ at: b, amp: 0.5 }); }",
    )
    .unwrap();
    let wav = dir.join("s.wav");
    let out = tactus(&[
        "render",
        script.to_str().unwrap(),
        "-o",
        wav.to_str().unwrap(),
        "--bits",
        "32f",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = hound::WavReader::open(&wav).unwrap();
    assert_eq!(reader.spec().sample_format, hound::SampleFormat::Float);
    let samples: Vec<f32> = reader.samples::<f32>().map(Result::unwrap).collect();
    let left: Vec<f32> = samples.iter().step_by(2).copied().collect();
    let onsets: Vec<usize> = (0..left.len())
        .filter(|&i| left[i] != 0.0 && (i == 0 || left[i - 1] == 0.0))
        .collect();
    let want: Vec<usize> = [0.25, 1.5, 2.0, 3.3]
        .iter()
        .map(|b: &f64| (b * 60.0 / 150.0 * 48_000.0).round() as usize)
        .collect();
    assert_eq!(onsets, want);
}

#[test]
fn render_is_byte_identical() {
    // Any block size, one thread or several (the default: every core).
    let dir = scratch("determinism");
    let mut wavs = Vec::new();
    for (name, extra) in [
        ("a", &["--block", "256", "--threads", "1"][..]),
        ("b", &["--block", "97", "--threads", "2"]),
        ("c", &["--threads", "3"]),
    ] {
        let wav = dir.join(format!("{name}.wav"));
        let file = project_file("scripts/first.rhai");
        let mut args = vec!["render", &file, "-o", wav.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = tactus(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        wavs.push(std::fs::read(&wav).unwrap());
    }
    assert!(wavs[0].len() > 100_000);
    assert!(
        wavs[0] == wavs[1],
        "blocks of 256 and 97, 1 and 2 threads differ"
    );
    assert!(wavs[0] == wavs[2], "1 thread and 3 differ");
}

#[test]
fn bits_and_rate_options() {
    let dir = scratch("bits");
    for (bits, want_bits) in [("16", 16), ("24", 24), ("32f", 32)] {
        let wav = dir.join(format!("{bits}.wav"));
        let out = tactus(&[
            "render",
            &project_file("scripts/first.rhai"),
            "-o",
            wav.to_str().unwrap(),
            "--bits",
            bits,
            "--sr",
            "44100",
            "--duration",
            "1.5",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = hound::WavReader::open(&wav).unwrap();
        assert_eq!(r.spec().bits_per_sample, want_bits);
        assert_eq!(r.spec().sample_rate, 44_100);
        assert_eq!(r.duration(), 66_150, "exactly 1.5 s");
    }
}

#[test]
fn check_reports_line_and_column() {
    let dir = scratch("check");
    let script = dir.join("bad.rhai");
    std::fs::write(
        &script,
        "tempo(120);\nnote(1, 60, 1);\n    note(1, \"X4\", 1);\n",
    )
    .unwrap();
    let out = tactus(&["check", script.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:3:5: error: unknown note name",
            script.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("    note(1, \"X4\", 1);\n"),
        "the source line: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let good = tactus(&["check", &project_file("scripts/first.rhai")]);
    assert!(good.status.success());
}

#[test]
fn render_of_a_bad_script_exits_1_without_a_file() {
    let dir = scratch("badrender");
    let script = dir.join("bad.rhai");
    std::fs::write(&script, "note(99, 60, 1);").unwrap();
    let wav = dir.join("x.wav");
    let out = tactus(&[
        "render",
        script.to_str().unwrap(),
        "-o",
        wav.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("channel 99 is out of range"));
    assert!(!wav.exists());
    let missing = tactus(&["render", "/nonexistent.rhai", "-o", wav.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the script"));
}

#[test]
fn help_on_every_subcommand() {
    for args in [
        vec!["--help"],
        vec!["render", "--help"],
        vec!["check", "--help"],
    ] {
        let out = tactus(&args);
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn every_binding_has_help() {
    let host = tactus::script::ScriptHost::new(
        tactus::session::Session::new(tactus::time::SampleRate(48_000), 256),
        std::rc::Rc::new(|_s: &str| {}),
    );
    let names = host.binding_names();
    assert!(names.len() > 20, "{names:?}");
    for n in names {
        assert!(
            tactus::script::help::lookup(&n).is_some(),
            "binding {n} has no help entry"
        );
    }
}

/// The densest workload through the bench path: every event on time, none
/// lost, exactly 60 s, and sound in both channels.
#[test]
fn bench_w3_plays_every_event_on_time() {
    let mut frames = 0usize;
    let mut energy = [0.0f64; 2];
    let r = tactus::bench::run(tactus::bench::Workload::W3Dense, 1, |b| {
        frames += b.len() / 2;
        for f in b.chunks_exact(2) {
            energy[0] += (f[0] as f64).powi(2);
            energy[1] += (f[1] as f64).powi(2);
        }
    })
    .unwrap();
    assert_eq!((r.late, r.lost), (0, 0));
    assert_eq!(frames, 60 * 48_000);
    assert!(energy[0] > 1.0 && energy[1] > 1.0, "{energy:?}");
}

/// Every shipped script passes `check` and renders (the Csound session's
/// 6,800-grain piece included) with no late or dropped events.
#[test]
fn shipped_scripts_check_and_render() {
    let dir = scratch("scripts");
    for entry in std::fs::read_dir(project_file("scripts")).unwrap() {
        let path = entry.unwrap().path();
        let p = path.to_str().unwrap();
        let check = tactus(&["check", p]);
        assert!(
            check.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let wav = dir.join("out.wav");
        let out = tactus(&["render", p, "-o", wav.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{p}: {err}");
        assert!(err.contains(" 0 late, 0 dropped"), "{p}: {err}");
    }
}

/// Open-ended renders with effects end seconds after their sound and say
/// so; only a sound that goes on is reported as stopped at 600 s.
#[test]
fn render_ends_when_the_sound_does_and_says_so() {
    let dir = scratch("ends");
    let wav = dir.join("x.wav");
    let render = |src: &str, extra: &[&str]| -> (String, u32) {
        let script = dir.join("s.rhai");
        std::fs::write(&script, src).unwrap();
        let mut args = vec![
            "render",
            script.to_str().unwrap(),
            "-o",
            wav.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = tactus(&args);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{src}: {err}");
        (err, hound::WavReader::open(&wav).unwrap().duration())
    };
    for fx in ["reverb: 0.3", "chorus: 0.5", "delay: 0.5"] {
        let src = format!("channel(2, #{{ synth: \"saw\", {fx} }}); note(2, 69, 1);");
        let (err, frames) = render(&src, &[]);
        let fell = format!("{:.3} s", frames as f64 / 48_000.0);
        assert!(
            err.contains(&format!(
                "ended: nothing left to play, and the sound fell below -120 dBFS for good at {fell}"
            )) && err.contains("the file ends there"),
            "{fx}: {err}"
        );
        assert!(!err.contains("stopped at"), "{fx}: {err}");
        assert!((48_000..480_000).contains(&frames), "{fx}: {frames} frames");
    }
    let (err, frames) = render(
        "channel(1, #{ synth: \"saw\" }); note(1, 69, 1200);",
        &["--sr", "8000", "--bits", "16"],
    );
    assert!(
        err.contains("note: stopped at 600.000 s with sound still going"),
        "{err}"
    );
    assert_eq!(frames, 600 * 8_000);
}

#[test]
fn a_duration_that_is_not_a_finite_span_of_up_to_a_day_is_refused() {
    let dir = scratch("duration");
    let script = dir.join("s.rhai");
    std::fs::write(&script, "note(1, 60, 1);").unwrap();
    let s = script.to_str().unwrap();
    let out = dir.join("o.wav");
    let o = out.to_str().unwrap();
    for args in [
        vec!["check", s, "--duration", "inf"],
        vec!["check", s, "--duration", "NaN"],
        vec!["check", s, "--duration", "0"],
        vec!["check", s, "--duration=-3"],
        vec!["check", s, "--duration", "soon"],
        vec!["render", s, "-o", o, "--duration", "1e300"],
        vec!["render", s, "-o", o, "--duration", "inf"],
    ] {
        let r = tactus(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("--duration") && err.contains("86400"),
            "{args:?}: {err}"
        );
        assert!(!out.exists(), "no file for a refused render");
    }
    let r = tactus(&["check", s, "--duration", "2"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}
