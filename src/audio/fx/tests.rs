//! What a listener would notice: filter slopes, echo times and levels,
//! reverb tail length, tails ending, the chain being transparent when off.

use super::{ChannelFx, FxParam};

/// Sample rate of every test.
pub const SR: f32 = 48_000.0;

/// `n` frames of a sine.
pub fn sine(hz: f32, amp: f32, n: usize) -> Vec<f32> {
    let w = std::f64::consts::TAU * hz as f64 / SR as f64;
    (0..n).map(|i| amp * (w * i as f64).sin() as f32).collect()
}

/// `n` frames of white noise in -amp..amp (xorshift, seeded).
pub fn noise(n: usize, amp: f32, seed: u32) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            amp * (s as f32 / u32::MAX as f32 * 2.0 - 1.0)
        })
        .collect()
}

/// A chain with these parameters set.
pub fn fx_with(params: &[FxParam]) -> ChannelFx {
    let mut fx = ChannelFx::new(SR);
    for &p in params {
        fx.set(p);
    }
    fx
}

/// Run `input` (on both sides) through `fx` in blocks of `block` frames.
pub fn render(fx: &mut ChannelFx, input: &[f32], block: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (input.to_vec(), input.to_vec());
    for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        fx.process(cl, cr);
    }
    (l, r)
}

/// Root mean square.
pub fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt() as f32
}

/// Steady-state gain in dB of a chain on a sine (the second half of 1 s).
fn gain_db(params: &[FxParam], hz: f32) -> f32 {
    let x = sine(hz, 0.5, SR as usize);
    let (y, _) = render(&mut fx_with(params), &x, 256);
    let h = x.len() / 2;
    20.0 * (rms(&y[h..]) / rms(&x[h..])).log10()
}

#[test]
fn lowpass_500_cuts_5k_by_20_db_and_passes_100_hz() {
    let lp = [FxParam::Lowpass(500.0)];
    let stop = gain_db(&lp, 5000.0);
    let pass = gain_db(&lp, 100.0);
    assert!(
        stop <= -20.0,
        "5 kHz through a 500 Hz low-pass: {stop:.1} dB"
    );
    assert!(
        pass.abs() <= 1.0,
        "100 Hz through a 500 Hz low-pass: {pass:.2} dB"
    );
}

#[test]
fn highpass_2k_cuts_200_hz_by_20_db_and_passes_10k() {
    let hp = [FxParam::Highpass(2000.0)];
    let stop = gain_db(&hp, 200.0);
    let pass = gain_db(&hp, 10_000.0);
    assert!(
        stop <= -20.0,
        "200 Hz through a 2 kHz high-pass: {stop:.1} dB"
    );
    assert!(
        pass.abs() <= 1.0,
        "10 kHz through a 2 kHz high-pass: {pass:.2} dB"
    );
}

#[test]
fn resonance_peaks_at_the_cutoff() {
    let flat = gain_db(&[FxParam::Lowpass(1000.0)], 1000.0);
    let peaked = gain_db(&[FxParam::Lowpass(1000.0), FxParam::Q(8.0)], 1000.0);
    assert!(
        (flat + 3.0).abs() < 0.5,
        "Butterworth -3 dB at cutoff: {flat:.2}"
    );
    assert!((peaked - 18.06).abs() < 0.5, "Q 8 = +18 dB: {peaked:.2}");
}

/// An impulse through `fx` after the parameters' ramps have settled;
/// returns the left output from the impulse on.
fn impulse_response(fx: &mut ChannelFx, seconds: f32) -> Vec<f32> {
    render(fx, &vec![0.0; (0.05 * SR) as usize], 256);
    let mut x = vec![0.0; (seconds * SR) as usize];
    x[0] = 1.0;
    render(fx, &x, 256).0
}

/// First index at or after `from` where |x| exceeds `thresh`.
fn onset(x: &[f32], from: usize, thresh: f32) -> Option<usize> {
    (from..x.len()).find(|&i| x[i].abs() > thresh)
}

