//! The Tactus test suite: one crate, one module per area, no sound card.

mod alloc;
mod bench_scores;
mod bench_stream;
mod cli;
mod common;
mod demo;
mod device;
mod errors;
mod eval;
mod files;
mod fuzz;
mod gm;
mod habits;
mod handlers;
mod hostile_sound;
#[cfg(feature = "jack")]
mod input;
#[cfg(feature = "jack")]
mod jack;
mod limits;
mod link;
mod live;
mod live_hostile;
mod loops;
#[cfg(all(feature = "jack", feature = "midi-jack"))]
mod midi_clock_in;
mod midi_file;
#[cfg(all(feature = "jack", feature = "midi-jack"))]
mod midi_in;
mod midi_out;
mod palette;
mod pitch;
mod readme;
mod record;
mod render_end;
mod repl;
mod rig;
mod rt_edges;
mod rt_scan;
mod score;
mod score_csound;
mod score_log;
mod session_file;
mod soak;
mod sound;
mod tables;
mod threads;
mod timing;
mod trust;
mod view;

/// The JACK server this process's own JACK clients (midir's and cpal's JACK
/// backends in the MIDI tests) look for: `tactus-test-<pid>`, the name
/// `Jackd::start` gives its server. libjack reads it with getenv, so it is
/// set here, before main and before any thread: setting the environment
/// while another thread reads it (alsa-lib, libjack) is undefined behaviour,
/// and crashed a CI run. Nothing changes it afterwards.
#[ctor::ctor(unsafe)]
fn point_jack_clients_at_the_test_server() {
    std::env::set_var("JACK_DEFAULT_SERVER", jack_server_name());
    std::env::set_var("JACK_NO_START_SERVER", "1");
}

/// The name of the JACK server that in-process clients connect to.
pub fn jack_server_name() -> String {
    format!("tactus-test-{}", std::process::id())
}

/// Counts allocations made on threads that asked to be counted.
#[global_allocator]
static ALLOC: alloc::CountingAlloc = alloc::CountingAlloc;
