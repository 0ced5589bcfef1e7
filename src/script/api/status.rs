//! `status()`: the session at a glance: tempo, beat, channels, voices,
//! callback load, xruns, late and skipped events.

use crate::script::state::ScriptState;
use std::sync::atomic::Ordering;

/// The text of `status()`.
pub fn status(st: &ScriptState) -> String {
    let s = &st.session;
    let mut out = String::new();
    let (frame, voices, late, dropped, load, xruns) = match &st.telemetry {
        Some(t) => (
            t.frame.load(Ordering::Acquire),
            t.active_voices.load(Ordering::Relaxed),
            t.late_events.load(Ordering::Relaxed),
            t.dropped_notes.load(Ordering::Relaxed),
            t.load_permille.swap(0, Ordering::Relaxed) as f64 / 10.0,
            t.xruns.load(Ordering::Relaxed),
        ),
        None => (s.eval_frame.0, 0, 0, 0, 0.0, 0),
    };
    let beat = s.tempo.frame_to_beats(crate::time::Frame(frame), s.sr).0;
    out.push_str(&format!(
        "tempo {:.2} bpm, beat {:.2}, {} Hz, {} voices, callback load {:.1} % (worst since the last status), {} xruns\n",
        s.tempo.bpm_at(crate::time::Beats(beat)),
        beat,
        s.sr.0,
        voices,
        load,
        xruns
    ));
    out.push_str(&format!(
        "events: {} sent, {} late, {} skipped (past), {} dropped, {} quieted\n",
        s.notes_sent, late, s.skipped_past, dropped, s.notes_quieted
    ));
    out.push_str(&format!(
        "audio thread: {} allocations\n",
        crate::alloc_count::audio_allocations()
    ));
    if let Some(Ok(m)) = &st.midi {
        out.push_str(&format!(
            "MIDI in: {} ({} notes held, {} messages dropped)\n",
            crate::midi::ports::list_text(&m.open_names()),
            s.midi_notes_held(),
            m.dropped()
        ));
    }
    out.push_str(&link_line(s));
    out.push_str(&s.clock_status());
    out.push('\n');
    let loops = s.loop_names();
    out.push_str(&format!(
        "loops: {}\n",
        if loops.is_empty() {
            "none".into()
        } else {
            loops.join(", ")
        }
    ));
    for (i, c) in s.channels.iter().enumerate() {
        if *c != crate::session::channels::ChannelConfig::default() {
            out.push_str(&format!(
                "channel {}: {:?}, volume {:.2}, pan {:.2}\n",
                i + 1,
                c.source,
                c.volume,
                c.pan
            ));
        }
    }
    for p in &s.recording_paths {
        out.push_str(&format!("recording audio to {}\n", p.display()));
    }
    for line in &s.input_lines {
        out.push_str(line);
        out.push('\n');
    }
    if let Some(take) = s.take.as_ref() {
        out.push_str(&format!("recording MIDI to {}\n", take.path.display()));
    }
    out.push_str(&format!("tables: {:?}", s.table_numbers()));
    out
}

/// Link's state: peers, tempo, beat and phase in the shared bar.
fn link_line(s: &crate::session::Session) -> String {
    let want = &*s.link;
    match (want.on, s.link_view) {
        (false, _) => "Link: off (link(true) joins)\n".into(),
        (true, None) => "Link: joining (waiting for the audio clock)\n".into(),
        (true, Some(v)) => format!(
            "Link: {} peer{}, {:.2} bpm, beat {:.2}, phase {:.2} of {}, {}{}, latency {:.1} ms{}\n",
            v.peers,
            if v.peers == 1 { "" } else { "s" },
            v.bpm,
            v.beat,
            v.phase,
            want.quantum,
            if v.playing { "playing" } else { "stopped" },
            if want.start_stop {
                " (start/stop shared)"
            } else {
                ""
            },
            v.latency_ms,
            v.speaker_late_ms
                .map(|ms| format!(", sound {ms:+.2} ms off the shared beat"))
                .unwrap_or_default()
        ),
    }
}
