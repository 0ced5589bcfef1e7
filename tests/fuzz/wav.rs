//! WAV bytes: corrupt files (truncated, huge chunk sizes, wrong format
//! codes, zero channels or rate, odd bit depths, data beyond the end,
//! NaN and inf samples, a bad extensible GUID) through every load form.

use super::rng::Rng;
use super::run::{self, Job};
use super::{Budget, Tally};
use std::time::Instant;

/// The ways a WAV is loaded: a file to render and its text (`in.wav` is the WAV).
const LOAD_FORMS: &[(&str, &str)] = &[
    ("gen.rhai", "table(1, 0, gen1(\"in.wav\")); note(1, 60, 1);"),
    ("gen.rhai", "table(2, 64, gen1(\"in.wav\", 1)); channel(1, #{ table: 2 }); note(1, 60, 1);"),
    ("gen.rhai", "table(3, 0, gen1(\"in.wav\")); channel(1, #{ synth: \"sample\", table: 3 }); note(1, 60, 1);"),
    ("gen.rhai", "f(1, 0, 0, 1, \"in.wav\", 0, 0, 0); note(1, 60, 1);"),
    ("gen.rhai", "score(\"f 1 0 0 1 \\\"in.wav\\\" 0 0 0\\ni1 0 1 0.5 8.00 1\");"),
    ("x.sco", "f 1 0 0 1 \"in.wav\" 0 0 0\ni1 0 1 0.5 8.00 1\n"),
    ("x.sco", "f 1 0 64 -1 \"in.wav\" 0 0 1\ni1 0 1 0.5 8.00 1\n"),
];

/// The header fields a case sets (a valid file has them consistent).
#[derive(Clone)]
struct Wav {
    format: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    block_align: Option<u16>,
    fmt_size: Option<u32>,
    riff_size: Option<u32>,
    data_size: Option<u32>,
    guid_format: Option<u16>,
    samples: Vec<u8>,
}

impl Wav {
    /// A valid 16-bit mono file of 64 frames of a ramp.
    fn valid() -> Wav {
        let samples = (0..64i16).flat_map(|i| (i * 500).to_le_bytes()).collect();
        Wav {
            format: 1,
            channels: 1,
            rate: 48_000,
            bits: 16,
            block_align: None,
            fmt_size: None,
            riff_size: None,
            data_size: None,
            guid_format: None,
            samples,
        }
    }

    /// The file's bytes.
    fn bytes(&self) -> Vec<u8> {
        let ext = self.format == 0xFFFE;
        let mut fmt = Vec::new();
        fmt.extend(self.format.to_le_bytes());
        fmt.extend(self.channels.to_le_bytes());
        fmt.extend(self.rate.to_le_bytes());
        let align = self
            .block_align
            .unwrap_or((self.channels as u32 * self.bits as u32 / 8) as u16);
        fmt.extend((self.rate.wrapping_mul(align as u32)).to_le_bytes());
        fmt.extend(align.to_le_bytes());
        fmt.extend(self.bits.to_le_bytes());
        if ext {
            fmt.extend(22u16.to_le_bytes());
            fmt.extend(self.bits.to_le_bytes());
            fmt.extend(0u32.to_le_bytes());
            fmt.extend(self.guid_format.unwrap_or(1).to_le_bytes());
            fmt.extend([
                0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38,
            ]);
            fmt.extend([0x9B, 0x71]);
        }
        let mut body = b"WAVE".to_vec();
        body.extend(b"fmt ");
        body.extend(self.fmt_size.unwrap_or(fmt.len() as u32).to_le_bytes());
        body.extend(&fmt);
        body.extend(b"data");
        body.extend(
            self.data_size
                .unwrap_or(self.samples.len() as u32)
                .to_le_bytes(),
        );
        body.extend(&self.samples);
        let mut out = b"RIFF".to_vec();
        out.extend(self.riff_size.unwrap_or(body.len() as u32).to_le_bytes());
        out.extend(body);
        out
    }
}

