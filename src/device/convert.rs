//! From the engine's interleaved stereo `f32` to whatever the device wants:
//! its channel count (mono: the average of left and right; more than two:
//! left and right on the first two, silence on the rest) and its sample
//! format (clipped to full scale and rounded to the nearest integer step).
//!
//! [`Renderer`] is what the device callback owns: the engine plus a stereo
//! scratch buffer allocated before the stream starts. It serves any buffer
//! length, in chunks of at most [`SCRATCH_FRAMES`].

use crate::audio::rt::InGuard;
use crate::audio::Engine;
use cpal::I24;

/// Frames the scratch buffer holds; longer device buffers are served in chunks.
pub const SCRATCH_FRAMES: usize = 16384;

/// A device sample type the engine's `f32` converts to.
pub trait DeviceSample: Copy + Send + 'static {
    /// Convert one sample: clip to [-1, 1], scale to full range, round.
    fn from_f32(x: f32) -> Self;
    /// The value of silence (the origin; `0x8000` for `u16`).
    #[inline]
    fn silence() -> Self {
        Self::from_f32(0.0)
    }
}

/// Clip to [-1, 1] (NaN becomes 0) and scale by `full`, rounding to nearest.
#[inline]
fn scaled(x: f32, full: f64) -> f64 {
    let x = if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) };
    (x as f64 * full).round()
}

impl DeviceSample for f32 {
    #[inline]
    fn from_f32(x: f32) -> f32 {
        x
    }
}

impl DeviceSample for f64 {
    #[inline]
    fn from_f32(x: f32) -> f64 {
        x as f64
    }
}

/// Signed integer formats: symmetric full scale (`-MAX..=MAX`).
macro_rules! signed {
    ($t:ty) => {
        impl DeviceSample for $t {
            #[inline]
            fn from_f32(x: f32) -> $t {
                scaled(x, <$t>::MAX as f64) as $t
            }
        }
    };
}

/// Unsigned integer formats: the signed value offset by half the range.
macro_rules! unsigned {
    ($t:ty, $s:ty) => {
        impl DeviceSample for $t {
            #[inline]
            fn from_f32(x: f32) -> $t {
                (scaled(x, <$s>::MAX as f64) as $s as $t) ^ (1 << (<$t>::BITS - 1))
            }
        }
    };
}

signed!(i8);
signed!(i16);
signed!(i32);
unsigned!(u8, i8);
unsigned!(u16, i16);
unsigned!(u32, i32);

const I24_MAX: f64 = ((1 << 23) - 1) as f64;

impl DeviceSample for I24 {
    #[inline]
    fn from_f32(x: f32) -> I24 {
        I24::new_unchecked(scaled(x, I24_MAX) as i32)
    }
}

/// Write interleaved stereo `stereo` into interleaved `out` of `channels`
/// channels: as many frames as both hold. Channels past the second get
/// silence; a trailing partial frame of `out` is left untouched.
pub fn write_frames<T: DeviceSample>(stereo: &[f32], out: &mut [T], channels: usize) {
    match channels {
        0 => {}
        1 => {
            for (o, lr) in out.iter_mut().zip(stereo.chunks_exact(2)) {
                *o = T::from_f32(0.5 * (lr[0] + lr[1]));
            }
        }
        c => {
            for (o, lr) in out.chunks_exact_mut(c).zip(stereo.chunks_exact(2)) {
                o[0] = T::from_f32(lr[0]);
                o[1] = T::from_f32(lr[1]);
                o[2..].fill(T::silence());
            }
        }
    }
}

/// The engine and its conversion scratch, owned by the device callback.
pub struct Renderer {
    engine: Engine,
    scratch: Box<[f32]>,
    channels: usize,
}

impl Renderer {
    /// Wrap `engine` for a device of `channels` channels (allocates the scratch).
    pub fn new(engine: Engine, channels: u16) -> Renderer {
        Renderer::with_scratch(engine, channels, SCRATCH_FRAMES)
    }

