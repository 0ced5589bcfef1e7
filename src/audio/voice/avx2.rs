//! AVX2 versions of the voice's hot loops, chosen at run time when the CPU
//! has AVX2. Each computes exactly what its portable twin computes: the same
//! f32 operations in the same order, no fused multiply-add (Rust never
//! contracts `a * b + c`), so a render's samples do not depend on which of
//! the two ran.

use super::lanes::{LaneBiquad, LANES};
use std::arch::x86_64::*;

/// True when the AVX2 kernels can run on this CPU (std caches the answer:
/// an atomic load, no system call, safe on the audio thread).
#[inline]
pub fn available() -> bool {
    is_x86_feature_detected!("avx2")
}

/// [`super::osc::table`] for a table of `2^bits` points (`1 <= bits <= 30`):
/// eight frames at a time, the two points of each frame gathered.
///
/// # Safety
/// The CPU has AVX2, and `data` holds `2^bits + 1` points (the guard point).
#[target_feature(enable = "avx2")]
pub unsafe fn table_pow2(
    data: &[f32],
    bits: u32,
    phase: u32,
    inc: u32,
    gain: f32,
    out: &mut [f32],
    add: bool,
) -> u32 {
    debug_assert!((1..=30).contains(&bits) && data.len() == (1 << bits) + 1);
    // idx = phase >> (32 - bits); frac = low (32 - bits) bits * 2^(bits - 32),
    // which is the scalar ((phase * len) as u32) as f32 * 2^-32 exactly: an
    // integer's rounding to f32 does not change when it is scaled by 2^bits.
    let shift = _mm_cvtsi32_si128(32 - bits as i32);
    let mask = _mm256_set1_epi32(((1u64 << (32 - bits)) - 1) as i32);
    let scale = _mm256_set1_ps((1.0 / (1u64 << (32 - bits)) as f64) as f32);
    let g = _mm256_set1_ps(gain);
    let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let mut ph = _mm256_add_epi32(
        _mm256_set1_epi32(phase as i32),
        _mm256_mullo_epi32(lane, _mm256_set1_epi32(inc as i32)),
    );
    let step = _mm256_set1_epi32(inc.wrapping_mul(8) as i32);
    let base = data.as_ptr();
    let done = (out.len() / 8 * 8) as u32;
    let mut chunks = out.chunks_exact_mut(8);
    for o in &mut chunks {
        let idx = _mm256_srl_epi32(ph, shift);
        // SAFETY: idx < 2^bits and data holds 2^bits + 1 points.
        let a = _mm256_i32gather_ps::<4>(base, idx);
        let b = _mm256_i32gather_ps::<4>(base.add(1), idx);
        let frac = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_and_si256(ph, mask)), scale);
        let s = _mm256_mul_ps(
            _mm256_add_ps(a, _mm256_mul_ps(_mm256_sub_ps(b, a), frac)),
            g,
        );
        let s = if add {
            _mm256_add_ps(_mm256_loadu_ps(o.as_ptr()), s)
        } else {
            s
        };
        _mm256_storeu_ps(o.as_mut_ptr(), s);
        ph = _mm256_add_epi32(ph, step);
    }
    let phase = phase.wrapping_add(inc.wrapping_mul(done));
    super::osc::table_scalar(
        data,
        1 << bits,
        phase,
        inc,
        gain,
        chunks.into_remainder(),
        add,
    )
}

/// The 8x8 transpose: rows (voices) of eight frames in, frames of eight
/// voices out (and back: the transpose is its own inverse).
#[inline(always)]
unsafe fn transpose(r: [__m256; 8]) -> [__m256; 8] {
    let t0 = _mm256_unpacklo_ps(r[0], r[1]);
    let t1 = _mm256_unpackhi_ps(r[0], r[1]);
    let t2 = _mm256_unpacklo_ps(r[2], r[3]);
    let t3 = _mm256_unpackhi_ps(r[2], r[3]);
    let t4 = _mm256_unpacklo_ps(r[4], r[5]);
    let t5 = _mm256_unpackhi_ps(r[4], r[5]);
    let t6 = _mm256_unpacklo_ps(r[6], r[7]);
    let t7 = _mm256_unpackhi_ps(r[6], r[7]);
    let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
    let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
    let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
    let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
    let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
    let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
    let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
    let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
    [
        _mm256_permute2f128_ps::<0x20>(u0, u4),
        _mm256_permute2f128_ps::<0x20>(u1, u5),
        _mm256_permute2f128_ps::<0x20>(u2, u6),
        _mm256_permute2f128_ps::<0x20>(u3, u7),
        _mm256_permute2f128_ps::<0x31>(u0, u4),
        _mm256_permute2f128_ps::<0x31>(u1, u5),
        _mm256_permute2f128_ps::<0x31>(u2, u6),
        _mm256_permute2f128_ps::<0x31>(u3, u7),
    ]
}

