//! The MIDI output thread: it receives frame-stamped messages from the
//! script thread (flushed each tick with `try_send`: the script thread
//! never blocks on it), turns each frame into a wall-clock deadline through
//! the audio clock ([`Telemetry::instant_at`]) plus the output's nudge,
//! keeps them in a binary heap and sleeps until each is due, then sends.
//!
//! It remembers every note it turned on, per output, so a note-on always
//! gets its note-off: [`OutCmd::AllOff`] (`stop()`, `panic()`) and the end
//! of the session send the note-offs and CC 123 (all notes off) on every
//! output used. An output whose port disappears is reported in one line
//! (the session plays on) and reconnected when the port comes back.

use super::ports::{self, MidiError, CLIENT};
use crate::audio::Telemetry;
use crate::time::SampleRate;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use midir::{MidiOutput, MidiOutputConnection};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The name of Tactus's own virtual output (other programs connect to it).
pub const VIRTUAL: &str = "Tactus out";

/// Capacity of the channel from the script thread.
pub const QUEUE: usize = 4096;

/// How often open ports are checked for having disappeared (or returned).
const PORT_CHECK: Duration = Duration::from_millis(300);

/// How often the audio clock is sampled, and over how long the earliest
/// sample is kept (see [`ClockFilter`]).
const CLOCK_SAMPLE: Duration = Duration::from_millis(10);
const CLOCK_WINDOW: Duration = Duration::from_secs(2);

/// The audio clock against the wall clock, with the jitter taken out. The
/// telemetry pairs a frame with the wall time its process call began; a call
/// that starts late (a busy machine, a scheduler hiccup) makes the pair say
/// every frame plays later than it does, never earlier. So the earliest
/// estimate of a fixed frame over the last two seconds is the truth, plus
/// the clocks' drift over two seconds (parts per million). Measured: taking
/// the latest pair as it comes moved some MIDI notes by 5-31 ms on the
/// real-time fallback; with this filter none moved by more than a JACK
/// period.
#[derive(Debug, Default)]
struct ClockFilter {
    /// The frame all estimates are taken for.
    reference: Option<u64>,
    /// (when sampled, the wall time of `reference` then).
    samples: std::collections::VecDeque<(Instant, Instant)>,
}

impl ClockFilter {
    fn sample(&mut self, telemetry: &Telemetry, sr: SampleRate) {
        let now = Instant::now();
        if self
            .samples
            .back()
            .is_some_and(|(t, _)| now - *t < CLOCK_SAMPLE)
        {
            return;
        }
        let reference = *self
            .reference
            .get_or_insert(telemetry.frame.load(std::sync::atomic::Ordering::Acquire));
        if let Some(at) = telemetry.instant_at(reference, sr) {
            self.samples.push_back((now, at));
        }
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now - *t > CLOCK_WINDOW)
        {
            self.samples.pop_front();
        }
    }

    /// The wall time at which `frame` plays, if the audio clock runs.
    fn instant_at(&self, frame: u64, sr: SampleRate) -> Option<Instant> {
        let base = self.samples.iter().map(|(_, at)| *at).min()?;
        let reference = self.reference?;
        let secs = (frame as f64 - reference as f64) / sr.hz();
        let d = Duration::from_secs_f64(secs.abs());
        if secs >= 0.0 {
            Some(base + d)
        } else {
            base.checked_sub(d)
        }
    }
}

/// What the script thread sends to the output thread.
#[derive(Debug, Clone, PartialEq)]
pub enum OutCmd {
    /// Connect to a port (full name as listed, or [`VIRTUAL`]).
    Open(Arc<str>),
    /// Shift everything sent to a port by this many milliseconds.
    Nudge(Arc<str>, f64),
    /// Send bytes (one or more complete messages) at an audio frame.
    Send {
        /// The port.
        port: Arc<str>,
        /// The audio frame the message lines up with.
        frame: u64,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// Forget every pending channel message (system messages such as the
    /// clock stay); note-off for every sounding note and CC 123 on every
    /// channel used, on every output.
    AllOff,
}

/// A message due at a wall time.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Due {
    at: Instant,
    seq: u64,
    port: usize,
    bytes: Vec<u8>,
}

