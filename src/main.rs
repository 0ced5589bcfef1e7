//! The `tactus` command line: clap only; the work is in the library.

mod bench_cmd;
mod eval_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use tactus::record::wav::{WavFile, WavFormat};
use tactus::render::{self, RenderEnd, RenderOptions};
use tactus::time::{SampleRate, Seconds};

#[cfg(debug_assertions)]
#[global_allocator]
static ALLOC: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

/// Release builds count allocations on the audio thread (`status()` shows them).
#[cfg(not(debug_assertions))]
#[global_allocator]
static ALLOC: tactus::alloc_count::CountingAlloc = tactus::alloc_count::CountingAlloc;

/// Tactus: a live-coding music environment. Without a subcommand, starts the
/// live session: a REPL, with SCRIPT loaded and re-evaluated on every save.
#[derive(Parser)]
#[command(name = "tactus", version, about, long_about = None, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// A performance script, evaluated at start and on every save.
    script: Option<PathBuf>,
    /// Do not re-evaluate the script when it is saved.
    #[arg(long)]
    no_watch: bool,
    /// Audio output: the first device whose name contains NAME (see `tactus devices`).
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// Device buffer size to request, in frames.
    #[arg(long, value_name = "FRAMES")]
    buffer: Option<u32>,
    /// Sample rate to request, in Hz.
    #[arg(long, value_name = "HZ")]
    sr: Option<u32>,
    /// Record what is heard, from the start, to this WAV file (32-bit
    /// float), with any output. With no audio device the session is always
    /// recorded (default: recordings/<date>_<time>_session.wav).
    #[arg(long, value_name = "FILE.wav")]
    record: Option<PathBuf>,
    /// Play the channels from a MIDI input: the first port whose name
    /// contains NAME (repeat for several; see `tactus devices`). Tactus also
    /// offers its own input "Tactus in" for other programs to connect to.
    #[arg(long, value_name = "NAME")]
    midi_in: Vec<String>,
    /// MIDI output: open the first port whose name contains NAME, as
    /// `midi_out("NAME")` would (channels with `midi_out: true` play there).
    #[arg(long, value_name = "NAME")]
    midi_out: Option<String>,
    /// Join the Ableton Link session on the local network from the start,
    /// as `link(true)` does: tempo, beat grid and (with
    /// `link_start_stop(true)`) play/stop shared with Ableton Live, phone
    /// apps and other Tactus sessions.
    #[arg(long)]
    link: bool,
    /// Start from a saved session (`save_session("set.json")`): channels,
    /// tables, cc maps, tempo, drums, sequences, MIDI and Link settings,
    /// restored before SCRIPT is loaded. A file that is not a session,
    /// damaged or from a newer Tactus stops here with one message.
    #[arg(long, value_name = "FILE.json")]
    session: Option<PathBuf>,
    /// The name of the socket `tactus eval` reaches this session through:
    /// $XDG_RUNTIME_DIR/tactus/NAME.sock (or /tmp/tactus-<uid>/NAME.sock
    /// when XDG_RUNTIME_DIR is unset); default "default". Give a second
    /// session its own name.
    #[arg(long, value_name = "NAME")]
    socket: Option<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Render a script offline to a WAV file, faster than real time; the same
    /// script always gives the same samples.
    Render {
        /// The script (.rhai), a Csound-style score (.sco), or a Standard
        /// MIDI File (.mid: its tempo map, channels onto Tactus channels, GM
        /// programs as their General MIDI presets, drums on 10).
        script: PathBuf,
        /// Output WAV file (RF64 past 4 GiB). It is written under a hidden
        /// name beside it and renamed when the render succeeds: a failed
        /// render leaves a previous file as it was. The script itself, or a
        /// name that is not a regular file (a device, a FIFO, a directory),
        /// is refused.
        #[arg(short, long)]
        out: PathBuf,
        /// Exact length in seconds. Without it, the render ends at the
        /// script's `end()` if it has one, otherwise once nothing is left to
        /// play and the sound has stayed below -120 dBFS for 5 s (longer than
        /// any gap between a delay's echoes), the file ending where the sound
        /// fell below -120 dBFS; and at 600 s at most, saying so if sound was
        /// still going, unless notes are scheduled after 600 s and nothing
        /// repeats (no live loop, sequence or at() callback): then it goes
        /// on until they have played (up to 86400 s); what a stop at 600 s
        /// left unplayed is named. 0 to 86400 (24 hours).
        #[arg(long, value_parser = render_seconds)]
        duration: Option<f64>,
        /// Sample rate in Hz.
        #[arg(long, default_value_t = 48_000)]
        sr: u32,
        /// Sample format.
        #[arg(long, value_enum, default_value_t = Bits::B24)]
        bits: Bits,
        /// Frames per engine block (the samples do not depend on it; default
        /// 256 on one thread, 4096 on several).
        #[arg(long)]
        block: Option<usize>,
        /// A .sco statement Tactus cannot honour (a p-field it cannot map, a
        /// sound file that does not exist) refuses the score; without it the
        /// statement is reported with file:line:col and the rest renders.
        #[arg(long)]
        strict: bool,
        /// Threads rendering the voices (default: every core; at most 4 are
        /// used, one per voice group). The samples are the same on any number.
        #[arg(long, value_parser = thread_count)]
        threads: Option<usize>,
    },
    /// Compile and dry-run a script (every `at()` callback included); exits 1
    /// with file:line:col on the first error.
    Check {
        /// The script (.rhai), or a Csound-style score (.sco).
        script: PathBuf,
        /// How far in seconds to dry-run scheduled callbacks (more than 0,
        /// at most 86400: 24 hours).
        #[arg(long, default_value_t = 600.0, value_parser = check_seconds)]
        duration: f64,
    },
    /// List the audio outputs (the default marked with *), the audio inputs,
    /// the MIDI inputs and the MIDI outputs, each with the backend it came from.
    Devices {
        /// Also show what the audio and MIDI libraries (ALSA, JACK) print
        /// while the devices are probed.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Send code to a running session (started with `tactus`), as if typed
    /// at its prompt, and print the result or the error as the REPL would.
    /// Exits 0 when the code ran, 1 on a script error (on stderr), 2 when no
    /// session is reached. The session listens on a private Unix socket
    /// (mode 0600, never a network port): $XDG_RUNTIME_DIR/tactus/NAME.sock,
    /// or /tmp/tactus-<uid>/NAME.sock when XDG_RUNTIME_DIR is unset. At most
    /// 1 MiB of code.
    Eval {
        /// The code (Rhai), e.g. 'tempo(120)'.
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        code: Option<String>,
        /// Send this file's text instead; `-` reads standard input.
        #[arg(long, short, value_name = "FILE")]
        file: Option<PathBuf>,
        /// The session's socket name (its `--socket NAME`).
        #[arg(long, value_name = "NAME", default_value = "default")]
        socket: String,
    },
    /// Render the benchmark workloads (w1_grains, w2_poly, w3_dense: the same
    /// events bench/compare.sh has Csound and scsynth render) offline and
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
        /// 256-frame blocks, worst block under 50 % of its duration), and how
        /// many --threads sustain (render workers, as offline).
        #[arg(long)]
        realtime_voices: bool,
        /// Threads rendering the voices (default: every core; at most 4 are
        /// used, one per voice group). The samples are the same on any number.
        #[arg(long, value_parser = thread_count)]
        threads: Option<usize>,
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

impl Bits {
    fn format(self) -> WavFormat {
        match self {
            Bits::B16 => WavFormat::Int16,
            Bits::B24 => WavFormat::Int24,
            Bits::F32 => WavFormat::Float32,
        }
    }
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
            strict,
            threads,
        }) => {
            let opts = RenderArgs {
                duration,
                sr,
                bits,
                block,
                strict,
                threads: threads.unwrap_or_else(render::default_threads),
            };
            on_script_stack(move || cmd_render(&script, &out, opts))
        }
        Some(Cmd::Check { script, duration }) => {
            on_script_stack(move || cmd_check(&script, duration))
        }
        Some(Cmd::Bench {
            mut workloads,
            workload,
            out,
            quiet,
            realtime_voices,
            threads,
        }) => {
            workloads.extend(workload);
            bench_cmd::run(&bench_cmd::BenchArgs {
                names: &workloads,
                out: out.as_deref(),
                quiet,
                realtime_voices,
                threads: threads.unwrap_or_else(render::default_threads),
            })
        }
        Some(Cmd::Devices { verbose }) => cmd_devices(verbose),
        Some(Cmd::Eval { code, file, socket }) => eval_cmd::run(code, file.as_deref(), &socket),
        None => cmd_session(cli),
    }
}