/// [`LaneBiquad::run`] eight frames at a time: each voice's eight frames
/// are loaded from its row, transposed so that one vector holds one frame of
/// all eight voices, filtered, transposed back and stored.
///
/// # Safety
/// The CPU has AVX2; `rows` holds `LANES` rows of `stride >= n` samples.
#[target_feature(enable = "avx2")]
pub unsafe fn biquad_lanes(f: &mut LaneBiquad, rows: &mut [f32], stride: usize, n: usize) {
    const _: () = assert!(LANES == 8);
    assert!(n <= stride && rows.len() >= LANES * stride);
    let ld = |a: &[f32; LANES]| _mm256_loadu_ps(a.as_ptr());
    let (b0, b1, b2, a1, a2) = (ld(&f.b0), ld(&f.b1), ld(&f.b2), ld(&f.a1), ld(&f.a2));
    let (mut x1, mut x2, mut y1, mut y2) = (ld(&f.x1), ld(&f.x2), ld(&f.y1), ld(&f.y2));
    let p = rows.as_mut_ptr();
    let tiles = n / 8;
    for t in 0..tiles {
        let j = t * 8;
        // SAFETY: k * stride + j + 8 <= 7 * stride + n <= rows.len().
        let r: [__m256; 8] = std::array::from_fn(|k| _mm256_loadu_ps(p.add(k * stride + j)));
        let mut x = transpose(r);
        for xf in x.iter_mut() {
            let acc = _mm256_add_ps(_mm256_mul_ps(b0, *xf), _mm256_mul_ps(b1, x1));
            let acc = _mm256_sub_ps(
                _mm256_add_ps(acc, _mm256_mul_ps(b2, x2)),
                _mm256_mul_ps(a2, y2),
            );
            let y = _mm256_sub_ps(acc, _mm256_mul_ps(a1, y1));
            (x2, x1, y2, y1) = (x1, *xf, y1, y);
            *xf = y;
        }
        let out = transpose(x);
        for (k, v) in out.iter().enumerate() {
            _mm256_storeu_ps(p.add(k * stride + j), *v);
        }
    }
    let st = |a: &mut [f32; LANES], v: __m256| _mm256_storeu_ps(a.as_mut_ptr(), v);
    st(&mut f.x1, x1);
    st(&mut f.x2, x2);
    st(&mut f.y1, y1);
    st(&mut f.y2, y2);
    f.run_frames(rows, stride, tiles * 8, n);
}

/// [`super::lanes::mix_steady`] eight frames a vector: each bus vector is
/// loaded once, takes every row's voice in order, and is stored once.
/// Returns the frames done (a multiple of eight); the caller does the rest.
///
/// # Safety
/// The CPU has AVX2; `rows` holds `gains.len()` rows of `stride` samples,
/// the last at least `left.len()`, and `right` is as long as `left`.
#[target_feature(enable = "avx2")]
pub unsafe fn mix_steady(
    rows: &[f32],
    stride: usize,
    gains: &[[f32; 3]],
    left: &mut [f32],
    right: &mut [f32],
) -> usize {
    let n = left.len().min(right.len());
    assert!(gains.is_empty() || rows.len() >= (gains.len() - 1) * stride + n);
    let p = rows.as_ptr();
    let (lp, rp) = (left.as_mut_ptr(), right.as_mut_ptr());
    let done = n / 8 * 8;
    for j in (0..done).step_by(8) {
        // SAFETY: j + 8 <= n <= each row's length and the buses'.
        let mut l = _mm256_loadu_ps(lp.add(j));
        let mut r = _mm256_loadu_ps(rp.add(j));
        for (k, g) in gains.iter().enumerate() {
            let x = _mm256_loadu_ps(p.add(k * stride + j));
            let v = _mm256_mul_ps(x, _mm256_set1_ps(g[0]));
            l = _mm256_add_ps(l, _mm256_mul_ps(v, _mm256_set1_ps(g[1])));
            r = _mm256_add_ps(r, _mm256_mul_ps(v, _mm256_set1_ps(g[2])));
        }
        _mm256_storeu_ps(lp.add(j), l);
        _mm256_storeu_ps(rp.add(j), r);
    }
    done
}

/// [`super::Piece::mix`] compiled for AVX2 (eight frames a vector).
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn mix(
    p: &super::Piece,
    x: &[f32],
    gl: f32,
    gr: f32,
    l: &mut [f32],
    r: &mut [f32],
) {
    p.mix_portable(x, gl, gr, l, r)
}
