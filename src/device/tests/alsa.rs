//! The real cpal path, checked in child processes whose alsa-lib reads a test
//! `asoundrc` (alsa-lib reads its configuration once per process, so it
//! cannot be changed inside this one). The manual checks are ignored:
//!
//! ```text
//! cargo test --lib device -- --ignored --nocapture
//! ```

use super::*;

/// Set in the environment of a child process running one test.
const CHILD_VAR: &str = "TACTUS_DEVICE_TEST_CHILD";

/// Run test `name` again in a child process whose alsa-lib reads `asoundrc`,
/// with no JACK server reachable. Returns the child's stdout.
fn in_child(name: &str, asoundrc: &str, env: &[(&str, &Path)]) -> String {
    let home = tmp(&format!("xdg-{name}"));
    std::fs::create_dir_all(home.join("alsa")).unwrap();
    std::fs::write(home.join("alsa").join("asoundrc"), asoundrc).unwrap();
    let exe = std::env::current_exe().unwrap();
    let out = process::Command::new(exe)
        .args([
            &format!("device::tests::alsa::{name}"),
            "--exact",
            "--include-ignored",
        ])
        .args(["--nocapture", "--test-threads=1"])
        .env("XDG_CONFIG_HOME", &home)
        .env("JACK_NO_START_SERVER", "1")
        .env(
            "JACK_DEFAULT_SERVER",
            format!("tactus-no-server-{}", process::id()),
        )
        .env(CHILD_VAR, "1")
        .envs(env.iter().map(|(k, v)| (k, v.as_os_str())))
        .output()
        .expect("the test binary re-runs");
    let _ = std::fs::remove_dir_all(&home);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child {name} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

fn is_child() -> bool {
    std::env::var_os(CHILD_VAR).is_some()
}

/// A default PCM that cannot open: as on a machine with no sound card.
const BROKEN_DEFAULT: &str = "pcm.!default { type hw card 99 device 0 }\n";

#[test]
fn with_no_usable_default_device_start_falls_back_to_recording() {
    if !is_child() {
        in_child(
            "with_no_usable_default_device_start_falls_back_to_recording",
            BROKEN_DEFAULT,
            &[],
        );
        return;
    }
    let path = tmp("start-fallback.wav");
    let opts = DeviceOptions {
        sr: Some(44_100),
        ..DeviceOptions::default()
    };
    let out = start(&opts, &path, |sr, _| engine(sr)).expect("the fallback starts");
    let info = out.info().clone();
    assert!(info.fallback && info.fallback_reason.is_some(), "{info:?}");
    assert_eq!((info.sr, info.block_frames), (SampleRate(44_100), 256));
    std::thread::sleep(Duration::from_millis(400));
    out.stop().unwrap();
    let (spec, samples) = read_wav(&path);
    assert_eq!(spec.sample_rate, 44_100);
    assert_eq!(
        first_nonzero_frame(&samples),
        first_nonzero_frame(&reference(info.sr, 20_000))
    );
    let _ = std::fs::remove_file(&path);
}

/// Manual check of the real cpal path on ALSA's `null` device (as
/// `tests/data/alsa/null.asoundrc`): the callback must run.
#[test]
#[ignore = "manual: the real cpal path on ALSA's null device"]
fn alsa_null_device_runs_the_callback() {
    if !is_child() {
        let stdout = in_child(
            "alsa_null_device_runs_the_callback",
            "pcm.!default { type null }\n",
            &[],
        );
        println!("{stdout}");
        return;
    }
    let mut telemetry = None;
    let out = start(
        &DeviceOptions::default(),
        &tmp("null-unused.wav"),
        |sr, _| {
            let e = engine(sr);
            telemetry = Some(e.telemetry());
            e
        },
    )
    .expect("the null device opens");
    assert!(!out.info().fallback, "{:?}", out.info());
    std::thread::sleep(Duration::from_millis(200));
    let frames = telemetry
        .unwrap()
        .frame
        .load(std::sync::atomic::Ordering::Acquire);
    println!("{:?}: {frames} frames processed in 200 ms", out.info());
    assert!(frames > 0);
    out.stop().unwrap();
}

/// Manual check through ALSA's `file` plugin (as
/// `tests/data/alsa/file-wav16.asoundrc`): what cpal played, with
/// `--sr 48000 --buffer 256` requested, lands in a 16-bit WAV and matches
/// the offline render after the leading silence (played before the engine
/// was handed over).
#[test]
#[ignore = "manual: the real cpal path through ALSA's file plugin"]
fn alsa_file_device_plays_the_engine_output() {
    if is_child() {
        let opts = DeviceOptions {
            sr: Some(48_000),
            buffer_frames: Some(256),
            ..DeviceOptions::default()
        };
        let out = start(&opts, &tmp("file-unused.wav"), |sr, _| engine(sr)).unwrap();
        println!("{:?}", out.info());
        assert!(!out.info().fallback);
        std::thread::sleep(Duration::from_millis(200));
        out.stop().unwrap();
        return;
    }
    let wav = tmp("alsa-tee.wav");
    let asoundrc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/alsa/file-wav16.asoundrc"),
    )
    .expect("tests/data/alsa/file-wav16.asoundrc");
    let name = "alsa_file_device_plays_the_engine_output";
    println!("{}", in_child(name, &asoundrc, &[("ALSA_TEE_WAV", &wav)]));
    let (spec, got) = read_wav(&wav);
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 48_000, 16)
    );
    let want = reference(SampleRate(48_000), NOTE_FRAME as usize + 20_000);
    let (lead, onset) = (
        first_nonzero_frame(&got).unwrap(),
        first_nonzero_frame(&want).unwrap(),
    );
    println!(
        "{} frames recorded; the note starts at frame {lead}",
        got.len() / 2
    );
    let (got, want) = (&got[lead * 2..], &want[onset * 2..]);
    assert!(
        got.len() >= 2 * 8000,
        "at least 8000 frames after the onset"
    );
    for (i, (g, w)) in got.iter().zip(want).take(2 * 8000).enumerate() {
        assert!((g - w).abs() <= 2.0 / 32768.0, "sample {i}: {g} != {w}");
    }
    let _ = std::fs::remove_file(&wav);
}
