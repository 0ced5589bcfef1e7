use super::*;

fn source(
    in_block: usize,
    out_block: usize,
    cap_frames: usize,
) -> (rtrb::Producer<f32>, InputSource, Arc<InputStats>) {
    let (tx, rx) = rtrb::RingBuffer::new(cap_frames);
    let stats = Arc::new(InputStats::default());
    let src = InputSource::new(0, rx, 1, in_block, out_block, stats.clone());
    (tx, src, stats)
}

/// Same clock (as JACK's two clients): the input comes out sample for
/// sample, delayed by the target fill, with the ratio left at exactly 1.
#[test]
fn one_clock_passes_the_input_through_exactly() {
    let (mut tx, mut src, stats) = source(64, 64, 8192);
    let mut next = 0.0f32;
    let mut out = Vec::new();
    for _ in 0..400 {
        for _ in 0..64 {
            next += 1.0;
            tx.push(next).unwrap();
        }
        let (mut l, mut r) = ([0.0f32; 64], [0.0f32; 64]);
        src.add_to(&mut l, &mut r);
        assert_eq!(l, r, "mono goes to both sides");
        out.extend_from_slice(&l);
    }
    let heard: Vec<f32> = out.iter().copied().skip_while(|&x| x == 0.0).collect();
    let first = heard[FADE_FRAMES as usize];
    for (k, x) in heard.iter().enumerate().skip(FADE_FRAMES as usize) {
        assert_eq!(*x, first + (k - FADE_FRAMES as usize) as f32, "frame {k}");
    }
    assert_eq!(src.ratio(), 1.0);
    assert_eq!(stats.corrections.load(Ordering::Relaxed), 0);
    assert_eq!(stats.underruns.load(Ordering::Relaxed), 0);
    let latency = out.len() - heard.len(); // silent frames before the first
    assert!(latency <= src.target_frames() + 64, "latency {latency}");
}

/// A capture clock 0.05 % fast: the reader corrects, the fill stays near the
/// target, nothing runs empty or over, and the waveform has no jump.
#[test]
fn a_faster_capture_clock_is_absorbed_without_a_jump() {
    let (mut tx, mut src, stats) = source(64, 64, 8192);
    let w = 2.0 * std::f64::consts::PI * 100.0 / 48_000.0;
    let mut n_in = 0u64;
    let mut out = Vec::new();
    let mut max_fill = 0;
    for block in 0..6000u64 {
        let extra = u64::from(block % 31 == 0); // 1 in 1984 frames: +0.05 %
        for _ in 0..64 + extra {
            tx.push((w * n_in as f64).sin() as f32).unwrap();
            n_in += 1;
        }
        max_fill = max_fill.max(tx.buffer().capacity() - tx.slots());
        let (mut l, mut r) = ([0.0f32; 64], [0.0f32; 64]);
        src.add_to(&mut l, &mut r);
        out.extend_from_slice(&l);
    }
    assert!(stats.corrections.load(Ordering::Relaxed) >= 1);
    assert_eq!(stats.underruns.load(Ordering::Relaxed), 0);
    let bound = src.target_frames() + 4 * 128;
    assert!(max_fill <= bound, "fill {max_fill} > {bound}");
    let steps = out.windows(2).skip(1000).map(|p| (p[1] - p[0]).abs());
    let worst = steps.fold(0.0f32, f32::max);
    assert!(
        worst < 0.015,
        "largest step {worst} (the sine's own is 0.013)"
    );
}

/// A slower capture clock: the reader slows down instead of running empty.
#[test]
fn a_slower_capture_clock_never_runs_the_ring_empty() {
    let (mut tx, mut src, stats) = source(64, 64, 8192);
    for block in 0..6000u64 {
        let n = if block % 31 == 0 { 63 } else { 64 };
        for _ in 0..n {
            tx.push(0.5).unwrap();
        }
        let (mut l, mut r) = ([0.0f32; 64], [0.0f32; 64]);
        src.add_to(&mut l, &mut r);
    }
    assert!(stats.corrections.load(Ordering::Relaxed) >= 1);
    assert_eq!(stats.underruns.load(Ordering::Relaxed), 0);
}

