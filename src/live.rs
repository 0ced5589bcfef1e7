//! The script thread of a live session: it owns the Rhai engine, the session
//! and the scheduler, and waits with `select!` on REPL requests, file-change
//! events and its next tick. Each tick releases what falls inside the
//! lookahead window (events already past are counted and skipped, never
//! played in a burst), sends commands to the audio thread without ever
//! blocking on it, and frees the buffers the audio thread handed back.

pub mod globals;
pub mod reload;

use crate::audio::Telemetry;
use crate::command::{Command, Garbage};
use crate::input::live::InputRouter;
use crate::midi::input::{self, PortChange};
use crate::midi::output::MidiOut;
use crate::midi::ports::MidiError;
use crate::midi::{MidiEvent, MidiMsg};
use crate::record::live::Recorder;
use crate::record::RecordRequest;
use crate::script::state::{MidiOutState, Printer};
use crate::script::{ScriptError, ScriptHost};
use crate::session::midi_play::MidiAction;
use crate::session::Session;
use crate::sync::link::LinkSync;
use crate::time::{Beats, Frame, SampleRate, Seconds};
use crate::watch::WatchEvent;
use crossbeam_channel::{select, Receiver, Sender};
use reload::Reloader;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the script thread wakes when nothing else wakes it.
pub const TICK: Duration = Duration::from_millis(5);

/// A request from the REPL.
pub enum Request {
    /// Evaluate a line (or several) typed at the prompt.
    Eval {
        /// The text.
        code: String,
        /// Where the answer goes.
        reply: Sender<Reply>,
    },
    /// Evaluate code an editor sent (`tactus eval`, through
    /// [`crate::eval_socket`]): as a typed line, its errors named
    /// `<eval:N>`, and one `[eval] ...` line printed for the musician.
    Editor {
        /// The text.
        code: String,
        /// Where the answer goes.
        reply: Sender<Reply>,
    },
    /// The live meters' text now (`meters()`), read without evaluating.
    Meters {
        /// Where the text goes.
        reply: Sender<String>,
    },
    /// End the session.
    Quit,
}

/// Where an evaluation came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Typed at the prompt.
    Prompt,
    /// Sent by an editor through the socket.
    Editor,
}

/// The answer to an evaluation.
pub struct Reply {
    /// The value to show (`None` for unit), or the error.
    pub result: Result<Option<String>, ScriptError>,
    /// Names for completion (bindings, loops, tables, channels).
    pub names: Vec<String>,
    /// `keyboard(ch)` was called: play channel ch (1..=16) from the keys.
    pub keyboard: Option<u8>,
    /// `meters()` was called: show the live meters until a key is pressed.
    pub meters: bool,
}

/// What the script thread needs.
pub struct LiveConfig {
    /// Sample rate of the running engine.
    pub sr: SampleRate,
    /// Frames per device block.
    pub block_frames: u32,
    /// How far ahead of the audio clock loops and sequences are computed
    /// (until a script sets `lookahead(ms)`).
    pub lookahead: Seconds,
    /// The performance script, if any.
    pub script: Option<PathBuf>,
    /// Use MIDI input: offer the virtual input "Tactus in" and open these
    /// ports (`--midi-in`). With `false` the session has no MIDI at all.
    pub midi: bool,
    /// Inputs to open at the start (each the first port containing the text).
    pub midi_in: Vec<String>,
    /// The MIDI output to open at the start (`--midi-out NAME`).
    pub midi_out: Option<String>,
    /// Record the output from the start to this WAV file (`--record` with
    /// a device; the fallback records by itself).
    pub record: Option<PathBuf>,
    /// Join the Ableton Link session from the start (`--link`).
    pub link: bool,
    /// A saved session restored before the script loads (`--session`).
    pub session: Option<PathBuf>,
}

/// The channels between the script thread and the rest.
pub struct LiveLinks {
    /// Commands to the audio thread (never blocked on).
    pub commands: Sender<Command>,
    /// Replaced buffers from the audio thread, freed here.
    pub garbage: Receiver<Garbage>,
    /// The audio thread's clock and counters.
    pub telemetry: Arc<Telemetry>,
    /// REPL requests.
    pub requests: Receiver<Request>,
    /// File changes of the watched script.
    pub file_changes: Receiver<WatchEvent>,
    /// Set by Ctrl-C: stops a running evaluation.
    pub interrupt: Arc<AtomicBool>,
}

