//! Real-time edges seen from a whole render: a looped sample at an absurd
//! pitch plays at the clamped ratio (its position wraps instead of
//! overflowing a u64).

use crate::common::{left, render_for};

/// A one-cycle sine as a looped sample, held with a rectangular envelope.
fn looped_sample_at(hz: &str) -> Vec<f32> {
    let src = format!(
        r#"
        table(1, 4096, gen10([1]));
        channel(1, #{{ synth: "sample", table: 1, looped: true, env: linen(0, 0) }});
        note(1, hz({hz}), 1);
        "#
    );
    render_for(&src, 256, 1.5)
}

#[test]
fn a_looped_sample_at_a_huge_pitch_plays_at_the_clamped_ratio() {
    let at_1ghz = looped_sample_at("1e9");
    assert!(at_1ghz.iter().all(|x| x.is_finite() && x.abs() <= 1.0));
    // 1 GHz and 2 GHz both clamp to 1024 times the root: the same samples.
    assert!(at_1ghz == looped_sample_at("2e9"), "both play at the clamp");
    // 1024 points per output frame through a 4096-point cycle: the sine at
    // 0, 90, 180 and 270 degrees, over and over, for the whole beat.
    let l = left(&at_1ghz);
    let sounding = l.iter().filter(|&&x| x != 0.0).count();
    assert!(sounding > 20_000, "{sounding} frames sound");
    let peak = l.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
    assert!(peak > 0.05, "peak {peak}");
    for k in 0..40_000 {
        assert_eq!(l[k], l[k + 4], "period 4 at frame {k}");
    }
}
