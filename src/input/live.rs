//! The live session's audio input, on the script thread: performs the
//! committed [`InputRequest`]s (opens the capture device, installs the
//! engine's reader through the command queue, starts and stops the raw
//! input's recording), and says what the input is doing: where it plays,
//! when the device delivers nothing, when the ring ran empty.

use super::InputRequest;
use crate::audio::input::{InputSource, InputStats};
use crate::audio::Telemetry;
use crate::command::Command;
use crate::device::capture::Capture;
use crate::record::writer::RecordEvent;
use crate::record::{Recording, WavFormat};
use crate::time::Frame;
use crossbeam_channel::{Receiver, Sender};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the router checks that the device still delivers.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// The pause before a device opens, for the lines printed before it.
const PRINT_SETTLE: Duration = Duration::from_millis(30);
/// The live input's ring holds at least this many seconds.
const RING_SECONDS: f64 = 0.5;

type Print<'a> = &'a mut dyn FnMut(&str);
type Send<'a> = &'a mut dyn FnMut(Command);

/// The capture device open now, and what it was opened with.
struct Open {
    capture: Capture,
    device: Option<String>,
}

/// The input of a live session (one capture device, on one channel).
pub struct InputRouter {
    sr_hz: u32,
    out_block: u32,
    telemetry: Arc<Telemetry>,
    open: Option<Open>,
    /// The channel index it plays on, and the reader's counters.
    routed: Option<(u8, Arc<InputStats>)>,
    recording: Option<Recording>,
    stopping: Vec<Recording>,
    next_id: u64,
    events_tx: Sender<RecordEvent>,
    events_rx: Receiver<RecordEvent>,
    last_check: Instant,
    last_frames: u64,
    reported_silent: bool,
    reported_underruns: u64,
    reported_lost: u64,
    /// Devices opened so far (tells a reopened device from the same one).
    opened: u64,
}

impl InputRouter {
    /// A router for an engine at `sr_hz` whose output blocks are
    /// `out_block` frames and whose clock `telemetry` publishes.
    pub fn new(sr_hz: u32, out_block: u32, telemetry: Arc<Telemetry>) -> InputRouter {
        let (events_tx, events_rx) = crossbeam_channel::bounded(64);
        InputRouter {
            sr_hz,
            out_block,
            telemetry,
            open: None,
            routed: None,
            recording: None,
            stopping: Vec::new(),
            next_id: 1,
            events_tx,
            events_rx,
            last_check: Instant::now(),
            last_frames: 0,
            reported_silent: false,
            reported_underruns: 0,
            reported_lost: 0,
            opened: 0,
        }
    }

    /// What `status()` shows: the device, its channel, its counters.
    pub fn status_lines(&self) -> Vec<String> {
        let Some(open) = &self.open else {
            return Vec::new();
        };
        let c = &open.capture;
        let mut lines = Vec::new();
        if let Some((ch, st)) = &self.routed {
            lines.push(format!(
                "input: {} ({} ch) on channel {}: {} frames captured, {} lost (ring full), {} underruns ({} frames of silence), {} clock corrections, read ratio {:.4}, buffer {:.1} ms",
                c.name,
                c.channels,
                ch + 1,
                c.stats.frames.load(Ordering::Relaxed),
                c.stats.dropped_frames.load(Ordering::Relaxed),
                st.underruns.load(Ordering::Relaxed),
                st.starved_frames.load(Ordering::Relaxed),
                st.corrections.load(Ordering::Relaxed),
                st.ratio(),
                st.target_frames.load(Ordering::Relaxed) as f64 * 1000.0
                    / self.sr_hz.max(1) as f64,
            ));
        }
        if let Some(r) = &self.recording {
            lines.push(format!("recording the input to {}", r.path.display()));
        }
        lines
    }

    /// Perform one request: commands for the engine go to `send`, lines
    /// for the musician to `print`. A device that cannot be opened is one
    /// message; the music goes on.
    pub fn perform(&mut self, req: InputRequest, send: Send, print: Print) {
        match req {
            InputRequest::Connect {
                channel,
                device,
                channels,
                frame,
            } => self.connect(channel, device, channels, frame, send, print),
            InputRequest::Disconnect { channel, frame } => {
                if !self.disconnect(Some(channel), frame, send, print, "") {
                    let n = channel + 1;
                    print(&format!("input({n}, false): channel {n} has no input"));
                }
            }
            InputRequest::Panic { frame } => {
                self.disconnect(None, frame, send, print, " by panic()");
            }
            InputRequest::Record { path, format } => self.record(&path, format, print),
            InputRequest::StopRecord => match self.recording.take() {
                Some(rec) => {
                    if let Some(open) = self.open.as_mut() {
                        open.capture.stop_record();
                    }
                    self.stopping.push(rec);
                }
                None => print("stop_record_input(): the input is not being recorded"),
            },
        }
    }

