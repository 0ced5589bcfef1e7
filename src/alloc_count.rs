//! Counting allocations made on the audio thread, in the shipped binary.
//!
//! The binary's global allocator (release builds) is [`CountingAlloc`]: the
//! system allocator plus one thread-local flag read per call. The audio
//! guard ([`crate::audio::rt::guarded`]) raises the flag around every
//! callback, so [`audio_allocations`] is the number of allocations and frees
//! ever made inside one; `status()` shows it (it must stay 0).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    static IN_AUDIO: Cell<bool> = const { Cell::new(false) };
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
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_call();
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_call();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_call();
        System.realloc(ptr, layout, new_size)
    }
}

/// The library's unit tests count allocations inside [`audio_scope`] too
/// (the effect and drum tests assert none happen). The only global allocator
/// of the library's test build.
#[cfg(test)]
#[global_allocator]
static TEST_ALLOC: CountingAlloc = CountingAlloc;