/// A stalled capture: silence, counted, and a fade back in once it returns.
#[test]
fn a_stall_is_counted_and_recovers() {
    let (mut tx, mut src, stats) = source(64, 64, 8192);
    let mut play = |tx: &mut rtrb::Producer<f32>, push: bool| {
        if push {
            for _ in 0..64 {
                tx.push(1.0).unwrap();
            }
        }
        let (mut l, mut r) = ([0.0f32; 64], [0.0f32; 64]);
        src.add_to(&mut l, &mut r);
        l
    };
    for _ in 0..50 {
        play(&mut tx, true);
    }
    for _ in 0..20 {
        play(&mut tx, false);
    }
    assert_eq!(stats.underruns.load(Ordering::Relaxed), 1);
    assert!(stats.starved_frames.load(Ordering::Relaxed) > 0);
    let mut last = [0.0; 64];
    for _ in 0..50 {
        last = play(&mut tx, true);
    }
    assert_eq!(last, [1.0; 64], "playing again after the stall");
}

/// Each stall grows the fill the reader keeps by one band (a capture and
/// an output block), up to [`MAX_TARGET_BANDS`]; the stats show it.
#[test]
fn each_stall_grows_the_buffer_up_to_its_limit() {
    let (mut tx, mut src, stats) = source(64, 64, 8192);
    let band = 128;
    assert_eq!(src.target_frames(), 2 * band);
    let stall_then_play = |tx: &mut rtrb::Producer<f32>, src: &mut InputSource| {
        for _ in 0..10 {
            let (mut l, mut r) = ([0.0f32; 64], [0.0f32; 64]);
            src.add_to(&mut l, &mut r);
        }
        for _ in 0..40 {
            for _ in 0..64 {
                tx.push(1.0).unwrap();
            }
            let (mut l, mut r) = ([0.0f32; 64], [0.0f32; 64]);
            src.add_to(&mut l, &mut r);
        }
    };
    stall_then_play(&mut tx, &mut src);
    let grown = |s: &InputStats| s.target_frames.load(Ordering::Relaxed) as usize;
    assert_eq!(
        stats.underruns.load(Ordering::Relaxed),
        0,
        "the first fill is no stall"
    );
    assert_eq!(grown(&stats), 2 * band);
    for k in 1..=4 {
        stall_then_play(&mut tx, &mut src);
        assert_eq!(stats.underruns.load(Ordering::Relaxed), k);
        let want = (2 + k as usize).min(MAX_TARGET_BANDS) * band;
        assert_eq!((src.target_frames(), grown(&stats)), (want, want));
    }
}

/// A capture clock 0.3 % fast (beyond the first step): the reader goes
/// further in proportion, the fill stays bounded and nothing is lost.
#[test]
fn a_capture_clock_far_off_is_held_in_proportion() {
    let (mut tx, mut src, stats) = source(256, 256, 48_000);
    let mut max_fill = 0;
    let mut carry = 0.0;
    for _ in 0..4000 {
        carry += 256.0 * 1.003;
        let n = carry as usize;
        carry -= n as f64;
        for _ in 0..n {
            tx.push(0.25).unwrap();
        }
        max_fill = max_fill.max(tx.buffer().capacity() - tx.slots());
        let (mut l, mut r) = ([0.0f32; 256], [0.0f32; 256]);
        src.add_to(&mut l, &mut r);
    }
    assert_eq!(stats.underruns.load(Ordering::Relaxed), 0);
    assert!(src.ratio() > 1.0025, "ratio {}", src.ratio());
    let bound = src.target_frames() + 5 * 512;
    assert!(max_fill <= bound, "fill {max_fill} > {bound}");
    println!(
        "capture 0.3 % fast: ratio {:.4}, fill at most {max_fill} frames",
        src.ratio()
    );
}
