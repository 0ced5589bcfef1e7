//! The sound palette, heard: effects on the channel bus, synths, presets,
//! drums on their frames, the step sequencer's swing, accents and edits,
//! controllers, and zero allocations with everything on.

use crate::common::*;
use tactus::render::{self, RenderOptions};

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn db(a: f64, b: f64) -> f64 {
    20.0 * (a / b).log10()
}

/// A steady sine on channel 1 with extra options, left channel.
fn sine(freq: f64, opts: &str, beats: f64) -> Vec<f32> {
    left(&render_for(
        &format!("channel(1, #{{ synth: \"sine\", env: adsr(0.01, 0, 1, 0.01) {opts} }}); note(1, hz({freq}), {beats}, #{{ amp: 0.5 }});"),
        256,
        beats + 0.5,
    ))
}

#[test]
fn lowpass_500_hz_attenuates_5_khz_by_20_db() {
    let dry = rms(&sine(5000.0, "", 2.0)[24_000..90_000]);
    let wet = rms(&sine(5000.0, ", lowpass: 500", 2.0)[24_000..90_000]);
    assert!(db(wet, dry) <= -20.0, "{} dB", db(wet, dry));
    let low = rms(&sine(100.0, ", lowpass: 500", 2.0)[24_000..90_000]);
    let low_dry = rms(&sine(100.0, "", 2.0)[24_000..90_000]);
    assert!(
        db(low, low_dry).abs() < 1.0,
        "100 Hz passes: {} dB",
        db(low, low_dry)
    );
}

