//! A live session as `tactus` runs it with no sound card: the real script
//! thread against the real-time fallback device, which records to a WAV.

use crossbeam_channel::{bounded, Sender};
use std::path::Path;
use std::sync::Arc;
use tactus::audio::{Engine, EngineConfig, Telemetry};
use tactus::live::{self, LiveConfig, LiveLinks, Request};
use tactus::script::ScriptError;
use tactus::time::SampleRate;

/// The running pieces.
pub struct LiveRig {
    /// The fallback output (stop it to finish the WAV).
    pub out: tactus::device::RunningOutput,
    /// The audio thread's counters.
    pub telemetry: Arc<Telemetry>,
    /// Frames per block.
    pub block_frames: u32,
    requests: Sender<Request>,
    thread: std::thread::JoinHandle<()>,
}

/// Start the fallback at `sr` recording to `wav`, and the script thread;
/// what the session prints goes to `printer`.
pub fn live_on_fallback(sr: u32, wav: &Path, printer: impl Fn(&str) + Send + 'static) -> LiveRig {
    live_on_fallback_with(sr, wav, false, printer)
}

/// [`live_on_fallback`], with MIDI input on (`midi`): the session offers
/// its virtual input "Tactus in" as `tactus` does.
pub fn live_on_fallback_with(
    sr: u32,
    wav: &Path,
    midi: bool,
    printer: impl Fn(&str) + Send + 'static,
) -> LiveRig {
    live_on_fallback_from(sr, wav, midi, None, printer)
}

/// [`live_on_fallback_with`], restoring a saved session first (`--session`).
pub fn live_on_fallback_from(
    sr: u32,
    wav: &Path,
    midi: bool,
    session: Option<std::path::PathBuf>,
    printer: impl Fn(&str) + Send + 'static,
) -> LiveRig {
    let (cmd_tx, cmd_rx) = bounded(4096);
    let (g_tx, g_rx) = bounded(64);
    let mut telemetry = None;
    let out = tactus::device::start_fallback(Some(sr), wav, |sr, _| {
        let e = Engine::new(EngineConfig::new(sr), cmd_rx, g_tx);
        telemetry = Some(e.telemetry());
        e
    })
    .unwrap();
    let telemetry = telemetry.unwrap();
    let block_frames = out.info().block_frames;
    let (requests, req_rx) = bounded(4);
    let (_file_tx, file_rx) = bounded(4);
    let cfg = LiveConfig {
        sr: SampleRate(sr),
        block_frames,
        midi,
        session,
        ..crate::common::live_config(None)
    };
    let links = LiveLinks {
        commands: cmd_tx,
        garbage: g_rx,
        telemetry: telemetry.clone(),
        requests: req_rx,
        file_changes: file_rx,
        interrupt: Arc::new(Default::default()),
    };
    let thread = std::thread::spawn(move || {
        let _keep_the_watch_channel_open = _file_tx;
        live::run(cfg, links, std::rc::Rc::new(printer))
    });
    LiveRig {
        out,
        telemetry,
        block_frames,
        requests,
        thread,
    }
}

impl LiveRig {
    /// Evaluate a line as if typed at the prompt.
    pub fn eval(&self, code: &str) -> Result<Option<String>, ScriptError> {
        let (tx, rx) = bounded(1);
        let code = code.to_string();
        self.requests
            .send(Request::Eval { code, reply: tx })
            .unwrap();
        rx.recv().unwrap().result
    }

    /// The audio clock now.
    pub fn frame(&self) -> u64 {
        self.telemetry
            .frame
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Quit the session and finish the recording; returns its left channel.
    pub fn finish(self, wav: &Path) -> Vec<f32> {
        self.finish_stereo(wav).into_iter().step_by(2).collect()
    }

    /// Quit as `finish` does; the recording, both channels interleaved.
    pub fn finish_stereo(self, wav: &Path) -> Vec<f32> {
        self.requests.send(Request::Quit).unwrap();
        self.thread.join().unwrap();
        self.out.stop().unwrap();
        let mut r = hound::WavReader::open(wav).unwrap();
        r.samples::<f32>().map(Result::unwrap).collect()
    }
}
