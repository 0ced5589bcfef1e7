//! The General MIDI sound set, measured: every preset sounds at C4 and at
//! both ends of its range without clipping; velocity makes it louder and
//! brighter; all 128 sit within a few dB of each other at the same velocity;
//! no two presets (the Tactus originals included) are nearly identical in
//! spectrum and envelope; the percussion map is complete and distinct; and
//! MIDI program numbers pick the GM preset of that number.

use crate::common::*;

/// Loudness tolerance: every GM preset's level at C4, velocity 100, is
/// within this many dB of the median of all 128.
const LEVEL_TOLERANCE_DB: f64 = 3.0;
/// Two presets are "nearly identical" when their band spectra differ by
/// less than this on average (dB per third-octave band) and their
/// envelopes by less than [`NEAR_ENV_DB`] (dB per 50 ms window).
const NEAR_SPECTRUM_DB: f64 = 2.5;
/// See [`NEAR_SPECTRUM_DB`].
const NEAR_ENV_DB: f64 = 2.5;
/// Frames per envelope window (50 ms).
const WIN: usize = 2_400;
/// The render: a one-beat note (1 s at the default 60 bpm) and its tail.
const RENDER_S: f64 = 1.6;

/// What a listener would compare between two sounds.
struct Heard {
    /// Loudest 50 ms RMS, dB full scale.
    level_db: f64,
    /// Largest sample, either side.
    peak: f32,
    /// 50 ms RMS windows, dB relative to the loudest, floored at -60.
    env_db: Vec<f64>,
    /// Third-octave band energies of the first 0.68 s, dB relative to the
    /// total, floored at -60.
    bands_db: Vec<f64>,
    /// Spectral centroid, Hz.
    centroid_hz: f64,
}

fn db(x: f64) -> f64 {
    20.0 * x.max(1e-9).log10()
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// An in-place radix-2 FFT (re, im), length a power of two.
fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -std::f64::consts::TAU / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (ang * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let (xr, xi) = (re[b] * c - im[b] * s, re[b] * s + im[b] * c);
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
        len <<= 1;
    }
}

/// Power per FFT bin, averaged over Hann-windowed chunks of 8192 frames.
fn power(x: &[f32]) -> Vec<f64> {
    const N: usize = 8192;
    let mut sum = vec![0.0; N / 2];
    for chunk in x.chunks_exact(N).take(4) {
        let hann = |i: usize| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / N as f64).cos();
        let mut re: Vec<f64> = chunk
            .iter()
            .enumerate()
            .map(|(i, v)| *v as f64 * hann(i))
            .collect();
        let mut im = vec![0.0; N];
        fft(&mut re, &mut im);
        for k in 0..N / 2 {
            sum[k] += re[k] * re[k] + im[k] * im[k];
        }
    }
    sum
}

fn hear(out: &[f32]) -> Heard {
    let l = left(out);
    let wins: Vec<f64> = l.chunks(WIN).map(rms).collect();
    let loudest = wins.iter().cloned().fold(0.0, f64::max);
    let env_db = wins
        .iter()
        .map(|w| (db(*w) - db(loudest)).max(-60.0))
        .collect();
    let p = power(&l);
    let bin_hz = SR / 8192.0;
    let total: f64 = p.iter().sum::<f64>().max(1e-30);
    let centroid_hz = p
        .iter()
        .enumerate()
        .map(|(k, e)| k as f64 * bin_hz * e)
        .sum::<f64>()
        / total;
    let bands_db = (0..27)
        .map(|b| {
            let lo = 40.0 * 2f64.powf(b as f64 / 3.0);
            let hi = lo * 2f64.powf(1.0 / 3.0);
            let e: f64 = (p.iter().enumerate())
                .filter(|(k, _)| (lo..hi).contains(&(*k as f64 * bin_hz)))
                .map(|(_, e)| e)
                .sum();
            (10.0 * (e / total).max(1e-12).log10()).max(-60.0)
        })
        .collect();
    Heard {
        level_db: db(loudest),
        peak: out.iter().fold(0.0f32, |m, x| m.max(x.abs())),
        env_db,
        bands_db,
        centroid_hz,
    }
}

/// One note of the preset chosen by `opts` (`program: 57` or
/// `instrument: "piano"`).
fn play(opts: &str, key: u8, vel: u8, seconds: f64) -> Heard {
    let src = format!("channel(1, #{{ {opts} }}); note(1, {key}, 1, #{{ vel: {vel} }});");
    hear(&render_for(&src, 256, seconds))
}

fn mean_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64
}

