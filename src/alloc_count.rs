//! Counting allocations made on the audio thread, in the shipped binary.
//!
//! The binary's global allocator (release builds) is [`CountingAlloc`]: the
//! system allocator plus one thread-local flag read per call. The audio
//! guard ([`crate::audio::rt::guarded`]) raises the flag around every
//! callback, so [`audio_allocations`] is the number of allocations and frees
//! ever made inside one; `status()` shows it (it must stay 0).
//!
//! It also keeps each thread's net allocated bytes ([`thread_bytes`]): the
//! script host stops an evaluation whose data grows past a budget (an array
//! or a string growing without end) long before memory runs out, in linear
//! time (Rhai's own array and map limits re-measure the whole container on
//! every operation: 80,000 pushes took 4.8 s with them on).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    static IN_AUDIO: Cell<bool> = const { Cell::new(false) };
    static THREAD_BYTES: Cell<i64> = const { Cell::new(0) };
}

/// Net bytes allocated so far by the calling thread (allocations minus
/// frees made on it), as counted by [`CountingAlloc`] or [`track_bytes`].
pub fn thread_bytes() -> i64 {
    THREAD_BYTES.try_with(Cell::get).unwrap_or(0)
}

/// Count `delta` bytes allocated (negative: freed) on the calling thread.
/// A global allocator other than [`CountingAlloc`] calls this to keep the
/// script host's memory budget working.
#[inline]
pub fn track_bytes(delta: i64) {
    let _ = THREAD_BYTES.try_with(|c| c.set(c.get() + delta));
}

static AUDIO_ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// Allocations and frees made inside the audio guard so far (0 unless the
/// binary installed [`CountingAlloc`] and the audio code allocated).
pub fn audio_allocations() -> u64 {
    AUDIO_ALLOCATIONS.load(Ordering::Relaxed)
}

/// Run `f` as audio-thread code for the count.
#[inline]
pub fn audio_scope<R>(f: impl FnOnce() -> R) -> R {
    let outer = IN_AUDIO.with(|c| c.replace(true));
    let r = f();
    IN_AUDIO.with(|c| c.set(outer));
    r
}

/// Count one allocator call if it happens inside [`audio_scope`]: for a
/// program's own global allocator (the test suite's), so that
/// [`audio_allocations`] counts there too.
#[inline]
pub fn note_audio_call() {
    note_call();
}

#[inline]
fn note_call() {
    // `try_with`: the flag may already be gone while a thread exits.
    if IN_AUDIO.try_with(Cell::get).unwrap_or(false) {
        AUDIO_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

/// The system allocator, counting calls made inside [`audio_scope`].
pub struct CountingAlloc;

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_call();
        track_bytes(layout.size() as i64);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_call();
        track_bytes(-(layout.size() as i64));
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_call();
        track_bytes(layout.size() as i64);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_call();
        track_bytes(new_size as i64 - layout.size() as i64);
        System.realloc(ptr, layout, new_size)
    }
}

/// The library's unit tests count allocations inside [`audio_scope`] too
/// (the effect and drum tests assert none happen). The only global allocator
/// of the library's test build.
#[cfg(test)]
#[global_allocator]
static TEST_ALLOC: CountingAlloc = CountingAlloc;
