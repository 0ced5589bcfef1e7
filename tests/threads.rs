//! Rendering on several cores: the voice groups rendered in parallel are
//! mixed in a fixed order, so a render is bit-identical on any number of
//! threads and at any block size.

use tactus::render::{self, RenderOptions};
use tactus::time::Seconds;

/// Many voices on one channel (filtered saws), plucked strings through
/// reverb and delay, FM, a channel stealing voices, and the drum kit.
const BUSY: &str = r#"
tempo(120);
channel(1, #{ synth: "saw", lowpass: 1800, detune: 8 });
for i in 0..160 { note(1, 36 + i % 40, 1.5, #{ at: i * 0.02, vel: 40 + i % 80, pan: (i % 9) / 8.0 }); }
channel(2, #{ synth: "pluck", reverb: 0.4, delay: 0.3, delay_time: 0.2 });
for i in 0..70 { note(2, 45 + i % 30, 0.5, #{ at: i * 0.05 }); }
channel(3, #{ synth: "fm", fm_ratio: 2.0, fm_index: 3.0, sub_osc: 0.3 });
for i in 0..24 { note(3, 60 + i % 12, 0.4, #{ at: i * 0.125 }); }
channel(4, #{ synth: "square", max_voices: 3 });
for i in 0..40 { note(4, 48 + i % 7, 1.0, #{ at: i * 0.0625 }); }
drums("house");
"#;

fn render_on(threads: usize, block: usize) -> Vec<f32> {
    let opts = RenderOptions {
        block_frames: block,
        duration: Some(Seconds(4.0)),
        threads,
        ..RenderOptions::default()
    };
    render::render_to_vec("busy.rhai", BUSY, &opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

fn first_difference(a: &[f32], b: &[f32]) -> Option<usize> {
    let n = a.len().min(b.len());
    (0..n).find(|&i| a[i].to_bits() != b[i].to_bits())
}

#[test]
fn a_render_is_bit_identical_on_any_thread_count_and_block_size() {
    let one = render_on(1, 256);
    let rms = (one.iter().map(|x| x * x).sum::<f32>() / one.len() as f32).sqrt();
    assert!(rms > 0.01, "the workload is silent: rms {rms}");
    for (threads, block) in [
        (1, 64),
        (1, 4096),
        (2, 256),
        (2, 37),
        (2, 4096),
        (3, 1000),
        (4, 128),
    ] {
        let other = render_on(threads, block);
        assert_eq!(
            one.len(),
            other.len(),
            "{threads} threads, {block}-frame blocks"
        );
        if let Some(i) = first_difference(&one, &other) {
            panic!(
                "{threads} threads, {block}-frame blocks: sample {i} (frame {}) is {} not {}",
                i / 2,
                other[i],
                one[i]
            );
        }
    }
}
