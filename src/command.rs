//! What crosses to the audio thread (timestamped, small, ready to use) and
//! what comes back (replaced buffers, to be freed off the audio thread).
//!
//! Every command carries the absolute [`Frame`] at which it takes effect; the
//! audio thread applies it at exactly that frame inside its block.

use crate::audio::table::Table;
use crate::time::Frame;

/// Number of channels, as in MIDI.
pub const CHANNELS: usize = 16;

/// A built-in band-limited waveform (the engine keeps one table per octave).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wave {
    /// A pure sine.
    Sine,
    /// Sawtooth: all harmonics at 1/k.
    Saw,
    /// Square: odd harmonics at 1/k.
    Square,
    /// Triangle: odd harmonics at 1/k^2, alternating sign.
    Triangle,
}

impl Wave {
    /// All built-in waves, in slot order.
    pub const ALL: [Wave; 4] = [Wave::Sine, Wave::Saw, Wave::Square, Wave::Triangle];

    /// The name used in scripts (`synth: "saw"`).
    pub fn name(self) -> &'static str {
        match self {
            Wave::Sine => "sine",
            Wave::Saw => "saw",
            Wave::Square => "square",
            Wave::Triangle => "triangle",
        }
    }
}

/// What a voice's oscillator reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// A user function table by number, read live (edits are heard at once).
    Table(u32),
    /// A built-in band-limited waveform, picked per note to stay below Nyquist.
    Wave(Wave),
    /// Two-operator FM: a sine carrier phase-modulated by a sine at `ratio`
    /// times the note's frequency, with modulation index `index`.
    Fm {
        /// Modulator frequency / carrier frequency.
        ratio: f32,
        /// Modulation index (peak phase deviation in radians).
        index: f32,
    },
    /// A Karplus-Strong plucked string.
    Pluck {
        /// 0 rings long and bright, 1 dies fast and dull.
        damping: f32,
    },
    /// White noise.
    Noise,
    /// A table played as a sample at pitch (`root_hz` plays it at its own
    /// speed), once or looped.
    Sample {
        /// Table number (e.g. from gen1).
        table: u32,
        /// The pitch at which the sample plays unchanged.
        root_hz: f32,
        /// Loop instead of stopping at the end.
        looped: bool,
    },
    /// A synthesized General MIDI drum: the note number picks the sound.
    Drum,
}

/// Extra oscillator layers for table, wave and FM voices.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Layers {
    /// A second oscillator this many cents above (0 = none).
    pub detune_cents: f32,
    /// A sine one octave below, at this level (0-1).
    pub sub_osc: f32,
    /// White noise mixed in at this level (0-1).
    pub noise: f32,
    /// Velocity brightness (0-1, 0 = off): a per-note lowpass that opens
    /// with velocity, and an FM index that grows with it.
    pub vel_bright: f32,
}

/// A piecewise-linear envelope in frames: attack to 1, decay to `sustain`,
/// hold, and release to 0 starting `gate_frames` after the note starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnvFrames {
    /// Rise from 0 to 1.
    pub attack: u32,
    /// Fall from 1 to `sustain`.
    pub decay: u32,
    /// Level held until the gate closes (0..1).
    pub sustain: f32,
    /// Fall from the current level to 0 once the gate closes.
    pub release: u32,
    /// Frames from the note's start until release begins; `u64::MAX` holds
    /// until a [`Command::Release`] arrives.
    pub gate: u64,
}

/// Start one voice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteOn {
    /// Frame of the first sample.
    pub frame: Frame,
    /// Identifies the note for a later [`Command::Release`].
    pub id: u64,
    /// Channel index 0..16.
    pub channel: u8,
    /// Oscillator source.
    pub source: Source,
    /// Oscillator frequency.
    pub freq_hz: f64,
    /// Peak amplitude (0 dBFS = 1).
    pub amp: f32,
    /// Constant-power pan, 0 left .. 1 right.
    pub pan: f32,
    /// Envelope, in frames.
    pub env: EnvFrames,
    /// Optional biquad after the oscillator: `[b0, b1, b2, a1, a2]` (a0 = 1).
    pub filter: Option<[f32; 5]>,
    /// Extra oscillator layers.
    pub layers: Layers,
}

/// A live change to a channel's bus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChannelChange {
    /// Channel gain (linear), smoothed over a few milliseconds.
    Volume(f32),
    /// Polyphony limit: beyond it the oldest voice fades out quickly.
    MaxVoices(u16),
    /// An effect parameter of the channel's bus (smoothed on the bus).
    Fx(crate::audio::fx::FxParam),
    /// Pitch bend of the channel's sounding (and later) notes, in
    /// semitones; the engine glides to it over a few milliseconds.
    Bend(f32),
}

/// What a controller moves: a bus parameter between two values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CcTarget {
    /// Which parameter (an effect, or the volume).
    pub param: CcParam,
    /// Value at controller 0.
    pub min: f32,
    /// Value at controller 127.
    pub max: f32,
}

/// A bus parameter a controller can move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CcParam {
    /// Channel volume.
    Volume,
    /// An effect parameter (its value is replaced by the mapped one).
    Fx(crate::audio::fx::FxParam),
}

