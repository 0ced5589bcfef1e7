//! The desired state on the script thread: channels, function tables (GEN
//! routines), the logical cursor, and the scheduler that turns logical time
//! into timestamped commands for the audio thread.
//!
//! Edits made during one evaluation (a top-level script, an `at()` callback)
//! are staged here and published together at its end, as one change at the
//! evaluation's frame.

pub mod callback;
pub mod channel_set;
pub mod channels;
pub mod clock_follow;
pub mod clock_in;
pub mod clock_out;
pub mod drum_patterns;
pub mod fx_options;
pub mod gen;
pub mod handlers;
pub mod ievent;
pub mod link_state;
pub mod log;
pub mod loops;
pub mod midi_out;
pub mod midi_play;
pub mod pmap;
pub mod progress;
pub mod scheduler;
pub mod score;
pub mod score_play;
pub mod seq_mirror;
pub mod seqs;
pub mod snapshot;
pub mod state;
pub mod take;
pub mod txn;

pub use state::Session;
