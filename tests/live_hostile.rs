//! Hostile input to the live session (issue 16, "Live"): a tempo change
//! against what was already released ahead, an evaluation longer than the
//! lookahead, and an editor that saves in place slowly.

use tactus::command::Command;
use tactus::time::{Beats, Frame};

/// The live thread's release step, on a simulated audio clock: what a tick
/// at `now` sends (a block and a 100 ms lookahead ahead).
fn tick(h: &mut tactus::script::ScriptHost, now: u64) {
    h.with_session(|s| s.skip_before = Frame(now + 1));
    h.advance(Frame(now + 256 + 4_800));
}

/// The start frames of the notes sent so far.
fn note_starts(h: &mut tactus::script::ScriptHost) -> Vec<u64> {
    let sent = h.with_session(|s| s.take_outbox());
    let starts = sent.into_iter().filter_map(|c| match c {
        Command::Note(n) => Some(n.frame.0),
        _ => None,
    });
    starts.collect()
}

/// `tempo(1000)` then `tempo(60)` at the prompt: the notes already sent
/// ahead at 1000 bpm play, and the next ones follow 60 bpm at once: no
/// silence longer than a beat at 60 bpm (it was 1.7 s: the beats already
/// released were counted again at the new tempo).
#[test]
fn a_typed_tempo_change_follows_what_was_released_with_no_gap() {
    let (mut h, _) = crate::common::host(&format!(
        "{}\ntempo(1000);\nlive_loop(\"a\", 1, |i| note(1, 60, 0.1));",
        crate::common::DC_SETUP
    ));
    let mut starts = Vec::new();
    let typed_at = 48_000;
    for now in (0..typed_at).step_by(240) {
        tick(&mut h, now);
        starts.extend(note_starts(&mut h));
    }
    let at = h.with_session(|s| s.tempo.frame_to_beats(Frame(typed_at + 256), s.sr));
    h.eval_repl("tempo(60)", at).unwrap();
    for now in (typed_at..typed_at + 6 * 48_000).step_by(240) {
        tick(&mut h, now);
        starts.extend(note_starts(&mut h));
    }
    let gaps: Vec<u64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    let beat_1000 = 2_880;
    assert!(gaps.iter().take(10).all(|g| *g == beat_1000), "{gaps:?}");
    let longest = gaps.iter().max().unwrap();
    assert!(
        *longest <= 48_000,
        "a silence of {longest} frames after tempo(60): {starts:?}"
    );
    let last: Vec<u64> = gaps.iter().rev().take(4).copied().collect();
    assert_eq!(last, vec![48_000; 4], "60 bpm after the change: {gaps:?}");
    let now = h.eval_repl("tempo()", Beats(at.0)).unwrap();
    assert_eq!(now.as_deref(), Some("60.0"));
}