/// One output: its connection (None while the port is missing), its nudge,
/// the notes it has sounding and the channels it used.
struct Output {
    name: Arc<str>,
    conn: Option<MidiOutputConnection>,
    nudge_ms: f64,
    sounding: Vec<u16>,
    used: u16,
    lost: bool,
}

impl Output {
    /// Send complete messages, one at a time (JACK MIDI carries one
    /// message per event: several in one event are dropped or worse).
    fn send(&mut self, bytes: &[u8], report: &Sender<String>) {
        for message in messages(bytes) {
            let Some(conn) = self.conn.as_mut() else {
                return;
            };
            if let Err(e) = conn.send(message) {
                let _ = report.try_send(format!(
                    "MIDI output \"{}\": {e}; its notes are dropped until it returns",
                    self.name
                ));
                self.conn = None;
                return;
            }
            self.track(message);
        }
    }

    /// Keep count of sounding notes from what was actually sent.
    fn track(&mut self, bytes: &[u8]) {
        let mut p = super::Parser::default();
        p.feed(bytes, |m| match m {
            super::MidiMsg::NoteOn { ch, key, .. } => {
                let i = (ch as usize & 15) * 128 + (key as usize & 127);
                self.sounding[i] = self.sounding[i].saturating_add(1);
                self.used |= 1 << (ch & 15);
            }
            super::MidiMsg::NoteOff { ch, key, .. } => {
                let i = (ch as usize & 15) * 128 + (key as usize & 127);
                self.sounding[i] = self.sounding[i].saturating_sub(1);
            }
            super::MidiMsg::Cc { ch, .. } | super::MidiMsg::PitchBend { ch, .. } => {
                self.used |= 1 << (ch & 15);
            }
            _ => {}
        });
    }

    /// Note-offs for what sounds, then CC 123 on each channel used.
    fn all_off(&mut self, report: &Sender<String>) {
        for i in 0..self.sounding.len() {
            for _ in 0..self.sounding[i] {
                let (ch, key) = ((i / 128) as u8, (i % 128) as u8);
                self.send(&[0x80 | ch, key, 0], report);
            }
            self.sounding[i] = 0;
        }
        let used = self.used;
        for ch in (0..16u8).filter(|c| used & (1 << c) != 0) {
            self.send(&[0xB0 | ch, 123, 0], report);
        }
    }
}

