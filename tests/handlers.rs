//! Controller handlers: a pad toggles a sequencer step, an error rolls back
//! only that call and prints once, a reload replaces (never duplicates) a
//! handler and removes one the file dropped, filters, 14-bit controls, NRPN.

use crate::common::host;
use tactus::live::reload::Reloader;
use tactus::midi::MidiMsg;
use tactus::session::seqs::Step;
use tactus::time::Beats;

fn on(ch: u8, key: u8) -> MidiMsg {
    MidiMsg::NoteOn { ch, key, vel: 100 }
}

fn cc(ch: u8, cc: u8, value: u8) -> MidiMsg {
    MidiMsg::Cc { ch, cc, value }
}

#[test]
fn a_pad_toggles_a_sequencer_step() {
    let (mut h, _) = host(
        "seq(\"s\", 1, 60, \"x...\"); on_note(|ch, pitch, vel| seq(\"s\").step(pitch - 35, true));",
    );
    assert!(h.midi_handlers("pads", &on(9, 37), Beats(0.0)).is_empty());
    let steps = h.with_session(|s| s.seqs["s"].pattern.clone());
    assert_eq!(steps, vec![Step::On, Step::On, Step::Off, Step::Off]);
}

#[test]
fn an_error_rolls_back_that_call_and_prints_once() {
    let (mut h, printed) = host(
        "on_cc(74, |ch, v| { set(\"v\", v); set(\"ch\", ch); if v > 100 { no_such_fn(); } });",
    );
    let e = h.midi_handlers("k", &cc(2, 74, 50), Beats(0.0));
    assert!(e.is_empty(), "{e:?}");
    let first = h.midi_handlers("k", &cc(2, 74, 120), Beats(0.0));
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].message.starts_with("on_cc(74): "), "{}", first[0]);
    assert!(first[0].message.contains("no_such_fn"), "{}", first[0]);
    assert!(
        h.midi_handlers("k", &cc(2, 74, 121), Beats(0.0)).is_empty(),
        "printed once"
    );
    h.eval_repl("print(get(\"v\")); print(get(\"ch\"))", Beats(0.0))
        .unwrap();
    assert_eq!(
        printed.borrow().trim(),
        "50\n3",
        "the failed calls left no trace"
    );
}

#[test]
fn a_reload_replaces_a_handler_and_removes_a_dropped_one() {
    let dir = std::env::temp_dir().join(format!("tactus-handlers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("live.rhai");
    let (mut h, printed) = host("");
    let lines = std::cell::RefCell::new(Vec::<String>::new());
    let print = |s: &str| lines.borrow_mut().push(s.to_string());
    let mut r = Reloader::new(path.clone());
    let v = |n: i64| format!("on_note(|c, p, v| print(`v{n} ${{p}}`));\non_cc(1, |c, v| 1);");
    std::fs::write(&path, v(1)).unwrap();
    r.reload(&mut h, Beats(0.0), &print);
    std::fs::write(&path, format!("// moved\n{}", v(2))).unwrap();
    r.reload(&mut h, Beats(0.0), &print);
    std::fs::write(&path, "on_note(|c, p, v| print(`v2 ${p}`));").unwrap();
    r.reload(&mut h, Beats(0.0), &print);
    let l = lines.borrow().clone();
    assert!(l[0].ends_with("added on_cc(1), on_note"), "{l:?}");
    assert!(
        l[1].ends_with("swapped on_note; unchanged on_cc(1)"),
        "{l:?}"
    );
    assert!(
        l[2].ends_with("removed on_cc(1); unchanged on_note"),
        "{l:?}"
    );
    h.midi_handlers("k", &on(0, 60), Beats(0.0));
    assert_eq!(
        printed.borrow().trim(),
        "v2 60",
        "one handler, the new body"
    );
}

#[test]
fn filters_by_channel_and_port() {
    let (mut h, printed) = host(
        "on_note(2, |c, p, v| print(`ch2 ${p}`)); on_note(\"OP-XY\", 0, |c, p, v| print(`op ${c}`));",
    );
    h.midi_handlers("Keystep", &on(0, 60), Beats(0.0));
    h.midi_handlers("Keystep", &on(1, 61), Beats(0.0));
    h.midi_handlers("OP-XY MIDI 1", &on(4, 62), Beats(0.0));
    assert_eq!(printed.borrow().trim(), "ch2 61\nop 5");
}

#[test]
fn fourteen_bit_controls_and_nrpn_arrive_as_one_value() {
    let (mut h, printed) =
        host("on_cc14(1, |c, v| print(`cc14 ${v}`)); on_nrpn(130, |c, v| print(`nrpn ${v}`));");
    for m in [
        cc(0, 1, 64),
        cc(0, 33, 5),
        cc(0, 99, 1),
        cc(0, 98, 2),
        cc(0, 6, 3),
        cc(0, 38, 4),
    ] {
        h.midi_handlers("k", &m, Beats(0.0));
    }
    assert_eq!(printed.borrow().trim(), "cc14 8197\nnrpn 388");
}
