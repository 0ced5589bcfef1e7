//! `tactus [SCRIPT]`: the live session. The main thread runs the REPL
//! (rustyline) and owns the audio output; the script thread ([`crate::live`])
//! owns Rhai, the session and the scheduler; the audio thread runs the engine.
//! Messages from the script thread print above the prompt (rustyline's
//! external printer) without breaking the line being typed.

use crate::audio::{Engine, EngineConfig};
use crate::device::{self, DeviceOptions, RunningOutput};
use crate::live::{self, LiveConfig, LiveLinks, Reply, Request};
use crate::repl_edit::{self, Names, Usages};
use crate::script::help::DOCS;
use crate::script::state::Printer;
use crate::term_signal;
use crate::time::Seconds;
use crate::watch::{ScriptWatcher, DEBOUNCE};
use crossbeam_channel::{bounded, unbounded, Sender};
use rustyline::error::ReadlineError;
use rustyline::ExternalPrinter;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How to run a live session.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// The performance script to load (and watch).
    pub script: Option<PathBuf>,
    /// Do not re-evaluate the script when it is saved.
    pub no_watch: bool,
    /// Audio device choice.
    pub device: DeviceOptions,
    /// `--record FILE.wav`: record the output there from the start, with
    /// a device or without (with none, the fallback's own recording).
    pub fallback_wav: Option<PathBuf>,
    /// MIDI inputs to open at the start (`--midi-in`).
    pub midi_in: Vec<String>,
    /// The MIDI output to open at the start (`--midi-out`).
    pub midi_out: Option<String>,
    /// Join the Ableton Link session from the start (`--link`).
    pub link: bool,
    /// A saved session to restore before the script (`--session`).
    pub session: Option<PathBuf>,
    /// The name of the socket `tactus eval` reaches this session through
    /// (`--socket`; `None`: [`crate::eval_socket::DEFAULT_NAME`]).
    pub socket: Option<String>,
}