fn gm_name(program: u8) -> String {
    tactus::presets::gm::program(program - 1).name.to_string()
}

/// The 128 GM presets at C4, velocity 100, with their names (rendered once
/// for the tests that share them).
fn gm_at_c4() -> &'static [(String, Heard)] {
    static C4: std::sync::OnceLock<Vec<(String, Heard)>> = std::sync::OnceLock::new();
    C4.get_or_init(|| {
        (1..=128u8)
            .map(|p| {
                (
                    gm_name(p),
                    play(&format!("program: {p}"), 60, 100, RENDER_S),
                )
            })
            .collect()
    })
}

/// Render length for the range and velocity checks.
const SHORT_S: f64 = 0.8;

#[test]
fn every_gm_preset_sounds_clean_across_its_range_and_levels_match() {
    let c4 = gm_at_c4();
    let mut bad = Vec::new();
    for (name, h) in c4 {
        if h.peak >= 0.95 || h.level_db < -40.0 {
            bad.push(format!(
                "{name} at C4: peak {:.2}, {:.1} dB",
                h.peak, h.level_db
            ));
        }
    }
    for p in 1..=128u8 {
        let g = tactus::presets::gm::program(p - 1);
        for key in [g.low, g.high] {
            let h = play(&format!("program: {p}"), key, 100, SHORT_S);
            if h.peak >= 0.95 || h.level_db < -45.0 {
                bad.push(format!(
                    "{} at {key}: peak {:.2}, {:.1} dB",
                    g.name, h.peak, h.level_db
                ));
            }
        }
    }
    assert!(bad.is_empty(), "clipping (peak >= 0.95) or silent: {bad:?}");
    let mut levels: Vec<f64> = c4.iter().map(|(_, h)| h.level_db).collect();
    levels.sort_by(f64::total_cmp);
    let median = levels[64];
    let off: Vec<String> = (c4.iter())
        .filter(|(_, h)| (h.level_db - median).abs() > LEVEL_TOLERANCE_DB)
        .map(|(n, h)| format!("{n} {:+.1} dB", h.level_db - median))
        .collect();
    println!(
        "GM levels at C4, velocity 100: median {median:.1} dBFS, range {:.1} to {:.1}",
        levels[0], levels[127]
    );
    assert!(
        off.is_empty(),
        "beyond ±{LEVEL_TOLERANCE_DB} dB of the median: {off:?}"
    );
}

#[test]
fn velocity_makes_every_gm_preset_louder_and_brighter() {
    let (mut dull, mut flat) = (Vec::new(), Vec::new());
    for p in 1..=128u8 {
        let soft = play(&format!("program: {p}"), 60, 50, SHORT_S);
        let hard = play(&format!("program: {p}"), 60, 110, SHORT_S);
        let name = gm_name(p);
        if hard.level_db - soft.level_db < 4.0 {
            flat.push(format!("{name} {:+.1} dB", hard.level_db - soft.level_db));
        }
        if hard.centroid_hz < soft.centroid_hz * 1.03 {
            dull.push(format!(
                "{name} {:.0} -> {:.0} Hz",
                soft.centroid_hz, hard.centroid_hz
            ));
        }
    }
    assert!(
        flat.is_empty() && dull.is_empty(),
        "not 4 dB louder at velocity 110 than 50: {flat:?}; not brighter: {dull:?}"
    );
}

#[test]
fn no_two_presets_sound_nearly_the_same() {
    let originals: Vec<(String, Heard)> = (tactus::presets::group("tactus").unwrap().into_iter())
        .map(|name| {
            (
                name.to_string(),
                play(&format!("instrument: \"{name}\""), 60, 100, RENDER_S),
            )
        })
        .collect();
    let all: Vec<&(String, Heard)> = gm_at_c4().iter().chain(&originals).collect();
    let mut same = Vec::new();
    let mut closest = (f64::MAX, String::new());
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            let (a, b) = (all[i], all[j]);
            let ds = mean_abs_diff(&a.1.bands_db, &b.1.bands_db);
            let de = mean_abs_diff(&a.1.env_db, &b.1.env_db);
            if ds + de < closest.0 {
                closest = (
                    ds + de,
                    format!(
                        "{} / {}: {ds:.1} dB spectrum, {de:.1} dB envelope",
                        a.0, b.0
                    ),
                );
            }
            if ds < NEAR_SPECTRUM_DB && de < NEAR_ENV_DB {
                same.push(format!("{} ~ {} ({ds:.1} dB, {de:.1} dB)", a.0, b.0));
            }
        }
    }
    println!("closest pair: {}", closest.1);
    assert!(same.is_empty(), "nearly identical: {same:?}");
}

