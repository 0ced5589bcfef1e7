//! The hot kernels, per voice-sample: the table oscillator with envelope, pan
//! and mix; the same with W2's biquad; the passes alone (oscillator, one
//! biquad, eight biquads in lanes); a batch of eight W2 voices rendered side
//! by side against one by one; the whole engine with 64 voices; and loading
//! W3's 100,000 events into the scheduler.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use tactus::audio::env::Env;
use tactus::audio::table::{wave_table, TableBank, SINE_SLOT};
use tactus::audio::voice::lanes::{render_voices, Buses, LaneBiquad, LANES};
use tactus::audio::voice::{osc, phase_inc, Biquad, Kind, LayerState, Sources, Voice};
use tactus::audio::{Engine, EngineConfig};
use tactus::bench::Workload;
use tactus::command::{Command, EnvFrames, NoteOn, Source, Wave};
use tactus::session::Session;
use tactus::time::{Beats, Frame, SampleRate};

const BLOCK: usize = 256;

fn held_env() -> EnvFrames {
    EnvFrames {
        attack: 480,
        decay: 4800,
        sustain: 0.6,
        release: 4800,
        gate: u64::MAX,
    }
}

fn voice(filter: Option<Biquad>) -> Voice {
    Voice {
        id: 1,
        channel: 0,
        slot: 1,
        phase: 0,
        inc: phase_inc(220.0, 48_000.0),
        gain_l: 0.3,
        gain_r: 0.2,
        start: 0,
        env: Env::new(held_env(), 0),
        stolen: false,
        release_len: 4800,
        filter,
        kind: Kind::Table,
        layers: LayerState::default(),
        unbent: Default::default(),
    }
}

fn render_blocks(c: &mut Criterion, name: &str, filter: Option<Biquad>) {
    let mut tables = TableBank::new();
    let _none_before = tables.replace(1, Some(wave_table(Wave::Saw, 4096, 8)));
    let mut no_strings: [f32; 0] = [];
    let mut src = Sources {
        tables: &tables,
        sine_slot: SINE_SLOT,
        lines: &mut no_strings,
        line_len: 0,
    };
    let (mut l, mut r, mut s) = (
        vec![0.0f32; BLOCK],
        vec![0.0f32; BLOCK],
        vec![0.0f32; BLOCK],
    );
    let mut group = c.benchmark_group("voice");
    group.throughput(Throughput::Elements(BLOCK as u64));
    // Mid-attack (a sloped piece) and sustain (a constant piece).
    for (label, at) in [("attack", 0u64), ("sustain", 48_000u64)] {
        group.bench_function(BenchmarkId::new(name, label), |b| {
            let mut v = voice(filter);
            let mut t = at;
            b.iter(|| {
                v.render(&mut src, t, t + BLOCK as u64, t, &mut l, &mut r, &mut s);
                if label == "attack" {
                    v.env = Env::new(held_env(), 0);
                } else {
                    t += BLOCK as u64;
                }
                black_box(&l);
            })
        });
    }
    group.finish();
}

fn voice_kernels(c: &mut Criterion) {
    render_blocks(c, "table_osc_env_pan", None);
    render_blocks(c, "table_osc_biquad_env_pan", Some(Biquad::new(W2_LP)));
}

const W2_LP: [f32; 5] = [0.0003, 0.0006, 0.0003, -1.984, 0.9853];

/// The passes alone over one 256-frame run: the table oscillator (AVX2
/// gathers when the CPU has them, and the scalar loop), one voice's biquad,
/// and eight voices' biquads side by side in SIMD lanes.
fn pass_kernels(c: &mut Criterion) {
    let table = wave_table(Wave::Saw, 4096, 8);
    let inc = phase_inc(220.0, 48_000.0);
    let mut buf = vec![0.0f32; BLOCK];
    let mut group = c.benchmark_group("pass");
    group.throughput(Throughput::Elements(BLOCK as u64));
    let mut phase = 0u32;
    group.bench_function("table_osc_4096", |b| {
        b.iter(|| phase = osc::table(&table, phase, inc, 1.0, black_box(&mut buf), false))
    });
    group.bench_function("table_osc_4096_scalar", |b| {
        b.iter(|| {
            phase = osc::table_scalar(
                table.with_guard(),
                table.len(),
                phase,
                inc,
                1.0,
                black_box(&mut buf),
                false,
            )
        })
    });
    let mut one = Biquad::new(W2_LP);
    group.bench_function("biquad_one_voice", |b| {
        b.iter(|| one.process(black_box(&mut buf)))
    });
    group.throughput(Throughput::Elements((LANES * BLOCK) as u64));
    let voices: Vec<Voice> = (0..LANES)
        .map(|_| voice(Some(Biquad::new(W2_LP))))
        .collect();
    let mut lanes = LaneBiquad::gather(&voices, &[0, 1, 2, 3, 4, 5, 6, 7]);
    let mut rows: Vec<f32> = (0..LANES * BLOCK).map(|i| (i % 97) as f32 * 0.01).collect();
    group.bench_function("biquad_8_voices_in_lanes", |b| {
        b.iter(|| lanes.run(black_box(&mut rows), BLOCK, BLOCK))
    });
    group.finish();
}

