//! The only code the audio callback runs: the engine, voices, envelopes,
//! tables and the mixer. Nothing here allocates, frees, locks, prints or does
//! I/O once the engine is built (see [`rt`]).
//!
//! This module imports nothing from the script, session, REPL, MIDI or device
//! layers: it consumes [`crate::command::Command`]s and produces samples.

pub mod drums;
pub mod engine;
pub mod env;
pub mod fx;
pub mod input;
pub mod meter;
pub mod mix;
pub mod queue;
pub mod rt;
pub mod table;
pub mod tap;
pub mod voice;
pub mod voice_build;

pub use engine::{Engine, EngineConfig, Telemetry};
