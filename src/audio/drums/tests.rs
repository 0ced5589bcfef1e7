//! The kit's contract: every sound builds, ends by itself, does not clip, is
//! audible, follows velocity; the designs do what their names say; renders
//! are reproducible, block-size independent and allocation-free.

use super::{DrumVoice, KIT};
use crate::alloc_count::{audio_allocations, audio_scope};

const SR: f32 = 48_000.0;
const SEED: u32 = 0x7AC7_0001;

/// The whole hit (until `render` reports the end), at most 4 s.
fn hit(note: u8, vel: f32, seed: u32) -> Vec<f32> {
    let mut v = DrumVoice::new(note, vel, SR, seed).expect("note in the kit");
    let mut out = Vec::new();
    let mut block = [0.0f32; 256];
    while out.len() < 4 * SR as usize {
        let more = v.render(&mut block);
        out.extend_from_slice(&block);
        if !more {
            break;
        }
    }
    out
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, s| m.max(s.abs()))
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|s| s * s).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

fn ms(t: f32) -> usize {
    (t * SR / 1000.0) as usize
}

/// Seconds until the last sample above -40 dB of the peak.
fn time_to_minus_40_db(x: &[f32]) -> f32 {
    let floor = peak(x) * 0.01;
    let last = x.iter().rposition(|s| s.abs() > floor).unwrap_or(0);
    last as f32 / SR
}

fn zero_crossings_per_s(x: &[f32]) -> f32 {
    let n = x
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    n as f32 * SR / x.len() as f32
}

#[test]
fn every_kit_note_builds_and_ends_within_3_s() {
    for &(note, name) in KIT {
        let x = hit(note, 1.0, SEED);
        assert!(
            x.len() <= 3 * SR as usize,
            "{name} ({note}) lasts {} s",
            x.len() as f32 / SR
        );
        let mut v = DrumVoice::new(note, 1.0, SR, SEED).unwrap();
        let mut rest = vec![1.0f32; x.len() + 64];
        assert!(!v.render(&mut rest), "{name} still sounding");
        assert!(
            rest[x.len()..].iter().all(|s| *s == 0.0),
            "{name} outputs after its end"
        );
    }
    for note in [0, 34, 82, 127] {
        assert!(
            DrumVoice::new(note, 1.0, SR, SEED).is_none(),
            "{note} is not in the kit"
        );
    }
}

#[test]
fn other_sample_rates_work() {
    for sr in [22_050.0f32, 44_100.0, 96_000.0] {
        for &(note, name) in KIT {
            let mut v = DrumVoice::new(note, 1.0, sr, SEED).unwrap();
            let mut x = vec![0.0f32; 3 * sr as usize];
            assert!(!v.render(&mut x), "{name} lasts over 3 s at {sr} Hz");
            assert!(x.iter().all(|s| s.is_finite()), "{name} at {sr} Hz");
            assert!(
                peak(&x) <= 1.0 && peak(&x) > 0.05,
                "{name} at {sr} Hz: {}",
                peak(&x)
            );
        }
    }
}

#[test]
fn no_sound_clips_at_full_velocity() {
    for &(note, name) in KIT {
        for seed in 1..=8 {
            let p = peak(&hit(note, 1.0, seed));
            assert!(p <= 1.0, "{name} ({note}) peaks at {p} with seed {seed}");
        }
    }
    let kick = peak(&hit(36, 1.0, SEED));
    assert!(
        (0.8..=1.0).contains(&kick),
        "kick peaks at {kick}, want about 0.9"
    );
}

#[test]
fn every_sound_is_audible() {
    for &(note, name) in KIT {
        let x = hit(note, 1.0, SEED);
        let r = rms(&x[..ms(100.0).min(x.len())]);
        assert!(
            r > 0.01,
            "{name} ({note}): RMS over its first 100 ms is {r}"
        );
    }
}

#[test]
fn half_velocity_is_quieter() {
    for &(note, name) in KIT {
        let ratio = peak(&hit(note, 0.5, SEED)) / peak(&hit(note, 1.0, SEED));
        assert!(
            ratio < 0.75,
            "{name} ({note}): velocity 0.5 / 1.0 peak ratio {ratio}"
        );
    }
}

#[test]
fn odd_inputs_are_safe() {
    assert_eq!(
        hit(36, 2.0, SEED),
        hit(36, 1.0, SEED),
        "velocity clamps to 1"
    );
    assert!(
        hit(38, f32::NAN, SEED).iter().all(|s| *s == 0.0),
        "NaN velocity is silent"
    );
    assert!(hit(38, -1.0, SEED).iter().all(|s| *s == 0.0));
    for sr in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let mut v = DrumVoice::new(42, 1.0, sr, SEED).unwrap();
        let mut x = [0.0f32; 4096];
        v.render(&mut x);
        assert!(
            x.iter().all(|s| s.is_finite() && s.abs() <= 1.0),
            "sample rate {sr}"
        );
    }
}

