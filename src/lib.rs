//! Tactus: a live-coding music environment.
//!
//! # Threads and the life of an event
//!
//! A script (Rhai) runs on the script thread, which owns the session state and
//! the scheduler. `note(1, "C4", 1)` places an event at a logical time in
//! beats; the scheduler, running ahead of the audio clock by a lookahead,
//! converts it through the tempo map to an absolute [`time::Frame`] and sends
//! a [`command::Command`] to the audio thread. The audio thread
//! ([`audio::Engine`]) starts the voice at exactly that frame inside its
//! block, and sends replaced buffers back to be freed off the audio thread.
//! Offline `render` drives the same engine and scheduler on a virtual clock.
//!
//! # Modules
//!
//! - [`time`]: frames, beats, seconds, the tempo map.
//! - [`command`]: what crosses to the audio thread and back.
//! - [`audio`]: the engine the callback runs (no allocation, no locks).
//! - [`device`]: audio output: the cpal stream, or the real-time fallback recording to WAV; the capture stream.
//! - [`input`]: audio input: `input(ch)` plays a capture device on a channel, `record_input` records it.
//! - [`eval_socket`]: `tactus eval`: code from an editor to a running session through a private Unix socket.
//! - [`midi`]: MIDI ports, the message parser, input events and the output thread (midir).
//! - [`record`]: recordings of the master output: the writer thread, WAV files that stay valid.
//! - [`midi_file`]: Standard MIDI Files (midly): what `record()` writes, `play_midi()` reads.
//! - [`pitch`]: note names, MIDI numbers, Csound oct and pch.
//! - [`session`]: the desired state on the script thread, GEN routines, the scheduler.
//! - [`script`]: the Rhai embedding: bindings, pitch names, diagnostics.
//! - [`render`]: offline rendering to WAV on a virtual clock.
//! - [`bench`]: the benchmark workloads, timed.
//! - [`watch`]: hot reload: report each save of the script file.
//! - [`repl_edit`]: the REPL's line editor: completion, hints, multi-line input, history.
#![warn(missing_docs)]

pub mod alloc_count;
pub mod audio;
pub mod bench;
pub mod command;
pub mod device;
#[cfg(unix)]
pub mod eval_socket;
pub mod files;
pub mod input;
pub mod live;
pub mod midi;
pub mod midi_file;
pub mod out_file;
pub mod pitch;
pub mod presets;
pub mod record;
pub mod render;
pub mod repl;
pub mod repl_edit;
pub mod repl_keys;
pub mod repl_meters;
pub mod script;
pub mod session;
pub mod sync;
pub mod term_signal;
pub mod time;
pub mod watch;
