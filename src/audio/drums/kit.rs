//! The kit's sound designs: one [`Spec`] per General MIDI drum note, in the
//! manner of the classic analogue drum machines (TR-808/909).

use super::dsp::{EnvSpec, FilterSpec};
use super::spec::{bp, decay, hp, lp, no_tone, noise, sines, spec, squares, two, Spec, OFF};

/// The six square oscillators of the TR-808 cymbal and hi-hat, in Hz.
const METAL: [f32; 6] = [205.3, 304.4, 369.6, 522.7, 540.0, 800.0];
/// A brighter, bell-like bank for the ride.
const RIDE: [f32; 6] = [311.0, 439.0, 587.0, 752.0, 1043.0, 1389.0];
/// A second ride, a little lower.
const RIDE2: [f32; 6] = [277.0, 398.0, 533.0, 689.0, 947.0, 1262.0];
/// A second crash, detuned up.
const METAL2: [f32; 6] = [231.0, 338.0, 412.0, 583.0, 611.0, 893.0];
/// A trashy china: wide, low partials.
const CHINA: [f32; 6] = [262.0, 371.0, 457.0, 613.0, 709.0, 1013.0];
/// Tambourine jingles.
const JINGLE: [f32; 6] = [2213.0, 3040.0, 3711.0, 4350.0, 5183.0, 6020.0];

/// The design for a GM drum note, if the kit has one.
pub fn design(note: u8) -> Option<Spec> {
    Some(match note {
        35 => kick(&[52.0], 1.3, 0.018, two(0.45, 0.03, 0.1), 0.5),
        36 => kick(&[49.0], 2.1, 0.028, two(0.3, 0.05, 0.17), 0.3),
        37 => rim(),
        38 => snare(
            &[180.0, 330.0],
            two(0.4, 0.012, 0.07),
            [hp(1200.0), lp(9000.0)],
            0.69,
        ),
        39 => clap(),
        40 => snare(
            &[225.0, 410.0],
            two(0.5, 0.01, 0.05),
            [hp(2200.0), lp(12000.0)],
            0.7,
        ),
        41 => tom(82.0, 0.17),
        43 => tom(97.0, 0.155),
        45 => tom(114.0, 0.14),
        47 => tom(134.0, 0.13),
        48 => tom(158.0, 0.12),
        50 => tom(186.0, 0.11),
        42 => hat(decay(0.012), 7500.0, 0.62),
        44 => hat(two(0.6, 0.004, 0.045), 3200.0, 0.6),
        46 => hat(two(0.3, 0.012, 0.1), 7000.0, 0.75),
        49 => cymbal(&METAL, two(0.35, 0.09, 0.9), 3500.0, 0.6, 0.6),
        57 => cymbal(&METAL2, two(0.45, 0.08, 0.6), 2200.0, 0.3, 0.56),
        51 => cymbal(&RIDE, two(0.55, 0.02, 0.45), 5000.0, 0.12, 0.42),
        59 => cymbal(&RIDE2, two(0.7, 0.015, 0.22), 3000.0, 0.04, 0.5),
        53 => bell(
            &RIDE,
            [bp(2600.0, 1.4), hp(900.0)],
            two(0.3, 0.02, 0.3),
            1.0,
        ),
        56 => bell(
            &[540.0, 800.0],
            [bp(1000.0, 1.1), hp(350.0)],
            two(0.65, 0.012, 0.075),
            0.5,
        ),
        54 => tambourine(),
        60 => hand(480.0, 0.08, 0.25, 0.5),
        61 => hand(330.0, 0.1, 0.25, 0.5),
        62 => hand(370.0, 0.035, 0.15, 0.5),
        63 => hand(340.0, 0.13, 0.15, 0.55),
        64 => hand(235.0, 0.16, 0.15, 0.6),
        70 => shaker(),
        75 => block(&[2500.0], 0.018, 0.45),
        76 => block(&[1180.0, 2730.0], 0.028, 0.4),
        77 => block(&[880.0, 2040.0], 0.032, 0.4),
        n => return latin_and_more(n),
    })
}

/// A bass drum: a driven sine with a pitch drop and a beater click.
fn kick(f: &[f32], bend: f32, bend_tau_s: f32, env: EnvSpec, click: f32) -> Spec {
    let tone = sines(f, bend, bend_tau_s, 1.0, env);
    let beater = noise(click, decay(0.0015), [hp(700.0), lp(7000.0)]);
    spec(tone, beater, 1.6, 0.9)
}

