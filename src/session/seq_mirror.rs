//! Controller feedback for step sequences: `seq("name").mirror(port, first)`
//! lights a controller's pads from the sequence, the step-sequencer way.
//! A step that is on lights its pad, the playing step is highlighted, and
//! the pads follow every step and every edit. Each pad is a note: lighting
//! it sends a note-on whose velocity is the colour (as pad controllers
//! read it), darkening it a note-on with velocity 0. The messages go
//! through the session's MIDI outbox at the frame of the step they show,
//! so the lights move in time with the sound.

use super::seqs::{Seq, Step};
use super::Session;
use crate::midi::output::OutCmd;
use crate::time::Frame;
use std::sync::Arc;

/// Where and how a sequence is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Mirror {
    /// The output port (its full name).
    pub port: Arc<str>,
    /// The pad note of each step, in order (a step past the end has no pad).
    pub notes: Vec<u8>,
    /// MIDI channel 0..16.
    pub channel: u8,
    /// Colour (velocity) of a step that is on.
    pub on: u8,
    /// Colour of an accented step.
    pub accent: u8,
    /// Colour of the playing step.
    pub playing: u8,
    /// The first pad's note when the pads are consecutive notes (they
    /// follow the pattern's length when it changes).
    pub first_note: Option<u8>,
    /// The step shown as playing now.
    pub shown: Option<usize>,
    /// The frame of the last step shown (already handed to the output
    /// thread, up to a lookahead ahead): edits are shown from there, after
    /// it, so a step computed before the edit cannot undo it.
    pub last_frame: u64,
    /// Every pad is sent again at the next step (after an edit of the
    /// whole pattern or `panic()`, which darkens every pad).
    pub redraw: bool,
}

impl Mirror {
    /// A mirror of pads `first_note`, `first_note + 1`, ... (one per step,
    /// up to note 127) with the default colours.
    pub fn new(port: Arc<str>, first_note: u8, steps: usize) -> Mirror {
        Mirror {
            port,
            notes: consecutive(first_note, steps),
            first_note: Some(first_note),
            channel: 0,
            on: 64,
            accent: 96,
            playing: 127,
            shown: None,
            last_frame: 0,
            redraw: true,
        }
    }

    /// After the pattern changed: consecutive pads follow its new length;
    /// every pad is sent again at the next step.
    pub fn refit(&mut self, steps: usize) {
        if let Some(first) = self.first_note {
            self.notes = consecutive(first, steps);
        }
        self.redraw = true;
    }

    /// The colour of step `k` of `pattern` (0 = dark).
    fn colour(&self, pattern: &[Step], k: usize) -> u8 {
        if self.shown == Some(k) {
            return self.playing;
        }
        match pattern.get(k) {
            Some(Step::On | Step::Vel(_)) => self.on,
            Some(Step::Accent) => self.accent,
            _ => 0,
        }
    }

    /// The note-on that shows step `k`, if it has a pad.
    fn pad_message(&self, pattern: &[Step], k: usize) -> Option<Vec<u8>> {
        let note = *self.notes.get(k)?;
        Some(vec![0x90 | self.channel, note, self.colour(pattern, k)])
    }

    /// The messages that show every step.
    fn all(&self, pattern: &[Step]) -> Vec<u8> {
        (0..self.notes.len())
            .filter_map(|k| self.pad_message(pattern, k))
            .flatten()
            .collect()
    }

    /// The messages that darken every pad.
    pub fn dark(&self) -> Vec<u8> {
        self.notes
            .iter()
            .flat_map(|&n| [0x90 | self.channel, n, 0])
            .collect()
    }
}