/// Run the script thread until `Request::Quit` (or the REPL goes away).
pub fn run(cfg: LiveConfig, links: LiveLinks, printer: Printer) {
    let session = Session::new(cfg.sr, cfg.block_frames);
    let mut host = ScriptHost::new(session, printer.clone());
    host.set_interrupt(links.interrupt.clone());
    host.set_telemetry(links.telemetry.clone());
    host.set_commands(links.commands.clone());
    host.set_lookahead(cfg.lookahead);
    // Every MIDI client is made first, then the lines about them are
    // printed together (the REPL writes printed lines asynchronously).
    let (midi_tx, midi_rx) = crossbeam_channel::bounded(input::EVENT_CAPACITY);
    let mut midi_lines = Vec::new();
    if cfg.midi {
        let mut note = |s: &str| midi_lines.push(s.to_string());
        host.set_midi(open_midi(&cfg.midi_in, midi_tx.clone(), &mut note));
    }
    let midi = match MidiOut::start(links.telemetry.clone(), cfg.sr) {
        Ok(m) => {
            let v = m.virtual_port.clone();
            host.with_state(|st| st.midi_out = MidiOutState::Live(v));
            Some(m)
        }
        Err(e) => {
            let why = match e {
                crate::midi::ports::MidiError::Unavailable(w) => w,
                other => other.to_string(),
            };
            host.with_state(|st| st.midi_out = MidiOutState::Unavailable(why));
            None
        }
    };
    let mut reloader = cfg.script.clone().map(Reloader::new);
    let midi_name = cfg.midi_out.clone();
    let record = cfg.record.clone();
    let cfg_sr = cfg.sr;
    if cfg.link {
        thread_link_on(&mut host);
    }
    let mut thread = Live {
        host,
        recorder: Recorder::new(cfg.sr.0),
        input: InputRouter::new(cfg.sr.0, cfg.block_frames, links.telemetry.clone()),
        cfg,
        links,
        printer,
        midi,
        link: LinkSync::new(cfg_sr),
    };
    if let Some(path) = record {
        thread.record_from_start(path);
    }
    if let Some(name) = midi_name {
        let at = thread.next_block_beat();
        if let Err(e) = thread.host.eval_repl(&format!("midi_out({name:?})"), at) {
            (thread.printer)(&format!("--midi-out: {e}"));
        }
    }
    for line in midi_lines {
        (thread.printer)(&line);
    }
    if let Some(path) = thread.cfg.session.clone() {
        let at = thread.next_block_beat();
        let code = format!("load_session({:?})", path.display().to_string());
        match thread.host.eval_repl(&code, at) {
            Ok(_) => (thread.printer)(&format!("restored the session {}", path.display())),
            Err(e) => (thread.printer)(&format!("--session: {e}")),
        }
    }
    let start = thread.next_block_beat();
    thread.host.with_session(|s| s.bar_origin = start);
    if let Some(r) = reloader.as_mut() {
        r.reload(&mut thread.host, start, &*thread.printer);
    }
    loop {
        thread.guarded("the scheduler", |t| t.tick());
        select! {
            recv(thread.links.requests) -> req => match req {
                Ok(Request::Eval { code, reply }) => {
                    let r = reloader.as_mut();
                    thread.guarded("an evaluation", |t| t.eval(Origin::Prompt, &code, &reply, r));
                }
                Ok(Request::Editor { code, reply }) => {
                    let r = reloader.as_mut();
                    thread.guarded("an evaluation", |t| t.eval(Origin::Editor, &code, &reply, r));
                }
                Ok(Request::Meters { reply }) => {
                    let _ = reply.send(thread.host.meters_text());
                }
                Ok(Request::Quit) | Err(_) => break,
            },
            recv(thread.links.file_changes) -> ev => match ev {
                Ok(WatchEvent::Changed(_)) => {
                    if let Some(r) = reloader.as_mut() {
                        thread.guarded("a reload", |t| {
                            let now = t.next_block_beat();
                            r.reload(&mut t.host, now, &*t.printer);
                        });
                    }
                }
                Ok(WatchEvent::Error(e)) => (thread.printer)(&format!("watching the script: {e}")),
                Err(_) => {}
            },
            recv(midi_rx) -> ev => {
                if let Ok(ev) = ev {
                    thread.guarded("MIDI input", |t| {
                        t.midi(ev);
                        // Whatever else has arrived, in the same wake-up.
                        for _ in 0..input::EVENT_CAPACITY {
                            match midi_rx.try_recv() {
                                Ok(ev) => t.midi(ev),
                                Err(_) => break,
                            }
                        }
                        t.host.flush(&t.links.commands);
                    });
                }
            },
            default(TICK) => {}
        }
    }
    thread.host.with_session(|s| s.log.replace(None));
    let now = thread.now();
    thread.host.finish_takes(now);
    thread.stop_recordings();
    let printer = thread.printer.clone();
    thread.input.shutdown(&mut |line| printer(line));
    // Every note-on sent gets its note-off, and CC 123, on every output.
    if let Some(mut m) = thread.midi.take() {
        m.shutdown();
    }
    // Held until here: with no input open, `midi_rx` must not disconnect
    // (a disconnected channel is always ready in select!).
    drop(midi_tx);
}

