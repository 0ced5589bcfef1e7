//! The batched render gives the same samples, bit for bit, as rendering the
//! voices one by one, and its SIMD kernels the same as their portable twins.
// rt: unit tests (the allocations here are test fixtures)

use super::*;
use crate::audio::env::Env;
use crate::audio::table::{Table, TableBank};
use crate::audio::voice::{phase_inc, Biquad, LayerState};
use crate::command::EnvFrames;

const CHANNELS: usize = 3;

struct TestBuses(Vec<(Vec<f32>, Vec<f32>)>);

impl Buses for TestBuses {
    fn pair(&mut self, ch: u8) -> (&mut [f32], &mut [f32]) {
        let (l, r) = &mut self.0[ch as usize];
        (l, r)
    }
}

fn bank() -> TableBank {
    let mut tables = TableBank::new();
    let sum = |len: usize| {
        let pts: Vec<f32> = (0..len)
            .map(|i| {
                let x = i as f32 / len as f32 * std::f32::consts::TAU;
                x.sin() + 0.3 * (3.0 * x).sin()
            })
            .collect();
        Table::from_points(&pts)
    };
    let _ = tables.replace(1, Some(sum(4096)));
    let _ = tables.replace(2, Some(sum(1000))); // not a power of two
    tables
}

/// A mix of voices: most table + biquad (batched), some not (noise, a
/// detuned layer, no filter, a missing table), starting before and inside
/// the render, some ending inside it, on three channels.
fn voices() -> Vec<Voice> {
    voices_on(CHANNELS as u64)
}

/// [`voices`] on `channels` channels (one: consecutive voices share a bus,
/// and most sustain, so their rows mix in runs).
fn voices_on(channels: u64) -> Vec<Voice> {
    (0..45u64)
        .map(|k| {
            let env = EnvFrames {
                attack: (k * 37 % 300) as u32,
                decay: (k * 53 % 500) as u32,
                sustain: 0.5,
                release: (k * 71 % 400) as u32 + 1,
                gate: if k % 4 == 0 { 700 + k * 13 } else { u64::MAX },
            };
            let start = k * 41 % 900;
            let q = 0.9 + (k % 7) as f32 * 0.01;
            let mut layers = LayerState {
                seed: 1 + k as u32,
                ..LayerState::default()
            };
            let mut kind = Kind::Table;
            match k % 11 {
                3 => kind = Kind::Noise,
                5 => layers.detune = (7, phase_inc(333.0, 48_000.0)),
                _ => {}
            }
            Voice {
                id: k,
                channel: (k % channels) as u8,
                slot: [1, 1, 2, 1, 99][k as usize % 5],
                phase: (k as u32).wrapping_mul(0x9E37_79B9),
                inc: phase_inc(55.0 * (1.0 + k as f64 * 0.37), 48_000.0),
                gain_l: 0.1 + k as f32 * 0.001,
                gain_r: 0.2 - k as f32 * 0.001,
                start,
                env: Env::new(env, start),
                stolen: false,
                release_len: 300,
                filter: (k % 13 != 6).then(|| Biquad::new([0.02, 0.04, 0.02, -1.7 * q, 0.75])),
                kind,
                layers,
                unbent: Default::default(),
            }
        })
        .collect()
}

/// Render `frames` frames in blocks of `block`, each block in spans of at
/// most `span` frames; `batched` picks the path. Returns every channel's
/// samples, as bits.
fn render(batched: bool, frames: u64, block: u64, span: u64) -> Vec<u32> {
    render_with_scratch(batched, frames, block, span, 4096)
}

/// [`render`] of [`voices_on`] `channels`.
fn render_on(channels: u64, batched: bool, frames: u64, block: u64, span: u64) -> Vec<u32> {
    render_voices_with(voices_on(channels), batched, frames, block, span, 4096)
}

/// [`render`] with `scratch_len` samples of scratch.
fn render_with_scratch(
    batched: bool,
    frames: u64,
    block: u64,
    span: u64,
    scratch_len: usize,
) -> Vec<u32> {
    render_voices_with(voices(), batched, frames, block, span, scratch_len)
}

