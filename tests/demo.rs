//! `scripts/demo.rhai`, what `make run` plays, as a listener hears it: every
//! part at a comparable level, the bass above 40 Hz, no DC, a stereo image,
//! and sections that change over its 64-bar form. Each part is rendered
//! alone by quieting the demo's other channels (`quiet(ch)`).

use tactus::render::{self, RenderOptions};
use tactus::time::{SampleRate, Seconds};

const DEMO: &str = include_str!("../scripts/demo.rhai");
const README: &str = include_str!("../README.md");
/// The demo's tempo: a bar of 4 beats lasts 240 / 118 s.
const BAR_S: f64 = 240.0 / 118.0;
/// The whole form: 64 bars.
const FORM_S: f64 = 64.0 * BAR_S;
/// The parts and their channels.
const PARTS: [(&str, u32); 5] = [
    ("bass", 1),
    ("keys", 2),
    ("lead", 3),
    ("pad", 4),
    ("drums", 10),
];
const CHANNELS: [u32; 5] = [1, 2, 3, 4, 10];

/// Interleaved stereo of the demo with only `keep` sounding (all if empty).
fn render_demo(keep: &[u32], sr_hz: u32, seconds: f64) -> Vec<f32> {
    render_demo_with("", keep, sr_hz, seconds)
}