/// Two detuned tones and band-passed noise with its own, longer decay.
fn snare(f: &[f32], env: EnvSpec, band: [FilterSpec; 2], gain: f32) -> Spec {
    let tone = sines(f, 0.2, 0.015, 0.55, env);
    let wires = noise(1.0, two(0.4, 0.015, 0.075), band);
    spec(tone, wires, 1.3, gain)
}

/// Four noise bursts 10 ms apart, then a decaying tail, around 1.1 kHz.
fn clap() -> Spec {
    let env = EnvSpec {
        attack_s: 0.0,
        fast_amt: 0.6,
        fast_tau_s: 0.0028,
        slow_tau_s: 0.085,
        bursts: 4,
        burst_gap_s: 0.0105,
    };
    let hands = noise(1.0, env, [bp(1150.0, 1.1), hp(450.0)]);
    spec(no_tone(), hands, 1.2, 1.8)
}

/// A pitched sine with a moderate drop and a stick noise.
fn tom(hz: f32, tau_s: f32) -> Spec {
    hand(hz, tau_s, 0.45, 0.72)
}

/// A pitched membrane: toms, congas, bongos.
fn hand(hz: f32, tau_s: f32, bend: f32, gain: f32) -> Spec {
    let tone = sines(&[hz], bend, 0.05, 1.0, two(0.25, 0.015, tau_s));
    let stick = noise(0.18, decay(0.005), [bp(1800.0, 0.8), OFF]);
    spec(tone, stick, 1.2, gain)
}

/// Six squares and noise, high-passed: closed, pedal and open hi-hat.
fn hat(env: EnvSpec, hp_hz: f32, gain: f32) -> Spec {
    let metal = squares(&METAL, 3.0, env, [hp(hp_hz), bp(10000.0, 0.9)]);
    let air = noise(0.35, env, [hp(hp_hz), lp(15000.0)]);
    spec(metal, air, 0.0, gain)
}

/// Crash and ride: metal with long decays, `hiss` the noise share.
fn cymbal(f: &[f32], env: EnvSpec, hp_hz: f32, hiss: f32, gain: f32) -> Spec {
    let metal = squares(f, 3.0, env, [hp(hp_hz), bp(8500.0, 0.6)]);
    let air = noise(hiss, env, [hp(hp_hz * 0.8), lp(14000.0)]);
    spec(metal, air, 0.0, gain)
}

/// Band-passed squares: cowbell, ride bell.
fn bell(f: &[f32], band: [FilterSpec; 2], env: EnvSpec, gain: f32) -> Spec {
    let tone = squares(f, 1.0, env, band);
    spec(tone, noise(0.0, env, [OFF, OFF]), 0.0, gain)
}

/// Very short high click: two tones and a noise snap, high-passed.
fn rim() -> Spec {
    let tone = squares(&[455.0, 1667.0], 1.0, decay(0.005), [hp(400.0), lp(6000.0)]);
    let snap = noise(0.5, decay(0.0015), [bp(3500.0, 1.0), OFF]);
    spec(tone, snap, 1.5, 0.5)
}

/// Jingles: high squares and noise, with a short rattle.
fn tambourine() -> Spec {
    let env = EnvSpec {
        attack_s: 0.001,
        fast_amt: 0.5,
        fast_tau_s: 0.01,
        slow_tau_s: 0.09,
        bursts: 2,
        burst_gap_s: 0.012,
    };
    let metal = squares(&JINGLE, 1.5, env, [hp(6000.0), OFF]);
    let air = noise(0.3, env, [hp(7000.0), OFF]);
    spec(metal, air, 0.0, 0.47)
}

/// Maracas: a soft-attack burst of high noise.
fn shaker() -> Spec {
    let env = EnvSpec {
        attack_s: 0.006,
        ..decay(0.022)
    };
    spec(
        no_tone(),
        noise(1.0, env, [hp(5000.0), lp(13000.0)]),
        0.0,
        0.47,
    )
}

/// Claves and wood blocks: short sines with a touch of noise.
fn block(f: &[f32], tau_s: f32, gain: f32) -> Spec {
    let tone = sines(f, 0.05, 0.005, 1.0, decay(tau_s));
    let knock = noise(0.15, decay(0.002), [bp(3000.0, 1.0), OFF]);
    spec(tone, knock, 0.0, gain)
}