/// Render `vs` as [`render_with_scratch`] does.
fn render_voices_with(
    mut vs: Vec<Voice>,
    batched: bool,
    frames: u64,
    block: u64,
    span: u64,
    scratch_len: usize,
) -> Vec<u32> {
    let tables = bank();
    let mut lines: [f32; 0] = [];
    let mut src = Sources {
        tables: &tables,
        sine_slot: crate::audio::table::SINE_SLOT,
        lines: &mut lines,
        line_len: 0,
    };
    let mut scratch = vec![0.0f32; scratch_len]; // rt: a unit test, not the callback
    let mut out = vec![Vec::new(); 2 * CHANNELS]; // rt: a unit test, not the callback
    let mut t0 = 0;
    while t0 < frames {
        let n = block.min(frames - t0) as usize;
        let mut buses = TestBuses(vec![(vec![0.0; n], vec![0.0; n]); CHANNELS]); // rt: a unit test
        let mut a = t0;
        while a < t0 + n as u64 {
            let b = (a + span).min(t0 + n as u64);
            if batched {
                render_voices(&mut vs, &mut src, a, b, t0, &mut buses, &mut scratch);
            } else {
                for v in vs.iter_mut() {
                    let (l, r) = buses.pair(v.channel);
                    v.render(&mut src, a, b, t0, l, r, &mut scratch);
                }
            }
            vs.retain(|v| !v.done());
            a = b;
        }
        for (o, (l, r)) in out.chunks_mut(2).zip(buses.0) {
            o[0].extend(l.iter().map(|x| x.to_bits()));
            o[1].extend(r.iter().map(|x| x.to_bits()));
        }
        t0 += n as u64;
    }
    out.concat()
}

#[test]
fn batches_render_the_same_bits_as_voice_by_voice() {
    let one_by_one = render(false, 3000, 256, 256);
    assert!(one_by_one.iter().any(|&b| f32::from_bits(b).abs() > 1e-3));
    for (block, span) in [(256, 256), (64, 64), (1000, 1000), (97, 33), (1, 1)] {
        assert!(
            render(true, 3000, block, span) == one_by_one,
            "block {block}, span {span}"
        );
    }
    // Rows of 125 frames (not a multiple of the 8-frame tiles); and a
    // scratch too small for a batch (voice by voice).
    for (block, span, scratch) in [(1000, 1000, 1000), (97, 33, LANES * 8 - 1)] {
        let got = render_with_scratch(true, 3000, block, span, scratch);
        assert!(got == one_by_one, "scratch {scratch}");
    }
}

/// Voices on one bus, most of them sustaining: their rows mix in runs,
/// and every sample is still the one voice by voice gives.
#[test]
fn runs_of_sustaining_voices_on_one_bus_render_the_same_bits() {
    let one_by_one = render_on(1, false, 6000, 256, 256);
    assert!(one_by_one.iter().any(|&b| f32::from_bits(b).abs() > 1e-3));
    for (block, span) in [(256, 256), (1000, 1000), (97, 33)] {
        assert!(
            render_on(1, true, 6000, block, span) == one_by_one,
            "block {block}, span {span}"
        );
    }
}

/// Full batches of sustaining voices on one bus reading one table (W2's
/// case: every batch mixes as one run), in chunks of whole vectors and not:
/// every sample is still the one voice by voice gives.
#[test]
fn full_steady_batches_on_one_table_render_the_same_bits() {
    let one_table = || -> Vec<Voice> {
        voices_on(1)
            .into_iter()
            .map(|mut v| {
                (v.slot, v.kind, v.layers.detune) = (1, Kind::Table, (0, 0));
                v.filter
                    .get_or_insert(Biquad::new([0.02, 0.04, 0.02, -1.6, 0.7]));
                v
            })
            .collect()
    };
    let one_by_one = render_voices_with(one_table(), false, 6000, 256, 256, 4096);
    assert!(one_by_one.iter().any(|&b| f32::from_bits(b).abs() > 1e-3));
    for (block, span) in [(256, 256), (1024, 512), (1000, 1000), (97, 33)] {
        let batched = render_voices_with(one_table(), true, 6000, block, span, 4096);
        assert!(batched == one_by_one, "block {block}, span {span}");
    }
}