/// A timestamped command for the audio thread.
#[derive(Debug)]
pub enum Command {
    /// Start a voice.
    Note(NoteOn),
    /// Close the gate of a held note (its envelope releases).
    Release {
        /// When.
        frame: Frame,
        /// The [`NoteOn::id`].
        id: u64,
    },
    /// Replace (or with `None` remove) function table `number`.
    Table {
        /// When: voices read the new table from this frame on.
        frame: Frame,
        /// Table number.
        number: u32,
        /// The new contents, built on the control side.
        table: Option<Table>,
    },
    /// Change a channel parameter.
    Channel {
        /// When.
        frame: Frame,
        /// Channel index 0..16.
        channel: u8,
        /// What changes.
        change: ChannelChange,
    },
    /// Map a MIDI controller to a channel parameter (on every channel, or one).
    CcMap {
        /// When.
        frame: Frame,
        /// Controller number 0..128.
        cc: u8,
        /// One channel index, or `None` for every channel.
        channel: Option<u8>,
        /// What it moves, and the value at CC 0 and at CC 127.
        target: CcTarget,
    },
    /// A controller value arriving (MIDI input, or injected).
    Cc {
        /// When.
        frame: Frame,
        /// The MIDI channel it came on (index 0..16).
        channel: u8,
        /// Controller number.
        cc: u8,
        /// Value 0..127.
        value: u8,
    },
    /// Give a channel its effect chain (built on the control side; a
    /// channel without one has no effects and costs nothing).
    InstallFx {
        /// When.
        frame: Frame,
        /// Channel index 0..16.
        channel: u8,
        /// The chain, ready to run.
        fx: Box<crate::audio::fx::ChannelFx>,
    },
    /// Fade out every voice now (`panic()`).
    AllOff {
        /// When.
        frame: Frame,
    },
    /// Start copying the master output into a recording's ring from `frame`.
    RecordStart {
        /// The first frame recorded.
        frame: Frame,
        /// The tap (its ring's writer end), built on the control side.
        tap: Box<crate::audio::tap::Tap>,
    },
    /// Stop the recording `id` before `frame`; its tap goes back as garbage.
    RecordStop {
        /// The first frame not recorded.
        frame: Frame,
        /// The [`crate::audio::tap::Tap::id`] of the recording.
        id: u64,
    },
    /// Play a live input on its channel from `frame` (replacing any there).
    InputStart {
        /// The first frame the input plays.
        frame: Frame,
        /// The input (its ring's reader end), built on the control side.
        source: Box<crate::audio::input::InputSource>,
    },
    /// Stop the live input of channel index `channel` before `frame`; it
    /// goes back as garbage.
    InputStop {
        /// The first frame without it.
        frame: Frame,
        /// Channel index 0..16.
        channel: u8,
    },
}

impl Command {
    /// The frame at which the command takes effect.
    pub fn frame(&self) -> Frame {
        match self {
            Command::Note(n) => n.frame,
            Command::Release { frame, .. }
            | Command::Table { frame, .. }
            | Command::Channel { frame, .. }
            | Command::CcMap { frame, .. }
            | Command::Cc { frame, .. }
            | Command::InstallFx { frame, .. }
            | Command::AllOff { frame }
            | Command::RecordStart { frame, .. }
            | Command::RecordStop { frame, .. }
            | Command::InputStart { frame, .. }
            | Command::InputStop { frame, .. } => *frame,
        }
    }

    /// Voice-local commands need no split of the block; global ones do.
    pub fn is_voice_local(&self) -> bool {
        matches!(self, Command::Note(_) | Command::Release { .. })
    }

    /// What must not be freed on the audio thread when this command is
    /// dropped there (a table, an effect chain), as garbage to send back.
    /// The match has no wildcard arm: a new variant that owns a buffer must
    /// say here how it goes back, or this does not compile.
    pub fn into_garbage(self) -> Option<Garbage> {
        match self {
            Command::Table { table, .. } => table.map(Garbage::Table),
            Command::InstallFx { fx, .. } => Some(Garbage::Fx(fx)),
            Command::RecordStart { tap, .. } => Some(Garbage::Tap(tap)),
            Command::InputStart { source, .. } => Some(Garbage::Input(source)),
            Command::Note(_)
            | Command::Release { .. }
            | Command::Channel { .. }
            | Command::CcMap { .. }
            | Command::Cc { .. }
            | Command::AllOff { .. }
            | Command::RecordStop { .. }
            | Command::InputStop { .. } => None,
        }
    }
}

/// What the audio thread hands back to be freed elsewhere.
#[derive(Debug)]
pub enum Garbage {
    /// A table that was replaced or removed.
    Table(Table),
    /// An effect chain that was replaced.
    Fx(Box<crate::audio::fx::ChannelFx>),
    /// A recording's tap that stopped (dropping it tells the writer the
    /// recording is complete).
    Tap(Box<crate::audio::tap::Tap>),
    /// A live input that stopped or was replaced (dropping it frees its ring).
    Input(Box<crate::audio::input::InputSource>),
}