/// `--link`: join at the start, as `link(true)` does.
fn thread_link_on(host: &mut ScriptHost) {
    host.with_session(|s| s.link.update(|w| w.on = true));
}

/// Offer the virtual input and open the `--midi-in` ports; with no MIDI
/// system, one line says why (and the session goes on without MIDI).
fn open_midi(
    wanted: &[String],
    events: Sender<MidiEvent>,
    print: &mut dyn FnMut(&str),
) -> Result<input::Inputs, String> {
    let mut inputs = input::Inputs::new(events);
    match inputs.open_virtual() {
        Err(MidiError::Unavailable(why)) => {
            let skipped = if wanted.is_empty() {
                String::new()
            } else {
                format!(" (--midi-in {} not opened)", wanted.join(", "))
            };
            print(&format!("no MIDI: {why}; everything else works{skipped}"));
            return Err(why);
        }
        Err(e) => print(&format!("MIDI: {e}")),
        Ok(_) => {}
    }
    for w in wanted {
        match inputs.open(w) {
            Ok(name) => print(&format!("MIDI input: {name}")),
            Err(e) => print(&format!("--midi-in: {e}")),
        }
    }
    Ok(inputs)
}

struct Live {
    host: ScriptHost,
    recorder: Recorder,
    input: InputRouter,
    cfg: LiveConfig,
    links: LiveLinks,
    printer: Printer,
    midi: Option<MidiOut>,
    link: LinkSync,
}

impl Live {
    /// Run `f`; a panic inside it (a bug in Tactus, not in the script) is
    /// reported in one line and the session goes on.
    fn guarded(&mut self, what: &str, f: impl FnOnce(&mut Live)) {
        if let Err(panic) = crate::script::guard::catching_panics(|| f(self)) {
            (self.printer)(&format!(
                "tactus: internal error in {what} ({panic}); the session goes on"
            ));
        }
    }

    /// The audio clock now.
    fn now(&self) -> Frame {
        Frame(self.links.telemetry.frame.load(Ordering::Acquire))
    }

    /// The beat of the next block: where a typed note lands.
    fn next_block_beat(&self) -> Beats {
        let f = Frame(self.now().0 + self.cfg.block_frames as u64);
        self.host.with_session(|s| s.tempo.frame_to_beats(f, s.sr))
    }

    /// One MIDI message: it sounds one block after the audio-clock frame
    /// of its arrival (a fixed latency, so its timing keeps the keyboard's,
    /// not the block grid's).
    fn midi(&mut self, ev: MidiEvent) {
        let block = self.cfg.block_frames as u64;
        let arrived = self
            .links
            .telemetry
            .frame_at(ev.arrived, self.cfg.sr)
            .unwrap_or_else(|| self.now().0);
        let frame = Frame(arrived + block);
        if self.clock_message(&ev, frame) {
            return;
        }
        let action = self.host.with_session(|s| s.midi_message(frame, ev.msg));
        if let MidiAction::Program { ch, program } = action {
            let at = self
                .host
                .with_session(|s| s.tempo.frame_to_beats(frame, s.sr));
            match self.host.midi_program(ch, program, at) {
                Ok(name) => (self.printer)(&format!(
                    "channel {}: {name} (GM program {})",
                    ch + 1,
                    program as u16 + 1
                )),
                Err(e) => (self.printer)(&e),
            }
        }
        // Controller handlers run at the message's time, after it played.
        let at = self
            .host
            .with_session(|s| s.tempo.frame_to_beats(frame, s.sr));
        for e in self.host.midi_handlers(&ev.port, &ev.msg, at) {
            (self.printer)(&e.to_string());
        }
        self.host.flush(&self.links.commands);
    }

