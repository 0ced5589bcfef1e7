//! The recorder of a live session, on the script thread: performs the
//! recording requests of committed evaluations (a failed evaluation's never
//! reach it), installs and stops taps through the command queue, prints
//! where each recording goes and how it ended, and passes on what the
//! writers report.

use super::writer::RecordEvent;
use super::{RecordRequest, Recording, WavFormat};
use crate::command::Command;
use crate::time::Frame;
use crossbeam_channel::{Receiver, Sender};
use std::time::{Duration, Instant};

/// Writer reports kept until read; later ones are dropped.
const EVENT_CAPACITY: usize = 64;

/// The live session's recordings of the master output.
pub struct Recorder {
    sr_hz: u32,
    next_id: u64,
    active: Vec<Recording>,
    stopping: Vec<Recording>,
    events_tx: Sender<RecordEvent>,
    events_rx: Receiver<RecordEvent>,
}

impl Recorder {
    /// A recorder for an engine running at `sr_hz`.
    pub fn new(sr_hz: u32) -> Recorder {
        let (events_tx, events_rx) = crossbeam_channel::bounded(EVENT_CAPACITY);
        Recorder {
            sr_hz,
            next_id: 1,
            active: Vec::new(),
            stopping: Vec::new(),
            events_tx,
            events_rx,
        }
    }

    /// The files being recorded now.
    pub fn active_paths(&self) -> Vec<std::path::PathBuf> {
        self.active.iter().map(|r| r.path.clone()).collect()
    }

    /// Perform one request: commands for the engine go to `send`, lines
    /// for the musician to `print`. A file that cannot be created is one
    /// message; the music goes on.
    pub fn perform(
        &mut self,
        req: RecordRequest,
        send: &mut dyn FnMut(Command),
        print: &mut dyn FnMut(&str),
    ) {
        match req {
            RecordRequest::Start {
                path,
                format,
                frame,
            } => self.start(&path, format, frame, send, print),
            RecordRequest::Stop { frame } => {
                if self.active.is_empty() {
                    print("stop_record_audio(): nothing is being recorded");
                }
                for rec in self.active.drain(..) {
                    send(Command::RecordStop { frame, id: rec.id });
                    self.stopping.push(rec);
                }
            }
        }
    }

    fn start(
        &mut self,
        path: &std::path::Path,
        format: WavFormat,
        frame: Frame,
        send: &mut dyn FnMut(Command),
        print: &mut dyn FnMut(&str),
    ) {
        if self.active.iter().any(|r| r.path == path) {
            print(&format!(
                "record_audio(): already recording to {}",
                path.display()
            ));
            return;
        }
        if self.active.len() + self.stopping.len() >= crate::audio::engine::MAX_TAPS {
            print("record_audio(): too many recordings at once; stop_record_audio() first");
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        let events = self.events_tx.clone();
        let report = Box::new(move |e| {
            let _ = events.try_send(e);
        });
        match Recording::start(id, path, format, self.sr_hz, report) {
            Ok((rec, tap)) => {
                let bits = match format {
                    WavFormat::Int16 => "16-bit",
                    WavFormat::Int24 => "24-bit",
                    WavFormat::Float32 => "32-bit float",
                };
                let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                print(&format!(
                    "recording the output to {} ({bits} WAV); stop_record_audio() ends it",
                    shown.display()
                ));
                send(Command::RecordStart { frame, tap });
                self.active.push(rec);
            }
            Err(e) => print(&format!("record_audio(): {e}; the music goes on")),
        }
    }

    /// Print what the writers reported and how finished recordings ended.
    pub fn poll(&mut self, print: &mut dyn FnMut(&str)) {
        while let Ok(e) = self.events_rx.try_recv() {
            print(&e.to_string());
        }
        let mut i = 0;
        while i < self.stopping.len() {
            if self.stopping[i].is_finished() {
                let rec = self.stopping.swap_remove(i);
                self.report_end(rec, Duration::ZERO, print);
            } else {
                i += 1;
            }
        }
    }

    fn report_end(&self, rec: Recording, wait: Duration, print: &mut dyn FnMut(&str)) {
        let path = rec.path.clone();
        let s = rec.finish(wait);
        let secs = s.frames as f64 / self.sr_hz.max(1) as f64;
        let lost = if s.dropped_frames > 0 {
            format!(
                "; {} frames could not be kept (the disk fell behind)",
                s.dropped_frames
            )
        } else {
            String::new()
        };
        print(&format!("recorded {secs:.1} s to {}{lost}", path.display()));
    }

    /// True when no recording is running or stopping.
    pub fn is_idle(&self) -> bool {
        self.active.is_empty() && self.stopping.is_empty()
    }

    /// Stop every running recording before `frame` (quietly).
    pub fn stop_all(&mut self, frame: Frame, send: &mut dyn FnMut(Command)) {
        if !self.active.is_empty() {
            self.perform(RecordRequest::Stop { frame }, send, &mut |_| {});
        }
    }

    /// Run `pump` (it sends the stop commands and frees the taps the audio
    /// thread returns) until every stopping writer has finished or `wait`
    /// has passed; the writers left then finish with what their rings hold.
    pub fn wait_all(
        &mut self,
        wait: Duration,
        pump: &mut dyn FnMut(),
        print: &mut dyn FnMut(&str),
    ) {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline && self.stopping.iter().any(|r| !r.is_finished()) {
            pump();
            std::thread::sleep(Duration::from_millis(2));
        }
        self.poll(print);
        for rec in std::mem::take(&mut self.stopping) {
            self.report_end(rec, Duration::ZERO, print);
        }
        while let Ok(e) = self.events_rx.try_recv() {
            print(&e.to_string());
        }
    }
}
