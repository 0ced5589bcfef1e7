//! Real-time properties: block-size invariance, no allocation, no clicks
//! on parameter changes, and (ignored, run by hand) the cost per effect.

use super::tests::{fx_with, noise, rms, sine, SR};
use super::FxParam;
use FxParam::*;

/// Every effect on.
const ALL_ON: [FxParam; 14] = [
    Distortion(0.3),
    Saturation(0.5),
    Highpass(80.0),
    Lowpass(3000.0),
    Q(2.0),
    Tremolo(0.5),
    TremoloRate(7.0),
    Chorus(0.6),
    Phaser(0.7),
    Delay(0.4),
    DelayTime(0.05),
    DelayFeedback(0.6),
    Reverb(0.4),
    ReverbDecay(2.0),
];

/// Changes made mid-render: sweeps, a delay-time crossfade, stages
/// switching off (and so going idle inside a block).
const CHANGES: [FxParam; 8] = [
    Lowpass(800.0),
    Q(8.0),
    DelayTime(0.0371),
    ReverbDecay(5.0),
    Distortion(0.0),
    Chorus(0.0),
    Phaser(0.0),
    Tremolo(0.0),
];

/// Wake-ups after [`CHANGES`] have settled: the chorus restarts from
/// cleared lines, the delay's send closes while its echoes ring on.
const LATER: [FxParam; 3] = [Chorus(0.5), Delay(0.0), Phaser(1.0)];

/// Render 1 s of sine plus noise with [`ALL_ON`] set at frame 0,
/// [`CHANGES`] at frame 20 000 and [`LATER`] at 30 000, in blocks whose
/// sizes cycle through `sizes` (cut at the change frames).
fn render_all_on(sizes: &[usize]) -> (Vec<f32>, Vec<f32>) {
    let n = SR as usize;
    let x: Vec<f32> = sine(220.0, 0.4, n)
        .iter()
        .zip(noise(n, 0.3, 11))
        .map(|(a, b)| a + b)
        .collect();
    let (mut l, mut r) = (x.clone(), x);
    let mut fx = fx_with(&ALL_ON);
    let events: [(usize, &[FxParam]); 2] = [(20_000, &CHANGES), (30_000, &LATER)];
    let (mut at, mut k) = (0, 0);
    while at < n {
        for (frame, params) in events {
            if at == frame {
                params.iter().for_each(|&p| fx.set(p));
            }
        }
        let stop = events.iter().map(|e| e.0).find(|&f| f > at).unwrap_or(n);
        let end = (at + sizes[k % sizes.len()]).min(stop);
        fx.process(&mut l[at..end], &mut r[at..end]);
        (at, k) = (end, k + 1);
    }
    (l, r)
}

#[test]
fn block_size_does_not_change_a_single_bit() {
    let whole = render_all_on(&[512]);
    assert!(whole.0.iter().all(|v| v.is_finite()));
    for sizes in [&[1][..], &[63], &[256], &[257, 1, 4096, 4, 100]] {
        let other = render_all_on(sizes);
        assert!(whole.0 == other.0, "left differs with blocks {sizes:?}");
        assert!(whole.1 == other.1, "right differs with blocks {sizes:?}");
    }
}

#[test]
fn process_never_allocates_with_everything_on() {
    use crate::alloc_count::{audio_allocations, audio_scope};
    // The counting allocator is installed: an allocation in scope counts.
    let before = audio_allocations();
    audio_scope(|| drop(std::hint::black_box(vec![0u8; 16])));
    assert!(
        audio_allocations() > before,
        "the counting allocator is not installed"
    );

    let mut fx = fx_with(&ALL_ON);
    let (mut l, mut r) = (noise(4096, 0.5, 1), noise(4096, 0.5, 2));
    let before = audio_allocations();
    audio_scope(|| {
        for (i, n) in [1usize, 64, 4096, 333, 4096]
            .iter()
            .cycle()
            .take(60)
            .enumerate()
        {
            if i == 30 {
                CHANGES.iter().for_each(|&p| fx.set(p));
                fx.set(Chorus(0.8)); // wakes the chorus: its lines are cleared
                fx.set(Delay(0.0));
            }
            fx.process(&mut l[..*n], &mut r[..*n]);
        }
    });
    assert_eq!(audio_allocations(), before, "process allocated");
}

/// The largest sample-to-sample step.
fn steepest(x: &[f32]) -> f32 {
    x.windows(2).fold(0.0, |m, w| m.max((w[1] - w[0]).abs()))
}

#[test]
fn lowpass_sweep_200_to_8k_has_no_jump() {
    let x = sine(1000.0, 0.5, SR as usize);
    let at = x.len() / 2;
    let mut fx = fx_with(&[Lowpass(200.0)]);
    let (mut l, mut r) = (x.clone(), x.clone());
    fx.process(&mut l[..at], &mut r[..at]);
    fx.set(Lowpass(8000.0));
    fx.process(&mut l[at..], &mut r[at..]);
    let limit = 1.5 * steepest(&x);
    assert!(steepest(&l) <= limit, "step {} > {limit}", steepest(&l));
    // And the sweep happened: muted before, open after.
    let tail = x.len() - 4800;
    assert!(rms(&l[at - 4800..at]) < 0.1 * rms(&x[..4800]));
    let open = rms(&l[tail..]) / rms(&x[tail..]);
    assert!((open - 1.0).abs() < 0.11, "open gain {open}");
}