    /// MIDI clock and transport messages, stamped `frame`: the follower's
    /// (`clock("midi")`). True when the message was one of them.
    fn clock_message(&mut self, ev: &MidiEvent, frame: Frame) -> bool {
        let port = &ev.port;
        let start = match ev.msg {
            MidiMsg::Clock => {
                self.host.with_session(|s| s.clock_in_tick(port, frame));
                return true;
            }
            MidiMsg::Stop => {
                self.host.with_session(|s| s.clock_in_stop(port, frame));
                self.host.flush(&self.links.commands);
                self.flush_midi();
                return true;
            }
            MidiMsg::SongPosition(p) => {
                self.host.with_session(|s| s.clock_in_position(port, p));
                return true;
            }
            MidiMsg::Start => true,
            MidiMsg::Continue => false,
            _ => return false,
        };
        let first = self
            .host
            .with_session(|s| s.clock_in_locate(port, frame, start));
        if let Some(first) = first {
            // The beats before the clock's first are released with the
            // transport stopped (silently), then it plays.
            for e in self.host.advance(first) {
                (self.printer)(&e.to_string());
            }
            self.host.with_session(|s| s.clock_play(first));
            self.release_from(self.now(), Frame(self.now().0 + 1));
        }
        true
    }

    fn tick(&mut self) {
        let now = self.now();
        for e in self.host.open_midi_inputs() {
            (self.printer)(&e);
        }
        self.watch_midi_inputs(now);
        self.sync_link(now);
        self.release_from(now, Frame(now.0 + 1));
        // Never in select!: a blocked receiver would make the audio thread
        // take a lock to wake it (STYLE.md rule 5).
        while self.links.garbage.try_recv().is_ok() {}
        // Inputs first, then the recordings.
        self.perform_inputs();
        self.perform_records();
        if let Some(line) = self.host.cost_report() {
            (self.printer)(&line);
        }
    }

    /// Open, route and record the audio input as committed evaluations
    /// asked (`input`, `record_input`), and say what it is doing.
    fn perform_inputs(&mut self) {
        let requests = self.host.with_session(|s| s.input_requests.take());
        // The REPL prints asynchronously: the lines are printed together
        // once every device is open.
        let mut lines = Vec::new();
        let mut print = |line: &str| lines.push(line.to_string());
        for req in requests {
            let mut commands = Vec::new();
            self.input
                .perform(req, &mut |c| commands.push(c), &mut print);
            self.host
                .with_session(|s| commands.into_iter().for_each(|c| s.send(c)));
        }
        self.input.poll(&mut print);
        lines.iter().for_each(|l| (self.printer)(l));
        let lines = self.input.status_lines();
        self.host.with_session(|s| s.input_lines = lines);
        self.host.flush(&self.links.commands);
    }

    /// Start and stop the recordings committed evaluations asked for, and
    /// print what the writers reported.
    fn perform_records(&mut self) {
        let requests = self.host.with_session(|s| s.audio_records.take());
        let printer = self.printer.clone();
        let mut print = |line: &str| printer(line);
        for req in requests {
            let mut commands = Vec::new();
            self.recorder
                .perform(req, &mut |c| commands.push(c), &mut print);
            self.host
                .with_session(|s| commands.into_iter().for_each(|c| s.send(c)));
        }
        self.recorder.poll(&mut print);
        let paths = self.recorder.active_paths();
        self.host.with_session(|s| s.recording_paths = paths);
        self.host.flush(&self.links.commands);
    }

    /// `--record FILE.wav`: record the output from the next block on.
    fn record_from_start(&mut self, path: PathBuf) {
        let frame = Frame(self.now().0 + self.cfg.block_frames as u64);
        let format = crate::record::WavFormat::default();
        self.host.with_session(|s| {
            s.audio_records.push(RecordRequest::Start {
                path,
                format,
                frame,
            })
        });
        self.perform_records();
    }

    /// At the end of the session: stop every recording at the next block
    /// and wait (up to a second) for the audio thread to hand their taps
    /// back, so each file ends complete.
    fn stop_recordings(&mut self) {
        if self.recorder.is_idle() {
            return;
        }
        let frame = Frame(self.now().0 + self.cfg.block_frames as u64);
        let Live {
            host,
            recorder,
            links,
            printer,
            ..
        } = self;
        let mut commands = Vec::new();
        recorder.stop_all(frame, &mut |c| commands.push(c));
        host.with_session(|s| commands.into_iter().for_each(|c| s.send(c)));
        recorder.wait_all(
            Duration::from_secs(1),
            &mut || {
                host.flush(&links.commands);
                while links.garbage.try_recv().is_ok() {}
            },
            &mut |line| printer(line),
        );
    }

