//! The Tactus test suite: one crate, one module per area, no sound card.

mod alloc;
mod cli;
mod common;
mod device;
mod errors;
mod handlers;
#[cfg(feature = "jack")]
mod jack;
mod live;
mod loops;
#[cfg(all(feature = "jack", feature = "midi-jack"))]
mod midi_in;
mod midi_out;
mod palette;
mod pitch;
mod render_end;
mod repl;
mod rig;
mod rt_edges;
mod rt_scan;
mod score;
mod soak;
mod sound;
mod tables;
mod timing;
mod trust;

/// Counts allocations made on threads that asked to be counted.
#[global_allocator]
static ALLOC: alloc::CountingAlloc = alloc::CountingAlloc;