fn cmd_session(cli: Cli) -> ExitCode {
    if let Some(p) = cli.script.as_deref().filter(|p| !p.is_file()) {
        eprintln!("{}: error: no such script", p.display());
        return ExitCode::from(1);
    }
    if let Some(Err(e)) = cli.socket.as_deref().map(tactus::eval_socket::socket_path) {
        eprintln!("tactus: error: --socket: {e}");
        return ExitCode::from(1);
    }
    if let Some(p) = cli.session.as_deref() {
        if let Err(e) = tactus::script::api::session_file::check(&p.to_string_lossy()) {
            eprintln!("tactus: error: --session: {e}");
            return ExitCode::from(1);
        }
    }
    let opts = tactus::repl::SessionOptions {
        script: cli.script,
        no_watch: cli.no_watch,
        device: tactus::device::DeviceOptions {
            device: cli.device,
            buffer_frames: cli.buffer,
            sr: cli.sr,
        },
        fallback_wav: cli.record,
        midi_in: cli.midi_in,
        midi_out: cli.midi_out,
        link: cli.link,
        session: cli.session,
        socket: cli.socket,
    };
    match tactus::repl::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tactus: error: {e}");
            ExitCode::from(1)
        }
    }
}

fn cmd_devices(verbose: bool) -> ExitCode {
    tactus::device::set_verbose(verbose);
    match tactus::device::list_outputs() {
        Ok(list) if !list.is_empty() => {
            let backends = tactus::device::output_backends();
            println!("audio outputs:");
            for (name, default) in list {
                let backend = backends
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or("cpal", |(_, b)| *b);
                println!("  {} {name} ({backend})", if default { "*" } else { " " });
            }
        }
        Ok(_) => println!("no audio outputs (a session records to a WAV file instead)"),
        Err(e) => {
            println!("no usable audio output: {e} (a session records to a WAV file instead)")
        }
    }
    let inputs = tactus::device::capture::input_names();
    println!("audio inputs (input(ch, #{{ device: NAME }})):");
    if inputs.is_empty() {
        println!("    none");
    }
    for n in inputs {
        println!("    {n}");
    }
    print_midi_ports();
    ExitCode::SUCCESS
}