    /// Stop the input at `frame` if it plays on `channel` (`None`: on any),
    /// saying so; false when it did not.
    fn disconnect(
        &mut self,
        channel: Option<u8>,
        frame: Frame,
        send: Send,
        print: Print,
        why: &str,
    ) -> bool {
        let Some(on) = self.routed.as_ref().map(|(c, _)| *c) else {
            return false;
        };
        if channel.is_some_and(|c| c != on) {
            return false;
        }
        self.unroute(frame, send);
        let n = on + 1;
        print(&format!(
            "input: channel {n} disconnected{why}; input({n}) brings it back"
        ));
        true
    }

    fn connect(
        &mut self,
        channel: u8,
        device: Option<String>,
        channels: Option<u16>,
        frame: Frame,
        send: Send,
        print: Print,
    ) {
        let call = format!("input({})", channel + 1);
        let opened_before = self.opened;
        if !self.ensure_open(&call, device, channels, frame, send, print) {
            return;
        }
        let here = self.routed.as_ref().is_some_and(|(c, _)| *c == channel);
        if here && self.opened == opened_before {
            return; // already playing there (a reload runs input(ch) again)
        }
        // Opening the device took a while: not before the next block.
        let soonest = self.telemetry.frame.load(Ordering::Acquire) + u64::from(self.out_block);
        let frame = frame.max(Frame(soonest));
        if self.routed.is_some() {
            self.unroute(frame, send);
        }
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let c = &mut open.capture;
        let width = c.channels as usize;
        let ring_frames = (self.sr_hz as f64 * RING_SECONDS) as usize;
        let (tx, rx) = rtrb::RingBuffer::new(ring_frames.max(4096) * width);
        let stats = Arc::new(InputStats::default());
        let (in_block, out_block) = (c.block_frames as usize, self.out_block as usize);
        let source = InputSource::new(channel, rx, width, in_block, out_block, stats.clone());
        let latency_ms = source.target_frames() as f64 * 1000.0 / self.sr_hz.max(1) as f64;
        if !c.monitor(Some(tx)) {
            print(&format!("{call}: the capture stream is busy; try again"));
            return;
        }
        send(Command::InputStart {
            frame,
            source: Box::new(source),
        });
        print(&format!(
            "input: {} ({} ch, {}-frame buffers) plays on channel {} through its effects ({latency_ms:.0} ms in the ring); input({}, false) disconnects",
            c.name,
            c.channels,
            c.block_frames,
            channel + 1,
            channel + 1
        ));
        self.routed = Some((channel, stats));
        self.reported_underruns = 0;
    }

    /// Open the device asked for, unless it is the one open; false (with
    /// one message) when it cannot be opened.
    fn ensure_open(
        &mut self,
        call: &str,
        device: Option<String>,
        channels: Option<u16>,
        frame: Frame,
        send: Send,
        print: Print,
    ) -> bool {
        if let Some(wanted) = device.as_deref() {
            if let Err(e) = crate::device::capture::check_name(wanted) {
                print(&format!("{call}: {e}; the music goes on"));
                return false;
            }
        }
        if let Some(open) = &self.open {
            let named = |d: &String| {
                *d == open.device.clone().unwrap_or_default()
                    || open.capture.name.to_lowercase().contains(&d.to_lowercase())
            };
            let same = device.as_ref().is_none_or(named)
                && (channels.is_none() || channels == Some(open.capture.channels));
            if same {
                return true;
            }
            if self.recording.is_some() {
                print(&format!(
                    "{call}: the input of {} is being recorded; stop_record_input() before changing devices",
                    open.capture.name
                ));
                return false;
            }
            self.unroute(frame, send);
            self.close();
        }
        // Lines printed just before go out before the device opens (the
        // REPL prints asynchronously).
        std::thread::sleep(PRINT_SETTLE);
        match Capture::open(device.as_deref(), channels, self.sr_hz) {
            Ok(capture) => {
                self.last_frames = capture.stats.frames.load(Ordering::Relaxed);
                self.reported_lost = 0;
                self.last_check = Instant::now();
                self.reported_silent = false;
                self.open = Some(Open { capture, device });
                self.opened += 1;
                true
            }
            Err(e) => {
                print(&format!("{call}: {e}; the music goes on"));
                false
            }
        }
    }

