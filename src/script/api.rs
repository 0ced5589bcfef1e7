//! The script API, one file per area of SPEC §3.

pub mod args;
pub mod channels;
pub mod control;
pub mod fx;
pub mod handlers;
pub mod input;
pub mod link;
pub mod loops;
pub mod midi;
pub mod midi_file;
pub mod midi_out;
pub mod notes;
pub mod pmap;
pub mod presets;
pub mod random;
pub mod record;
pub mod score;
pub mod seq;
pub mod seq_mirror;
pub mod session_file;
pub mod status;
pub mod table_handle;
pub mod tables;
pub mod theory;
pub mod transport;
pub mod views;

use super::state::Shared;
use rhai::Engine;

/// The option names of each function that takes a `#{ }` map (the same
/// lists the functions check against), for completion.
pub fn map_options() -> Vec<(&'static str, Vec<&'static str>)> {
    let channel: Vec<&str> = (channels::OPTIONS.iter())
        .chain(fx::FX_OPTIONS)
        .chain(midi_out::CHANNEL_OPTIONS)
        .copied()
        .collect();
    vec![
        ("note", notes::NOTE_OPTIONS.to_vec()),
        ("channel", channel),
        ("seq", seq::OPTIONS.to_vec()),
        ("mirror", seq_mirror::OPTIONS.to_vec()),
        ("pmap", crate::session::pmap::PMAP_KEYS.to_vec()),
        ("input", input::INPUT_OPTIONS.to_vec()),
        ("record_input", input::RECORD_OPTIONS.to_vec()),
        ("record_audio", record::OPTIONS.to_vec()),
        ("play_midi", midi_file::OPTIONS.to_vec()),
        ("midi_out", midi_out::OPTIONS.to_vec()),
        ("revert", vec!["write"]),
    ]
}

/// Register every binding on `engine`.
pub fn register_all(engine: &mut Engine, st: &Shared) {
    notes::register(engine, st);
    tables::register(engine, st);
    table_handle::register(engine, st);
    score::register(engine, st);
    pmap::register(engine, st);
    loops::register(engine, st);
    presets::register(engine);
    random::register(engine, st);
    theory::register(engine, st);
    seq::register(engine, st);
    seq_mirror::register(engine, st);
    control::register(engine, st);
    channels::register(engine, st);
    midi_out::register(engine, st);
    transport::register(engine, st);
    handlers::register(engine, st);
    midi::register(engine, st);
    record::register(engine, st);
    input::register(engine, st);
    midi_file::register(engine, st);
    link::register(engine, st);
    session_file::register(engine, st);
    views::register(engine, st);
}
