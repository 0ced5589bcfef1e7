//! The music goes on during a long evaluation: Rhai calls the progress
//! callback on every operation, and every [`RELEASE_EVERY`] of wall time
//! the callback releases what the committed state has due (notes already
//! scheduled, sequence and drum steps; see [`crate::session::progress`])
//! and sends it to the audio thread, as the script thread's tick would
//! (the runner first runs due loop iterations beside an evaluation that has
//! changed nothing but appends: [`super::runner::Runner::on_progress`]).

use super::state::Shared;
use crate::time::Frame;
use std::cell::Cell;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How often a long evaluation lets the scheduler release what is due
/// (the script thread's own tick is 5 ms; the lookahead is 100 ms).
pub const RELEASE_EVERY: Duration = Duration::from_millis(5);

/// Operations between two looks at the clock (a look costs far more than
/// an operation).
const OPS_BETWEEN_LOOKS: u64 = 1024;

/// When a long evaluation last released.
#[derive(Default)]
pub struct Pace {
    last: Cell<Option<Instant>>,
}

impl Pace {
    /// Called by the progress callback with the evaluation's operation
    /// count: true now and then (every [`RELEASE_EVERY`]), when it is time
    /// to let the scheduler go on.
    pub fn due(&self, ops: u64) -> bool {
        if !ops.is_multiple_of(OPS_BETWEEN_LOOKS) {
            return false;
        }
        let now = Instant::now();
        if self.last.get().is_some_and(|t| now - t < RELEASE_EVERY) {
            return false;
        }
        self.last.set(Some(now));
        true
    }
}

/// In a live session (the render's clock is virtual: `None`), the horizon a
/// block and a lookahead ahead of the audio clock, and the clock's frame.
pub fn live_horizon(state: &Shared) -> Option<(Frame, u64)> {
    let st = state.try_borrow().ok()?;
    let telemetry = st.telemetry.as_ref()?;
    st.commands.as_ref()?;
    let now = telemetry.frame.load(Ordering::Acquire);
    let s = &st.session;
    let ahead = s.sr.seconds_to_frames(*s.lookahead);
    Some((Frame(now + s.block_frames as u64 + ahead), now))
}

/// Release what the committed state has due before the live horizon and
/// send it (a live session only).
pub fn release(state: &Shared) {
    let Some((horizon, now)) = live_horizon(state) else {
        return;
    };
    // A binding running a closure holds the state: the next look releases.
    let Ok(mut st) = state.try_borrow_mut() else {
        return;
    };
    let st = &mut *st;
    let Some(tx) = st.commands.as_ref() else {
        return;
    };
    let s = &mut st.session;
    s.release_committed(horizon, Frame(now + 1));
    s.outbox
        .flush_committed(|c| tx.try_send(c).map_err(|e| e.into_inner()));
}