/// Why a session could not start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The audio output could not start.
    #[error(transparent)]
    Device(#[from] device::DeviceError),
    /// The script cannot be watched.
    #[error(transparent)]
    Watch(#[from] crate::watch::WatchError),
    /// The line editor could not start.
    #[error(transparent)]
    Editor(#[from] repl_edit::ReplEditError),
    /// A thread could not be spawned.
    #[error("cannot start the script thread: {0}")]
    Thread(std::io::Error),
}

/// Run the session until Ctrl-D (or end of input), SIGTERM or SIGHUP.
pub fn run(opts: SessionOptions) -> Result<(), SessionError> {
    let (cmd_tx, cmd_rx) = bounded(4096);
    let (garbage_tx, garbage_rx) = bounded(1024);
    let wav = opts.fallback_wav.clone().unwrap_or_else(default_wav);
    let mut telemetry = None;
    let output = device::start(&opts.device, &wav, |sr, block| {
        let engine = Engine::new(EngineConfig::new(sr), cmd_rx, garbage_tx);
        let _ = block;
        telemetry = Some(engine.telemetry());
        engine
    })?;
    let Some(telemetry) = telemetry else {
        return Err(SessionError::Thread(std::io::Error::other(
            "the audio engine was not built",
        )));
    };
    let info = output.info().clone();
    println!("{}", describe(&info));
    let names: Names = Arc::new(Mutex::new(
        DOCS.iter().map(|d| d.name.to_string()).collect(),
    ));
    let usages: Usages = Arc::new(Mutex::new(
        DOCS.iter()
            .map(|d| (d.name.to_string(), d.usage.to_string()))
            .collect(),
    ));
    let history = repl_edit::history_path();
    let mut editor = repl_edit::editor(names.clone(), usages, &history)?;
    let printer = shared_printer(&mut editor);
    let (req_tx, req_rx) = bounded(16);
    let (file_tx, file_rx) = bounded(4);
    let _watcher = match (&opts.script, opts.no_watch) {
        (Some(path), false) => Some(ScriptWatcher::watch(path, DEBOUNCE, file_tx)?),
        _ => None,
    };
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = interrupt.clone();
    // SIGINT while an evaluation runs (the terminal is not in raw mode then).
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let cfg = LiveConfig {
        sr: info.sr,
        block_frames: info.block_frames,
        lookahead: Seconds(0.1),
        script: opts.script.clone(),
        midi: true,
        midi_in: opts.midi_in.clone(),
        midi_out: opts.midi_out.clone(),
        link: opts.link,
        session: opts.session.clone(),
        // On the fallback, `--record` already names the fallback's file.
        record: opts.fallback_wav.clone().filter(|_| !info.fallback),
    };
    let links = LiveLinks {
        commands: cmd_tx,
        garbage: garbage_rx,
        telemetry,
        requests: req_rx,
        file_changes: file_rx,
        interrupt,
    };
    let p = printer.clone();
    let script_thread = std::thread::Builder::new()
        .name("tactus-script".into())
        .stack_size(crate::script::limits::SCRIPT_STACK_BYTES)
        .spawn(move || {
            let print: Printer = std::rc::Rc::new(move |s: &str| p(s));
            live::run(cfg, links, print)
        })
        .map_err(SessionError::Thread)?;
    let errors = output.errors().clone();
    let forward = printer.clone();
    std::thread::spawn(move || {
        device::forward_events(&errors, device::EVENT_POLL, |e| {
            forward(&format!("audio device: {e}; the session keeps its state"));
        });
    });
    let eval_socket = eval_server(opts.socket.as_deref(), &req_tx, &names);
    let terminal = term_signal::TerminalModes::save();
    let signals = term_signal::termination_signals();
    let (done_tx, done_rx) = bounded(1);
    let (repl_req, repl_names) = (req_tx.clone(), names.clone());
    // The REPL reads on its own thread, so that SIGTERM or SIGHUP can end
    // the session while it waits for a line.
    let repl = std::thread::Builder::new()
        .name("tactus-repl".into())
        .spawn(move || {
            repl_loop(&mut editor, &repl_req, &repl_names);
            let _ = done_tx.send(());
            editor
        })
        .map_err(SessionError::Thread)?;
    let signalled = crossbeam_channel::select! {
        recv(done_rx) -> _ => None,
        recv(signals) -> s => s.ok(),
    };
    if let Some(signal) = signalled {
        terminal.restore();
        println!(
            "tactus: {}: the session ends as on Ctrl-D (recordings and takes are finished)",
            term_signal::name(signal)
        );
    }
    // From here `tactus eval` says no session is running.
    drop(eval_socket);
    let _ = req_tx.send(Request::Quit);
    let _ = script_thread.join();
    if signalled.is_none() {
        if let Ok(mut editor) = repl.join() {
            let _ = repl_edit::save_history(&mut editor, &history);
        }
    }
    finish(output)
}

/// Listen for `tactus eval` at the socket of `name`; when it cannot (another
/// session listens there), say so in one line and go on without it.
#[cfg(unix)]
fn eval_server(
    name: Option<&str>,
    requests: &Sender<Request>,
    names: &Names,
) -> Option<crate::eval_socket::EvalServer> {
    use crate::eval_socket::{EvalServer, SocketError, DEFAULT_NAME};
    let names = names.clone();
    let on_names = move |n: Vec<String>| {
        if let Ok(mut shared) = names.lock() {
            *shared = n;
        }
    };
    match EvalServer::start(name.unwrap_or(DEFAULT_NAME), requests.clone(), on_names) {
        Ok(server) => Some(server),
        Err(e @ SocketError::Busy(_)) => {
            println!("tactus eval: {e}; this session takes no `tactus eval` (start it with --socket NAME to give it its own)");
            None
        }
        Err(e) => {
            println!("tactus eval: {e}; this session takes no `tactus eval`");
            None
        }
    }
}

#[cfg(not(unix))]
fn eval_server(_: Option<&str>, _: &Sender<Request>, _: &Names) -> Option<()> {
    None
}

/// Where a session with no audio device is recorded:
/// `recordings/<date>_<time>_session.wav`.
fn default_wav() -> PathBuf {
    let dir = PathBuf::from(crate::record::DEFAULT_DIR);
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!("{}_session.wav", crate::record::date_time_stamp()))
}

fn describe(info: &device::OutputInfo) -> String {
    if info.fallback {
        format!(
            "{} (no output device was found; the clock runs in real time)",
            info.description
        )
    } else {
        format!(
            "audio: {} at {} Hz, {}-frame blocks",
            info.description, info.sr.0, info.block_frames
        )
    }
}

/// A thread-safe printer: above the prompt when the terminal allows it.
fn shared_printer<H: rustyline::Helper>(
    editor: &mut rustyline::Editor<H, rustyline::history::FileHistory>,
) -> Arc<dyn Fn(&str) + Send + Sync> {
    match editor.create_external_printer() {
        Ok(ext) => {
            let ext = Mutex::new(ext);
            Arc::new(move |s: &str| {
                if let Ok(mut p) = ext.lock() {
                    let _ = p.print(format!("{s}\n"));
                }
            })
        }
        Err(_) => Arc::new(|s: &str| println!("{s}")),
    }
}

fn repl_loop<H: rustyline::Helper>(
    editor: &mut rustyline::Editor<H, rustyline::history::FileHistory>,
    requests: &Sender<Request>,
    names: &Names,
) {
    let panic_key = repl_edit::bind_panic_key(editor);
    println!(
        "Tactus {} - help() lists the functions, Tab completes, Ctrl-C on an empty line is panic(), Ctrl-D quits.",
        env!("CARGO_PKG_VERSION")
    );
    let mut typed = String::new(); // a key that ended meters(): the next line's start
    loop {
        let read = editor.readline_with_initial("tactus> ", (&std::mem::take(&mut typed), ""));
        match read {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => {
                let (tx, rx) = unbounded();
                if requests
                    .send(Request::Eval {
                        code: line,
                        reply: tx,
                    })
                    .is_err()
                {
                    break;
                }
                match rx.recv() {
                    Ok(reply) => {
                        let (keyboard, meters) = (reply.keyboard, reply.meters);
                        show(reply, names);
                        if let Some(ch) = keyboard {
                            play_keyboard(ch, requests, names);
                        }
                        if meters {
                            typed = show_meters(requests).map(String::from).unwrap_or_default();
                        }
                    }
                    Err(_) => {
                        eprintln!("tactus: the script thread has stopped; ending the session (the recording is kept)");
                        break;
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {
                if panic_key.swap(false, Ordering::Relaxed) {
                    panic_now(requests, names);
                }
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("tactus: input error: {e}");
                break;
            }
        }
    }
}

/// The panic key (Ctrl-C on an empty line): `panic()`, said in one line.
fn panic_now(requests: &Sender<Request>, names: &Names) {
    let (tx, rx) = unbounded();
    let code = "panic()".to_string();
    if requests.send(Request::Eval { code, reply: tx }).is_ok() {
        if let Ok(reply) = rx.recv() {
            if reply.result.is_err() {
                show(reply, names);
            } else {
                println!("{PANIC_KEY_LINE}");
            }
        }
    }
}

/// What the panic key prints.
pub const PANIC_KEY_LINE: &str = "Ctrl-C: panic(): every voice fades out and every MIDI note is ended; loops play on (stop() halts them, Ctrl-D quits)";

/// `meters()`: the live meters until a key is pressed; returns a printable
/// key to start the next line with.
fn show_meters(requests: &Sender<Request>) -> Option<char> {
    let fetch = || {
        let (tx, rx) = unbounded();
        requests.send(Request::Meters { reply: tx }).ok()?;
        rx.recv().ok()
    };
    match crate::repl_meters::run(fetch) {
        Ok(key) => key,
        Err(e) => {
            eprintln!("{e}");
            None
        }
    }
}

/// Keyboard mode: each played key is evaluated like a typed line.
fn play_keyboard(ch: u8, requests: &Sender<Request>, names: &Names) {
    let played = crate::repl_keys::run(ch, |code| {
        let (tx, rx) = unbounded();
        let code = code.to_string();
        if requests.send(Request::Eval { code, reply: tx }).is_ok() {
            if let Ok(reply) = rx.recv() {
                if reply.result.is_err() {
                    show(reply, names);
                }
            }
        }
    });
    if let Err(e) = played {
        println!("{e}");
    }
}

fn show(reply: Reply, names: &Names) {
    match reply.result {
        Ok(Some(value)) => println!("=> {value}"),
        Ok(None) => {}
        Err(e) => println!("{e}"),
    }
    if let Ok(mut n) = names.lock() {
        *n = reply.names;
    }
}

fn finish(output: RunningOutput) -> Result<(), SessionError> {
    let recorded = output
        .info()
        .fallback
        .then(|| output.info().description.clone());
    output.stop()?;
    if let Some(d) = recorded {
        println!(
            "{}",
            d.replace("no audio device: recording to", "session recorded to")
        );
    }
    Ok(())
}