/// The demo with `extra` typed at its start, only `keep` sounding.
fn render_demo_with(extra: &str, keep: &[u32], sr_hz: u32, seconds: f64) -> Vec<f32> {
    let mut src = format!("{DEMO}\n{extra};");
    for ch in CHANNELS
        .iter()
        .filter(|c| !keep.is_empty() && !keep.contains(c))
    {
        src.push_str(&format!("\nquiet({ch});"));
    }
    let opts = RenderOptions {
        sr: SampleRate(sr_hz),
        duration: Some(Seconds(seconds)),
        ..RenderOptions::default()
    };
    render::render_to_vec("demo.rhai", &src, &opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

fn mono(x: &[f32]) -> Vec<f64> {
    x.chunks(2)
        .map(|f| 0.5 * (f[0] as f64 + f[1] as f64))
        .collect()
}

fn db(power: f64) -> f64 {
    10.0 * power.max(1e-30).log10()
}

/// Mean power of 400 ms windows, gated as loudness meters gate (EBU R128,
/// without its weighting): windows below -70 dBFS, then those 10 dB under
/// the mean of the rest, are left out: the level while the part plays.
fn gated_level_db(x: &[f64], sr_hz: u32) -> f64 {
    let n = (0.4 * sr_hz as f64) as usize;
    let powers: Vec<f64> = x
        .chunks(n)
        .map(|w| w.iter().map(|s| s * s).sum::<f64>() / w.len() as f64)
        .filter(|&p| db(p) > -70.0)
        .collect();
    let mean = powers.iter().sum::<f64>() / powers.len().max(1) as f64;
    let kept: Vec<f64> = powers
        .into_iter()
        .filter(|&p| db(p) > db(mean) - 10.0)
        .collect();
    db(kept.iter().sum::<f64>() / kept.len().max(1) as f64)
}

/// The fraction of `x`'s energy below about `hz`: the energy of its means
/// over windows of 1/hz s (a moving average has its first null at hz).
fn energy_below(x: &[f64], sr_hz: u32, hz: f64) -> f64 {
    let n = (sr_hz as f64 / hz) as usize;
    let total: f64 = x.iter().map(|s| s * s).sum();
    let low: f64 = x
        .chunks_exact(n)
        .map(|w| {
            let m = w.iter().sum::<f64>() / n as f64;
            m * m * n as f64
        })
        .sum();
    low / total.max(1e-30)
}

/// `x` through a 4th-order Butterworth-like low-pass at `hz` (two RBJ
/// biquads, Q 0.54 and 1.31).
fn lowpass(x: &[f64], sr_hz: u32, hz: f64) -> Vec<f64> {
    let mut y = x.to_vec();
    for q in [0.541, 1.307] {
        let w = std::f64::consts::TAU * hz / sr_hz as f64;
        let alpha = w.sin() / (2.0 * q);
        let a0 = 1.0 + alpha;
        let b0 = (1.0 - w.cos()) / 2.0 / a0;
        let (b1, b2) = (2.0 * b0, b0);
        let (a1, a2) = (-2.0 * w.cos() / a0, (1.0 - alpha) / a0);
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for s in y.iter_mut() {
            let out = b0 * *s + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
            (x2, x1, y2, y1) = (x1, *s, y1, out);
            *s = out;
        }
    }
    y
}

/// The level of each 4-bar phrase of `x`, dB.
fn phrase_levels_db(x: &[f64], sr_hz: u32) -> Vec<f64> {
    let n = (4.0 * BAR_S * sr_hz as f64) as usize;
    x.chunks_exact(n)
        .map(|w| db(w.iter().map(|s| s * s).sum::<f64>() / n as f64))
        .collect()
}

/// Every part alone, over the whole form: levels within 6 dB of each other,
/// the bass's energy mostly above 40 Hz, no DC in the plucked voices, and
/// drums that come and go with the sections.
#[test]
fn demo_parts_are_balanced_the_bass_is_above_40_hz_and_nothing_has_dc() {
    let sr = 24_000;
    let mut levels = Vec::new();
    for (name, ch) in PARTS {
        let x = mono(&render_demo(&[ch], sr, FORM_S));
        let level = gated_level_db(&x, sr);
        let dc = energy_below(&x, sr, 5.0);
        println!(
            "{name}: {level:.1} dB, energy below 5 Hz {:.3} %",
            dc * 100.0
        );
        assert!(
            dc < 0.005,
            "{name}: {:.2} % of its energy below 5 Hz",
            dc * 100.0
        );
        if name == "bass" {
            let sub: f64 = lowpass(&x, sr, 40.0).iter().map(|s| s * s).sum();
            let all: f64 = x.iter().map(|s| s * s).sum();
            // What a laptop or phone speaker plays: above about 150 Hz.
            let low: f64 = lowpass(&x, sr, 150.0).iter().map(|s| s * s).sum();
            let small = 1.0 - low / all;
            println!(
                "bass: energy below 40 Hz {:.1} %, above 150 Hz {:.1} %",
                100.0 * sub / all,
                100.0 * small
            );
            assert!(
                sub / all < 0.1,
                "bass: {:.0} % below 40 Hz",
                100.0 * sub / all
            );
            assert!(
                small > 0.1,
                "bass: only {:.0} % above 150 Hz",
                100.0 * small
            );
        }
        if name == "drums" {
            let phrases = phrase_levels_db(&x, sr);
            println!("drums per 4 bars: {phrases:.0?}");
            // Intro (phrases 0, 1) and breakdown (6, 7) without drums.
            for k in [0, 1, 6, 7] {
                assert!(
                    phrases[k] < -60.0,
                    "drums in the quiet phrase {k}: {phrases:?}"
                );
            }
            for k in [2, 5, 8, 13] {
                assert!(phrases[k] > -40.0, "no drums in phrase {k}: {phrases:?}");
            }
        }
        levels.push((name, level));
    }
    let loudest = levels.iter().map(|l| l.1).fold(f64::MIN, f64::max);
    for (name, level) in &levels {
        assert!(
            loudest - level <= 6.0,
            "{name} is {:.1} dB under the loudest part: {levels:?}",
            loudest - level
        );
    }
}

/// The whole demo: a stereo image (side energy against mid; the demo before
/// this test measured -19.5 dB), no DC, and a form that breathes: the
/// quietest 4-bar phrase (the intro, pad and lead alone) at least 3 dB under
/// the loudest (the old demo's phrases were all alike). Which parts play in
/// which section is checked part by part above (the drums).
#[test]
fn demo_is_wide_and_develops() {
    let sr = 48_000;
    let out = render_demo(&[], sr, FORM_S);
    let (mut mid, mut side) = (0.0, 0.0);
    for f in out.chunks(2) {
        let (l, r) = (f[0] as f64, f[1] as f64);
        mid += (0.5 * (l + r)).powi(2);
        side += (0.5 * (l - r)).powi(2);
    }
    let width_db = db(side / mid);
    let x = mono(&out);
    let dc = energy_below(&x, sr, 5.0);
    let phrases = phrase_levels_db(&x, sr);
    println!(
        "side/mid {width_db:.1} dB, energy below 5 Hz {:.3} %, phrases {phrases:.1?}",
        dc * 100.0
    );
    assert!(width_db > -14.0, "nearly mono: side/mid {width_db:.1} dB");
    assert!(dc < 0.005, "{:.2} % of the mix below 5 Hz", dc * 100.0);
    let hi = phrases.iter().copied().fold(f64::MIN, f64::max);
    let lo = phrases.iter().copied().fold(f64::MAX, f64::min);
    assert!(hi - lo > 3.0, "the phrases all alike: {phrases:.1?}");
}

/// The README's first live loop, typed while the demo plays, is clearly
/// heard: its level within 10 dB of the loudest part's (on the demo's pad
/// channel it was 49 dB under the mix). The line is taken from README.md.
#[test]
fn readme_first_loop_is_heard_over_the_demo() {
    let typed = README
        .lines()
        .find_map(|l| l.trim().strip_prefix("tactus> live_loop(\"hi\""))
        .map(|rest| format!("live_loop(\"hi\"{rest}"))
        .expect("the README's first session has live_loop(\"hi\", ...)");
    let ch: u32 = typed
        .split("note(")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|c| c.trim().parse().ok())
        .expect("its note's channel");
    assert!(
        !CHANNELS.contains(&ch),
        "the loop plays on channel {ch}, one of the demo's"
    );
    let sr = 24_000;
    // The groove: bars 8-15, every part playing.
    let seconds = 16.0 * BAR_S;
    let skip = (8.0 * BAR_S * sr as f64) as usize;
    let level = |keep: &[u32], extra: &str| {
        let x = mono(&render_demo_with(extra, keep, sr, seconds));
        gated_level_db(&x[skip..], sr)
    };
    let hi = level(&[ch], &typed);
    let parts: Vec<f64> = CHANNELS.iter().map(|&c| level(&[c], "")).collect();
    let loudest = parts.iter().copied().fold(f64::MIN, f64::max);
    println!("README loop on channel {ch}: {hi:.1} dB; the demo's parts {parts:.1?}");
    assert!(
        loudest - hi < 10.0,
        "the README's loop is {:.1} dB under the loudest part",
        loudest - hi
    );
}

/// The engine change the demo needed: a plucked string alone, low and
/// long-ringing, keeps no DC (the string's loop passes DC almost undamped,
/// so an offset in its noise burst used to drift on after the pitch died:
/// 12 % of the demo lead's energy was below 5 Hz).
#[test]
fn a_plucked_string_has_no_dc() {
    for (pitch, damping) in [("A1", 0.0), ("E3", 0.25), ("A5", 0.6)] {
        let src = format!(
            "channel(1, #{{ synth: \"pluck\", damping: {damping}, env: adsr(0, 0, 1, 0.01) }});\n\
             for k in 0..8 {{ note(1, \"{pitch}\", 1.5, #{{ at: k * 2 }}); }}"
        );
        let opts = RenderOptions {
            duration: Some(Seconds(16.0)),
            ..RenderOptions::default()
        };
        let out = render::render_to_vec("pluck.rhai", &src, &opts).unwrap().0;
        let dc = energy_below(&mono(&out), 48_000, 5.0);
        println!(
            "pluck {pitch}, damping {damping}: {:.4} % below 5 Hz",
            dc * 100.0
        );
        assert!(
            dc < 0.002,
            "{pitch}: {:.2} % of its energy below 5 Hz",
            dc * 100.0
        );
    }
}