    /// Stop the input on its channel (at `frame`) and stop feeding its ring.
    fn unroute(&mut self, frame: Frame, send: Send) {
        if let Some((channel, _)) = self.routed.take() {
            send(Command::InputStop { frame, channel });
            if let Some(open) = self.open.as_mut() {
                open.capture.monitor(None);
            }
        }
    }

    fn record(&mut self, path: &Path, format: WavFormat, print: Print) {
        if let Some(r) = &self.recording {
            print(&format!(
                "record_input(): already recording the input to {}",
                r.path.display()
            ));
            return;
        }
        let opened = self.ensure_open("record_input()", None, None, Frame(0), &mut |_| {}, print);
        let Some(open) = self.open.as_mut().filter(|_| opened) else {
            return;
        };
        let id = self.next_id;
        self.next_id += 1;
        let events = self.events_tx.clone();
        let report = Box::new(move |e| {
            let _ = events.try_send(e);
        });
        let c = &mut open.capture;
        match Recording::start_width(id, path, format, self.sr_hz, c.channels, report) {
            Ok((rec, tap)) => {
                if c.record(tap).is_err() {
                    print("record_input(): the capture stream is busy; try again");
                    return;
                }
                let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                print(&format!(
                    "recording the input ({}, {} ch) to {}; stop_record_input() ends it",
                    c.name,
                    c.channels,
                    shown.display()
                ));
                self.recording = Some(rec);
            }
            Err(e) => print(&format!("record_input(): {e}; the music goes on")),
        }
    }

    /// Say what the writers reported, end finished recordings, check that
    /// the device still delivers and that the ring did not run empty, and
    /// close the device once nothing uses it.
    pub fn poll(&mut self, print: Print) {
        while let Ok(e) = self.events_rx.try_recv() {
            print(&e.to_string());
        }
        let ended = self
            .open
            .as_mut()
            .map(|o| o.capture.collect())
            .unwrap_or_default();
        let (done, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.stopping)
            .into_iter()
            .partition(|r| ended.contains(&r.id) || self.open.is_none());
        self.stopping = rest;
        for rec in done {
            self.report_end(rec, print);
        }
        self.check(print);
        if self.routed.is_none() && self.recording.is_none() && self.stopping.is_empty() {
            self.close();
        }
    }

    /// Once a second: a device that stopped delivering, and underruns.
    fn check(&mut self, print: Print) {
        let Some(open) = &self.open else {
            return;
        };
        if self.last_check.elapsed() < CHECK_EVERY {
            return;
        }
        self.last_check = Instant::now();
        let frames = open.capture.stats.frames.load(Ordering::Relaxed);
        let name = &open.capture.name;
        if frames == self.last_frames && !self.reported_silent {
            print(&format!(
                "input: {name} delivered no samples in the last second; the input is silent"
            ));
            self.reported_silent = true;
        } else if frames != self.last_frames && self.reported_silent {
            print(&format!("input: {name} delivers samples again"));
            self.reported_silent = false;
        }
        self.last_frames = frames;
        let lost = open.capture.stats.dropped_frames.load(Ordering::Relaxed);
        if lost > self.reported_lost {
            print(&format!(
                "input: {name} ran ahead of the output; {} frames could not be kept",
                lost - self.reported_lost
            ));
            self.reported_lost = lost;
        }
        if let Some((ch, st)) = &self.routed {
            let n = st.underruns.load(Ordering::Relaxed);
            if n > self.reported_underruns {
                print(&format!(
                    "input: the capture fell behind {} time(s) on channel {} (silence until it caught up)",
                    n - self.reported_underruns,
                    ch + 1
                ));
                self.reported_underruns = n;
            }
        }
    }

    fn report_end(&self, rec: Recording, print: Print) {
        let path = rec.path.clone();
        let s = rec.finish(Duration::from_secs(1));
        let secs = s.frames as f64 / self.sr_hz.max(1) as f64;
        let lost = if s.dropped_frames > 0 {
            format!("; {} frames could not be kept", s.dropped_frames)
        } else {
            String::new()
        };
        print(&format!(
            "recorded {secs:.1} s of input to {}{lost}",
            path.display()
        ));
    }

    fn close(&mut self) {
        if let Some(open) = self.open.take() {
            open.capture.close();
        }
    }

    /// At the end of the session: close the device (ending any recording
    /// with what it captured) and say how each recording ended.
    pub fn shutdown(&mut self, print: Print) {
        self.routed = None;
        if let Some(rec) = self.recording.take() {
            self.stopping.push(rec);
        }
        self.close();
        for rec in std::mem::take(&mut self.stopping) {
            self.report_end(rec, print);
        }
    }
}
