//! Tests that need no sound card: the conversions (in `convert`), the
//! fallback's pace and recording, and the error paths of [`start`]. The cpal
//! path through ALSA's test devices is in [`alsa`].

use super::*;
use crate::audio::EngineConfig;
use crate::command::{Command, EnvFrames, NoteOn, Source, Wave};
use crate::time::Frame;
use crossbeam_channel::bounded;
use std::cell::Cell;
use std::process;
use std::time::{Duration, Instant};

mod alsa;
mod edges;
#[cfg(unix)]
mod quiet;

/// Not a multiple of the fallback block: checks sample accuracy.
const NOTE_FRAME: u64 = 12_345;

fn note() -> NoteOn {
    NoteOn {
        frame: Frame(NOTE_FRAME),
        id: 1,
        channel: 0,
        source: Source::Wave(Wave::Saw),
        freq_hz: 330.0,
        amp: 0.5,
        pan: 0.3,
        env: EnvFrames {
            attack: 4,
            decay: 100,
            sustain: 0.7,
            release: 2000,
            gate: 20_000,
        },
        filter: None,
        layers: crate::command::Layers::default(),
    }
}

/// An engine with [`note`] waiting in its command channel.
fn engine(sr: SampleRate) -> Engine {
    let (tx, rx) = bounded(16);
    let (gtx, _grx) = bounded(16);
    tx.send(Command::Note(note())).unwrap();
    Engine::new(EngineConfig::new(sr), rx, gtx)
}

/// The same engine rendered offline in one call.
fn reference(sr: SampleRate, frames: usize) -> Vec<f32> {
    let mut out = vec![0.0; frames * 2];
    engine(sr).process(&mut out);
    out
}

fn first_nonzero_frame(samples: &[f32]) -> Option<usize> {
    samples.iter().position(|&x| x != 0.0).map(|i| i / 2)
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tactus-device-{}-{name}", process::id()))
}

fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let reader = hound::WavReader::open(path).expect("the WAV reads back");
    let spec = reader.spec();
    let samples: Result<Vec<f32>, _> = match spec.sample_format {
        hound::SampleFormat::Float => reader.into_samples::<f32>().collect(),
        hound::SampleFormat::Int => reader
            .into_samples::<i32>()
            .map(|s| s.map(|x| x as f32 / (1 << (spec.bits_per_sample - 1)) as f32))
            .collect(),
    };
    (spec, samples.expect("samples decode"))
}

/// The pace is measured against the wall clock: the bound holds on the best
/// of up to 3 runs (each figure printed), as a loaded machine can hold the
/// writer back for a moment; the recording is checked on the last run.
#[test]
fn fallback_keeps_real_time_pace_and_records_the_note_at_its_frame() {
    let mut offs = Vec::new();
    let (path, samples, frames) = loop {
        let path = tmp(&format!("pace{}.wav", offs.len()));
        let started = Cell::new(None);
        let out = start_fallback(Some(48_000), &path, |sr, block| {
            assert_eq!((sr, block), (SampleRate(48_000), 256));
            let e = engine(sr);
            started.set(Some(Instant::now()));
            e
        })
        .expect("the fallback starts");
        assert!(out.info().fallback);
        assert_eq!(
            out.info().description,
            format!("no audio device: recording to {}", path.display())
        );
        std::thread::sleep(Duration::from_millis(1250));
        // Flushed after about a second: valid even if the process died now.
        let early = hound::WavReader::open(&path).expect("a valid WAV while recording");
        assert!(
            early.duration() >= 43_200,
            "{} frames flushed",
            early.duration()
        );
        let elapsed = started.get().unwrap().elapsed();
        out.stop().expect("the WAV is finalised");

        let (spec, samples) = read_wav(&path);
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (2, 48_000, 32)
        );
        let frames = samples.len() / 2;
        let expected = elapsed.as_secs_f64() * 48_000.0;
        let off_by = frames as f64 - expected;
        println!("{frames} frames after {elapsed:?}: off by {off_by}");
        offs.push(off_by);
        if off_by.abs() <= 512.0 {
            break (path, samples, frames);
        }
        let _ = std::fs::remove_file(&path);
        assert!(offs.len() < 3, "off by more than 512 frames: {offs:?}");
    };

    let want = reference(SampleRate(48_000), frames);
    let onset = first_nonzero_frame(&want).unwrap();
    assert!((NOTE_FRAME as usize..NOTE_FRAME as usize + 2).contains(&onset));
    assert_eq!(first_nonzero_frame(&samples), Some(onset));
    assert!(samples == want, "the recording matches the offline render");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn naming_a_missing_device_lists_the_outputs_without_starting() {
    let wanted = "tactus-no-such-device-\u{1f3b5}";
    let opts = DeviceOptions {
        device: Some(wanted.into()),
        ..DeviceOptions::default()
    };
    let path = tmp("never.wav");
    let built = Cell::new(false);
    let result = start(&opts, &path, |sr, _| {
        built.set(true);
        engine(sr)
    });
    match result {
        Err(e @ DeviceError::NoSuchDevice { .. }) => {
            let msg = e.to_string();
            let DeviceError::NoSuchDevice { name, available } = e else {
                unreachable!()
            };
            assert_eq!(name, wanted);
            assert!(msg.contains(wanted), "{msg}");
            match available.first() {
                Some(first) => assert!(msg.contains(first.as_str()), "{msg}"),
                None => assert!(msg.contains("no audio outputs were found"), "{msg}"),
            }
        }
        other => panic!("expected NoSuchDevice, got {other:?}"),
    }
    assert!(!built.get(), "no engine is built for a missing device");
    assert!(!path.exists(), "no recording for a missing device");
}

#[test]
fn listing_outputs_never_panics() {
    match list_outputs() {
        Ok(outputs) => assert!(outputs.iter().filter(|(n, _)| n.is_empty()).count() == 0),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[test]
fn an_unwritable_fallback_path_is_an_error() {
    // A missing folder is created; a folder that is a file cannot be.
    let file = tmp("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let path = file.join("x.wav");
    match start_fallback(None, &path, |sr, _| engine(sr)) {
        Err(DeviceError::Recording { path: p, .. }) => assert_eq!(p, path),
        other => panic!("expected Recording, got {other:?}"),
    }
}

/// The session may keep the output on another thread than the one that started it.
#[cfg(target_os = "linux")]
#[test]
fn running_output_is_send() {
    fn send<T: Send>() {}
    send::<RunningOutput>();
}