/// Frequency of the click test's sine: 2 s is a quarter cycle past a zero
/// crossing, so a change lands on a peak, where an unsmoothed step is largest.
const CLICK_HZ: f32 = 440.125;

/// Render 3 s of a [`CLICK_HZ`] sine with `base` set, and `change` at 2 s (or
/// at the start); returns the steepest step and the peak in the last second.
fn last_second(base: &[FxParam], change: Option<FxParam>, at_start: bool) -> (f32, f32) {
    let x = sine(CLICK_HZ, 0.5, 3 * SR as usize);
    let at = 2 * SR as usize;
    let mut fx = fx_with(base);
    if at_start {
        change.into_iter().for_each(|p| fx.set(p));
    }
    let (mut l, mut r) = (x.clone(), x);
    for (cl, cr) in l[..at].chunks_mut(256).zip(r[..at].chunks_mut(256)) {
        fx.process(cl, cr);
    }
    if !at_start {
        change.into_iter().for_each(|p| fx.set(p));
    }
    fx.process(&mut l[at..], &mut r[at..]);
    let (l, r) = (&l[at..], &r[at..]);
    let peak = l.iter().chain(r).fold(0.0f32, |m, v| m.max(v.abs()));
    (steepest(l).max(steepest(r)), peak)
}

#[test]
fn no_parameter_step_clicks() {
    // (settings before, the step). The limit is 1.5 x the largest of: the
    // steepest step of the steady output with the old setting, with the new
    // one, and the input's own steepest step scaled to the loudest peak
    // after the change (a tail beating with the dry sine swings wider than
    // either steady state, but stays a 440 Hz sound). A click is a step
    // larger than the sound itself ever takes.
    let cases: [(&[FxParam], FxParam); 22] = [
        (&[], Lowpass(500.0)),
        (&[Lowpass(500.0)], Lowpass(0.0)),
        (&[Lowpass(1000.0)], Lowpass(300.0)),
        (&[], Highpass(800.0)),
        (&[Highpass(800.0)], Highpass(0.0)),
        (&[Lowpass(600.0)], Q(10.0)),
        (&[Highpass(300.0), Q(10.0)], Q(0.5)),
        (&[], Reverb(0.8)),
        (&[Reverb(0.8)], Reverb(0.0)),
        (&[Reverb(0.5)], ReverbDecay(8.0)),
        (&[], Chorus(1.0)),
        (&[Chorus(1.0)], Chorus(0.0)),
        (&[], Delay(0.8)),
        (&[Delay(0.8)], Delay(0.0)),
        (&[Delay(0.5), DelayFeedback(0.5)], DelayTime(0.1011)),
        (&[Delay(0.5)], DelayFeedback(0.9)),
        (&[], Tremolo(1.0)),
        (&[Tremolo(1.0)], TremoloRate(25.0)),
        (&[], Distortion(1.0)),
        (&[Distortion(1.0)], Distortion(0.0)),
        (&[], Saturation(1.0)),
        (&[], Phaser(1.0)),
    ];
    let input_step = steepest(&sine(CLICK_HZ, 0.5, 4800)) / 0.5;
    let mut report = String::new();
    let mut bad = 0;
    for (base, change) in cases {
        let (old, _) = last_second(base, None, false);
        let (new, _) = last_second(base, Some(change), true);
        let (step, peak) = last_second(base, Some(change), false);
        let limit = 1.5 * old.max(new).max(input_step * peak);
        bad += usize::from(step > limit);
        report += &format!("{base:?} -> {change:?}: step {step:.4}, limit {limit:.4}\n");
    }
    println!("{report}");
    assert_eq!(bad, 0, "clicks:\n{report}");
}

#[test]
#[ignore = "timing: run with --ignored --nocapture"]
fn cost_per_effect() {
    let n = 10 * SR as usize;
    let (nl, nr) = (noise(n, 0.5, 5), noise(n, 0.5, 6));
    let one = |p: FxParam| vec![p];
    let cases: Vec<(&str, Vec<FxParam>)> = vec![
        ("all off", vec![]),
        ("distortion", one(Distortion(0.5))),
        ("saturation", one(Saturation(0.5))),
        ("highpass", one(Highpass(200.0))),
        ("lowpass", one(Lowpass(2000.0))),
        ("tremolo", one(Tremolo(0.5))),
        ("chorus", one(Chorus(0.5))),
        ("phaser", one(Phaser(0.5))),
        ("delay", one(Delay(0.5))),
        ("reverb", one(Reverb(0.5))),
        ("all on", ALL_ON.to_vec()),
    ];
    println!("10 s of stereo noise at 48 kHz, 256-frame blocks, one ChannelFx:");
    for (name, params) in cases {
        let mut fx = fx_with(&params);
        let (mut l, mut r) = (nl.clone(), nr.clone());
        let t = std::time::Instant::now();
        for (cl, cr) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
            fx.process(cl, cr);
        }
        let s = t.elapsed().as_secs_f64();
        std::hint::black_box((&l, &r));
        let ns = s * 1e9 / n as f64;
        println!(
            "{name:>11}: {:>9.0} x real time ({ns:.1} ns/frame)",
            10.0 / s
        );
    }
}
