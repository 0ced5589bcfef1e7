//! Where an open-ended render ends: once nothing is left to play and the
//! output has stayed below -120 dBFS for the hold, whatever effects are on;
//! at `max_duration` (reported as truncated) only when sound really goes on;
//! at the same frame for every block size.

use crate::common::*;
use tactus::render::{self, RenderEnd, RenderOptions, RenderReport, QUIET_HOLD, QUIET_LEVEL};
use tactus::time::Seconds;

const REVERB: &str = r#"channel(2, #{ synth: "saw", reverb: 0.3 }); note(2, 69, 1);"#;
const CHORUS: &str = r#"channel(2, #{ synth: "saw", chorus: 0.5 }); note(2, 69, 1);"#;
const DELAY: &str = r#"channel(2, #{ synth: "saw", delay: 0.5 }); note(2, 69, 1);"#;

fn render_opts(src: &str, opts: &RenderOptions) -> (Vec<f32>, RenderReport) {
    render::render_to_vec("test.rhai", src, opts).unwrap_or_else(|e| panic!("{e}"))
}

fn seconds(frames: u64) -> f64 {
    frames as f64 / SR
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// The render ended on its own: quiet for the hold after its last loud
/// frame, which is the last frame delivered.
fn assert_ended_quiet(name: &str, out: &[f32], r: &RenderReport) {
    assert_eq!(r.end, RenderEnd::Quiet, "{name}: {r:?}");
    assert!(!r.truncated(), "{name}");
    assert_eq!(r.frames, r.sound_frames, "{name}: the quiet tail is cut");
    assert_eq!(out.len() as u64, 2 * r.frames, "{name}");
    let last = &out[out.len() - 2..];
    assert!(
        last[0].abs() >= QUIET_LEVEL || last[1].abs() >= QUIET_LEVEL,
        "{name}: the last frame is still above -120 dBFS: {last:?}"
    );
    let quiet_s = seconds(r.rendered_frames - r.sound_frames);
    assert!(
        quiet_s >= QUIET_HOLD.0,
        "{name}: rendered {quiet_s} s past the sound"
    );
}

/// It ended at the first check once the hold had passed.
fn assert_hold_only(name: &str, r: &RenderReport) {
    let quiet_s = seconds(r.rendered_frames - r.sound_frames);
    assert!(
        quiet_s < QUIET_HOLD.0 + 0.1,
        "{name}: rendered {quiet_s} s past the sound"
    );
}

#[test]
fn a_reverb_render_lasts_seconds_not_ten_minutes() {
    let (out, r) = render_block(REVERB, 256);
    assert_ended_quiet("reverb", &out, &r);
    assert_hold_only("reverb", &r);
    let len_s = seconds(r.frames);
    assert!(
        (2.0..6.0).contains(&len_s),
        "the tail rings a little past the note: {len_s} s"
    );
    let tail = &out[(1.5 * SR) as usize * 2..];
    assert!(peak(tail) > 1e-3, "the reverb tail is kept");
}

#[test]
fn chorus_and_delay_renders_end_without_truncation() {
    for (name, src, min_s) in [("chorus", CHORUS, 1.0), ("delay", DELAY, 2.0)] {
        let (out, r) = render_block(src, 256);
        assert_ended_quiet(name, &out, &r);
        assert_hold_only(name, &r);
        let len_s = seconds(r.frames);
        assert!((min_s..10.0).contains(&len_s), "{name}: {len_s} s");
    }
}

/// Every one of these ends on the same frame with the same samples, at
/// every block size (the end is decided on frames independent of blocks).
#[test]
fn ends_are_identical_across_block_sizes() {
    let silent_events = format!("{REVERB} at(20, || {{ let c = channel(2); c.volume = 0.5; }});");
    for src in [REVERB, CHORUS, DELAY, silent_events.as_str()] {
        let (reference, r0) = render_block(src, 256);
        for block in [1, 4, 63, 257, 4096] {
            let (out, r) = render_block(src, block);
            assert_eq!(
                (r.frames, r.sound_frames, r.rendered_frames, r.end),
                (r0.frames, r0.sound_frames, r0.rendered_frames, r0.end),
                "block {block}: {src}"
            );
            assert!(out == reference, "block {block} changed the samples: {src}");
        }
    }
}

/// Silent events after the sound keep the render going until they have
/// passed, but the file still ends where the sound did.
#[test]
fn silent_events_after_the_sound_do_not_lengthen_the_file() {
    let src = format!("{REVERB} at(20, || {{ let c = channel(2); c.volume = 0.5; }});");
    let (out, r) = render_block(&src, 256);
    let (_, alone) = render_block(REVERB, 256);
    assert_ended_quiet("silent event", &out, &r);
    assert!(seconds(r.rendered_frames) >= 20.0, "{r:?}");
    assert_eq!(r.frames, alone.frames);
}

/// The hold outlasts a delay's longest gap between echoes: with a 4 s delay
/// the render keeps the echoes that come after 4 s of quiet.
#[test]
fn the_hold_covers_the_longest_delay_gap() {
    let src = r#"channel(1, #{ synth: "saw", env: linen(0.001, 0.01), delay: 1.0,
                   delay_time: 4.0, delay_feedback: 0.5 });
                 note(1, 69, 0.05);"#;
    let (out, r) = render_block(src, 256);
    assert_ended_quiet("4 s delay", &out, &r);
    let l = left(&out);
    let at = |s: f64| (s * SR) as usize;
    assert!(
        peak(&l[at(0.1)..at(3.9)]) < QUIET_LEVEL,
        "a quiet gap first"
    );
    for echo in [4.0, 8.0, 12.0] {
        assert!(
            l.len() > at(echo + 0.05) && peak(&l[at(echo)..at(echo + 0.05)]) > 1e-3,
            "the echo at {echo} s is kept ({} s rendered)",
            seconds(r.frames)
        );
    }
}

