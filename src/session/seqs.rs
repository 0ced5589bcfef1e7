//! Step sequences, owned by the session beside the scheduler: a sequence is
//! a scheduler item that plays one step at a time and reads its pattern when
//! the step comes, so an edit is heard from the next step on.

use super::loops::{list, LoopChange};
use super::scheduler::Item;
use super::Session;
use crate::time::Beats;

/// One step of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Rest.
    Off,
    /// Hit.
    On,
    /// Accented hit.
    Accent,
    /// Hit with its own velocity, 1-127 (a step given as a number).
    Vel(u8),
}

impl Step {
    /// The step an array element gives: `true`/`false`, 0 (rest), 1 (hit),
    /// a velocity 2-127, or a velocity 0.0-1.0 (0.0 rests).
    ///
    /// # Errors
    /// What the element was and what would be valid.
    pub fn from_value(v: &rhai::Dynamic) -> Result<Step, String> {
        const VALID: &str = "give true/false, 0 (rest), 1 (hit), a velocity 2-127, or 0.0-1.0";
        if let Ok(b) = v.as_bool() {
            return Ok(if b { Step::On } else { Step::Off });
        }
        if let Ok(i) = v.as_int() {
            return match i {
                0 => Ok(Step::Off),
                1 => Ok(Step::On),
                2..=127 => Ok(Step::Vel(i as u8)),
                _ => Err(format!("{i} is out of range; {VALID}")),
            };
        }
        if let Ok(f) = v.as_float() {
            if !(0.0..=1.0).contains(&f) {
                return Err(format!("{f} is out of range; {VALID}"));
            }
            let vel = (f * 127.0).round() as u8;
            return Ok(if f == 0.0 {
                Step::Off
            } else {
                Step::Vel(vel.max(1))
            });
        }
        Err(format!("a {} is not a step; {VALID}", v.type_name()))
    }
}

/// Steps from an array (what `euclid()` and `rotate()` give).
///
/// # Errors
/// The first element that is not a step (1-based), or an empty array.
pub fn pattern_of_array(a: &rhai::Array) -> Result<Vec<Step>, String> {
    if a.is_empty() {
        return Err("the pattern is empty; give steps like [true, false] or euclid(3, 8)".into());
    }
    a.iter()
        .enumerate()
        .map(|(i, v)| Step::from_value(v).map_err(|e| format!("step {} of the array: {e}", i + 1)))
        .collect()
}

/// A running sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Seq {
    /// Identifies its scheduled steps (filled in when it starts).
    pub id: u64,
    /// Channel index 0..16.
    pub channel: u8,
    /// The pitch each hit plays (a GM note's frequency on a drum channel).
    pub pitch_hz: f64,
    /// The steps.
    pub pattern: Vec<Step>,
    /// Step length in beats.
    pub step_beats: f64,
    /// Delay of every other step, as a fraction of a step (0..0.5).
    pub swing: f64,
    /// Velocity of a hit (an accent adds 30).
    pub vel: f64,
    /// Steps played so far.
    pub count: u64,
    /// Stop at the next step.
    pub stopping: bool,
    /// The controller pads that show it (`seq(..).mirror(..)`).
    pub mirror: Option<super::seq_mirror::Mirror>,
}

impl Seq {
    /// The same settings (what makes a redefinition "unchanged").
    fn same_settings(&self, other: &Seq) -> bool {
        Seq {
            id: other.id,
            count: other.count,
            mirror: other.mirror.clone(),
            ..self.clone()
        } == *other
    }
}

/// Parse "x..X.." into steps (`|` and spaces are ignored).
///
/// # Errors
/// The first character that is not a step, or an empty pattern.
pub fn parse_pattern(p: &str) -> Result<Vec<Step>, String> {
    let steps: Result<Vec<Step>, String> = p
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '|')
        .map(|c| match c {
            'x' => Ok(Step::On),
            'X' => Ok(Step::Accent),
            '.' | '-' => Ok(Step::Off),
            other => Err(format!(
                "pattern \"{p}\": '{other}' is not a step; use x (hit), X (accent), . (rest)"
            )),
        })
        .collect();
    let steps = steps?;
    if steps.is_empty() {
        return Err("the pattern is empty; write steps like \"x...x...\"".into());
    }
    Ok(steps)
}