    /// Steer the tempo map by Link from the horizon the scheduler is about
    /// to release up to (see [`crate::sync::link`]).
    fn sync_link(&mut self, now: Frame) {
        let horizon = self.horizon(now);
        let Live {
            host, link, links, ..
        } = self;
        let lines = host.with_session(|s| link.tick(s, now, horizon, &links.telemetry));
        for line in lines {
            (self.printer)(&line);
        }
    }

    /// The frame up to which a release from `from` sends: a block and the
    /// lookahead ahead.
    fn horizon(&self, from: Frame) -> Frame {
        let ahead = self.cfg.sr.seconds_to_frames(self.host.lookahead());
        Frame(from.0 + self.cfg.block_frames as u64 + ahead)
    }

    /// Say which MIDI inputs disappeared or came back; the notes a vanished
    /// input held end one block from now (no key can lift them any more).
    fn watch_midi_inputs(&mut self, now: Frame) {
        let changes = self.host.check_midi_inputs();
        let gone = changes.iter().any(|c| matches!(c, PortChange::Gone(_)));
        for c in &changes {
            let clock = match c {
                PortChange::Gone(n) => self.host.with_session(|s| s.clock_in_lost(n)),
                PortChange::Back(_) => None,
            };
            // The clock's input: one line, about the clock.
            (self.printer)(&clock.unwrap_or_else(|| c.to_string()));
        }
        if gone {
            let frame = Frame(now.0 + self.cfg.block_frames as u64);
            self.host.with_session(|s| s.midi_release_all(frame));
        }
    }

    /// A line typed at the prompt means "now": release what it placed
    /// against the frame it was evaluated for, so a busy moment cannot make
    /// it count as past (the engine plays a late note at once, counted late).
    fn release_immediate(&mut self, at: Beats) {
        let frame = self.host.with_session(|s| s.frame_at(at));
        self.release_from(frame, frame);
    }

    /// Release what falls within a block plus the lookahead of `from`
    /// (notes before `skip_before` count as past), and send it.
    fn release_from(&mut self, from: Frame, skip_before: Frame) {
        let horizon = self.horizon(from);
        self.host.with_session(|s| s.skip_before = skip_before);
        for e in self.host.advance(horizon) {
            (self.printer)(&e.to_string());
        }
        self.host.flush(&self.links.commands);
        self.flush_midi();
    }

    /// Hand the MIDI outbox to the output thread without blocking (what does
    /// not fit waits for the next tick), and print what the thread reported.
    fn flush_midi(&mut self) {
        let midi = self.midi.as_ref();
        self.host.with_session(|s| match midi {
            Some(m) => {
                s.midi_outbox.flush(|c| m.try_send(c));
            }
            None => s.midi_outbox.clear(),
        });
        if let Some(m) = &self.midi {
            while let Ok(line) = m.reports.try_recv() {
                (self.printer)(&line);
            }
        }
    }

    fn eval(
        &mut self,
        origin: Origin,
        code: &str,
        reply: &Sender<Reply>,
        reloader: Option<&mut Reloader>,
    ) {
        let at = self.next_block_beat();
        let result = match origin {
            Origin::Prompt => self.host.eval_repl(code, at),
            Origin::Editor => {
                let result = self.host.eval_entry("eval", code, at);
                (self.printer)(&crate::eval_socket::summary(code, &result));
                result
            }
        };
        // Before anything is released: a play() Link shares waits for the
        // shared bar, so no loop step may sound before then.
        self.sync_link(self.now());
        if let Some(req) = self.host.take_revert_request() {
            match reloader {
                Some(r) => r.revert(req, &mut self.host, at, &*self.printer),
                None => (self.printer)("revert(): no script is being watched"),
            }
        }
        self.release_immediate(at);
        self.tick();
        let names = self.host.completion_names();
        let keyboard = self.host.take_keyboard_request();
        let meters = self.host.take_meters_request();
        let _ = reply.send(Reply {
            result,
            names,
            keyboard,
            meters,
        });
    }
}