/// A delay that feeds back at its highest setting (0.95, -0.45 dB an echo)
/// and a note held for 20 minutes really go on: they stop at `max_duration`,
/// reported as truncated, with every frame up to it delivered.
#[test]
fn endless_sound_stops_at_max_duration_and_says_so() {
    let opts = RenderOptions {
        max_duration: Seconds(12.0),
        ..RenderOptions::default()
    };
    for src in [
        r#"channel(1, #{ synth: "saw", delay: 0.5, delay_time: 4.0, delay_feedback: 0.95 }); note(1, 69, 1);"#,
        r#"channel(1, #{ synth: "saw" }); note(1, 69, 1200);"#,
    ] {
        let (out, r) = render_opts(src, &opts);
        assert!(r.truncated(), "{src}: {r:?}");
        assert_eq!(r.frames, 12 * 48_000, "{src}");
        assert_eq!(out.len(), 2 * 12 * 48_000, "{src}");
    }
}

/// A live loop that stops sounding but goes on past `max_duration`: the
/// render ends once nothing is left to play before `max_duration`, and the
/// file where the sound ended.
#[test]
fn a_loop_that_falls_silent_ends_where_its_sound_did() {
    let opts = RenderOptions {
        max_duration: Seconds(20.0),
        ..RenderOptions::default()
    };
    let src = r#"channel(2, #{ synth: "saw", reverb: 0.3 });
        live_loop("tick", 1, |i| { if i < 3 { note(2, 60, 0.25); } });"#;
    let (out, r) = render_opts(src, &opts);
    assert_ended_quiet("silent loop", &out, &r);
    assert!(seconds(r.rendered_frames) > 18.0, "{r:?}");
    assert!((3.0..10.0).contains(&seconds(r.frames)), "{r:?}");
}

/// A note held silent (channel volume 0) up to `max_duration`: stopped
/// there, but not reported as sound going, and nothing delivered.
#[test]
fn a_silent_held_note_at_max_duration_is_not_reported_as_sound() {
    let opts = RenderOptions {
        max_duration: Seconds(12.0),
        ..RenderOptions::default()
    };
    let src = r#"channel(1, #{ synth: "saw", volume: 0.0 }); note(1, 69, 1200);"#;
    let (out, r) = render_opts(src, &opts);
    assert_eq!(
        r.end,
        RenderEnd::MaxDuration { sound_going: false },
        "{r:?}"
    );
    assert!(!r.truncated());
    assert_eq!((r.frames, r.sound_frames, out.len()), (0, 0, 0));
}

/// `--duration` and `end()` are not trimmed: they give exactly that length.
#[test]
fn duration_and_end_are_exact() {
    let (out, r) = render_opts(
        REVERB,
        &RenderOptions {
            duration: Some(Seconds(7.0)),
            ..RenderOptions::default()
        },
    );
    assert_eq!((out.len(), r.end), (2 * 7 * 48_000, RenderEnd::Duration));
    let (out, r) = render_block(&format!("{REVERB} end(9);"), 63);
    assert_eq!((out.len(), r.end), (2 * 9 * 48_000, RenderEnd::EndMark));
}

/// Silent events 100 s after the sound, with a note humming below -120
/// dBFS (not digital silence) all along (a reverb's tail now ends in exact
/// zeros): the file keeps the beginning of the quiet stretch (memory stays
/// bounded), the same at every block size.
#[test]
fn a_long_quiet_stretch_is_cut_the_same_way_at_every_block_size() {
    let hum = "note(2, 69, 100, #{ amp: 0.0000001 });";
    let src = format!("{REVERB} {hum} at(100, || {{ let c = channel(2); c.volume = 0.5; }});");
    let (reference, r0) = render_block(&src, 256);
    assert_eq!(r0.end, RenderEnd::Quiet);
    assert!(
        r0.frames > r0.sound_frames && seconds(r0.frames) < 95.0,
        "{r0:?}"
    );
    for block in [63, 4096] {
        let (out, r) = render_block(&src, block);
        assert_eq!(
            (r.frames, r.rendered_frames),
            (r0.frames, r0.rendered_frames)
        );
        assert!(out == reference, "block {block} changed the samples");
    }
}
