//! The real-time guard around every audio callback: denormals flushed to zero,
//! allocations counted (see [`crate::alloc_count`]), and (in debug and test
//! builds) `assert_no_alloc` forbidding allocation.
//!
//! One guard per callback: [`guarded`] hands its closure an [`InGuard`]
//! token, and code that must run inside the guard (the engine's
//! [`crate::audio::Engine::process_in`], the device's renderer) takes the
//! token instead of opening a guard of its own.

/// Proof that the code holding it runs inside [`guarded`] (only `guarded`
/// makes one).
#[derive(Debug)]
pub struct InGuard {
    _private: (),
}

/// Run `f` as audio-thread code.
#[inline]
pub fn guarded<R>(f: impl FnOnce(&InGuard) -> R) -> R {
    #[cfg(test)]
    ENTRIES.with(|c| c.set(c.get() + 1));
    let _ftz = FlushToZero::on();
    let token = InGuard { _private: () };
    crate::alloc_count::audio_scope(|| {
        #[cfg(debug_assertions)]
        {
            assert_no_alloc::assert_no_alloc(|| f(&token))
        }
        #[cfg(not(debug_assertions))]
        {
            f(&token)
        }
    })
}

#[cfg(test)]
thread_local! {
    static ENTRIES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Guards entered on this thread so far (unit tests count them per callback).
#[cfg(test)]
pub fn entries() -> u64 {
    ENTRIES.with(std::cell::Cell::get)
}

/// Sets FTZ/DAZ for its lifetime and restores the previous mode on drop.
struct FlushToZero {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
}

impl FlushToZero {
    #[cfg(target_arch = "x86_64")]
    fn on() -> FlushToZero {
        let mut saved: u32 = 0;
        // SAFETY: reads and writes the thread's own MXCSR; setting FTZ (bit 15)
        // and DAZ (bit 6) changes only how denormals round.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut saved, options(nostack));
            let on = saved | 0x8040;
            std::arch::asm!("ldmxcsr [{}]", in(reg) &on, options(nostack));
        }
        FlushToZero { saved }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn on() -> FlushToZero {
        FlushToZero {}
    }
}

impl Drop for FlushToZero {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: restores the MXCSR value read in `on`.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &self.saved, options(nostack));
        }
    }
}
