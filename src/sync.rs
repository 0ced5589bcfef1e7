//! Playing with others: Ableton Link ([`link`]) on the script thread, and
//! the audio clock seen from the host clock ([`host_clock`]) that it needs
//! to put a shared beat on an exact frame.

pub mod host_clock;
pub mod link;
pub mod link_tap;
