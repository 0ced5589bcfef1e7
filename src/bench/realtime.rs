//! How many W2 voices one core sustains in real time: 48 kHz, 256-frame
//! blocks, while the worst block's processing time stays under half the
//! block's duration.

use super::workload::{Workload, WorkloadError};
use super::BENCH_SR;
use crate::audio::EngineConfig;
use crate::command::ChannelChange;
use crate::render::{run_offline, RenderOptions};
use crate::session::Session;
use crate::time::{Beats, Seconds};
use std::time::Instant;

/// Frames per block in the real-time test.
pub const RT_BLOCK: usize = 256;
/// The load that counts as sustained.
pub const MAX_LOAD: f64 = 0.5;

/// Worst-block load (processing time / block duration) with `n` W2 voices,
/// the engine rendering on `threads` threads (its own and render workers).
pub fn worst_load(n: usize, threads: usize) -> Result<f64, WorkloadError> {
    let voices = Workload::poly_voices()?;
    let mut session = Session::new(BENCH_SR, RT_BLOCK as u32);
    session.begin_eval(Beats(0.0));
    super::workload::load_tables_into(&mut session)?;
    session.channel_change(0, ChannelChange::MaxVoices(n.min(u16::MAX as usize) as u16));
    for k in 0..n {
        let mut v = voices[k % voices.len()].clone();
        v.dur_beats = 3600.0;
        session.schedule_note(Beats(0.0), v);
    }
    session.end_eval();
    let opts = RenderOptions {
        sr: BENCH_SR,
        block_frames: RT_BLOCK,
        duration: Some(Seconds(1.5)),
        ..RenderOptions::default()
    };
    let cfg = EngineConfig {
        max_voices: n,
        soft_clip: false,
        threads,
        ..EngineConfig::new(BENCH_SR)
    };
    let block_s = RT_BLOCK as f64 / BENCH_SR.hz();
    let warmup_blocks = 50;
    let mut blocks = 0usize;
    let mut worst_s = 0.0f64;
    run_offline(
        &mut session,
        cfg,
        &opts,
        |_| {},
        |engine, buf| {
            let t = Instant::now();
            engine.process(buf);
            let dt = t.elapsed().as_secs_f64();
            blocks += 1;
            if blocks > warmup_blocks {
                worst_s = worst_s.max(dt);
            }
        },
    );
    Ok(worst_s / block_s)
}

/// The largest voice count whose worst block stays under [`MAX_LOAD`] on
/// `threads` threads
/// (each count measured three times, the best run kept, to discount a stray
/// interruption by another process). `progress` sees each trial.
pub fn max_voices(
    threads: usize,
    mut progress: impl FnMut(usize, f64),
) -> Result<usize, WorkloadError> {
    let mut trial = |n: usize| -> Result<bool, WorkloadError> {
        let load = worst_load(n, threads)?;
        let load = load
            .min(worst_load(n, threads)?)
            .min(worst_load(n, threads)?);
        progress(n, load);
        Ok(load < MAX_LOAD)
    };
    let (mut ok, mut bad) = (0usize, 0usize);
    let mut n = 256;
    while n <= 65_536 {
        if trial(n)? {
            ok = n;
            n *= 2;
        } else {
            bad = n;
            break;
        }
    }
    if bad == 0 {
        return Ok(ok);
    }
    while bad - ok > (ok / 32).max(8) {
        let mid = (ok + bad) / 2;
        if trial(mid)? {
            ok = mid;
        } else {
            bad = mid;
        }
    }
    Ok(ok)
}