    /// As [`Renderer::new`] with a scratch of `frames` frames (at least 1).
    pub fn with_scratch(engine: Engine, channels: u16, frames: usize) -> Renderer {
        Renderer {
            engine,
            scratch: vec![0.0; frames.max(1) * 2].into_boxed_slice(),
            channels: channels as usize,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Fill a device buffer with the next frames, inside the callback's
    /// guard; never allocates. A trailing partial frame (a length that is not
    /// a multiple of the channel count) gets silence.
    pub fn fill<T: DeviceSample>(&mut self, guard: &InGuard, out: &mut [T]) {
        if self.channels == 0 {
            out.fill(T::silence());
            return;
        }
        let chunk_len = self.scratch.len() / 2 * self.channels;
        for chunk in out.chunks_mut(chunk_len) {
            let frames = chunk.len() / self.channels;
            let stereo = &mut self.scratch[..frames * 2];
            self.engine.process_in(guard, stereo);
            write_frames(stereo, chunk, self.channels);
            chunk[frames * self.channels..].fill(T::silence());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i16_clips_and_rounds() {
        assert_eq!(i16::from_f32(0.0), 0);
        assert_eq!(i16::from_f32(1.0), 32767);
        assert_eq!(i16::from_f32(-1.0), -32767);
        assert_eq!(i16::from_f32(2.5), 32767);
        assert_eq!(i16::from_f32(-7.0), -32767);
        assert_eq!(i16::from_f32(f32::NAN), 0);
        // 0.5 * 32767 = 16383.5 rounds away from zero.
        assert_eq!(i16::from_f32(0.5), 16384);
        assert_eq!(i16::from_f32(-0.5), -16384);
        // Just below half a step rounds down, just above rounds up.
        assert_eq!(i16::from_f32(0.49 / 32767.0), 0);
        assert_eq!(i16::from_f32(0.51 / 32767.0), 1);
    }

    #[test]
    fn other_formats_map_full_scale() {
        assert_eq!(u16::from_f32(0.0), 32768);
        assert_eq!(u16::from_f32(1.0), 65535);
        assert_eq!(u16::from_f32(-1.0), 1);
        assert_eq!(u16::silence(), 32768);
        assert_eq!(i32::from_f32(1.0), i32::MAX);
        assert_eq!(i32::from_f32(-3.0), -i32::MAX);
        assert_eq!(u32::from_f32(0.0), 1 << 31);
        assert_eq!(u8::from_f32(0.0), 128);
        assert_eq!(i8::from_f32(1.0), 127);
        assert_eq!(I24::from_f32(1.0).inner(), (1 << 23) - 1);
        assert_eq!(I24::silence().inner(), 0);
        assert_eq!(f32::from_f32(1.5), 1.5);
    }

    #[test]
    fn mono_averages() {
        let stereo = [1.0, 0.0, 0.5, -0.5, -1.0, -1.0];
        let mut out = [9.0f32; 3];
        write_frames(&stereo, &mut out, 1);
        assert_eq!(out, [0.5, 0.0, -1.0]);
    }

    #[test]
    fn four_channels_get_left_right_then_silence() {
        let stereo = [0.25, -0.25, 1.0, -1.0];
        let mut out = [7i16; 8];
        write_frames(&stereo, &mut out, 4);
        assert_eq!(out, [8192, -8192, 0, 0, 32767, -32767, 0, 0]);
        let mut out = [7u16; 4];
        write_frames(&stereo[..2], &mut out, 4);
        assert_eq!(out, [40960, 24576, 32768, 32768]);
    }

    use crate::audio::EngineConfig;
    use crate::command::{Command, EnvFrames, NoteOn, Source, Wave};
    use crate::time::{Frame, SampleRate};

    fn engine_with_note() -> Engine {
        let (tx, rx) = crossbeam_channel::bounded(16);
        let (gtx, _grx) = crossbeam_channel::bounded(16);
        let note = NoteOn {
            frame: Frame(3),
            id: 1,
            channel: 0,
            source: Source::Wave(Wave::Saw),
            freq_hz: 440.0,
            amp: 0.5,
            pan: 0.2,
            env: EnvFrames {
                attack: 10,
                decay: 10,
                sustain: 0.5,
                release: 10,
                gate: 60,
            },
            filter: None,
            layers: crate::command::Layers::default(),
        };
        tx.send(Command::Note(note)).unwrap();
        Engine::new(EngineConfig::new(SampleRate(48_000)), rx, gtx)
    }

    fn reference(frames: usize) -> Vec<f32> {
        let mut out = vec![0.0; frames * 2];
        engine_with_note().process(&mut out);
        out
    }

    #[test]
    fn buffers_longer_than_the_scratch_are_chunked() {
        // 100 frames through a 7-frame scratch, 3 channels.
        let mut r = Renderer::with_scratch(engine_with_note(), 3, 7);
        let mut out = vec![1.0f32; 100 * 3 + 2];
        crate::audio::rt::guarded(|g| r.fill(g, &mut out));
        let want = reference(100);
        assert!(want.iter().any(|&x| x != 0.0));
        for (j, f) in out.chunks_exact(3).enumerate() {
            assert_eq!(f, [want[2 * j], want[2 * j + 1], 0.0], "frame {j}");
        }
        assert_eq!(&out[300..], [0.0, 0.0], "partial frame silenced");
        assert_eq!(r.engine().frame(), Frame(100));
    }

    #[test]
    fn a_stereo_device_gets_the_engine_samples() {
        let mut r = Renderer::new(engine_with_note(), 2);
        let mut out = vec![0.0f32; 64 * 2];
        crate::audio::rt::guarded(|g| r.fill(g, &mut out[..40]));
        crate::audio::rt::guarded(|g| r.fill(g, &mut out[40..]));
        assert_eq!(out, reference(64));
    }
}