/// A run's one-pass mix (AVX2 where present, and the portable loop) adds
/// exactly what each voice's own mix adds, in order.
#[test]
fn a_steady_run_mixes_as_its_voices_one_by_one() {
    let mut vs: Vec<Voice> = voices_on(1);
    vs.truncate(LANES);
    for v in vs.iter_mut() {
        v.start = 0;
        v.env = Env::new(
            EnvFrames {
                attack: 0,
                decay: 0,
                sustain: 0.7,
                release: 10,
                gate: u64::MAX,
            },
            0,
        );
    }
    let (c0, c1, stride) = (1000u64, 1203u64, 256usize);
    let len = (c1 - c0) as usize;
    let rows: Vec<f32> = (0..LANES * stride)
        .map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 613.0)
        .collect();
    let base: Vec<f32> = (0..len).map(|j| j as f32 * 0.001).collect();
    let (mut want_l, mut want_r) = (base.clone(), base.clone());
    for (k, v) in vs.iter_mut().enumerate() {
        v.mix_from(
            &rows[k * stride..][..len],
            c0,
            c1,
            c0,
            &mut want_l,
            &mut want_r,
        );
    }
    // (Their zero-length attack and decay were passed by that first mix.)
    let gains: Vec<[f32; 3]> = vs
        .iter()
        .map(|v| steady_gains(v, c0, c1).expect("a sustaining voice is steady"))
        .collect();
    let (mut l, mut r) = (base.clone(), base.clone());
    mix_steady(&rows, stride, &gains, &mut l, &mut r);
    let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert!(bits(&l) == bits(&want_l) && bits(&r) == bits(&want_r));
    let (mut l, mut r) = (base.clone(), base);
    mix_steady_frames(&rows, stride, &gains, 0, &mut l, &mut r);
    assert!(bits(&l) == bits(&want_l) && bits(&r) == bits(&want_r));
}

#[test]
fn the_lane_filter_matches_its_portable_twin() {
    let mut f = LaneBiquad::default();
    for k in 0..LANES {
        let q = 1.0 + k as f32 * 0.05;
        (f.b0[k], f.b1[k], f.b2[k], f.a1[k], f.a2[k]) = (0.1, 0.2 * q, 0.1, -1.5, 0.6 * q.min(1.2));
    }
    let stride = 77;
    let rows: Vec<f32> = (0..LANES * stride)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let (mut a, mut b) = (rows.clone(), rows);
    let (mut fa, mut fb) = (f, f);
    for n in [77, 40, 3] {
        fa.run(&mut a, stride, n);
        fb.run_frames(&mut b, stride, 0, n);
    }
    assert_eq!(
        a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn the_table_oscillator_matches_its_scalar_twin() {
    for len in [2usize, 4096, 1 << 16, 1000] {
        let pts: Vec<f32> = (0..len).map(|i| ((i * 31) % 17) as f32 - 8.0).collect();
        let t = Table::from_points(&pts);
        for (phase, inc, add) in [
            (0u32, 12_345_678u32, false),
            (u32::MAX - 5, 0x8000_0001, true),
            (77, 3, false),
        ] {
            let mut a: Vec<f32> = (0..101).map(|i| i as f32 * 0.25).collect();
            let mut b = a.clone();
            let pa = osc::table(&t, phase, inc, 0.7, &mut a, add);
            let pb = osc::table_scalar(t.with_guard(), len, phase, inc, 0.7, &mut b, add);
            assert_eq!(pa, pb);
            assert!(
                a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
                "len {len}"
            );
        }
    }
}