#[test]
fn every_gm_drum_note_sounds_and_no_two_are_nearly_the_same() {
    let hits: Vec<(u8, Heard)> = (35..=81u8)
        .map(|n| {
            (
                n,
                hear(&render_for(
                    &format!("note(10, {n}, 0.5, #{{ vel: 100 }});"),
                    256,
                    1.2,
                )),
            )
        })
        .collect();
    let mut bad = Vec::new();
    for (n, h) in &hits {
        if h.peak >= 0.95 || h.level_db < -40.0 {
            bad.push(format!("{n}: peak {:.2}, {:.1} dB", h.peak, h.level_db));
        }
    }
    assert!(bad.is_empty(), "clipping or silent drum notes: {bad:?}");
    let mut same = Vec::new();
    for i in 0..hits.len() {
        for j in i + 1..hits.len() {
            let ds = mean_abs_diff(&hits[i].1.bands_db, &hits[j].1.bands_db);
            let de = mean_abs_diff(&hits[i].1.env_db, &hits[j].1.env_db);
            if ds < NEAR_SPECTRUM_DB && de < NEAR_ENV_DB {
                same.push(format!(
                    "{} ~ {} ({ds:.1} dB, {de:.1} dB)",
                    hits[i].0, hits[j].0
                ));
            }
        }
    }
    assert!(same.is_empty(), "nearly identical drum sounds: {same:?}");
}

#[test]
fn instruments_lists_the_set_by_family_and_program_names_it() {
    let (h, out) = host(
        r#"let all = instruments();
        print(`${all.len()} ${all[0]} ${all[56]} ${all[127]} ${all[all.len() - 1]}`);
        print(instruments("brass"));
        print(instruments("drums").len());
        channel(2, #{ program: 57 });
        print(`${channel(2).instrument} ${channel(2).program} ${channel(2).synth}`);
        channel(3, #{ instrument: "vibes" });
        print(`${channel(3).instrument} ${channel(3).program}`);
        channel(4, #{ instrument: "piano" });
        print(`${channel(4).instrument} ${channel(4).synth}`);"#,
    );
    drop(h);
    let text = out.borrow().clone();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0], "140 acoustic_grand_piano trumpet gunshot drums",
        "128 GM, 11 more Tactus originals, the kit"
    );
    assert!(
        lines[1].contains("trumpet") && lines[1].contains("synth_brass_2"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "47", "the percussion map, notes 35-81");
    assert_eq!(lines[3], "trumpet 57 saw", "program: 57 is the trumpet");
    assert_eq!(lines[4], "vibraphone 12", "an alias");
    assert_eq!(
        lines[5], "piano triangle",
        "the Tactus piano keeps its sound"
    );
}

#[test]
fn bad_programs_and_groups_are_clear_errors() {
    let e = check_error("channel(1, #{ program: 129 });");
    assert!(
        e.contains("program must be a General MIDI program 1-128"),
        "{e}"
    );
    let e = check_error("instruments(\"horns\");");
    assert!(
        e.contains("unknown group") && e.contains("synth_lead"),
        "{e}"
    );
    let e = check_error("channel(1, #{ instrument: \"kazoo\" });");
    assert!(
        e.contains("unknown instrument") && e.contains("trumpet"),
        "{e}"
    );
    let e = check_error("channel(1, #{ instrument: \"piano\", program: 1 });");
    assert!(e.contains("not both"), "{e}");
}

#[test]
fn the_gm_tour_script_renders() {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/gm_tour.rhai"))
        .unwrap();
    let out = render_for(&src, 256, 40.0);
    let l = left(&out);
    let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(peak < 0.99, "the tour clips: {peak}");
    let quiet = l.chunks(48_000).filter(|s| rms(s) < 0.005).count();
    assert!(quiet <= 2, "{quiet} silent seconds in the first 40");
}

#[test]
fn gm_presets_render_the_same_at_any_block_size() {
    // FM with velocity brightness, a plucked string, a filtered saw with
    // saturation, noise through effects: the per-note filter and the
    // velocity-scaled FM index do not depend on where blocks split.
    for p in [1, 25, 57, 100, 123] {
        let src = format!(
            "channel(1, #{{ program: {p} }}); note(1, 60, 0.5, #{{ vel: 70 }}); note(1, 67, 0.5, #{{ at: 0.25, vel: 120 }});"
        );
        let a = render_for(&src, 64, 1.0);
        let b = render_for(&src, 1000, 1.0);
        assert!(
            a == b,
            "program {p} differs between blocks of 64 and 1000 frames"
        );
    }
}