/// Float samples with NaN and inf among them (32 or 64 bits).
fn float_samples(bits: u16) -> Vec<u8> {
    let v = [
        0.5,
        f64::NAN,
        f64::INFINITY,
        -0.25,
        f64::NEG_INFINITY,
        1e300,
        -1e-300,
        3.0,
    ];
    let mut out = Vec::new();
    for i in 0..64 {
        let x = v[i % v.len()];
        match bits {
            64 => out.extend(x.to_le_bytes()),
            _ => out.extend((x as f32).to_le_bytes()),
        }
    }
    out
}

/// One corrupt file: a named header defect, often with random byte edits.
fn case(rng: &mut Rng) -> Vec<u8> {
    let mut w = Wav::valid();
    match rng.below(16) {
        0 => w.channels = *rng.pick(&[0, 3, 255, 65535]),
        1 => w.rate = *rng.pick(&[0, 1, u32::MAX, 7]),
        2 => w.bits = *rng.pick(&[0, 1, 7, 12, 20, 64, 65535]),
        3 => w.format = *rng.pick(&[0, 2, 6, 7, 0x55, 0x1234]),
        4 => (w.format, w.bits, w.samples) = (3, 32, float_samples(32)),
        5 => (w.format, w.bits, w.samples) = (3, 64, float_samples(64)),
        6 => (w.format, w.guid_format) = (0xFFFE, Some(*rng.pick(&[0, 2, 3, 0x55, 0xFFFF]))),
        7 => w.data_size = Some(*rng.pick(&[u32::MAX, u32::MAX - 1, 1 << 31, 129, 1])),
        8 => w.fmt_size = Some(*rng.pick(&[0, 2, 15, 17, u32::MAX, 1 << 30])),
        9 => w.riff_size = Some(*rng.pick(&[0, 4, u32::MAX])),
        10 => w.block_align = Some(*rng.pick(&[0, 1, 3, 65535])),
        11 => w.samples.truncate(rng.below(w.samples.len())),
        12 => (w.format, w.bits, w.samples) = (3, 32, vec![0u8; 3]),
        _ => {}
    }
    let mut b = w.bytes();
    if rng.one_in(3) {
        b.truncate(rng.below(b.len() + 1));
    }
    let edits = if rng.one_in(2) { 0 } else { 1 + rng.below(4) };
    for _ in 0..edits {
        let k = rng.below(b.len().max(1));
        if k < b.len() {
            b[k] = rng.next() as u8;
        }
    }
    b
}

/// The job of one WAV through one load form.
fn job(wav: &[u8], form: &(&str, &str)) -> Job {
    let (name, text) = form;
    let mut j = Job::render(name, text.as_bytes().to_vec());
    j.files.push(("in.wav".into(), wav.to_vec()));
    j
}

/// The WAV named as the input file itself (render and check refuse it).
fn as_input(wav: &[u8], cmd: &str) -> Job {
    let mut j = Job::render("in.wav", wav.to_vec());
    if cmd == "check" {
        j.args = vec!["check".into(), "in.wav".into()];
        j.out_wav = None;
    }
    j
}

/// Run the WAV target until the budget is spent: each file through every
/// load form and as the input path.
pub fn fuzz(budget: &Budget, seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    while budget.more(tally.cases) {
        let wav = case(&mut rng);
        let mut jobs: Vec<Job> = LOAD_FORMS.iter().map(|f| job(&wav, f)).collect();
        jobs.push(as_input(&wav, "render"));
        jobs.push(as_input(&wav, "check"));
        for j in jobs {
            tally.cases += 1;
            tally.calls += 1;
            tally.processes += 1;
            if let Some(p) = run::check(&j) {
                let line = j.repro(&p);
                eprintln!("FAIL {line}");
                tally.failures.push(line);
            }
        }
    }
    tally
}

#[test]
fn corrupt_wavs_load_cleanly_in_every_form() {
    let started = Instant::now();
    let budget = Budget::from_env(270);
    let seed = super::seed(0x3A7_B17E5, &budget);
    let tally = fuzz(&budget, seed);
    tally.finish("wav", seed, started);
}
