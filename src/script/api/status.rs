//! `status()`: the session at a glance, as a musician reads it: the
//! transport, the audio thread's load explained, levels, events, sync,
//! each channel in use, loops and sequences, recordings and tables.

use crate::script::state::ScriptState;
use std::sync::atomic::Ordering;

mod bars;
mod channels;
mod patterns;

pub use bars::{count, level as level_line};
pub use channels::{instrument, line as channel_line};
pub use patterns::{code, seq_view, trim as trim_number};

/// A channel's instrument in a few words (its preset, else its synth).
pub fn instrument_name(c: &crate::session::channels::ChannelConfig) -> String {
    c.instrument
        .map_or_else(|| c.synth.to_string(), str::to_string)
}

/// The text of `status()`: transport, audio, master level, events, sync,
/// channels, loops and sequences, recordings.
pub fn status(st: &ScriptState) -> String {
    let s = &st.session;
    let mut out = vec![transport_line(st), audio_line(st)];
    out.extend(master_line(st));
    let (late, dropped) = match &st.telemetry {
        Some(t) => (
            t.late_events.load(Ordering::Relaxed),
            t.dropped_notes.load(Ordering::Relaxed),
        ),
        None => (0, 0),
    };
    out.push(format!(
        "events: {} sent, {} late, {} skipped (past), {} dropped, {} quieted",
        s.notes_sent, late, s.skipped_past, dropped, s.notes_quieted
    ));
    let non_finite =
        (st.telemetry.as_ref()).map_or(0, |t| t.non_finite_samples.load(Ordering::Relaxed));
    if non_finite > 0 {
        out.push(format!(
            "{} that were not numbers (NaN or inf) silenced before the effects and the output",
            count(non_finite, "sample")
        ));
    }
    if let Some(Ok(m)) = &st.midi {
        out.push(format!(
            "MIDI in: {} ({} held, {} dropped)",
            crate::midi::ports::list_text(&m.open_names()),
            count(s.midi_notes_held() as u64, "note"),
            count(m.dropped() as u64, "message")
        ));
    }
    out.push(link_line(s).trim_end().to_string());
    out.push(s.clock_status());
    out.extend(channels::lines(st));
    let now = beat_now(st);
    let (loops, seqs) = (patterns::loop_lines(s), patterns::seq_lines(s, now));
    if loops.is_empty() && seqs.is_empty() {
        out.push("loops and sequences: none".into());
    }
    out.extend(loops);
    out.extend(seqs);
    for p in &s.recording_paths {
        out.push(format!("recording audio to {}", p.display()));
    }
    out.extend(s.input_lines.iter().cloned());
    if let Some(take) = s.take.as_ref() {
        out.push(format!("recording MIDI to {}", take.path.display()));
    }
    let tables = s.table_numbers();
    let numbers: Vec<String> = tables.iter().map(u32::to_string).collect();
    out.push(match tables.len() {
        0 => "tables: none".to_string(),
        n => format!(
            "{}: {}",
            if n == 1 { "table" } else { "tables" },
            numbers.join(", ")
        ),
    });
    out.join("\n")
}

/// The beat the audio clock has reached.
pub fn beat_now(st: &ScriptState) -> f64 {
    let s = &st.session;
    let frame = match &st.telemetry {
        Some(t) => t.frame.load(Ordering::Acquire),
        None => s.eval_frame.0,
    };
    s.tempo.frame_to_beats(crate::time::Frame(frame), s.sr).0
}

/// "playing at 118.00 bpm, bar 12 beat 3.25 of 4 (beat 47.25)".
fn transport_line(st: &ScriptState) -> String {
    let s = &st.session;
    let beat = beat_now(st);
    let (bar, in_bar) = patterns::bar_of(s, beat);
    format!(
        "{} at {:.2} bpm, bar {bar} beat {in_bar:.2}, {} beats a bar (beat {beat:.2} since the start)",
        if *s.playing { "playing" } else { "stopped (play() starts)" },
        s.tempo.bpm_at(crate::time::Beats(beat)),
        patterns::trim(s.bar_beats)
    )
}

/// The audio side: device kind, voices, the callback's load explained,
/// xruns and audio-thread allocations.
fn audio_line(st: &ScriptState) -> String {
    let Some(t) = &st.telemetry else {
        return format!("audio: offline at {} Hz (no device)", st.session.sr.0);
    };
    let busy = t.busy_ns.swap(0, Ordering::Relaxed) as f64;
    let budget = t.budget_ns.swap(0, Ordering::Relaxed) as f64;
    let worst = t.load_permille.swap(0, Ordering::Relaxed) as f64 / 10.0;
    let average = if budget > 0.0 {
        busy / budget * 100.0
    } else {
        0.0
    };
    let no_device = t.no_device.load(Ordering::Relaxed);
    let (what, late) = if no_device {
        (
            "no sound card: a clock thread renders each block in real time and records it",
            "blocks computed late",
        )
    } else {
        ("device callback", "xruns")
    };
    format!(
        "audio: {what}, {} Hz, {}\n  load {average:.1} % on average, {worst:.1} % in the worst block since the last status() \
         (time spent computing a block, as a share of its duration: near 100 % the sound breaks up), \
         {} {late}\naudio thread: {} (it must stay 0: the callback never allocates)",
        st.session.sr.0,
        count(t.active_voices.load(Ordering::Relaxed), "voice"),
        t.xruns.load(Ordering::Relaxed),
        count(crate::alloc_count::audio_allocations(), "allocation")
    )
}

/// The master level, with the clip count.
fn master_line(st: &ScriptState) -> Option<String> {
    let m = &st.telemetry.as_ref()?.meters;
    let (peak, rms) = m.master.read();
    let clips = m.clipped_samples.load(Ordering::Relaxed);
    let clip = match clips {
        0 => String::new(),
        n => format!(
            ", {} over 0 dBFS so far (softened by the clipper)",
            count(n, "sample")
        ),
    };
    Some(format!("master: {}{clip}", bars::level(peak, rms, 24)))
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
