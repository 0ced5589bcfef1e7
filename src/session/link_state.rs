//! What a script asks of Ableton Link (`link(true)`, `link_quantum(q)`,
//! `link_start_stop(true)`, `nudge("audio", ms)`) and what the live thread
//! last saw of the Link session (for `status()` and `link_peers()`).
//!
//! The wish is part of the transactional [`super::state::Doc`]: a failed
//! evaluation does not join or leave. The live thread owns the Link object
//! ([`crate::sync::link::LinkSync`]) and carries the wish out at its tick.

/// The Link settings an evaluation asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkWant {
    /// Join the Link session (`link(true)`, `--link`).
    pub on: bool,
    /// Beats per shared bar: the phase loops start on (`link_quantum`).
    pub quantum: f64,
    /// Share play and stop with the peers (`link_start_stop(true)`).
    pub start_stop: bool,
    /// Where Tactus's audio sits on the shared timeline, in ms (positive:
    /// later), on top of the output latency the device reports.
    pub audio_nudge_ms: f64,
}

impl Default for LinkWant {
    fn default() -> Self {
        LinkWant {
            on: false,
            quantum: 4.0,
            start_stop: false,
            audio_nudge_ms: 0.0,
        }
    }
}

/// The Link session as the live thread last saw it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LinkView {
    /// Other peers in the session.
    pub peers: u64,
    /// The session's tempo.
    pub bpm: f64,
    /// Link's beat now (at the speaker), at the quantum.
    pub beat: f64,
    /// Where in the shared bar that is: 0 up to the quantum.
    pub phase: f64,
    /// The session's transport (only shared with start/stop sync on).
    pub playing: bool,
    /// The output latency Link's times are corrected by, in ms.
    pub latency_ms: f64,
    /// How late the sound leaves the speaker against the shared beat, ms
    /// (negative: early), as the audio callback reads Link; `None` before
    /// its first reading.
    pub speaker_late_ms: Option<f64>,
}

impl super::Session {
    /// Play (`play()`) or stop (`stop()`: every voice fades, held MIDI
    /// notes end, and a start waiting for Link's shared bar is called off)
    /// the transport; the MIDI clock sent follows.
    pub fn set_playing(&mut self, playing: bool) {
        if !playing {
            let start =
                |i: &super::scheduler::Item| matches!(i, super::scheduler::Item::Transport { .. });
            self.scheduler.retain_items(|i| !start(i));
        }
        if playing != *self.playing {
            self.clock_transport(playing);
            self.playing.set(playing);
        }
        if !playing {
            self.all_off();
        }
    }
}