/// MIDI inputs and outputs with their backend, or one line saying why
/// there is no MIDI.
fn print_midi_ports() {
    use tactus::midi::ports;
    match ports::list() {
        Ok(list) => {
            for (kind, names) in [("inputs", &list.inputs), ("outputs", &list.outputs)] {
                println!("MIDI {kind} ({}):", ports::BACKEND);
                if names.is_empty() {
                    println!("    none");
                }
                for n in names {
                    println!("    {n}");
                }
            }
        }
        Err(e) => println!("{e}; a session runs without MIDI"),
    }
}

fn read_script(path: &Path) -> Result<String, ExitCode> {
    if is_midi_file(path) {
        // A MIDI file plays as a one-line script: its tempo map, its
        // channels onto Tactus channels, GM programs as their GM presets.
        let shown = path.display().to_string();
        return Ok(format!("play_midi({shown:?}, #{{ programs: true }});"));
    }
    tactus::files::read_text(path).map_err(|e| {
        eprintln!(
            "{}: error: cannot read the script: {}",
            path.display(),
            e.reason
        );
        ExitCode::from(1)
    })
}

/// A `.mid` or `.midi` file.
fn is_midi_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("mid") || e.eq_ignore_ascii_case("midi"))
}

/// The longest `--duration`: a day of sound (a bigger number would render
/// for days, or never end).
const MAX_DURATION_S: f64 = 86_400.0;

/// `render --duration`: a number of seconds from 0 to a day.
fn render_seconds(s: &str) -> Result<f64, String> {
    let d: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s} is not a number of seconds (give 0 to {MAX_DURATION_S})"))?;
    if !(0.0..=MAX_DURATION_S).contains(&d) {
        return Err(format!(
            "{s} seconds: give 0 to {MAX_DURATION_S} (24 hours)"
        ));
    }
    Ok(d)
}

/// `check --duration`: more than 0 seconds (0 would skip every callback
/// and say ok), at most a day.
fn check_seconds(s: &str) -> Result<f64, String> {
    let d = render_seconds(s)?;
    if d == 0.0 {
        return Err("0 seconds would check no callback: give more than 0, up to 86400".into());
    }
    Ok(d)
}

