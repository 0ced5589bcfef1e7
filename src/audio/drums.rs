//! A synthesized drum kit on the General MIDI drum map, as voices the engine
//! runs on the audio thread.
//!
//! A [`DrumVoice`] is `Copy` and fixed-size: every oscillator, filter,
//! envelope and the noise generator live inline, so starting, rendering and
//! dropping a hit never allocates or locks. The noise is a xorshift32 seeded
//! from the note and an engine seed, so a render is reproducible; every state
//! advances one sample at a time, so the samples do not depend on how the
//! frames are split into blocks. Each sound is percussive and ends by itself
//! (within 3 s).
//!
//! Inside: `dsp` (noise, filters, envelopes, oscillators), `spec` (how a
//! sound is described) and `kit` (the designs, one per note).

mod dsp;
mod kit;
mod spec;
#[cfg(test)]
mod tests;

use dsp::{chain_tick, Bank, Chain, Env, FilterSpec, Rng, Svf};
use spec::Spec;

/// GM drum notes this kit plays, with names.
pub const KIT: &[(u8, &str)] = &[
    (35, "acoustic kick"),
    (36, "kick"),
    (37, "rim"),
    (38, "snare"),
    (39, "clap"),
    (40, "electric snare"),
    (41, "low tom"),
    (42, "closed hat"),
    (43, "high floor tom"),
    (44, "pedal hat"),
    (45, "mid tom"),
    (46, "open hat"),
    (47, "low-mid tom"),
    (48, "high tom"),
    (49, "crash"),
    (50, "high tom 2"),
    (51, "ride"),
    (52, "chinese cymbal"),
    (53, "ride bell"),
    (54, "tambourine"),
    (55, "splash"),
    (56, "cowbell"),
    (57, "crash 2"),
    (58, "vibraslap"),
    (59, "ride 2"),
    (60, "high bongo"),
    (61, "low bongo"),
    (62, "mute high conga"),
    (63, "open high conga"),
    (64, "low conga"),
    (65, "high timbale"),
    (66, "low timbale"),
    (67, "high agogo"),
    (68, "low agogo"),
    (69, "cabasa"),
    (70, "maracas"),
    (71, "short whistle"),
    (72, "long whistle"),
    (73, "short guiro"),
    (74, "long guiro"),
    (75, "claves"),
    (76, "high wood block"),
    (77, "low wood block"),
    (78, "mute cuica"),
    (79, "open cuica"),
    (80, "mute triangle"),
    (81, "open triangle"),
];

/// The hi-hat choke group (closed, pedal and open hat).
const HAT_GROUP: u8 = 1;
/// Envelope level (relative to full scale) below which a hit has ended.
const SILENCE: f32 = 5e-5;
/// Length of a choke fade in seconds.
const CHOKE_S: f32 = 0.005;
/// The lowest sample rate served (below it, the filters would not fit).
const MIN_SR_HZ: f32 = 8_000.0;
/// Age at which any hit still sounding is choked, in seconds.
const MAX_S: f32 = 2.9;

/// One drum hit: a tonal layer and a noise layer, each filtered and shaped
/// by its own envelope, then saturated and scaled by the velocity.
#[derive(Debug, Clone, Copy)]
pub struct DrumVoice {
    rng: Rng,
    bank: Bank,
    tone_level: f32,
    tone_env: Env,
    tone_filters: Chain,
    noise_level: f32,
    noise_env: Env,
    noise_filters: Chain,
    drive: f32,
    drive_norm: f32,
    gain: f32,
    age: u32,
    hold: u32,
    max_age: u32,
    fade: f32,
    fade_step: f32,
    choke_step: f32,
    /// The age at which a choke begins (`u32::MAX`: none asked).
    choke_age: u32,
    done: bool,
}

