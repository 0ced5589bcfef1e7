//! Voice groups: the unit the engine can spread over cores.
//!
//! Every voice belongs, from its note-on to its end, to one of [`GROUPS`]
//! fixed groups, chosen round-robin by start order (the count of voices
//! started so far, which does not depend on the block size or the thread
//! count). A group renders its voices, in start order, into its own
//! per-channel partial buffers; the engine then adds the partials into each
//! channel's bus in group order, before the effects. The sums are the same
//! floating-point operations in the same order whichever thread renders a
//! group, so a render is bit-identical on one core or several, at any block
//! size. Plucked strings keep their delay line in their group's own pool, so
//! no two groups share state.

use super::super::table::{TableBank, SINE_SLOT};
use super::super::voice::lanes::{self, Buses};
use super::super::voice::{Kind, Sources, Voice};
use super::super::voice_build::{StringPool, STRING_LEN};
use super::MAX_BLOCK;
use crate::command::CHANNELS;

/// Voice groups. Fixed (not the core count) so the samples never depend on
/// the machine: 4 keeps two cores evenly loaded (two groups each) and four
/// cores busy, while the partial buffers stay few.
pub const GROUPS: usize = 4;

/// The per-channel buffers one group renders into.
pub struct Partials {
    /// `CHANNELS` runs of `MAX_BLOCK` samples, channel-major.
    left: Box<[f32]>,
    right: Box<[f32]>,
    /// Channels written during the current span (their `[a, b)` is zeroed
    /// on first use).
    touched: [bool; CHANNELS],
}

impl Partials {
    fn new() -> Partials {
        let len = CHANNELS * MAX_BLOCK;
        Partials {
            left: vec![0.0; len].into_boxed_slice(), // rt: Engine::new, before the stream
            right: vec![0.0; len].into_boxed_slice(), // rt: Engine::new, before the stream
            touched: [false; CHANNELS],
        }
    }

    /// Channel `ch`'s pair of block buffers, frames `[a, b)` zeroed the
    /// first time the span asks for it.
    #[inline]
    fn channel(&mut self, ch: usize, a: usize, b: usize) -> (&mut [f32], &mut [f32]) {
        let ch = ch & (CHANNELS - 1);
        let at = ch * MAX_BLOCK;
        let left = &mut self.left[at..at + MAX_BLOCK];
        let right = &mut self.right[at..at + MAX_BLOCK];
        if !self.touched[ch] {
            self.touched[ch] = true;
            left[a..b].fill(0.0);
            right[a..b].fill(0.0);
        }
        (left, right)
    }
}

/// Frames `[from, to)` of the block that starts at frame `t0`.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    /// First frame.
    pub from: u64,
    /// One past the last frame.
    pub to: u64,
    /// The block's first frame (buffer index 0).
    pub t0: u64,
}

/// The unit of work: render `voices` (in order) over `span`, adding each
/// into its channel's partial buffers, the filtered table voices eight at a
/// time ([`lanes::render_voices`]). `scratch` holds a block.
pub fn render_voices(
    voices: &mut [Voice],
    src: &mut Sources,
    span: Span,
    out: &mut Partials,
    scratch: &mut [f32],
) {
    let (a, b) = ((span.from - span.t0) as usize, (span.to - span.t0) as usize);
    let mut buses = SpanPartials { out, a, b };
    lanes::render_voices(
        voices, src, span.from, span.to, span.t0, &mut buses, scratch,
    );
}

/// A group's partials over one span, as the buses voices mix into.
struct SpanPartials<'a> {
    out: &'a mut Partials,
    a: usize,
    b: usize,
}

impl Buses for SpanPartials<'_> {
    fn pair(&mut self, ch: u8) -> (&mut [f32], &mut [f32]) {
        self.out.channel(ch as usize, self.a, self.b)
    }
}

/// One group: its voices in start order, its strings, its partials.
pub struct Group {
    voices: Vec<Voice>,
    /// Each voice's start number (parallel to `voices`): the oldest voice
    /// of a channel across groups is the one with the lowest.
    order: Vec<u64>,
    strings: StringPool,
    scratch: Box<[f32]>,
    partials: Partials,
}

impl Group {
    /// An empty group that can hold `capacity` voices (allocates: call
    /// before the stream starts).
    pub fn new(capacity: usize) -> Group {
        Group {
            voices: Vec::with_capacity(capacity), // rt: Engine::new, before the stream
            order: Vec::with_capacity(capacity),  // rt: Engine::new, before the stream
            strings: StringPool::new(),
            scratch: vec![0.0; MAX_BLOCK].into_boxed_slice(), // rt: Engine::new, before the stream
            partials: Partials::new(),
        }
    }

    /// Render this group's voices over `span` into its partials.
    pub fn render(&mut self, tables: &TableBank, span: Span) {
        self.partials.touched = [false; CHANNELS];
        let mut src = Sources {
            tables,
            sine_slot: SINE_SLOT,
            lines: &mut self.strings.lines,
            line_len: STRING_LEN,
        };
        let (voices, partials) = (&mut self.voices, &mut self.partials);
        render_voices(voices, &mut src, span, partials, &mut self.scratch);
    }

    /// Add this group's partial for channel `ch` over `[a, b)` into the bus
    /// buffers (nothing when no voice of the group played there).
    #[inline]
    pub fn add_into(&self, ch: usize, a: usize, b: usize, left: &mut [f32], right: &mut [f32]) {
        if !self.partials.touched[ch] {
            return;
        }
        let at = ch * MAX_BLOCK;
        let (pl, pr) = (&self.partials.left[at..], &self.partials.right[at..]);
        for (d, s) in left[a..b].iter_mut().zip(&pl[a..b]) {
            *d += *s;
        }
        for (d, s) in right[a..b].iter_mut().zip(&pr[a..b]) {
            *d += *s;
        }
    }

    /// Voices in the group.
    pub fn len(&self) -> usize {
        self.voices.len()
    }

    /// The voices, in start order.
    pub fn voices_mut(&mut self) -> &mut [Voice] {
        &mut self.voices
    }

    /// The string pool a pluck starting in this group takes its line from.
    pub fn strings_mut(&mut self) -> &mut StringPool {
        &mut self.strings
    }

    /// Add a voice with start number `order` (within the capacity the
    /// engine checks: never reallocates).
    pub fn push(&mut self, v: Voice, order: u64) -> Option<&mut Voice> {
        if self.voices.len() == self.voices.capacity() {
            return None;
        }
        self.voices.push(v);
        self.order.push(order);
        self.voices.last_mut()
    }

    /// The oldest voice of channel `ch` not being stolen: its start number
    /// and index.
    pub fn oldest_held(&self, ch: u8) -> Option<(u64, usize)> {
        let i = self
            .voices
            .iter()
            .position(|v| v.channel == ch && !v.stolen)?;
        Some((self.order[i], i))
    }

    /// Remove every finished voice (order kept), giving back its string
    /// line; `freed` sees each one.
    pub fn free_finished(&mut self, mut freed: impl FnMut(&Voice)) {
        let mut keep = 0;
        for i in 0..self.voices.len() {
            if self.voices[i].done() {
                let v = &self.voices[i];
                if let Kind::Pluck(p) = v.kind {
                    self.strings.give_back(p.line);
                }
                freed(v);
            } else {
                if keep != i {
                    self.voices[keep] = self.voices[i];
                    self.order[keep] = self.order[i];
                }
                keep += 1;
            }
        }
        self.voices.truncate(keep);
        self.order.truncate(keep);
    }
}