#[test]
fn delay_echo_appears_at_delay_time_and_decays_by_feedback() {
    let src = "table(1, 64, gen7([1, 64, 1]));
        channel(1, #{ table: 1, env: linen(0, 0), delay: 1.0, delay_time: 0.25, delay_feedback: 0.5 });
        note(1, 60, 0.01, #{ amp: 0.5 });";
    let out = left(&render_for(src, 256, 1.5));
    let peak_near = |f: usize| out[f..f + 480].iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let first = peak_near(12_000);
    let second = peak_near(24_000);
    assert!(first > 0.05, "an echo at 0.25 s: {first}");
    assert!(
        (second / first - 0.5).abs() < 0.1,
        "feedback 0.5: {second} / {first}"
    );
    assert!(peak_near(6_000) < 0.01, "nothing between");
}

#[test]
fn reverb_tail_lengthens_with_reverb_decay() {
    let tail = |decay: f64| -> usize {
        let src = format!(
            "channel(1, #{{ synth: \"noise\", env: linen(0, 0), reverb: 1.0, reverb_decay: {decay} }}); note(1, 60, 0.05, #{{ amp: 0.5 }});"
        );
        let out = left(&render_for(&src, 256, 8.0));
        let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        out.iter().rposition(|x| x.abs() > peak * 0.01).unwrap()
    };
    let (short, long) = (tail(0.5), tail(3.0));
    assert!(
        long > 2 * short,
        "a longer decay rings longer: {short} vs {long} frames"
    );
}

#[test]
fn a_live_sweep_has_no_jumps() {
    let src = "channel(1, #{ synth: \"saw\", env: adsr(0.01, 0, 1, 0.01), lowpass: 300 });
        note(1, 48, 2, #{ amp: 0.5 });
        for k in 1..20 { at(k * 0.05, || { let c = channel(1); c.lowpass = 300 + k * 400; c.volume = 1.0 - k * 0.02; }); }";
    let out = left(&render_for(src, 256, 2.5));
    let steps: Vec<f32> = out.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let before = steps[4_000..4_700].iter().fold(0.0f32, |m, x| m.max(*x));
    let during = steps[4_800..48_000].iter().fold(0.0f32, |m, x| m.max(*x));
    assert!(
        during < before * 6.0 + 0.05,
        "sweep jumps: {during} vs steady {before}"
    );
}

#[test]
fn every_synth_sounds_and_every_preset_renders_clean() {
    for synth in ["sine", "saw", "square", "triangle", "fm", "pluck", "noise"] {
        let out = left(&render_for(
            &format!("channel(1, #{{ synth: \"{synth}\" }}); note(1, \"A3\", 1, #{{ amp: 0.5 }});"),
            256,
            1.5,
        ));
        assert!(rms(&out[2_400..36_000]) > 0.02, "{synth} is silent");
    }
    for preset in [
        "piano",
        "electric_piano",
        "organ",
        "strings",
        "pad",
        "bass_guitar",
        "pluck",
        "bell",
        "flute",
        "brass",
        "lead",
        "fm_bell",
    ] {
        let src = format!("channel(1, #{{ instrument: \"{preset}\" }}); chord(1, \"C4\", 2, #{{ vel: 100 }}); note(1, \"C2\", 2, #{{ vel: 100 }});");
        let out = render_for(&src, 256, 4.0);
        let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(peak < 0.95, "{preset} clips: {peak}");
        assert!(rms(&left(&out)) > 0.01, "{preset} is silent");
    }
}

#[test]
fn pluck_decays_by_itself_and_sample_plays_at_pitch() {
    let out = left(&render_for("channel(1, #{ synth: \"pluck\", damping: 0.8, env: adsr(0, 0, 1, 0.01) }); note(1, \"A3\", 6);", 256, 6.0));
    assert!(
        rms(&out[4_800..9_600]) > 10.0 * rms(&out[240_000..288_000]),
        "a plucked string dies away while held"
    );
    // A 440 Hz table played as a sample rooted at A4, one octave down.
    let src = "table(5, 48000, sine()); let t = table(5); t.fill(|i, x| (i * 2.0 * 3.14159265 * 440.0 / 48000.0).sin());
        channel(1, #{ synth: \"sample\", table: 5, root: \"A4\", env: adsr(0, 0, 1, 0.01) });
        note(1, \"A3\", 0.5);";
    let out = left(&render_for(src, 256, 0.6));
    let crossings = (1..24_000)
        .filter(|&i| out[i - 1] < 0.0 && out[i] >= 0.0)
        .count();
    assert!(
        (crossings as i64 - 110).abs() <= 2,
        "A3 = 220 Hz over 0.5 s: {crossings} cycles"
    );
}

#[test]
fn drum_hits_land_on_their_frames() {
    let src = "tempo(120); seq(\"k\", 10, 42, \"x...x...x...x...\"); end(4);";
    let out = left(&render(src));
    let on = onsets(&out);
    for (k, f) in on.iter().enumerate() {
        let want = beat_frame(k as f64, 120.0);
        assert!(
            *f == want || *f == want + 1,
            "hit {k} at {f}, its frame is {want}"
        );
    }
    assert_eq!(on.len(), 4, "{on:?}");
}

#[test]
fn swing_delays_every_other_step_and_accents_are_louder() {
    let src = format!(
        "{DC_SETUP} seq(\"s\", 1, 60, \"xXxX\", #{{ step: 0.5, swing: 0.25, vel: 60 }}); end(2);"
    );
    let out = left(&render(&src));
    let on = onsets(&out);
    let want: Vec<usize> = [0.0, 0.625, 1.0, 1.625]
        .iter()
        .map(|b| beat_frame(*b, 60.0))
        .collect();
    assert_eq!(on, want);
    assert!(
        out[want[1] + 10] > out[want[0] + 10] * 1.5,
        "the accent is louder"
    );
}

#[test]
fn a_pattern_edit_lands_on_the_next_step_not_sooner() {
    // 8 steps of a quarter beat; at beat 0.6 steps 3 (beat 0.5, passed) and
    // 4 (beat 0.75, next) are switched on.
    let src = format!(
        "{DC_SETUP} seq(\"s\", 1, 60, \"x.......\", #{{ step: 0.25 }});
        at(0.6, || {{ seq(\"s\").step(3, true); seq(\"s\").step(4, true); }}); end(4);"
    );
    let on = onsets(&left(&render(&src)));
    let want: Vec<usize> = [0.0, 0.75, 2.0, 2.5]
        .iter()
        .map(|b| beat_frame(*b, 60.0))
        .collect();
    assert_eq!(&on[..4], &want[..], "{on:?}");
}

#[test]
fn drums_presets_play_and_stop() {
    for name in ["rock", "house", "techno", "hiphop", "breakbeat", "bossa"] {
        let out = render_for(
            &format!("tempo(120); drums(\"{name}\"); at(8, || drums(\"off\"));"),
            256,
            6.0,
        );
        let l = left(&out);
        assert!(rms(&l[..96_000]) > 0.01, "{name} plays");
        assert!(
            l[..].iter().fold(0.0f32, |m, x| m.max(x.abs())) < 1.0,
            "{name} does not clip"
        );
    }
    let out = left(&render_for(
        "tempo(120); drums(\"house\"); at(4, || drums(\"off\"));",
        256,
        5.0,
    ));
    assert!(
        rms(&out[(3.2 * 48_000.0) as usize..]) < 0.01,
        "silent after drums(\"off\") and the tails"
    );
}

#[test]
fn a_controller_moves_its_parameter_at_its_frame() {
    let src = format!(
        "{DC_SETUP} note(1, 60, 2, #{{ amp: 0.5 }});
        cc(7, \"volume\", 0.0, 1.0);
        at(1, || cc_in(1, 7, 0));"
    );
    let out = left(&render_for(&src, 256, 2.0));
    let c = std::f32::consts::FRAC_1_SQRT_2;
    assert!((out[47_999] - 0.5 * c).abs() < 1e-6, "full volume before");
    assert!(
        out[48_000 + 240] > 0.1 && out[48_000 + 240] < 0.5 * c,
        "ramping down from the CC's frame"
    );
    assert!(
        out[48_000 + 600].abs() < 1e-6,
        "CC 0 -> volume 0, ramped within ~10 ms"
    );
}

#[test]
fn rand_streams_are_per_loop_and_reproducible() {
    let a1 = streams("seed(7); live_loop(\"a\", 1, |i| { print(`${rand()}`); }); live_loop(\"b\", 1, |i| { print(`b`); }); end(3);");
    let a2 = streams("seed(7); live_loop(\"a\", 1, |i| { print(`${rand()}`); }); live_loop(\"b\", 1, |i| { rand(); rand(); print(`b`); }); end(3);");
    assert!(a1.len() >= 3, "{a1:?}");
    assert_eq!(
        a1, a2,
        "loop b drawing more numbers does not change loop a's"
    );
    let a3 = streams("seed(8); live_loop(\"a\", 1, |i| { print(`${rand()}`); }); end(3);");
    assert_ne!(a1, a3, "another seed, other choices");
}

/// The numbers a script prints (lines that parse as floats), in order.
fn streams(src: &str) -> Vec<String> {
    let cell = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let c2 = cell.clone();
    let printer: tactus::script::state::Printer =
        std::rc::Rc::new(move |x: &str| c2.borrow_mut().push(x.to_string()));
    render::render("r.rhai", src, &RenderOptions::default(), printer, |_| {}).unwrap();
    let v = cell
        .borrow()
        .iter()
        .filter(|l| l.parse::<f64>().is_ok())
        .cloned()
        .collect();
    v
}
