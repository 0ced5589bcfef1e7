//! The `tactus` command line: clap only; the work is in the library.

mod bench_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use tactus::render::{self, RenderOptions};
use tactus::time::{SampleRate, Seconds};

#[cfg(debug_assertions)]
#[global_allocator]
static ALLOC: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

/// Tactus: a live-coding music environment. Write Rhai scores, render them.
#[derive(Parser)]
#[command(name = "tactus", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// A performance script (the live session is not built yet: use `render`).
    script: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Render a script offline to a WAV file, faster than real time; the same
    /// script always gives the same samples.
    Render {
        /// The script (.rhai), or a Csound-style score (.sco).
        script: PathBuf,
        /// Output WAV file.
        #[arg(short, long)]
        out: PathBuf,
        /// Exact length in seconds (default: until the last sound ends).
        #[arg(long)]
        duration: Option<f64>,
        /// Sample rate in Hz.
        #[arg(long, default_value_t = 48_000)]
        sr: u32,
        /// Sample format.
        #[arg(long, value_enum, default_value_t = Bits::B24)]
        bits: Bits,
        /// Frames per engine block (the samples do not depend on it).
        #[arg(long, default_value_t = 256)]
        block: usize,
    },
    /// Compile and dry-run a script (every `at()` callback included); exits 1
    /// with file:line:col on the first error.
    Check {
        /// The script (.rhai), or a Csound-style score (.sco).
        script: PathBuf,
        /// How far in seconds to dry-run scheduled callbacks.
        #[arg(long, default_value_t = 600.0)]
        duration: f64,
    },
    /// Render the benchmark workloads (w1_grains, w2_poly, w3_dense: the events
    /// Csound and scsynth render in ../shared/bench/anchors.sh) offline and
    /// print audio seconds, wall seconds, x-realtime, peak memory, late and lost events.
    Bench {
        /// Workloads to run (default: all three).
        workloads: Vec<String>,
        /// A workload to run (the same as naming it; may repeat).
        #[arg(long = "workload")]
        workload: Vec<String>,
        /// Also write each render as 32-bit float WAV into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// One line per workload: name and x-realtime (for timing the whole process).
        #[arg(long)]
        quiet: bool,
        /// Also find how many W2 voices one core sustains in real time (48 kHz,
        /// 256-frame blocks, worst block under 50 % of its duration).
        #[arg(long)]
        realtime_voices: bool,
    },
}

/// WAV sample formats.
#[derive(Clone, Copy, ValueEnum)]
enum Bits {
    /// 16-bit integer.
    #[value(name = "16")]
    B16,
    /// 24-bit integer.
    #[value(name = "24")]
    B24,
    /// 32-bit float.
    #[value(name = "32f")]
    F32,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Cmd::Render {
            script,
            out,
            duration,
            sr,
            bits,
            block,
        }) => cmd_render(&script, &out, duration, sr, bits, block),
        Some(Cmd::Check { script, duration }) => cmd_check(&script, duration),
        Some(Cmd::Bench {
            mut workloads,
            workload,
            out,
            quiet,
            realtime_voices,
        }) => {
            workloads.extend(workload);
            bench_cmd::run(&workloads, out.as_deref(), quiet, realtime_voices)
        }
        None => {
            eprintln!(
                "tactus: the live session (REPL, audio device) is not built yet; render a score instead:\n  tactus render {} -o out.wav",
                cli.script.as_deref().unwrap_or(Path::new("scripts/first.rhai")).display()
            );
            ExitCode::from(2)
        }
    }
}

fn read_script(path: &Path) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("{}: error: cannot read the script: {e}", path.display());
        ExitCode::from(1)
    })
}

fn cmd_check(script: &Path, duration: f64) -> ExitCode {
    let src = match read_script(script) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let opts = RenderOptions {
        max_duration: Seconds(duration),
        ..RenderOptions::default()
    };
    let errors = render::check(&script.display().to_string(), &src, &opts);
    for e in &errors {
        eprintln!("{e}");
    }
    if errors.is_empty() {
        println!("{}: ok", script.display());
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn cmd_render(
    script: &Path,
    out: &Path,
    duration: Option<f64>,
    sr: u32,
    bits: Bits,
    block: usize,
) -> ExitCode {
    let src = match read_script(script) {
        Ok(s) => s,
        Err(c) => return c,
    };
    if !(8_000..=384_000).contains(&sr) {
        eprintln!("tactus: error: --sr {sr} is out of range 8000 to 384000");
        return ExitCode::from(1);
    }
    if let Some(d) = duration.filter(|d| !d.is_finite() || *d < 0.0) {
        eprintln!("tactus: error: --duration {d} must be 0 or more seconds");
        return ExitCode::from(1);
    }
    let opts = RenderOptions {
        sr: SampleRate(sr),
        block_frames: block.clamp(1, 65_536),
        duration: duration.map(Seconds),
        ..RenderOptions::default()
    };
    let mut writer = match WavOut::create(out, sr, bits) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("{}: error: cannot write the WAV file: {e}", out.display());
            return ExitCode::from(1);
        }
    };
    let started = std::time::Instant::now();
    let name = script.display().to_string();
    let result = render::render(
        &name,
        &src,
        &opts,
        Rc::new(|s: &str| println!("{s}")),
        |b| writer.write(b),
    );
    let wall_s = started.elapsed().as_secs_f64();
    let finished = writer.finish();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            let _ = std::fs::remove_file(out);
            return ExitCode::from(1);
        }
    };
    if let Err(e) = finished {
        eprintln!("{}: error: cannot write the WAV file: {e}", out.display());
        return ExitCode::from(1);
    }
    for e in &report.errors {
        eprintln!("{e}");
    }
    let audio_s = report.frames as f64 / sr as f64;
    eprintln!(
        "rendered {}: {:.3} s of audio in {:.3} s ({:.1}x real time), {} notes, {} late, {} dropped",
        out.display(),
        audio_s,
        wall_s,
        audio_s / wall_s.max(1e-9),
        report.notes,
        report.late_events,
        report.dropped_notes
    );
    if report.truncated {
        eprintln!(
            "note: stopped at {} s with sound still going; pass --duration to choose the length",
            opts.max_duration.0
        );
    }
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A WAV writer for any of the sample formats.
struct WavOut {
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
    bits: Bits,
    error: Option<hound::Error>,
}

impl WavOut {
    fn create(path: &Path, sr: u32, bits: Bits) -> Result<WavOut, hound::Error> {
        let (bits_per_sample, sample_format) = match bits {
            Bits::B16 => (16, hound::SampleFormat::Int),
            Bits::B24 => (24, hound::SampleFormat::Int),
            Bits::F32 => (32, hound::SampleFormat::Float),
        };
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: sr,
            bits_per_sample,
            sample_format,
        };
        Ok(WavOut {
            writer: hound::WavWriter::create(path, spec)?,
            bits,
            error: None,
        })
    }

    fn write(&mut self, block: &[f32]) {
        if self.error.is_some() {
            return;
        }
        for &x in block {
            let r = match self.bits {
                Bits::B16 => self
                    .writer
                    .write_sample((x.clamp(-1.0, 1.0) * 32767.0).round() as i16),
                Bits::B24 => self
                    .writer
                    .write_sample((x.clamp(-1.0, 1.0) * 8_388_607.0).round() as i32),
                Bits::F32 => self.writer.write_sample(x),
            };
            if let Err(e) = r {
                self.error = Some(e);
                return;
            }
        }
    }

    fn finish(self) -> Result<(), hound::Error> {
        match self.error {
            Some(e) => Err(e),
            None => self.writer.finalize(),
        }
    }
}