#[test]
fn delay_echoes_land_on_the_delay_time_and_fall_by_the_feedback() {
    for (time_s, fb) in [(0.25, 0.5), (0.3751, 0.8), (0.0123, 0.3)] {
        let mut fx = fx_with(&[
            FxParam::Delay(1.0),
            FxParam::DelayTime(time_s),
            FxParam::DelayFeedback(fb),
        ]);
        let y = impulse_response(&mut fx, 3.0 * time_s + 0.1);
        let d = (time_s * SR).round() as usize;
        let first = onset(&y, 1, 1e-4).unwrap();
        let second = onset(&y, first + d / 2, 1e-4).unwrap();
        assert!(first.abs_diff(d) <= 1, "first echo at {first}, want {d}");
        assert!(
            second.abs_diff(2 * d) <= 1,
            "second at {second}, want {}",
            2 * d
        );
        assert!((y[first] - 1.0).abs() < 1e-6, "first echo {}", y[first]);
        // The damping low-pass smears the repeats; its DC gain is 1, so an
        // echo's sum falls by exactly the feedback.
        let w = (d / 2).min(2000);
        let sum = |a: usize| y[a..a + w].iter().sum::<f32>();
        let ratio = sum(second) / sum(first);
        assert!(
            (ratio / fb - 1.0).abs() < 0.1,
            "ratio {ratio}, feedback {fb}"
        );
    }
}

#[test]
fn delay_time_out_of_range_is_clamped_to_4_s() {
    let mut fx = fx_with(&[FxParam::Delay(1.0), FxParam::DelayTime(100.0)]);
    let y = impulse_response(&mut fx, 4.1);
    assert_eq!(onset(&y, 1, 1e-4), Some((4.0 * SR) as usize));
}

