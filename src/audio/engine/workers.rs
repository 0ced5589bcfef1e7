//! Offline render workers: one persistent thread per extra core, rendering
//! the voice groups ([`super::groups`]) beside the engine's own thread.
//! Each span, every thread takes the next group not yet taken (one atomic
//! counter) until none is left, so a thread that the OS or a virtual
//! machine's host holds back for a moment leaves its share to the others
//! instead of stalling them all at the span's end. Which thread renders a
//! group never changes the samples.
//!
//! Offline only: the engine's thread spins, then yields, until every worker
//! has finished its groups. A live callback must not wait on another
//! thread that the OS may have descheduled, so the live engine has no
//! workers (see the README, "Cores").

use super::groups::{Group, Span};
use crate::audio::rt;
use crate::audio::table::TableBank;
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const IDLE: u32 = 0;
const POSTED: u32 = 1;
const DONE: u32 = 2;
const FAILED: u32 = 3;
const STOP: u32 = 4;

/// How long an idle worker spins for its next job before it sleeps: longer
/// than the engine's own work between two spans (about 0.1 ms of a busy
/// render's 1.5 ms spans), so a busy render's next job finds the worker
/// awake: waking a parked thread costs tens of microseconds on a virtual
/// machine, a few per cent of a span. Offline only, so the spin takes a
/// core from nothing the render needs; a render waiting for its score
/// lets it sleep after 2 ms.
const SPIN_IDLE: Duration = Duration::from_micros(2000);

/// Render at least this many voice-frames in a span before splitting it:
/// below it, waking a worker costs more than it saves.
pub const MIN_PARALLEL_WORK: usize = 8192;

/// What every thread renders in a span: the groups it takes from `next`.
#[derive(Clone, Copy)]
struct Job {
    groups: *mut Group,
    count: usize,
    next: *const AtomicUsize,
    tables: *const TableBank,
    span: Span,
}

impl Job {
    /// SAFETY: the pointers are valid until every thread's job is done, and
    /// a group is rendered only by the thread whose `fetch_add` returned its
    /// index (each index is returned once).
    unsafe fn run(self) {
        let tables = unsafe { &*self.tables };
        let next = unsafe { &*self.next };
        loop {
            let g = next.fetch_add(1, Ordering::Relaxed);
            if g >= self.count {
                return;
            }
            let group = unsafe { &mut *self.groups.add(g) };
            group.render(tables, self.span);
        }
    }
}

/// One worker's mailbox.
struct Slot {
    state: AtomicU32,
    job: UnsafeCell<Option<Job>>,
}

impl Slot {
    fn idle() -> Slot {
        Slot {
            state: AtomicU32::new(IDLE),
            job: UnsafeCell::new(None),
        }
    }
}

// SAFETY: `job` is written only by the engine's thread while `state` is not
// POSTED, and read only by the worker after it sees POSTED (acquire/release
// on `state` order the accesses).
unsafe impl Sync for Slot {}
unsafe impl Send for Slot {}

/// The worker threads of an offline engine (none for one thread).
pub struct Workers {
    slots: Vec<Arc<Slot>>,
    handles: Vec<JoinHandle<()>>,
    /// The next group to take in the current span.
    next: Arc<AtomicUsize>,
}

impl Workers {
    /// Start `threads - 1` workers (allocates and spawns: call before
    /// rendering). Fewer when a thread could not be started.
    pub fn start(threads: usize) -> Workers {
        let mut w = Workers {
            slots: Vec::new(),                   // rt: Engine::new, before rendering
            handles: Vec::new(),                 // rt: Engine::new, before rendering
            next: Arc::new(AtomicUsize::new(0)), // rt: Engine::new, before rendering
        };
        for i in 1..threads {
            let slot = Arc::new(Slot::idle()); // rt: Engine::new, before rendering
            let mine = Arc::clone(&slot);
            let spawned = std::thread::Builder::new()
                .name(format!("tactus-render-{i}")) // rt: Engine::new, before rendering
                .spawn(move || work(&mine));
            let Ok(handle) = spawned else { break };
            w.slots.push(slot);
            w.handles.push(handle);
        }
        w
    }

    /// Threads that render: the workers and the engine's own.
    pub fn threads(&self) -> usize {
        self.slots.len() + 1
    }

    /// Render every group over `span`, on the workers' threads and this
    /// one, each taking the next group left; returns when all are done.
    pub fn render(&self, groups: &mut [Group], tables: &TableBank, span: Span) {
        self.next.store(0, Ordering::Relaxed);
        let job = Job {
            groups: groups.as_mut_ptr(),
            count: groups.len(),
            next: Arc::as_ptr(&self.next),
            tables,
            span,
        };
        for (slot, h) in self.slots.iter().zip(&self.handles) {
            // SAFETY: the worker is IDLE or DONE: it does not read `job`.
            unsafe { *slot.job.get() = Some(job) };
            // Release: the worker sees the job and the counter's reset.
            slot.state.store(POSTED, Ordering::Release);
            h.thread().unpark();
        }
        // SAFETY: each group goes to the one thread that takes it; the
        // workers are done before `groups` is used again.
        unsafe { job.run() };
        for slot in &self.slots {
            let mut spins = 0u32;
            loop {
                match slot.state.load(Ordering::Acquire) {
                    DONE => break,
                    FAILED => panic!("a render worker failed"),
                    _ if spins < 1000 => {
                        spins += 1;
                        std::hint::spin_loop();
                    }
                    _ => std::thread::yield_now(),
                }
            }
            slot.state.store(IDLE, Ordering::Relaxed);
        }
    }
}

/// A worker's loop: wait for a job (spinning a little, then parked), render
/// it inside the real-time guard (the same denormal mode as the engine's
/// thread, so the same samples), say it is done.
fn work(slot: &Slot) {
    loop {
        let since = Instant::now();
        let mut spins = 0u32;
        loop {
            match slot.state.load(Ordering::Acquire) {
                POSTED => break,
                STOP => return,
                _ if spins % 64 != 0 || since.elapsed() < SPIN_IDLE => std::hint::spin_loop(),
                _ => std::thread::park(),
            }
            spins = spins.wrapping_add(1);
        }
        // SAFETY: POSTED was seen with acquire: the job is written.
        let Some(job) = (unsafe { *slot.job.get() }) else {
            slot.state.store(FAILED, Ordering::Release);
            continue;
        };
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: the engine's thread keeps the groups and tables alive
            // and untouched until this job is DONE or FAILED.
            rt::guarded(|_| unsafe { job.run() })
        }));
        let state = if ran.is_ok() { DONE } else { FAILED };
        slot.state.store(state, Ordering::Release);
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for (slot, h) in self.slots.iter().zip(&self.handles) {
            slot.state.store(STOP, Ordering::Release);
            h.thread().unpark();
        }
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}