impl DrumVoice {
    /// A hit of GM note `note` at velocity 0..1 (None for notes not in the kit).
    pub fn new(note: u8, velocity: f32, sr_hz: f32, seed: u32) -> Option<DrumVoice> {
        let spec = kit::design(note)?;
        // Values from outside never panic or poison the output.
        let vel = if velocity.is_nan() {
            0.0
        } else {
            velocity.clamp(0.0, 1.0)
        };
        let sr_hz = if sr_hz.is_finite() {
            sr_hz.max(MIN_SR_HZ)
        } else {
            48_000.0
        };
        let mut rng = Rng::new(note, seed);
        let (tone, noise) = (&spec.tone, &spec.noise);
        let freqs = &tone.freqs_hz[..tone.count];
        let bank = Bank::new(
            tone.wave,
            freqs,
            (tone.bend, tone.bend_tau_s),
            sr_hz,
            &mut rng,
        );
        let (tone_env, noise_env) = (Env::new(tone.env, sr_hz), Env::new(noise.env, sr_hz));
        Some(DrumVoice {
            rng,
            bank,
            tone_level: tone.level,
            tone_env,
            tone_filters: chain(&tone.filters, sr_hz),
            // Softer hits are darker: the noise falls faster than the tone.
            noise_level: noise.level * (0.6 + 0.4 * vel),
            noise_env,
            noise_filters: chain(&noise.filters, sr_hz),
            drive: spec.drive,
            drive_norm: drive_norm(&spec),
            gain: spec.gain * vel,
            age: 0,
            hold: tone_env.hold_frames().max(noise_env.hold_frames()),
            max_age: (MAX_S * sr_hz) as u32,
            fade: 1.0,
            fade_step: 0.0,
            choke_step: 1.0 / (CHOKE_S * sr_hz).max(1.0),
            choke_age: u32::MAX,
            done: false,
        })
    }

    /// Render the next `out.len()` mono samples (overwriting `out`); returns
    /// false once the sound has ended (it then outputs zeros).
    pub fn render(&mut self, out: &mut [f32]) -> bool {
        for o in out.iter_mut() {
            *o = if self.done { 0.0 } else { self.tick() };
        }
        !self.done
    }

    /// Choke (a closed/pedal hat silences a ringing open hat): fade out over
    /// ~5 ms.
    pub fn choke(&mut self) {
        self.fade_step = self.choke_step;
    }

    /// Choke from the frame `age` frames after the hit began (the frame of
    /// the hat that chokes it), whatever block that frame falls in: the
    /// output does not depend on how the frames are split into blocks.
    pub fn choke_at(&mut self, age: u32) {
        self.choke_age = self.choke_age.min(age.max(self.age));
    }

    /// The choke group (open/closed/pedal hat share one), if any.
    pub fn choke_group(note: u8) -> Option<u8> {
        match note {
            42 | 44 | 46 => Some(HAT_GROUP),
            _ => None,
        }
    }

    /// True once the hit has ended.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next sample.
    #[inline]
    fn tick(&mut self) -> f32 {
        if self.age == self.choke_age {
            self.choke();
        }
        let t = self.tone_env.tick(self.age);
        let n = self.noise_env.tick(self.age);
        let mut x = 0.0;
        if self.tone_level > 0.0 {
            x += chain_tick(&mut self.tone_filters, self.bank.tick()) * (self.tone_level * t);
        }
        if self.noise_level > 0.0 {
            x += chain_tick(&mut self.noise_filters, self.rng.bipolar()) * (self.noise_level * n);
        }
        if self.drive > 0.0 {
            x = (self.drive * x).tanh() * self.drive_norm;
        }
        let y = x * self.gain * self.fade;
        self.advance(self.tone_level * t + self.noise_level * n);
        y
    }

    /// Move one frame on; `level` is the envelopes' sum just played.
    #[inline]
    fn advance(&mut self, level: f32) {
        self.age += 1;
        if self.age == self.max_age {
            self.choke();
        }
        self.fade = (self.fade - self.fade_step).max(0.0);
        let silent = self.age >= self.hold && level * self.gain < SILENCE;
        if silent || self.fade == 0.0 {
            self.done = true;
        }
    }
}

/// Two filters at rest.
fn chain(specs: &[FilterSpec; 2], sr_hz: f32) -> Chain {
    specs.map(|f| Svf::new(f, sr_hz))
}

/// `1 / tanh(drive)`, so a full-scale input stays at full scale.
fn drive_norm(spec: &Spec) -> f32 {
    if spec.drive > 0.0 {
        1.0 / spec.drive.tanh()
    } else {
        1.0
    }
}