/// One channel's left and right buffers.
struct OneBus(Vec<f32>, Vec<f32>);

impl Buses for OneBus {
    fn pair(&mut self, _ch: u8) -> (&mut [f32], &mut [f32]) {
        (&mut self.0, &mut self.1)
    }
}

/// 64 W2 voices (table, biquad, ADSR in sustain, pan) over 256-frame blocks:
/// batched eight at a time (`render_voices`) and one by one (`Voice::render`).
fn batch_kernels(c: &mut Criterion) {
    let mut tables = TableBank::new();
    let _none_before = tables.replace(1, Some(wave_table(Wave::Saw, 4096, 8)));
    let mut no_strings: [f32; 0] = [];
    let mut src = Sources {
        tables: &tables,
        sine_slot: SINE_SLOT,
        lines: &mut no_strings,
        line_len: 0,
    };
    let mut bus = OneBus(vec![0.0; BLOCK], vec![0.0; BLOCK]);
    let mut scratch = vec![0.0f32; 4096];
    let fresh = || -> Vec<Voice> {
        (0..64u32)
            .map(|k| {
                let mut v = voice(Some(Biquad::new(W2_LP)));
                v.inc = phase_inc(55.0 * (1.0 + k as f64 * 0.1), 48_000.0);
                v
            })
            .collect()
    };
    let mut group = c.benchmark_group("voices");
    group.throughput(Throughput::Elements(64 * BLOCK as u64));
    for batched in [true, false] {
        let name = if batched {
            "w2_64_batched"
        } else {
            "w2_64_one_by_one"
        };
        let mut voices = fresh();
        let mut t = 48_000u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                let end = t + BLOCK as u64;
                if batched {
                    render_voices(&mut voices, &mut src, t, end, t, &mut bus, &mut scratch);
                } else {
                    for v in voices.iter_mut() {
                        v.render(&mut src, t, end, t, &mut bus.0, &mut bus.1, &mut scratch);
                    }
                }
                t = end;
                black_box(&bus.0);
            })
        });
    }
    group.finish();
}

fn engine_64_voices(c: &mut Criterion) {
    let sr = SampleRate(48_000);
    let (tx, rx) = crossbeam_channel::bounded(4096);
    let (gtx, _grx) = crossbeam_channel::bounded(16);
    let mut engine = Engine::new(EngineConfig::new(sr), rx, gtx);
    for k in 0..64u64 {
        let note = NoteOn {
            frame: Frame(k),
            id: k,
            channel: 0,
            source: Source::Wave(Wave::Saw),
            freq_hz: 55.0 * 2f64.powf(k as f64 / 24.0),
            amp: 0.01,
            pan: (k % 8) as f32 / 8.0,
            env: held_env(),
            filter: None,
            layers: tactus::command::Layers::default(),
        };
        tx.send(Command::Note(note)).unwrap();
    }
    let mut out = vec![0.0f32; BLOCK * 2];
    engine.process(&mut out);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(64 * BLOCK as u64));
    group.bench_function("process_64_voices_256_frames", |b| {
        b.iter(|| engine.process(black_box(&mut out)))
    });
    group.finish();
}

fn load_w3(c: &mut Criterion) {
    let mut group = c.benchmark_group("scheduler");
    group.sample_size(10);
    group.bench_function("load_w3_100k_events", |b| {
        b.iter(|| {
            let mut s = Session::new(SampleRate(48_000), 256);
            s.begin_eval(Beats(0.0));
            Workload::W3Dense.load_into(&mut s).unwrap();
            black_box(s.scheduler.len())
        })
    });
    group.finish();
}

criterion_group!(
    kernels,
    voice_kernels,
    pass_kernels,
    batch_kernels,
    engine_64_voices,
    load_w3
);
criterion_main!(kernels);