/// Seconds from an impulse's peak until the reverb's 10 ms RMS falls
/// 40 dB below its loudest window for good.
fn reverb_t40(decay_s: f32) -> f32 {
    let mut fx = fx_with(&[FxParam::Reverb(1.0), FxParam::ReverbDecay(decay_s)]);
    let mut y = impulse_response(&mut fx, 2.0 * decay_s + 1.0);
    y[0] -= 1.0; // the dry impulse
    let env: Vec<f32> = y.chunks(480).map(rms).collect();
    let (peak_at, peak) =
        env.iter()
            .enumerate()
            .fold((0, 0.0f32), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
    let last_loud = env.iter().rposition(|&v| v > peak * 0.01).unwrap();
    (last_loud - peak_at) as f32 * 0.01
}

#[test]
fn reverb_tail_lengthens_with_decay() {
    let (short, long) = (reverb_t40(1.0), reverb_t40(3.0));
    assert!(short > 0.2, "a 1 s reverb rings {short} s to -40 dB");
    assert!(
        long >= 2.0 * short,
        "-40 dB after {short} s (1 s) vs {long} s (3 s)"
    );
}

#[test]
fn a_chain_with_everything_off_is_the_identity() {
    let x = noise(4096, 0.9, 7);
    let mut fx = ChannelFx::new(SR);
    assert!(!fx.active());
    let (l, r) = render(&mut fx, &x, 100);
    assert_eq!(l, x);
    assert_eq!(r, x);
    // Settings of effects that stay off change nothing either.
    fx.set(FxParam::Q(5.0));
    fx.set(FxParam::DelayTime(1.0));
    fx.set(FxParam::TremoloRate(9.0));
    fx.set(FxParam::Lowpass(0.0));
    assert!(!fx.active());
    assert_eq!(render(&mut fx, &x, 64).0, x);
}

#[test]
fn active_goes_false_once_the_reverb_tail_has_died() {
    let mut fx = fx_with(&[FxParam::Reverb(0.5)]);
    assert!(fx.active());
    impulse_response(&mut fx, 0.2);
    fx.set(FxParam::Reverb(0.0));
    let block = vec![0.0; 256];
    let mut frames = 0usize;
    let mut last_peak = 0.0f32;
    while fx.active() && frames < 10 * SR as usize {
        let (l, r) = render(&mut fx, &block, 256);
        last_peak = l.iter().chain(&r).fold(0.0, |m, v| m.max(v.abs()));
        frames += 256;
    }
    let t = frames as f32 / SR;
    // 1.5 s to -60 dB: -120 dB takes about 3 s, plus the longest loop.
    assert!(!fx.active(), "still active after {t} s");
    assert!(t > 1.0 && t < 5.0, "went quiet after {t} s");
    assert!(last_peak < 1e-5, "last block peaked at {last_peak}");
}

#[test]
fn filters_and_drive_go_inactive_after_turning_off() {
    let mut fx = fx_with(&[
        FxParam::Lowpass(800.0),
        FxParam::Highpass(100.0),
        FxParam::Distortion(0.5),
        FxParam::Chorus(0.5),
    ]);
    let x = sine(300.0, 0.5, 4800);
    render(&mut fx, &x, 128);
    for p in [
        FxParam::Lowpass(0.0),
        FxParam::Highpass(0.0),
        FxParam::Distortion(0.0),
        FxParam::Chorus(0.0),
    ] {
        fx.set(p);
    }
    assert!(fx.active(), "fading out");
    render(&mut fx, &x, 128);
    assert!(!fx.active());
}

#[test]
fn nan_is_ignored_and_wild_values_are_clamped() {
    let params = [
        FxParam::Lowpass(500.0),
        FxParam::Lowpass(f32::NAN),
        FxParam::Q(f32::INFINITY),
        FxParam::Q(0.0),
        FxParam::Highpass(-5.0),
        FxParam::Reverb(7.0),
        FxParam::ReverbDecay(1e9),
        FxParam::DelayFeedback(3.0),
        FxParam::Delay(2.0),
        FxParam::Distortion(-1.0),
        FxParam::TremoloRate(1e6),
    ];
    let mut fx = fx_with(&params);
    let (y, _) = render(&mut fx, &noise(SR as usize, 0.5, 3), 512);
    assert!(y.iter().all(|v| v.is_finite() && v.abs() < 20.0));
    assert!(
        gain_db(&params[..2], 5000.0) < -20.0,
        "NaN left the cutoff alone"
    );
}

/// Full-scale input (a square and noise) for 60 s through each effect at
/// its extreme settings: every output sample stays finite.
#[test]
fn extreme_settings_on_full_scale_input_stay_finite() {
    use FxParam::*;
    let sets: &[&[FxParam]] = &[
        &[Lowpass(20_000.0), Q(20.0)],
        &[Lowpass(20.0), Q(20.0)],
        &[Highpass(20_000.0), Q(20.0)],
        &[Delay(1.0), DelayTime(0.001), DelayFeedback(0.99)],
        &[Delay(1.0), DelayTime(4.0), DelayFeedback(0.99)],
        &[Reverb(1.0), ReverbDecay(20.0)],
        &[Distortion(1.0), Saturation(1.0)],
        &[Phaser(1.0), Chorus(1.0), Tremolo(1.0), TremoloRate(30.0)],
        &[
            Lowpass(20_000.0),
            Highpass(20.0),
            Q(20.0),
            Distortion(1.0),
            Saturation(1.0),
            Phaser(1.0),
            Chorus(1.0),
            Delay(1.0),
            DelayTime(0.001),
            DelayFeedback(0.99),
            Reverb(1.0),
            ReverbDecay(20.0),
        ],
    ];
    let second = SR as usize;
    let square: Vec<f32> = (0..second)
        .map(|i| if (i / 24) % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    for params in sets {
        let mut fx = fx_with(params);
        let mut peak = 0.0f32;
        for s in 0..60 {
            let x = match s % 2 {
                0 => square.clone(),
                _ => noise(second, 1.0, s + 1),
            };
            let (l, r) = render(&mut fx, &x, 256);
            for v in l.iter().chain(r.iter()) {
                assert!(
                    v.is_finite(),
                    "{params:?}: a non-finite sample in second {s}"
                );
                peak = peak.max(v.abs());
            }
        }
        assert!(peak > 0.01, "{params:?}: it passes sound ({peak})");
    }
}
