//! Garbage: every command gives back what it owns, and a command the engine
//! cannot apply goes back through the garbage channel, never freed in the
//! callback.

use super::*;
use crate::alloc_count::{audio_allocations, audio_scope};
use crate::audio::table::Table;
use crate::command::{CcParam, EnvFrames, Layers, Source, Wave};
use crate::time::Frame;
use crossbeam_channel::bounded;

fn fx() -> Box<ChannelFx> {
    Box::new(ChannelFx::new(48_000.0)) // rt: test code, never in the callback
}

fn note() -> NoteOn {
    NoteOn {
        frame: Frame(0),
        id: 1,
        channel: 0,
        source: Source::Wave(Wave::Sine),
        freq_hz: 440.0,
        amp: 0.5,
        pan: 0.5,
        env: EnvFrames {
            attack: 1,
            decay: 1,
            sustain: 1.0,
            release: 1,
            gate: 10,
        },
        filter: None,
        layers: Layers::default(),
    }
}

#[test]
fn every_command_converts_into_its_garbage() {
    let f = Frame(5);
    let owning = [
        Command::InstallFx {
            frame: f,
            channel: 0,
            fx: fx(),
        },
        Command::Table {
            frame: f,
            number: 3,
            table: Some(Table::from_points(&[0.25, -0.5])),
        },
    ];
    let kinds: Vec<&str> = owning
        .into_iter()
        .map(|c| match c.into_garbage() {
            Some(Garbage::Fx(_)) => "fx",
            Some(Garbage::Table(t)) if t.points() == [0.25, -0.5] => "table",
            other => panic!("wrong garbage {other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["fx", "table"]);
    let target = CcTarget {
        param: CcParam::Volume,
        min: 0.0,
        max: 1.0,
    };
    let plain = [
        Command::Note(note()),
        Command::Release { frame: f, id: 1 },
        Command::Table {
            frame: f,
            number: 3,
            table: None,
        },
        Command::Channel {
            frame: f,
            channel: 0,
            change: ChannelChange::Volume(0.5),
        },
        Command::CcMap {
            frame: f,
            cc: 1,
            channel: None,
            target,
        },
        Command::Cc {
            frame: f,
            channel: 0,
            cc: 1,
            value: 64,
        },
        Command::AllOff { frame: f },
    ];
    for c in plain {
        let shown = format!("{c:?}"); // rt: test code, never in the callback
        assert!(c.into_garbage().is_none(), "{shown} owns nothing");
    }
}

#[test]
fn disposed_effect_chains_and_tables_go_back_unfreed() {
    let (_tx, rx) = bounded(4);
    let (gtx, grx) = bounded(4);
    let mut engine = Engine::new(EngineConfig::new(crate::time::SampleRate(48_000)), rx, gtx);
    let install = Command::InstallFx {
        frame: Frame(0),
        channel: 2,
        fx: fx(),
    };
    let table = Command::Table {
        frame: Frame(0),
        number: 7,
        table: Some(Table::from_points(&[1.0, 2.0, 3.0])),
    };
    let before = audio_allocations();
    audio_scope(|| {
        engine.dispose(install);
        engine.dispose(table);
    });
    assert_eq!(
        audio_allocations() - before,
        0,
        "nothing freed in the callback"
    );
    assert!(
        matches!(grx.try_recv(), Ok(Garbage::Fx(_))),
        "the chain came back"
    );
    match grx.try_recv() {
        Ok(Garbage::Table(t)) => assert_eq!(t.points(), [1.0, 2.0, 3.0]),
        other => panic!("the table should come back, got {other:?}"),
    }
    assert_eq!(engine.telemetry.bad_commands.load(Ordering::Relaxed), 2);
}

/// The published clock maps wall time to frames: a block processed now
/// puts "now" at its first frame, and a later instant further on.
#[test]
fn the_audio_clock_maps_wall_time_to_frames() {
    let sr = crate::time::SampleRate(48_000);
    let (_tx, rx) = crossbeam_channel::bounded(4);
    let (gtx, _grx) = crossbeam_channel::bounded(4);
    let mut e = Engine::new(EngineConfig::new(sr), rx, gtx);
    let t = e.telemetry();
    assert_eq!(
        t.frame_at(std::time::Instant::now(), sr),
        None,
        "no callback yet"
    );
    let mut buf = vec![0.0f32; 512]; // rt: test code, never in the callback
    e.process(&mut buf);
    let before = std::time::Instant::now();
    e.process(&mut buf);
    let f = t.frame_at(before, sr).unwrap();
    assert!((250..=256 + 48).contains(&f), "{f}");
    let later = before + std::time::Duration::from_millis(10);
    let g = t.frame_at(later, sr).unwrap();
    assert!((g as i64 - f as i64 - 480).abs() <= 48, "{f} {g}");
    let back = t.frame_at(t.instant_at(10_000, sr).unwrap(), sr).unwrap();
    assert!((back as i64 - 10_000).abs() <= 1, "{back}");
}

/// A held sine at 440 Hz on channel 0, bent by `semitones` at frame 1000,
/// rendered in blocks of `block` frames (left channel).
fn bent_sine(block: usize, semitones: f32) -> Vec<f32> {
    let (tx, rx) = bounded(16);
    let (gtx, _grx) = bounded(16);
    let mut engine = Engine::new(EngineConfig::new(SampleRate(48_000)), rx, gtx);
    let mut held = note();
    held.env.gate = u64::MAX;
    tx.send(Command::Note(held)).unwrap();
    tx.send(Command::Channel {
        frame: Frame(1000),
        channel: 0,
        change: ChannelChange::Bend(semitones),
    })
    .unwrap();
    let mut out = Vec::new(); // rt: test code, never in the callback
    let mut buf = vec![0.0f32; block * 2]; // rt: test code, never in the callback
    let before = audio_allocations();
    while out.len() < 12_000 {
        audio_scope(|| engine.process(&mut buf));
        out.extend(buf.chunks_exact(2).map(|f| f[0]));
    }
    assert_eq!(audio_allocations() - before, 0, "bending allocates nothing");
    out.truncate(12_000);
    out
}

/// Frequency from the rising zero crossings of a run of samples.
fn freq_of(x: &[f32]) -> f64 {
    let ups: Vec<f64> = (1..x.len())
        .filter(|&i| x[i - 1] < 0.0 && x[i] >= 0.0)
        .map(|i| i as f64 - 1.0 + (-x[i - 1] / (x[i] - x[i - 1])) as f64)
        .collect();
    let n = ups.len() - 1;
    48_000.0 * n as f64 / (ups[n] - ups[0])
}

#[test]
fn a_bend_glides_to_its_pitch_whatever_the_block_size() {
    let reference = bent_sine(256, 2.0);
    for block in [1, 4, 63, 257] {
        let other = bent_sine(block, 2.0);
        let first = (0..reference.len()).find(|&i| other[i] != reference[i]);
        assert!(
            first.is_none(),
            "block {block} differs from frame {first:?}"
        );
    }
    let before = freq_of(&reference[100..1000]);
    let after = freq_of(&reference[6000..12_000]);
    assert!((before - 440.0).abs() < 0.05, "{before}");
    let cents = 1200.0 * (after / before).log2();
    assert!((cents - 200.0).abs() < 1.0, "bent by {cents} cents");
    // Smooth: no jump of more than a fraction of the bend between 64-frame steps.
    let mid = freq_of(&reference[1100..1500]);
    assert!(mid > before && mid < after, "glides: {mid}");
    let octave = bent_sine(256, 12.0);
    let cents = 1200.0 * (freq_of(&octave[6000..12_000]) / before).log2();
    assert!((cents - 1200.0).abs() < 1.0, "an octave: {cents}");
}

/// A NaN from a voice (here a table holding one) once stayed in the
/// reverb's state for good, and every later note was lost in NaN (issue
/// 16): it is silenced before the chain and the output, and counted.
#[test]
fn a_nan_never_reaches_the_output_or_an_effect_chain() {
    let (tx, rx) = bounded(16);
    let (gtx, _grx) = bounded(16);
    let mut engine = Engine::new(EngineConfig::new(crate::time::SampleRate(48_000)), rx, gtx);
    let mut chain = fx();
    chain.set_at_once(crate::audio::fx::FxParam::Reverb(0.5));
    let table = Table::from_points(&[0.0, f32::NAN, 1.0, -1.0]);
    tx.send(Command::InstallFx {
        frame: Frame(0),
        channel: 0,
        fx: chain,
    })
    .unwrap();
    let number = 3;
    tx.send(Command::Table {
        frame: Frame(0),
        number,
        table: Some(table),
    })
    .unwrap();
    let bad = NoteOn {
        source: Source::Table(number),
        ..note()
    };
    tx.send(Command::Note(bad)).unwrap();
    let later = NoteOn {
        frame: Frame(24_000),
        id: 2,
        env: EnvFrames {
            gate: 4800,
            ..note().env
        },
        ..note()
    };
    tx.send(Command::Note(later)).unwrap();
    let mut out = vec![0.0f32; 48_000 * 2]; // rt: a unit test, not the callback
    for block in out.chunks_mut(512) {
        engine.process(block);
    }
    assert!(
        out.iter().all(|x| x.is_finite()),
        "a non-finite sample reached the output"
    );
    let after: f32 = out[48_000..2 * 30_000]
        .iter()
        .map(|x| x.abs())
        .fold(0.0, f32::max);
    assert!(
        after > 0.05,
        "the later note is heard through the reverb: peak {after}"
    );
    assert!(engine.telemetry.non_finite_samples.load(Ordering::Relaxed) > 0);
}

/// The strings are split over the groups' pools, but as many ring at once
/// as one shared pool held: the note past them is dropped, and a string
/// that ends frees its place for a new one.
#[test]
fn the_groups_hold_as_many_plucked_strings_as_one_pool() {
    let sr = SampleRate(48_000);
    let (tx, rx) = bounded(256);
    let (gtx, _grx) = bounded(16);
    let mut engine = Engine::new(EngineConfig::new(sr), rx, gtx);
    let pluck = |id: u64, gate: u64| NoteOn {
        id,
        source: Source::Pluck { damping: 0.5 },
        env: EnvFrames {
            attack: 1,
            decay: 1,
            sustain: 1.0,
            release: 1,
            gate,
        },
        ..note()
    };
    let total = voice_build::STRINGS as u64 + 5;
    for id in 0..total {
        // The first ends within the block; the rest ring on.
        let gate = if id == 0 { 10 } else { 48_000 };
        tx.try_send(Command::Note(pluck(id, gate))).unwrap();
    }
    let mut out = vec![0.0f32; 512]; // rt: a unit test, not the callback
    engine.process(&mut out);
    let dropped = engine.telemetry.dropped_notes.load(Ordering::Relaxed);
    assert_eq!(dropped, total - voice_build::STRINGS as u64);
    assert_eq!(engine.active_voices(), voice_build::STRINGS - 1);
    tx.try_send(Command::Note(pluck(999, 48_000))).unwrap();
    engine.process(&mut out);
    assert_eq!(engine.active_voices(), voice_build::STRINGS);
    assert_eq!(
        engine.telemetry.dropped_notes.load(Ordering::Relaxed),
        dropped
    );
}

/// Offline, the engine starts a render worker per extra thread asked, up to
/// the number of voice groups; a live engine (the default) has none.
#[test]
fn an_engine_renders_on_the_threads_it_was_given() {
    let sr = SampleRate(48_000);
    for (asked, got) in [(1, 1), (2, 2), (64, groups::GROUPS)] {
        let (_tx, rx) = bounded(4);
        let (gtx, _grx) = bounded(4);
        let cfg = EngineConfig {
            threads: asked,
            ..EngineConfig::new(sr)
        };
        assert_eq!(Engine::new(cfg, rx, gtx).threads(), got, "{asked} asked");
    }
    let (_tx, rx) = bounded(4);
    let (gtx, _grx) = bounded(4);
    assert_eq!(Engine::new(EngineConfig::new(sr), rx, gtx).threads(), 1);
}