/// The rest of the GM map: china and splash, vibraslap, timbales, agogos,
/// cabasa, whistles, guiros, cuicas, triangles.
fn latin_and_more(note: u8) -> Option<Spec> {
    Some(match note {
        52 => cymbal(&CHINA, two(0.5, 0.05, 0.3), 1800.0, 0.7, 0.5),
        55 => cymbal(&METAL, two(0.5, 0.02, 0.16), 6000.0, 0.5, 0.6),
        58 => rattle(&[910.0, 1380.0], 14, 0.032, 0.5),
        65 => timbale(640.0),
        66 => timbale(455.0),
        67 => agogo(1020.0),
        68 => agogo(760.0),
        69 => scrape(3, 0.008, 0.05, [hp(7000.0), lp(16000.0)], 0.5),
        71 => whistle(0.09),
        72 => whistle(0.4),
        73 => scrape(6, 0.016, 0.006, [bp(2500.0, 1.2), hp(1200.0)], 0.9),
        74 => scrape(18, 0.021, 0.006, [bp(2200.0, 1.2), hp(1000.0)], 0.9),
        78 => cuica(690.0, 0.45, two(0.5, 0.01, 0.06)),
        79 => cuica(380.0, -0.35, two(0.3, 0.02, 0.22)),
        80 => triangle(0.04),
        81 => triangle(0.45),
        _ => return None,
    })
}

/// A vibraslap: a wooden buzz of `count` fast rattles.
fn rattle(f: &[f32], count: u8, gap_s: f32, gain: f32) -> Spec {
    let env = EnvSpec {
        bursts: count,
        burst_gap_s: gap_s,
        ..two(0.9, 0.008, 0.08)
    };
    let tone = squares(f, 0.8, env, [bp(1500.0, 1.5), OFF]);
    spec(tone, noise(0.3, env, [bp(3000.0, 1.0), OFF]), 0.0, gain)
}

/// A timbale: a bright metal-shelled drum, two partials and a stick crack.
fn timbale(hz: f32) -> Spec {
    let tone = sines(&[hz, hz * 2.31], 0.1, 0.02, 1.0, two(0.3, 0.01, 0.12));
    let crack = noise(0.4, decay(0.02), [bp(4000.0, 0.8), OFF]);
    spec(tone, crack, 1.2, 0.45)
}

/// An agogo bell: two sine partials ringing a quarter second.
fn agogo(hz: f32) -> Spec {
    let tone = sines(&[hz, hz * 2.66], 0.0, 1.0, 1.0, two(0.4, 0.01, 0.25));
    spec(tone, noise(0.05, decay(0.003), [hp(3000.0), OFF]), 0.0, 0.4)
}

/// Cabasa and guiro: `count` filtered noise scrapes `gap_s` apart.
fn scrape(count: u8, gap_s: f32, tau_s: f32, band: [FilterSpec; 2], gain: f32) -> Spec {
    let env = EnvSpec {
        bursts: count,
        burst_gap_s: gap_s,
        ..two(0.8, tau_s, tau_s * 2.0)
    };
    spec(no_tone(), noise(1.0, env, band), 0.0, gain)
}

/// A samba whistle: a steady high sine with breath.
fn whistle(tau_s: f32) -> Spec {
    let env = EnvSpec {
        attack_s: 0.008,
        ..decay(tau_s)
    };
    let tone = sines(&[2350.0], 0.0, 1.0, 1.0, env);
    spec(tone, noise(0.12, env, [bp(2350.0, 2.0), OFF]), 0.0, 0.4)
}

/// A cuica: a squeak whose pitch slides (`bend` < 0 rises).
fn cuica(hz: f32, bend: f32, env: EnvSpec) -> Spec {
    let tone = sines(&[hz, hz * 2.0], bend, 0.06, 1.0, env);
    spec(tone, noise(0.08, env, [bp(hz * 2.0, 1.5), OFF]), 1.0, 0.45)
}

/// A triangle: three high inharmonic sines, damped or ringing.
fn triangle(tau_s: f32) -> Spec {
    let tone = sines(&[3900.0, 5270.0, 7980.0], 0.0, 1.0, 1.0, decay(tau_s));
    spec(tone, noise(0.1, decay(0.002), [hp(6000.0), OFF]), 0.0, 0.35)
}
