//! `tactus bench`: print the workload figures (the binary's side of [`tactus::bench`]).

use std::path::Path;
use std::process::ExitCode;
use tactus::bench::{self, realtime, Workload};

/// What `tactus bench` was asked.
pub struct BenchArgs<'a> {
    /// Workload names (all when empty and no `realtime_voices`).
    pub names: &'a [String],
    /// Write each render as WAV here.
    pub out: Option<&'a Path>,
    /// One line per workload.
    pub quiet: bool,
    /// Also find the real-time voice counts.
    pub realtime_voices: bool,
    /// Threads rendering the voices.
    pub threads: usize,
}

/// Run the named workloads (all when empty) and print one row each.
pub fn run(args: &BenchArgs) -> ExitCode {
    let (names, out, quiet) = (args.names, args.out, args.quiet);
    let realtime_voices = args.realtime_voices;
    let workloads: Result<Vec<Workload>, _> = if names.is_empty() && !realtime_voices {
        Ok(Workload::ALL.to_vec())
    } else {
        names.iter().map(|n| Workload::from_name(n)).collect()
    };
    let workloads = match workloads {
        Ok(w) => w,
        Err(e) => {
            eprintln!("tactus bench: error: {e}");
            return ExitCode::from(1);
        }
    };
    if !quiet && !workloads.is_empty() {
        println!(
            "{:<10} {:>8} {:>8} {:>10} {:>9} {:>5} {:>5}",
            "workload", "audio s", "wall s", "x-realtime", "peak MiB", "late", "lost"
        );
    }
    for w in workloads {
        if let Err(code) = one(w, out, quiet, args.threads) {
            return code;
        }
    }
    if realtime_voices {
        return voices(quiet, args.threads);
    }
    ExitCode::SUCCESS
}

fn one(w: Workload, out: Option<&Path>, quiet: bool, threads: usize) -> Result<(), ExitCode> {
    let mut writer = match out {
        Some(dir) => Some(wav_writer(&dir.join(format!("{}.wav", w.name())))?),
        None => None,
    };
    let result = bench::run(w, threads, |b| {
        if let Some(wr) = writer.as_mut() {
            b.iter().for_each(|&x| {
                let _ = wr.write_sample(x);
            });
        }
    });
    if let Some(wr) = writer {
        wr.finalize()
            .map_err(|e| fail(&format!("cannot write the WAV: {e}")))?;
    }
    let r = result.map_err(|e| fail(&e.to_string()))?;
    if quiet {
        println!("{} {:.1}", r.name, r.x_realtime());
    } else {
        println!(
            "{:<10} {:>8.1} {:>8.3} {:>10.1} {:>9.1} {:>5} {:>5}",
            r.name,
            r.audio_s,
            r.wall_s,
            r.x_realtime(),
            r.peak_bytes as f64 / 1_048_576.0,
            r.late,
            r.lost
        );
    }
    Ok(())
}

/// The W2 voices sustained in real time on one core and on `threads`
/// (the engine's thread and its render workers).
fn voices(quiet: bool, threads: usize) -> ExitCode {
    if !quiet {
        println!(
            "real-time W2 voices (48 kHz, {}-frame blocks, worst block < 50 %):",
            realtime::RT_BLOCK
        );
    }
    let mut counts = Vec::new();
    let mut runs = vec![1];
    if threads > 1 {
        runs.push(threads);
    }
    for t in runs {
        if !quiet {
            println!(" on {t} thread{}:", if t == 1 { "" } else { "s" });
        }
        let found = realtime::max_voices(t, |n, load| {
            if !quiet {
                println!("  {n:>6} voices: worst block {:.1} %", load * 100.0);
            }
        });
        match found {
            Ok(n) => counts.push((t, n)),
            Err(e) => return fail(&e.to_string()),
        }
    }
    for (t, n) in counts {
        match t {
            1 => println!("realtime_voices {n}"),
            _ => println!("realtime_voices_{t}_threads {n}"),
        }
    }
    ExitCode::SUCCESS
}

fn wav_writer(
    path: &Path,
) -> Result<hound::WavWriter<std::io::BufWriter<std::fs::File>>, ExitCode> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: bench::BENCH_SR.0,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    hound::WavWriter::create(path, spec)
        .map_err(|e| fail(&format!("{}: cannot write: {e}", path.display())))
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("tactus bench: error: {msg}");
    ExitCode::from(1)
}