/// Run a command that evaluates a script on a thread with the script stack
/// (see `tactus::script::limits`), as the live session's script thread.
fn on_script_stack(f: impl FnOnce() -> ExitCode + Send + 'static) -> ExitCode {
    let thread = std::thread::Builder::new()
        .name("tactus-script".into())
        .stack_size(tactus::script::limits::SCRIPT_STACK_BYTES)
        .spawn(f);
    match thread.map(|t| t.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => ExitCode::from(101),
        Err(e) => {
            eprintln!("tactus: error: cannot start the script thread: {e}");
            ExitCode::from(2)
        }
    }
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

/// `tactus render`'s settings.
struct RenderArgs {
    duration: Option<f64>,
    sr: u32,
    bits: Bits,
    block: Option<usize>,
    strict: bool,
    threads: usize,
}

/// Threads: 1 to 256.
fn thread_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("{s} is not a thread count from 1 to 256")),
    }
}

fn cmd_render(script: &Path, out: &Path, args: RenderArgs) -> ExitCode {
    let RenderArgs {
        duration,
        sr,
        bits,
        block,
        strict,
        threads,
    } = args;
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
        block_frames: block
            .unwrap_or_else(|| render::default_block(threads))
            .clamp(1, 65_536),
        duration: duration.map(Seconds),
        strict,
        threads,
        ..RenderOptions::default()
    };
    let (pending, file) = match tactus::out_file::Pending::create(out, &[script]) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{}: error: {e}", out.display());
            return ExitCode::from(1);
        }
    };
    let mut writer = match WavFile::new(file, bits.format(), 2, sr) {
        Ok(w) => WavOut {
            wav: w,
            error: None,
        },
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
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            // `pending` is dropped: the temporary file goes, a previous
            // render under this name stays as it was.
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let finished = writer
        .finish()
        .map_err(|e| format!("cannot write the WAV file: {e}"))
        .and_then(|()| pending.commit().map_err(|e| e.to_string()));
    if let Err(e) = finished {
        eprintln!("{}: error: {e}", out.display());
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
    if let Some(line) = ending_line(&report, sr) {
        eprintln!("{line}");
    }
    if let Some(line) = report.left.describe(SampleRate(sr)) {
        eprintln!("{line}");
    }
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Why an open-ended render stopped where it did (nothing to say when it
/// rendered the `--duration` asked for or reached `end()`).
fn ending_line(report: &render::RenderReport, sr: u32) -> Option<String> {
    let s = |frames: u64| frames as f64 / sr as f64;
    let db = render::QUIET_LEVEL_DB;
    let file_end = if report.frames == report.sound_frames {
        "the file ends there".to_string()
    } else {
        format!(
            "the file ends at {:.3} s, keeping the start of a long quiet stretch",
            s(report.frames)
        )
    };
    Some(match report.end {
        RenderEnd::Duration | RenderEnd::EndMark => return None,
        RenderEnd::Quiet if report.sound_frames == 0 => {
            format!("ended: nothing left to play, and nothing sounded above {db} dBFS; {file_end}")
        }
        RenderEnd::Quiet => format!(
            "ended: nothing left to play, and the sound fell below {db} dBFS for good at \
             {:.3} s (rendered up to {:.3} s to make sure); {file_end}",
            s(report.sound_frames),
            s(report.rendered_frames),
        ),
        RenderEnd::MaxDuration { sound_going: true } => format!(
            "note: stopped at {:.3} s with sound still going; pass --duration to choose the length",
            s(report.rendered_frames)
        ),
        RenderEnd::MaxDuration { sound_going: false } => format!(
            "note: stopped at {:.3} s, still playing but below {db} dBFS since {:.3} s; \
             {file_end}; pass --duration to choose the length",
            s(report.rendered_frames),
            s(report.sound_frames),
        ),
    })
}

/// The render's WAV file: the first write error is kept for the end.
struct WavOut {
    wav: WavFile<std::fs::File>,
    error: Option<std::io::Error>,
}

impl WavOut {
    fn write(&mut self, block: &[f32]) {
        if self.error.is_none() {
            if let Err(e) = self.wav.write(block) {
                self.error = Some(e);
            }
        }
    }

    /// The header written, the samples on disk.
    fn finish(self) -> std::io::Result<()> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.wav.finish()?.sync_all()
    }
}