impl Session {
    /// Create or update a sequence: an existing one keeps its phase and is
    /// heard with its new settings from its next step; a new one starts at
    /// `start`.
    pub fn define_seq(&mut self, name: &str, seq: Seq, start: Beats) {
        let change = match self.seqs.get_mut(&name.to_string()) {
            Some(q) => {
                let same = q.same_settings(&seq) && !q.stopping;
                let mut mirror = seq.mirror.clone().or(q.mirror.take());
                if let Some(m) = mirror.as_mut().filter(|_| !same) {
                    m.refit(seq.pattern.len());
                }
                *q = Seq {
                    id: q.id,
                    count: q.count,
                    mirror,
                    ..seq
                };
                if same {
                    LoopChange::Unchanged
                } else {
                    LoopChange::Swapped
                }
            }
            None => {
                let id = self.fresh_id();
                self.seqs.insert(name.to_string(), Seq { id, ..seq });
                self.scheduler.push(start, Item::Seq(id));
                LoopChange::Added
            }
        };
        self.changes.push((name.to_string(), change));
    }

    /// Stop a sequence at its next step.
    ///
    /// # Errors
    /// The running sequences when none is called `name`.
    pub fn stop_seq(&mut self, name: &str) -> Result<(), String> {
        match self.seqs.get_mut(&name.to_string()) {
            Some(q) => {
                q.stopping = true;
                Ok(())
            }
            None => Err(format!(
                "stop_seq(): no sequence named \"{name}\" (running: {})",
                list(self.seq_names())
            )),
        }
    }

    /// Set step `k` (1-based) of a sequence.
    ///
    /// # Errors
    /// No such sequence, or `k` outside the pattern.
    pub fn set_step(&mut self, name: &str, k: i64, step: Step) -> Result<(), String> {
        let Some(q) = self.seqs.get_mut(&name.to_string()) else {
            return Err(format!(
                "step(): no sequence named \"{name}\" (running: {})",
                list(self.seq_names())
            ));
        };
        let len = q.pattern.len() as i64;
        if !(1..=len).contains(&k) {
            return Err(format!("step(): step {k} is out of range 1 to {len}"));
        }
        q.pattern[(k - 1) as usize] = step;
        let frame = self.frame_at(self.cursor);
        self.mirror_pad(name, (k - 1) as usize, frame);
        Ok(())
    }

    /// The sequences that are running (not stopping).
    pub fn seq_names(&self) -> Vec<String> {
        let running = self.seqs.iter().filter(|(_, q)| !q.stopping);
        running.map(|(n, _)| n.clone()).collect()
    }

    /// Play the step of sequence `id` due at `at` and schedule the next; a
    /// stopping sequence ends here.
    pub fn seq_step(&mut self, at: Beats, id: u64) {
        let mut all = self.seqs.iter();
        let Some(name) = all.find(|(_, q)| q.id == id).map(|(n, _)| n.clone()) else {
            return;
        };
        let playing = *self.playing;
        let Some(q) = self.seqs.get_mut(&name) else {
            return;
        };
        if q.stopping {
            let dark = super::seq_mirror::farewell(q);
            self.seqs.remove(&name);
            if let Some((port, bytes)) = dark {
                let frame = self.frame_at(at).0;
                self.midi_outbox
                    .push(crate::midi::output::OutCmd::Send { port, frame, bytes });
            }
            return;
        }
        let (index, step, swing) = q.now_playing();
        let len = q.step_beats;
        let hit = q.clone();
        q.count += 1;
        self.scheduler.push(Beats(at.0 + len), Item::Seq(id));
        let frame = self.frame_at(at);
        self.mirror_step(&name, index, frame);
        if step == Step::Off || !playing {
            return;
        }
        let note = self.hit_note(&hit, step);
        self.schedule_note(Beats(at.0 + swing), note);
    }

    /// The note a hit of sequence `q` plays (`step` is not `Off`).
    pub(super) fn hit_note(&self, q: &Seq, step: Step) -> super::scheduler::NoteSpec {
        let (ch, len) = (q.channel, q.step_beats);
        let vel = match step {
            Step::Accent => (q.vel + 30.0).min(127.0),
            Step::Vel(v) => v as f64,
            _ => q.vel,
        };
        let amp = crate::pitch::vel_to_amp(vel);
        self.channels[ch as usize].note(ch, q.pitch_hz, amp, len * 0.5)
    }
}

impl Seq {
    /// The step it plays next: its index, the step, and its swing delay in
    /// beats.
    pub(super) fn now_playing(&self) -> (usize, Step, f64) {
        let index = (self.count % self.pattern.len() as u64) as usize;
        let swing = match self.count % 2 {
            1 => self.swing * self.step_beats,
            _ => 0.0,
        };
        (index, self.pattern[index], swing)
    }
}