/// The handle the script thread keeps: the channel to the thread, the
/// thread's reports, and what exists.
pub struct MidiOut {
    tx: Sender<OutCmd>,
    /// One line per problem the thread met (a port gone, back, not opened).
    pub reports: Receiver<String>,
    /// The virtual output's name, when there is one.
    pub virtual_port: Option<String>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MidiOut {
    /// Start the output thread (with the virtual output when MIDI works).
    ///
    /// # Errors
    /// [`MidiError::Unavailable`] when there is no MIDI system.
    pub fn start(telemetry: Arc<Telemetry>, sr: SampleRate) -> Result<MidiOut, MidiError> {
        let lister = ports::output_client(&format!("{CLIENT} out list"))?;
        let virt = open_virtual();
        let virtual_port = virt.as_ref().map(|_| VIRTUAL.to_string());
        let (tx, rx) = crossbeam_channel::bounded(QUEUE);
        let (rep_tx, reports) = crossbeam_channel::bounded(64);
        let thread = std::thread::Builder::new()
            .name("tactus-midi-out".into())
            .spawn(move || {
                raise_priority();
                let mut t = Thread {
                    rx,
                    report: rep_tx,
                    telemetry,
                    sr,
                    lister,
                    outputs: Vec::new(),
                    heap: BinaryHeap::new(),
                    seq: 0,
                    last_check: Instant::now(),
                    clock: ClockFilter::default(),
                };
                if let Some(conn) = virt {
                    t.outputs.push(new_output(VIRTUAL.into(), Some(conn)));
                }
                t.run();
            })
            .map_err(|e| MidiError::Unavailable(e.to_string()))?;
        Ok(MidiOut {
            tx,
            reports,
            virtual_port,
            thread: Some(thread),
        })
    }

    /// Hand a message over without blocking; gives it back when the queue is full.
    ///
    /// # Errors
    /// The message, when the queue is full (or the thread is gone).
    pub fn try_send(&self, cmd: OutCmd) -> Result<(), OutCmd> {
        self.tx.try_send(cmd).map_err(|e| e.into_inner())
    }

    /// Silence every output and stop the thread (quitting).
    pub fn shutdown(&mut self) {
        let _ = self
            .tx
            .send_timeout(OutCmd::AllOff, Duration::from_millis(200));
        let (dead_tx, _) = crossbeam_channel::bounded(1);
        // Dropping the sender ends the thread once it has drained the queue.
        self.tx = dead_tx;
        if let Some(t) = self.thread.take() {
            // libjack can deadlock closing a client (seen once in CI: the
            // thread stuck in jack_client_close on a libjack mutex its own
            // thread held): wait a bounded time, then leave the thread to
            // the process's end rather than hang quitting.
            let deadline = Instant::now() + SHUTDOWN_WAIT;
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

/// How long quitting waits for the output thread to close its ports.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

impl Drop for MidiOut {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Ask for real-time scheduling (SCHED_FIFO, below JACK's own threads), so
/// a busy machine delays a wake-up less; without the right it stays normal.
/// Measured on a loaded 2-core machine (a compile running beside): without
/// it, 1 message in ~70 left 2-11 ms late.
fn raise_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: sets the scheduling policy of the calling thread only; the
    // parameter struct is initialised, and failure changes nothing.
    unsafe {
        let param = libc::sched_param { sched_priority: 5 };
        let _ = libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param);
    }
}

fn new_output(name: Arc<str>, conn: Option<MidiOutputConnection>) -> Output {
    Output {
        name,
        conn,
        nudge_ms: 0.0,
        sounding: vec![0; 16 * 128],
        used: 0,
        lost: false,
    }
}

#[cfg(unix)]
fn open_virtual() -> Option<MidiOutputConnection> {
    use midir::os::unix::VirtualOutput;
    let client = ports::output_client(CLIENT).ok()?;
    crate::device::quietly(|| client.create_virtual(VIRTUAL)).ok()
}

#[cfg(not(unix))]
fn open_virtual() -> Option<MidiOutputConnection> {
    None
}

/// Connect to the port named exactly `name`.
fn connect(name: &str) -> Result<MidiOutputConnection, MidiError> {
    let client = ports::output_client(&format!("{CLIENT} to {name}"))?;
    let port = client
        .ports()
        .into_iter()
        .find(|p| client.port_name(p).is_ok_and(|n| n == name));
    let Some(port) = port else {
        return Err(MidiError::Open {
            kind: "output",
            name: name.into(),
            reason: "it is not there any more".into(),
        });
    };
    client.connect(&port, "out").map_err(|e| MidiError::Open {
        kind: "output",
        name: name.into(),
        reason: e.to_string(),
    })
}

/// The output ports there are now, with the virtual one.
///
/// # Errors
/// [`MidiError::Unavailable`] when there is no MIDI system.
pub fn output_names(virtual_port: Option<&str>) -> Result<Vec<String>, MidiError> {
    // Never Tactus's own inputs: what it sent there would play it again.
    let mut names: Vec<String> = ports::list()?
        .outputs
        .into_iter()
        .filter(|n| !n.contains(super::input::VIRTUAL_PORT))
        .collect();
    names.extend(virtual_port.map(str::to_string));
    Ok(names)
}

/// The first output whose name contains `wanted`, or an error listing them.
///
/// # Errors
/// [`MidiError::NoSuchPort`] listing the outputs; [`MidiError::Unavailable`].
pub fn resolve(wanted: &str, virtual_port: Option<&str>) -> Result<String, MidiError> {
    let names = output_names(virtual_port)?;
    match ports::find(&names, wanted) {
        Some(i) => Ok(names[i].clone()),
        None => Err(MidiError::NoSuchPort {
            kind: "output",
            wanted: wanted.into(),
            list: ports::list_text(&names),
        }),
    }
}

struct Thread {
    rx: Receiver<OutCmd>,
    report: Sender<String>,
    telemetry: Arc<Telemetry>,
    sr: SampleRate,
    lister: MidiOutput,
    outputs: Vec<Output>,
    heap: BinaryHeap<Reverse<Due>>,
    seq: u64,
    last_check: Instant,
    clock: ClockFilter,
}

impl Thread {
    fn run(&mut self) {
        loop {
            self.clock.sample(&self.telemetry, self.sr);
            self.send_due();
            let next = self.heap.peek().map(|Reverse(d)| d.at);
            let wake = next.map_or(CLOCK_SAMPLE, |at| {
                at.saturating_duration_since(Instant::now())
                    .min(CLOCK_SAMPLE)
            });
            match self.rx.recv_timeout(wake) {
                Ok(cmd) => self.handle(cmd),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.last_check.elapsed() >= PORT_CHECK {
                self.check_ports();
            }
        }
        // The session is over: nothing pending plays, everything stops.
        self.heap.clear();
        for o in &mut self.outputs {
            o.all_off(&self.report);
        }
    }

    fn send_due(&mut self) {
        let now = Instant::now();
        while self.heap.peek().is_some_and(|Reverse(d)| d.at <= now) {
            let Some(Reverse(d)) = self.heap.pop() else {
                break;
            };
            if let Some(o) = self.outputs.get_mut(d.port) {
                o.send(&d.bytes, &self.report);
            }
        }
    }

    fn output(&mut self, name: &Arc<str>) -> usize {
        if let Some(i) = self.outputs.iter().position(|o| o.name == *name) {
            return i;
        }
        self.outputs.push(new_output(name.clone(), None));
        self.outputs.len() - 1
    }

    fn handle(&mut self, cmd: OutCmd) {
        match cmd {
            OutCmd::Open(name) => {
                let i = self.output(&name);
                if self.outputs[i].conn.is_none() {
                    match connect(&name) {
                        Ok(c) => self.outputs[i].conn = Some(c),
                        Err(e) => {
                            let _ = self.report.try_send(e.to_string());
                        }
                    }
                }
            }
            OutCmd::Nudge(name, ms) => {
                let i = self.output(&name);
                self.outputs[i].nudge_ms = ms;
            }
            OutCmd::Send { port, frame, bytes } => {
                let i = self.output(&port);
                let at = self.deadline(frame, self.outputs[i].nudge_ms);
                self.seq += 1;
                self.heap.push(Reverse(Due {
                    at,
                    seq: self.seq,
                    port: i,
                    bytes,
                }));
            }
            OutCmd::AllOff => {
                // Pending channel messages go; the clock (system messages,
                // F0 and up) keeps its time.
                self.heap
                    .retain(|Reverse(d)| d.bytes.first().is_some_and(|b| *b >= 0xF0));
                for o in &mut self.outputs {
                    o.all_off(&self.report);
                }
            }
        }
    }

    /// The wall time at which `frame` plays, shifted by the nudge (now when
    /// the audio clock has not started).
    fn deadline(&self, frame: u64, nudge_ms: f64) -> Instant {
        let at = self
            .clock
            .instant_at(frame, self.sr)
            .or_else(|| self.telemetry.instant_at(frame, self.sr))
            .unwrap_or_else(Instant::now);
        let shift = Duration::from_secs_f64(nudge_ms.abs() / 1000.0);
        if nudge_ms >= 0.0 {
            at + shift
        } else {
            at.checked_sub(shift).unwrap_or(at)
        }
    }

    /// Report ports that disappeared; reconnect those that came back.
    fn check_ports(&mut self) {
        self.last_check = Instant::now();
        if self.outputs.iter().all(|o| o.name.as_ref() == VIRTUAL) {
            return;
        }
        let names: Vec<String> = self
            .lister
            .ports()
            .iter()
            .filter_map(|p| self.lister.port_name(p).ok())
            .collect();
        for o in self
            .outputs
            .iter_mut()
            .filter(|o| o.name.as_ref() != VIRTUAL)
        {
            let present = names.iter().any(|n| *n == *o.name);
            match (&o.conn, present) {
                (Some(_), false) => {
                    o.conn = None;
                    o.lost = true;
                    o.sounding.iter_mut().for_each(|c| *c = 0);
                    let _ = self.report.try_send(format!(
                        "MIDI output \"{}\" disappeared; its notes are dropped until it returns",
                        o.name
                    ));
                }
                (None, true) if o.lost => {
                    if let Ok(c) = connect(&o.name) {
                        o.conn = Some(c);
                        o.lost = false;
                        let _ = self
                            .report
                            .try_send(format!("MIDI output \"{}\" is back", o.name));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Check that `bytes` are complete MIDI messages (a status byte, then the
/// data bytes it takes, each 0-127; SysEx from F0 to F7).
///
/// # Errors
/// One line naming the first bad byte by its position (1-based).
pub fn validate(bytes: &[i64]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut need = 0usize;
    let mut sysex = false;
    for (i, &b) in bytes.iter().enumerate() {
        let pos = i + 1;
        if !(0..=255).contains(&b) {
            return Err(format!("byte {pos} is {b}: MIDI bytes are 0-255"));
        }
        let b = b as u8;
        if sysex {
            if b == 0xF7 {
                sysex = false;
            } else if b >= 0x80 {
                return Err(format!(
                    "byte {pos} is 0x{b:02X} inside SysEx: only data bytes (0-127) until F7"
                ));
            }
        } else if b >= 0x80 {
            if need > 0 {
                return Err(format!(
                    "byte {pos} is a status byte (0x{b:02X}) but the message before it needs {need} more data byte(s)"
                ));
            }
            need = data_bytes(b).ok_or_else(|| {
                format!("byte {pos} (0x{b:02X}) is not a MIDI status byte (F4, F5, F7, F9 and FD are undefined here)")
            })?;
            sysex = b == 0xF0;
        } else if need == 0 {
            return Err(format!(
                "byte {pos} ({b}) is a data byte where a status byte (0x80-0xFF) must start a message"
            ));
        } else {
            need -= 1;
        }
        out.push(b);
    }
    if sysex {
        return Err("the SysEx message is not ended by F7 (247)".into());
    }
    if need > 0 {
        return Err(format!("the last message needs {need} more data byte(s)"));
    }
    if out.is_empty() {
        return Err("no bytes to send".into());
    }
    Ok(out)
}

/// The messages in `bytes`, each whole: a status byte and its data bytes,
/// or SysEx from F0 to F7 (what [`validate`] accepts). A stray data byte
/// travels alone, as the receiver's running status would read it.
pub fn messages(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let first = *rest.first()?;
        let len = if first == 0xF0 {
            rest.iter()
                .position(|b| *b == 0xF7)
                .map_or(rest.len(), |i| i + 1)
        } else {
            1 + data_bytes(first).unwrap_or(0)
        };
        let (m, r) = rest.split_at(len.min(rest.len()));
        rest = r;
        Some(m)
    })
}

/// Data bytes after a status byte (None: not a status byte one can send).
fn data_bytes(status: u8) -> Option<usize> {
    Some(match status {
        0x80..=0xBF | 0xE0..=0xEF => 2,
        0xC0..=0xDF => 1,
        0xF0 => 0,
        0xF1 | 0xF3 => 1,
        0xF2 => 2,
        0xF6 | 0xF8 | 0xFA..=0xFC | 0xFE | 0xFF => 0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_split_into_whole_messages() {
        let b = [0x90, 36, 64, 0xF0, 1, 2, 0xF7, 0xC0, 5, 0xF8, 0x80, 36, 0];
        let m: Vec<&[u8]> = messages(&b).collect();
        assert_eq!(m, vec![&b[0..3], &b[3..7], &b[7..9], &b[9..10], &b[10..13]]);
    }

    #[test]
    fn validate_accepts_messages_and_names_the_first_bad_byte() {
        assert_eq!(validate(&[0x90, 60, 100]).unwrap(), vec![0x90, 60, 100]);
        assert!(validate(&[0xF0, 1, 2, 0xF7, 0xC0, 5]).is_ok());
        assert!(validate(&[0x90, 60])
            .unwrap_err()
            .contains("1 more data byte"));
        assert!(validate(&[60, 100]).unwrap_err().starts_with("byte 1 (60)"));
        assert!(validate(&[0x90, 60, 300])
            .unwrap_err()
            .starts_with("byte 3 is 300"));
        assert!(validate(&[0x90, 60, 0x80, 1, 2])
            .unwrap_err()
            .starts_with("byte 3"));
        assert!(validate(&[0xF4]).unwrap_err().contains("not a MIDI status"));
        assert!(validate(&[0xF0, 1]).unwrap_err().contains("F7"));
    }
}
