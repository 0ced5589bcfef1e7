//! A counting global allocator, and the test that a whole render makes zero
//! allocations (and frees) inside the engine's process call.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use tactus::alloc_count::CountingAlloc as Inner;
use tactus::render::{self, RenderOptions};

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static EVENTS: AtomicU64 = AtomicU64::new(0);

/// System allocator that counts calls made while the thread is counting.
pub struct CountingAlloc;

fn note_event() {
    // Also the library's audio-side count (the fallback device's thread).
    tactus::alloc_count::note_audio_call();
    if COUNTING.with(|c| c.get()) {
        EVENTS.fetch_add(1, Ordering::Relaxed);
    }
}

// Every call goes through the binary's allocator, so the tests see the same
// counts the shipped binary does: bytes per thread for the script host's
// memory budget, and allocations inside the audio guard
// (`tactus::alloc_count::audio_allocations`, for live sessions whose audio
// thread the tests do not own).
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_event();
        Inner.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_event();
        Inner.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_event();
        Inner.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_event();
        Inner.realloc(ptr, layout, new_size)
    }
}

/// Allocations and frees made on this thread while `f` runs.
pub fn count<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = EVENTS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (r, EVENTS.load(Ordering::Relaxed) - before)
}

#[test]
fn counter_sees_allocations() {
    let ((), n) = count(|| drop(std::hint::black_box(vec![1u8; 100])));
    assert!(
        n >= 2,
        "an allocation and a free should be counted, got {n}"
    );
}

/// Notes on many channels, voice stealing, table swaps while notes sound,
/// volume changes, panic(): the callback never allocates or frees.
#[test]
fn whole_render_allocates_nothing_in_process() {
    let src = r#"
        tempo(140);
        table(1, 4096, gen10([1, 0.5, 0.25]));
        table(2, 2048, saw(30));
        channel(1, #{ table: 1, max_voices: 3, env: adsr(0.01, 0.1, 0.7, 0.2) });
        channel(2, #{ synth: "saw", env: linen(0.02, 0.1) });
        channel(3, #{ synth: "square", pan: 0.2 });
        for k in 0..64 {
            note(1, 48 + (k % 12), 1.5);
            note(2, 60 + (k % 7), 0.3, #{ vel: 40 + k });
            i(3, 0.1, 0.2, 0.2, 8.0 + (k % 5) * 0.1, 2, 0.01, 0.05, 0.7);
            if k % 8 == 0 {
                at(0.5, || {
                    table(1, 4096, gen10([1, 0.2 * (k % 3), 0.5]));
                    let c = channel(2);
                    c.volume = 0.3 + 0.1 * (k % 4);
                });
            }
            wait(0.25);
        }
        at(2, || { panic(); note(1, 60, 1); });
    "#;
    let mut allocs = 0;
    let mut calls = 0;
    let opts = RenderOptions {
        block_frames: 200,
        ..RenderOptions::default()
    };
    let printer: tactus::script::state::Printer = std::rc::Rc::new(|_s: &str| {});
    let mut frames = 0;
    let report = render::render_with(
        "alloc.rhai",
        src,
        &opts,
        printer,
        |b| frames += b.len() / 2,
        |engine, block| {
            let ((), n) = count(|| engine.process(block));
            allocs += n;
            calls += 1;
        },
    )
    .unwrap();
    assert!(
        report.notes > 150,
        "the session played {} notes",
        report.notes
    );
    assert!(
        calls > 500 && frames > 48_000,
        "a whole session ran ({calls} calls)"
    );
    assert_eq!(
        allocs, 0,
        "the engine allocated or freed {allocs} times in its process call"
    );
}

/// Every effect on every used channel, drums, plucks, FM, noise, samples,
/// sequences, controllers moving effects: the process call still never
/// allocates or frees.
#[test]
fn the_whole_palette_at_once_allocates_nothing_in_process() {
    let src = r#"
        tempo(128);
        table(7, 4800, saw(20));
        let all = #{ lowpass: 2000, highpass: 80, q: 2, reverb: 0.4, reverb_decay: 2, chorus: 0.5,
                     delay: 0.3, delay_time: 0.25, delay_feedback: 0.5, tremolo: 0.3, tremolo_rate: 6,
                     distortion: 0.3, saturation: 0.4, phaser: 0.5 };
        channel(1, all + #{ instrument: "pad" });
        channel(2, all + #{ instrument: "bass_guitar" });
        channel(3, all + #{ instrument: "fm_bell" });
        channel(4, all + #{ synth: "sample", table: 7, root: "C4", looped: true });
        channel(5, all + #{ synth: "noise", env: linen(0.01, 0.05) });
        channel(10, all + #{ drums: true });
        drums("breakbeat");
        seq("arp", 3, "E5", "x.xX.x.x", #{ swing: 0.2 });
        cc(74, "lowpass", 200, 8000);
        for k in 0..16 {
            chord(1, "Am7", 1.5);
            note(2, 40 + (k % 5), 0.4);
            note(4, 60, 0.3);
            note(5, 60, 0.1);
            at(0.5, || { cc_in(1, 74, (k * 8) % 128); let c = channel(2); c.reverb = 0.1 * (k % 5); });
            wait(0.5);
        }
        end(10);
    "#;
    let mut allocs = 0;
    let opts = RenderOptions {
        block_frames: 173,
        ..RenderOptions::default()
    };
    let printer: tactus::script::state::Printer = std::rc::Rc::new(|_s: &str| {});
    let report = render::render_with(
        "palette.rhai",
        src,
        &opts,
        printer,
        |_| {},
        |engine, block| {
            let ((), n) = count(|| engine.process(block));
            allocs += n;
        },
    )
    .unwrap();
    assert!(report.notes > 150, "{} notes", report.notes);
    assert_eq!(
        allocs, 0,
        "the engine allocated or freed {allocs} times in its process call"
    );
}

/// Every GM preset in turn (effects installed per channel as each is
/// chosen) with notes sounding across the changes, and every GM drum: the
/// process call never allocates or frees.
#[test]
fn every_gm_preset_in_turn_allocates_nothing_in_process() {
    let src = r#"
        tempo(240);
        for p in 1..=128 {
            let ch = 1 + p % 3;
            channel(ch, #{ program: p });
            note(ch, 48 + p % 24, 0.75, #{ vel: 30 + p % 90 });
            note(10, 35 + p % 47, 0.25);
            wait(0.25);
        }
        end(40);
    "#;
    let mut allocs = 0;
    let opts = RenderOptions {
        block_frames: 173,
        ..RenderOptions::default()
    };
    let printer: tactus::script::state::Printer = std::rc::Rc::new(|_s: &str| {});
    let report = render::render_with(
        "gm.rhai",
        src,
        &opts,
        printer,
        |_| {},
        |engine, block| {
            let ((), n) = count(|| engine.process(block));
            allocs += n;
        },
    )
    .unwrap();
    assert!(report.notes >= 256, "{} notes", report.notes);
    assert_eq!(
        allocs, 0,
        "the engine allocated or freed {allocs} times in its process call"
    );
}
