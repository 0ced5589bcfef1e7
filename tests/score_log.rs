//! The score log replays the sound: channels configured before `log_score`,
//! their effects, and volume, pan, effect and controller changes made while
//! it runs, all within 1e-4 of the original through `tactus render x.sco`.

use std::path::{Path, PathBuf};
use tactus::render::{self, RenderOptions};
use tactus::time::Seconds;

fn scratch(name: &str) -> PathBuf {
    super::common::scratch_dir("scolog", name)
}

fn render_secs(name: &str, src: &str, seconds: f64) -> Vec<f32> {
    let opts = RenderOptions {
        duration: Some(Seconds(seconds)),
        ..RenderOptions::default()
    };
    render::render_to_vec(name, src, &opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

/// `tactus render log.sco -o out.wav`, read back as interleaved stereo.
fn replay(log: &Path, seconds: f64) -> Vec<f32> {
    let wav = log.with_extension("wav");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tactus"))
        .arg("render")
        .arg(log)
        .arg("-o")
        .arg(&wav)
        .args(["--duration", &seconds.to_string(), "--bits", "32f"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = hound::WavReader::open(&wav).unwrap();
    r.samples::<f32>().map(Result::unwrap).collect()
}

/// The largest difference, and where (frame).
fn worst(a: &[f32], b: &[f32]) -> (f32, usize) {
    assert_eq!(a.len(), b.len(), "lengths");
    let diffs = a.iter().zip(b).map(|(x, y)| (x - y).abs()).enumerate();
    diffs.fold((0.0, 0), |w, (i, d)| if d > w.0 { (d, i / 2) } else { w })
}

/// Channels with tables, synths, envelopes, layers and effects.
const SET: &str = r#"
tempo(112);
table(1, 2048, gen10([1, 0.5, 0.33, 0.25]));
channel(1, #{ table: 1, env: adsr(0.01, 0.2, 0.6, 0.3), lowpass: 1800, q: 2, reverb: 0.35, reverb_decay: 2.5, volume: 0.7, pan: 0.3 });
channel(2, #{ instrument: "electric_piano", delay: 0.4, delay_time: 0.25, delay_feedback: 0.5, chorus: 0.5, pan: 0.8 });
channel(3, #{ synth: "fm", fm_ratio: 3, fm_index: 2.5, distortion: 0.4, saturation: 0.3, env: linen(0.01, 0.1), detune: 7, sub_osc: 0.3 });
channel(4, #{ synth: "pluck", damping: 0.6, tremolo: 0.5, highpass: 200, volume: 1.3 });
cc(74, "lowpass", 200, 4000, 1);
cc(7, "volume", 0, 1.5, 3);
"#;

/// Notes, and changes while the log runs: volume, pan, effects, synth
/// settings and controllers.
const PLAY: &str = r#"
note(1, "C4", 2, #{ vel: 100 });
chord(2, "Am7", 1.5, #{ at: 0.5 });
note(3, "E3", 3, #{ at: 0.25 });
note(4, "G4", 1, #{ at: 1 });
seq("bass", 3, "C2", "x..x..X.x...x..x", #{ swing: 0.2, vel: 90 });
drums("house");
at(1, || { let a = channel(1); a.volume = 0.4; let b = channel(2); b.pan = 0.1; b.reverb = 0.5; });
at(1.5, || cc_in(1, 74, 30));
at(2, || { let c = channel(3); c.fm_ratio = 1.5; c.noise = 0.2; cc_in(3, 7, 100); });
at(2.5, || { let a = channel(1); a.lowpass = 900; let d = channel(4); d.damping = 0.2; });
at(3, || { note(1, "G4", 1); note(4, "C5", 1); });
at(5, || { stop_seq("bass"); drums("off"); });
"#;

#[test]
fn a_logged_session_with_effects_replays_within_1e_4() {
    let dir = scratch("same");
    let log = dir.join("set.sco");
    let q = format!("{:?}", log.display().to_string());
    let src = format!("{SET}\nlog_score({q});\n{PLAY}");
    let original = render_secs("set.rhai", &src, 8.0);
    assert!(original.iter().any(|x| x.abs() > 0.05), "the set is heard");
    let text = std::fs::read_to_string(&log).unwrap();
    for needed in [
        "\"lowpass\" 1800",
        "\"reverb\" 0.5",
        "\"volume\" 0.4",
        "\"fm_ratio\" 1.5",
    ] {
        assert!(text.contains(needed), "{needed} in the log:\n{text}");
    }
    let (d, at) = worst(&original, &replay(&log, 8.0));
    assert!(d < 1e-4, "the replay differs by {d} at frame {at}");
}

#[test]
fn a_log_begun_after_the_channels_were_set_up_replays_from_there() {
    let dir = scratch("later");
    let log = dir.join("later.sco");
    let q = format!("{:?}", log.display().to_string());
    // Set up at beat 0; the log starts two beats later in an evaluation of
    // its own, with notes on its first frame (the effects must already be
    // settled in the replay), and the rest a quarter beat after that.
    let first = "note(1, \"A3\", 0.5); note(2, \"E4\", 0.5); note(4, \"B3\", 0.5);";
    let src = format!("{SET}\nat(2, || {{ log_score({q}); {first} at(0.25, || {{ {PLAY} }}); }});");
    // No chorus or tremolo here: their LFOs run from the channel's set-up,
    // and a replay starts them with the log. The log starts off a block
    // boundary (the drums' hat chokes once fell on block starts).
    let src = (src.replace("chorus: 0.5", "reverb: 0.2"))
        .replace("tremolo: 0.5", "distortion: 0.2")
        .replace("electric_piano", "piano");
    let original = render_secs("later.rhai", &src, 9.0);
    let start = (2.0 * 60.0 / 112.0 * 48_000.0_f64).round() as usize * 2;
    let seconds = 9.0 - start as f64 / 2.0 / 48_000.0;
    let replayed = replay(&log, seconds);
    let n = replayed.len().min(original.len() - start);
    let (d, at) = worst(&original[start..start + n], &replayed[..n]);
    assert!(d < 1e-4, "the replay differs by {d} at frame {at}");
    assert!(original[start..].iter().any(|x| x.abs() > 0.05), "heard");
}

#[test]
fn c_statements_set_channel_options_at_their_time() {
    let dir = scratch("c");
    let sco = dir.join("c.sco");
    let score = "f 1 0 64 -7 1 64 1\nc 1 0 \"volume\" 0.5\ni 1 0 1 0.5 8.00 1 0 0 0.5\nc 1 1 volume 0.25\ni 1 1 1 0.5 8.00 1 0 0 0.5\n";
    std::fs::write(&sco, score).unwrap();
    let out = replay(&sco, 2.0);
    let level = 0.5 * std::f32::consts::FRAC_1_SQRT_2;
    let at = |s: f64| out[(s * 48_000.0) as usize * 2];
    assert!((at(0.5) - level * 0.5).abs() < 1e-6, "{}", at(0.5));
    assert!((at(1.5) - level * 0.25).abs() < 1e-6, "{}", at(1.5));
    for (bad, want) in [
        (
            "c 1 0 \"loudness\" 1",
            "unknown channel option \"loudness\"; options: volume",
        ),
        (
            "c 17 0 volume 1",
            "c: channel 17 is out of range: channels are 1-16",
        ),
        ("c 1 0 volume 9", "c: volume 9 is out of range 0 to 4"),
        ("c 1 0 synth \"theremin\"", "unknown synth \"theremin\""),
        ("c 1 0 volume", "c needs p1 p2 p3 p4"),
    ] {
        let src = format!("score({bad:?});");
        let errors = render::check("c.rhai", &src, &RenderOptions::default());
        let msg = errors.first().map(ToString::to_string).unwrap_or_default();
        assert!(msg.contains(want), "{bad}: {msg}");
    }
}

/// A hat chokes the open hat on its own frame, not at the start of its
/// block: the kit sounds the same whatever the block size (a log replayed
/// from another block offset depends on it).
#[test]
fn the_drum_kit_is_the_same_whatever_the_block_size() {
    let src = "tempo(112); drums(\"house\"); seq(\"o\", 10, 46, \"x.x.xx.x\", #{ step: 0.125 }); seq(\"c\", 10, 42, \".x..x.xx\", #{ step: 0.125 });";
    let a = crate::common::render_for(src, 256, 4.0);
    for block in [1, 63, 257] {
        let b = crate::common::render_for(src, block, 4.0);
        let (d, at) = worst(&a, &b);
        assert_eq!(d, 0.0, "block {block}: differs by {d} at frame {at}");
    }
}
