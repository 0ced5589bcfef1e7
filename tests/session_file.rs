//! Saved sessions: a reloaded session renders the same samples as the
//! original; a bad file is one message and changes nothing.

use crate::common::*;
use std::path::PathBuf;
use tactus::time::Beats;

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    super::common::scratch_dir("session", name)
}

fn quoted(p: &std::path::Path) -> String {
    format!("{:?}", p.display().to_string())
}

/// Several channels with synths, envelopes, effects, volume and pan; tables;
/// a cc map; tempo; drums and a sequence with swing; a MIDI route.
const SET: &str = r#"
tempo(112);
table(1, 2048, gen10([1, 0.5, 0.33, 0.25]));
table(2, 1024, gen7([0, 512, 1, 512, -1]));
channel(1, #{ table: 1, env: adsr(0.01, 0.2, 0.6, 0.3), lowpass: 1800, q: 2, reverb: 0.35, reverb_decay: 2.5, volume: 0.7, pan: 0.3 });
channel(2, #{ instrument: "electric_piano", delay: 0.4, delay_time: 0.25, delay_feedback: 0.5, chorus: 0.5, pan: 0.8 });
channel(3, #{ synth: "fm", fm_ratio: 3, fm_index: 2.5, distortion: 0.4, saturation: 0.3, env: linen(0.01, 0.1), detune: 7, sub_osc: 0.3 });
channel(4, #{ table: 2, tremolo: 0.6, tremolo_rate: 6, phaser: 0.5, highpass: 300, volume: 1.3 });
channel(5, #{ synth: "pluck", damping: 0.6, midi_out: "synth", midi_channel: 5, sound: true });
cc(74, "lowpass", 200, 4000, 1);
cc(7, "volume", 0, 1.5, 4);
drums("house");
seq("bass", 3, "C2", "x..x..X.x...x..x", #{ swing: 0.2, vel: 90 });
"#;

/// What both renders play after the set is in place.
const PLAY: &str = r#"
note(1, "C4", 2, #{ vel: 100 });
chord(2, "Am7", 1.5, #{ at: 0.5 });
note(4, "E3", 3, #{ at: 1 });
note(5, "G4", 1, #{ at: 2 });
at(2.5, || cc_in(1, 74, 30));
at(3, || cc_in(4, 7, 100));
i(1, 3.5, 1, 0.5, 8.07);
"#;

#[test]
fn a_saved_and_reloaded_session_renders_identically() {
    let dir = scratch("same");
    let file = dir.join("set.json");
    let original = format!("{SET}\nsave_session({});\n{PLAY}", quoted(&file));
    let loaded = format!("load_session({});\n{PLAY}", quoted(&file));
    let mut text = String::new();
    for block in [256, 63] {
        let first = render_for(&original, block, 6.0);
        text = std::fs::read_to_string(&file).unwrap();
        let again = render_for(&loaded, block, 6.0);
        assert!(first.iter().any(|x| x.abs() > 0.01), "the set is heard");
        assert_eq!(first.len(), again.len());
        let differ = first.iter().zip(&again).filter(|(a, b)| a != b).count();
        assert_eq!(differ, 0, "block {block}: {differ} samples differ");
    }
    assert!(text.contains("\"format\": 1"), "{text}");
    // Saving the loaded session gives the same file.
    let file2 = dir.join("set2.json");
    let resave = format!(
        "load_session({}); save_session({});",
        quoted(&file),
        quoted(&file2)
    );
    host(&resave);
    assert_eq!(text, std::fs::read_to_string(&file2).unwrap());
}

#[test]
fn loading_replaces_what_was_there_and_a_later_error_undoes_it() {
    let dir = scratch("replace");
    let file = dir.join("set.json");
    host(&format!("{SET}\nsave_session({});", quoted(&file)));
    let (mut h, printed) = host(
        "table(7, 64, sine()); channel(1, #{ chorus: 0.9 }); seq(\"old\", 1, 60, \"x...\"); tempo(80);",
    );
    let before = h.with_session(|s| s.digest());
    let e = h
        .eval_repl(
            &format!("load_session({}); throw \"later\";", quoted(&file)),
            Beats(0.0),
        )
        .unwrap_err();
    assert!(e.message.contains("later"), "{e}");
    assert_eq!(
        before,
        h.with_session(|s| s.digest()),
        "the load was undone"
    );
    h.eval_repl(&format!("load_session({});", quoted(&file)), Beats(0.0))
        .unwrap();
    h.eval_repl(
        "print(seqs().len()); print(tempo()); print(channel(1).chorus); print(channel(1).lowpass); print(channel(2).delay_time);",
        Beats(0.0),
    )
    .unwrap();
    let seqs = h.with_session(|s| s.seq_names());
    assert!(seqs.contains(&"bass".to_string()) && !seqs.contains(&"old".to_string()));
    assert!(
        h.with_session(|s| s.table(7).is_none()),
        "table 7 is not in the set"
    );
    assert_eq!(
        printed.borrow().trim(),
        format!("{}\n112.0\n()\n1800.0\n0.25", seqs.len())
    );
}

/// Evaluate `code` (after `setup`) and return the error; the session must
/// be as before, even when the script catches the error.
fn refused(setup: &str, code: &str) -> String {
    let (mut h, _) = host(setup);
    let before = h.with_session(|s| s.digest());
    let e = h.eval_file("live.rhai", code, Beats(0.0)).unwrap_err();
    assert_eq!(
        before,
        h.with_session(|s| s.digest()),
        "{code} changed the session"
    );
    let caught = format!("try {{ {code} }} catch (e) {{ }}");
    h.eval_file("live.rhai", &caught, Beats(0.0)).unwrap();
    assert_eq!(
        h.with_session(|s| s.digest()),
        before,
        "{code} changed the session when caught"
    );
    let msg = e.to_string();
    assert!(msg.starts_with("live.rhai:1:"), "position in: {msg}");
    assert_eq!(
        msg.lines().filter(|l| l.contains("error")).count(),
        1,
        "one message: {msg}"
    );
    msg
}

#[test]
fn bad_session_files_are_one_clear_message_and_change_nothing() {
    let dir = scratch("bad");
    let good = dir.join("good.json");
    host(&format!("{SET}\nsave_session({});", quoted(&good)));
    let text = std::fs::read_to_string(&good).unwrap();
    let setup = "channel(1, #{ lowpass: 900 }); table(3, 64, sine()); seq(\"s\", 1, 60, \"x.x.\");";
    let load = |name: &str, content: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        refused(setup, &format!("load_session({});", quoted(&p)))
    };
    let m = load("notes.json", b"{\"notes\": [1, 2, 3]}");
    assert!(
        m.contains("notes.json is not a Tactus session") && m.contains("no \"format\""),
        "{m}"
    );
    let m = load(
        "take.wav",
        b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x02\0\x80\xbb\0\0",
    );
    assert!(m.contains("take.wav is not a Tactus session"), "{m}");
    let m = load("cut.json", &text.as_bytes()[..text.len() / 2]);
    assert!(
        m.contains("cut.json is damaged: broken JSON") && m.contains("line"),
        "{m}"
    );
    let m = load(
        "newer.json",
        text.replace("\"format\": 1", "\"format\": 7").as_bytes(),
    );
    assert!(
        m.contains("newer.json is a session of format 7") && m.contains("reads format 1"),
        "{m}"
    );
    let loud = text.replacen("\"volume\": 0.7", "\"volume\": 9.0", 1);
    let m = load("loud.json", loud.as_bytes());
    assert!(
        m.contains("loud.json is damaged: channel 1: volume is 9, outside 0 to 4"),
        "{m}"
    );
    let m = load(
        "synth.json",
        text.replacen("\"fm\"", "\"theremin\"", 1).as_bytes(),
    );
    assert!(
        m.contains("unknown synth \"theremin\"; valid synths: sine"),
        "{m}"
    );
    let m = load(
        "gone.json",
        text.replacen("\"tempo_bpm\"", "\"tempo\"", 1).as_bytes(),
    );
    assert!(
        m.contains("gone.json is damaged: missing field `tempo_bpm`"),
        "{m}"
    );
    let m = refused(setup, "load_session(\"/nonexistent/set.json\");");
    assert!(m.contains("cannot read \"/nonexistent/set.json\""), "{m}");
    let m = refused(setup, "save_session(\"/nonexistent/dir/set.json\");");
    assert!(
        m.contains("save_session(): cannot write \"/nonexistent/dir/set.json\""),
        "{m}"
    );
    let m = refused(setup, &format!("save_session({});", quoted(&dir)));
    assert!(m.contains("cannot write"), "a directory: {m}");
}

#[test]
fn the_command_line_refuses_a_bad_session_before_starting() {
    let dir = scratch("cli");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"format\": 2}").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tactus"))
        .arg("--session")
        .arg(&bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--session:") && err.contains("bad.json is a session of format 2"),
        "{err}"
    );
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_tactus"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--session <FILE.json>"));
}

/// `tactus --session set.json`: the live session starts from the set.
#[test]
fn a_live_session_starts_from_a_saved_set() {
    let _wall = wall_clock_lock();
    let dir = scratch("live");
    let file = dir.join("set.json");
    host(&format!(
        "tempo(133); channel(3, #{{ lowpass: 700, synth: \"saw\" }}); seq(\"s\", 3, 48, \"x.x.\"); save_session({});",
        quoted(&file)
    ));
    let printed = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = printed.clone();
    let wav = dir.join("live.wav");
    let rig =
        crate::rig::live_on_fallback_from(48_000, &wav, false, Some(file.clone()), move |s| {
            sink.lock().unwrap().push_str(s);
        });
    let read = |code: &str| rig.eval(code).unwrap().unwrap_or_default();
    assert_eq!(read("tempo()"), "133.0");
    assert_eq!(read("channel(3).lowpass"), "700.0");
    assert_eq!(read("seqs()"), "[\"s\"]");
    rig.finish(&wav);
    let out = printed.lock().unwrap().clone();
    assert!(out.contains("restored the session"), "{out}");
}