#[test]
fn kick_pitch_falls() {
    let x = hit(36, 1.0, SEED);
    let early = zero_crossings_per_s(&x[..ms(10.0)]);
    let late = zero_crossings_per_s(&x[ms(50.0)..ms(100.0)]);
    assert!(
        early > 1.5 * late,
        "zero crossings/s: {early} at 0-10 ms, {late} at 50-100 ms"
    );
}

#[test]
fn closed_hat_is_shorter_than_open_hat() {
    let closed = time_to_minus_40_db(&hit(42, 1.0, SEED));
    let open = time_to_minus_40_db(&hit(46, 1.0, SEED));
    assert!(closed < 0.1, "closed hat takes {closed} s to fall 40 dB");
    assert!(open > 0.25, "open hat takes {open} s to fall 40 dB");
}

#[test]
fn snare_is_brighter_than_kick() {
    let brightness = |note| {
        let x = hit(note, 1.0, SEED);
        let x = &x[..ms(100.0)];
        let diff: Vec<f32> = x.windows(2).map(|w| w[1] - w[0]).collect();
        rms(&diff) / rms(x)
    };
    let (snare, kick) = (brightness(38), brightness(36));
    assert!(
        snare > 4.0 * kick,
        "first-difference RMS ratio: snare {snare}, kick {kick}"
    );
}

#[test]
fn renders_repeat_and_do_not_depend_on_blocks() {
    for &(note, name) in KIT {
        let mut a = DrumVoice::new(note, 0.8, SR, SEED).unwrap();
        let mut b = a;
        let mut c = a;
        let mut whole = vec![0.0f32; 4800]; // rt: test code, never in the callback
        a.render(&mut whole);
        let mut one = vec![0.0f32; 4800];
        for s in one.chunks_mut(1) {
            b.render(s);
        }
        let mut odd = vec![0.0f32; 4800];
        for (i, s) in odd.chunks_mut(257).enumerate() {
            let k = [1, 63, 4, 256][i % 4].min(s.len());
            c.render(&mut s[..k]);
            c.render(&mut s[k..]);
        }
        assert_eq!(whole, one, "{name}: render(4800) != 4800 x render(1)");
        assert_eq!(whole, odd, "{name}: odd block sizes differ");
        let mut again = hit(note, 0.8, SEED);
        again.resize(4800, 0.0);
        assert_eq!(whole, again, "{name}: same seed differs");
    }
    assert_ne!(
        hit(38, 1.0, 1),
        hit(38, 1.0, 2),
        "the seed changes the noise"
    );
}

#[test]
fn choke_silences_an_open_hat_within_10_ms() {
    let mut v = DrumVoice::new(46, 1.0, SR, SEED).unwrap();
    let mut ring = vec![0.0f32; ms(50.0)];
    assert!(v.render(&mut ring));
    v.choke();
    let mut fade = vec![0.0f32; ms(10.0)];
    let sounding = v.render(&mut fade);
    assert!(!sounding, "still sounding 10 ms after the choke");
    assert!(peak(&fade[..ms(1.0)]) > 0.0, "the fade starts at once");
    // The fade is a ramp, not a cut: no step bigger than the hat itself makes.
    let step = fade
        .windows(2)
        .fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()));
    assert!(step <= 2.0 * peak(&ring[ms(40.0)..]), "click of {step}");
    assert!(fade[ms(6.0)..].iter().all(|s| *s == 0.0));
}

#[test]
fn hats_share_a_choke_group() {
    let g = DrumVoice::choke_group(42);
    assert!(g.is_some());
    assert_eq!(DrumVoice::choke_group(44), g);
    assert_eq!(DrumVoice::choke_group(46), g);
    assert_eq!(DrumVoice::choke_group(36), None);
    assert_eq!(DrumVoice::choke_group(49), None);
}

#[test]
fn starting_and_rendering_hits_does_not_allocate() {
    let mut out = vec![0.0f32; 512];
    let before = audio_allocations();
    audio_scope(|| {
        for &(note, _) in KIT {
            let mut v = DrumVoice::new(note, 1.0, SR, SEED).unwrap();
            while v.render(&mut out) {}
            v.choke();
        }
    });
    assert_eq!(
        audio_allocations(),
        before,
        "allocations inside the audio scope"
    );
}

/// Listen check by hand: `cargo test --release --lib drums_write_wavs --
/// --ignored` writes every sound to `target/drums-wav/` and prints its stats.
#[test]
#[ignore]
fn drums_write_wavs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/drums-wav");
    std::fs::create_dir_all(&dir).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SR as u32,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    for &(note, name) in KIT {
        let x = hit(note, 1.0, SEED);
        let path = dir.join(format!("{note}-{}.wav", name.replace(' ', "_")));
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        x.iter().for_each(|s| w.write_sample(*s).unwrap());
        w.finalize().unwrap();
        let head = &x[..ms(100.0).min(x.len())];
        let (p, r, len) = (peak(&x), rms(head), x.len() as f32 / SR);
        println!("{note:3} {name:16} peak {p:.3} rms100 {r:.3} len {len:.2} s");
    }
}