impl Session {
    fn mirror_send(&mut self, port: Arc<str>, frame: Frame, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            let frame = frame.0;
            self.midi_outbox.push(OutCmd::Send { port, frame, bytes });
        }
    }

    /// Show a step change of the sequence `name`: step `k` is playing from
    /// `frame` (and the step shown before goes back to its own colour).
    pub(crate) fn mirror_step(&mut self, name: &str, k: usize, frame: Frame) {
        let Some(q) = self.seqs.get_mut(&name.to_string()) else {
            return;
        };
        let Some(m) = q.mirror.as_mut() else {
            return;
        };
        let before = m.shown.replace(k);
        m.last_frame = frame.0;
        let bytes = if std::mem::take(&mut m.redraw) {
            m.all(&q.pattern)
        } else {
            let pads = before.into_iter().filter(|b| *b != k).chain([k]);
            pads.filter_map(|p| m.pad_message(&q.pattern, p))
                .flatten()
                .collect()
        };
        let port = m.port.clone();
        self.mirror_send(port, frame, bytes);
    }

    /// Show step `k` of `name` as it is now (after an edit), at `frame`.
    pub(crate) fn mirror_pad(&mut self, name: &str, k: usize, frame: Frame) {
        let Some(q) = self.seqs.get(name) else {
            return;
        };
        let Some(m) = q.mirror.as_ref() else {
            return;
        };
        let (port, bytes) = (m.port.clone(), m.pad_message(&q.pattern, k));
        let frame = Frame(frame.0.max(m.last_frame));
        self.mirror_send(port, frame, bytes.unwrap_or_default());
    }

    /// Set (or with None remove, darkening its pads) the mirror of a
    /// sequence; a new mirror shows every step at once.
    ///
    /// # Errors
    /// The running sequences when none is called `name`.
    pub fn set_mirror(&mut self, name: &str, mirror: Option<Mirror>) -> Result<(), String> {
        let frame = self.frame_at(self.cursor);
        let Some(q) = self.seqs.get_mut(&name.to_string()) else {
            return Err(format!(
                "mirror(): no sequence named \"{name}\" (running: {})",
                super::loops::list(self.seq_names())
            ));
        };
        let old = std::mem::replace(&mut q.mirror, mirror);
        let (shown, last) = old.as_ref().map_or((None, 0), |m| (m.shown, m.last_frame));
        if let Some(m) = q.mirror.as_mut() {
            (m.shown, m.last_frame) = (shown, last);
        }
        let frame = Frame(frame.0.max(last));
        let now = q
            .mirror
            .as_ref()
            .map(|m| (m.port.clone(), m.all(&q.pattern)));
        if let Some(m) = old {
            self.mirror_send(m.port.clone(), frame, m.dark());
        }
        if let Some((port, bytes)) = now {
            self.mirror_send(port, frame, bytes);
        }
        Ok(())
    }

    /// After `panic()` (which darkens every pad): every mirror redraws at
    /// its next step.
    pub(crate) fn mirrors_redraw(&mut self) {
        let names: Vec<String> = self
            .seqs
            .iter()
            .filter(|(_, q)| q.mirror.is_some())
            .map(|(n, _)| n.clone())
            .collect();
        for n in names {
            if let Some(m) = self.seqs.get_mut(&n).and_then(|q| q.mirror.as_mut()) {
                m.redraw = true;
            }
        }
    }
}

/// Notes `first`, `first + 1`, ... for `steps` steps (up to note 127).
fn consecutive(first: u8, steps: usize) -> Vec<u8> {
    (first as usize..(first as usize + steps).min(128))
        .map(|n| n as u8)
        .collect()
}

/// Darken the pads of a sequence that ends.
pub(crate) fn farewell(q: &Seq) -> Option<(Arc<str>, Vec<u8>)> {
    q.mirror.as_ref().map(|m| (m.port.clone(), m.dark()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_show_lit_steps_and_the_playing_one() {
        let pattern = [Step::On, Step::Off, Step::Accent, Step::Off];
        let mut m = Mirror::new("pads".into(), 36, 4);
        assert_eq!(
            m.all(&pattern),
            vec![0x90, 36, 64, 0x90, 37, 0, 0x90, 38, 96, 0x90, 39, 0]
        );
        m.shown = Some(1);
        assert_eq!(m.pad_message(&pattern, 1), Some(vec![0x90, 37, 127]));
        assert_eq!(Mirror::new("p".into(), 126, 4).notes, vec![126, 127]);
    }
}

#[cfg(test)]
mod session_tests {
    use super::*;
    use crate::session::seqs::parse_pattern;
    use crate::time::{Beats, SampleRate};

    #[test]
    fn the_pads_follow_each_step_on_its_frame_and_edits_come_after_queued_steps() {
        let mut s = Session::new(SampleRate(48_000), 256);
        s.tempo.update(|t| t.set_tempo(Beats(0.0), 120.0));
        let seq = Seq {
            id: 0,
            channel: 0,
            pitch_hz: 261.6,
            pattern: parse_pattern("x...x...").unwrap(),
            step_beats: 0.25,
            swing: 0.0,
            vel: 100.0,
            count: 0,
            stopping: false,
            mirror: None,
        };
        s.define_seq("k", seq, Beats(0.0));
        s.set_mirror("k", Some(Mirror::new("pads".into(), 36, 8)))
            .unwrap();
        while let Some((at, item)) = s.pop_due(Frame(48_000)) {
            if let Some(crate::session::scheduler::Item::Seq(id)) = s.release(at, item) {
                s.seq_step(at, id);
            }
        }
        let sent: Vec<(u64, Vec<u8>)> = s.take_midi_sends();
        // All pads first, then at each step (6000 frames apart at 120 bpm):
        // the step left back to its colour and the new one highlighted.
        assert_eq!(sent[0].1.len(), 24);
        let highlights: Vec<(u64, u8)> = sent[1..]
            .iter()
            .flat_map(|(f, b)| b.chunks(3).filter(|m| m[2] == 127).map(move |m| (*f, m[1])))
            .collect();
        let want: Vec<(u64, u8)> = (0..8).map(|k| (k * 6000, 36 + k as u8)).collect();
        assert_eq!(highlights, want);
        assert_eq!(
            sent[2].1,
            vec![0x90, 36, 64, 0x90, 37, 127],
            "step 1 lit again"
        );
        // An edit now (beat 0) is sent after the last step already queued.
        s.set_step("k", 3, crate::session::seqs::Step::On).unwrap();
        let edit: Vec<(u64, Vec<u8>)> = s.take_midi_sends();
        assert_eq!(edit, vec![(42_000, vec![0x90, 38, 64])]);
    }
}
