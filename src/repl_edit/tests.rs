use super::*;
use rustyline::config::Configurer;
use rustyline::history::{History, SearchDirection};

fn shared<T>(v: T) -> Arc<Mutex<T>> {
    Arc::new(Mutex::new(v))
}

fn helper() -> ReplHelper {
    let names = [
        "note",
        "noise",
        "now",
        "bass",
        "bass_hi",
        "stop_loop",
        "note",
    ];
    let usages = vec![
        ("note".into(), "note(ch, pitch, dur_beats)".into()),
        ("stop_loop".into(), "stop_loop(name)".into()),
        ("odd".into(), "call odd(x) like this".into()),
        ("bare".into(), "bare()".into()),
    ];
    ReplHelper::new(
        shared(names.iter().map(|s| s.to_string()).collect()),
        shared(usages),
    )
}

/// Completes with the cursor at the `|` in `marked`.
fn complete(h: &ReplHelper, marked: &str) -> (usize, Vec<String>) {
    let pos = marked.find('|').unwrap();
    let line = marked.replace('|', "");
    let history = FileHistory::new();
    h.complete(&line, pos, &Context::new(&history)).unwrap()
}

#[test]
fn completes_at_line_start_sorted_and_deduplicated() {
    let h = helper();
    assert_eq!(
        complete(&h, "no|"),
        (0, vec!["noise".into(), "note".into(), "now".into()])
    );
    assert_eq!(complete(&h, "not|"), (0, vec!["note".into()]));
}

#[test]
fn empty_word_offers_every_name() {
    let (start, all) = complete(&helper(), "|");
    assert_eq!(start, 0);
    assert_eq!(all.len(), 6);
}

#[test]
fn completes_the_word_before_the_cursor_mid_line() {
    let h = helper();
    assert_eq!(
        complete(&h, "let x = no|"),
        (8, vec!["noise".into(), "note".into(), "now".into()])
    );
    assert_eq!(
        complete(&h, "note(1, \"C4\", 1); ba|ss(2)"),
        (18, vec!["bass".into(), "bass_hi".into()])
    );
    assert_eq!(complete(&h, "f(x,now|"), (4, vec!["now".into()]));
}

#[test]
fn completes_inside_a_string() {
    let h = helper();
    assert_eq!(
        complete(&h, "stop_loop(\"ba|"),
        (11, vec!["bass".into(), "bass_hi".into()])
    );
    assert_eq!(
        complete(&h, "seq(\"C4 E4 bass_|"),
        (11, vec!["bass_hi".into()])
    );
    // An escaped quote does not end the string.
    assert_eq!(
        complete(&h, "f(\"a\\\" no|"),
        (7, vec!["noise".into(), "note".into(), "now".into()])
    );
}

#[test]
fn option_names_inside_a_map_are_those_of_the_call() {
    let h = helper();
    let (start, found) = complete(&h, "channel(2, #{ rev|");
    assert_eq!(start, 14);
    assert!(found.contains(&"reverb".to_string()), "{found:?}");
    assert!(found.iter().all(|w| w.starts_with("reverb")), "{found:?}");
    assert_eq!(
        complete(&h, "note(1, 60, 1, #{ v|").1,
        vec!["vel".to_string()]
    );
    let found = complete(&h, "channel(2, #{ reverb: 0.3,\n  dela|").1;
    assert!(found.contains(&"delay_time".to_string()), "{found:?}");
    // A map given to no known call: every function's options.
    assert!(complete(&h, "let o = #{ swi|")
        .1
        .contains(&"swing".to_string()));
    // At a value's place, the names as anywhere.
    assert_eq!(
        complete(&h, "note(1, 60, 1, #{ vel: no|").1,
        vec!["noise".to_string(), "note".into(), "now".into()]
    );
    // In a nested call inside the map, the names too.
    assert!(complete(&h, "channel(1, #{ env: f(no|")
        .1
        .contains(&"note".to_string()));
}

#[test]
fn preset_and_drum_pattern_names_inside_strings() {
    let h = helper();
    assert_eq!(complete(&h, "drums(\"hou|").1, vec!["house".to_string()]);
    assert!(complete(&h, "drums(\"o|").1.contains(&"off".to_string()));
    let found = complete(&h, "channel(1, #{ instrument: \"pi|").1;
    assert!(found.contains(&"piano".to_string()), "{found:?}");
    assert!(found.iter().all(|n| n.starts_with("pi")), "{found:?}");
    assert_eq!(
        complete(&h, "c.instrument = \"bass_g|").1,
        vec!["bass_guitar".to_string()]
    );
    // At the start of any other string: names, presets and patterns.
    let found = complete(&h, "let p = \"ho|").1;
    assert!(found.contains(&"house".to_string()), "{found:?}");
    // Loop and sequence names where a loop is named, presets left out.
    assert_eq!(
        complete(&h, "stop_seq(\"bass|").1,
        vec!["bass".to_string(), "bass_hi".into()]
    );
}

#[test]
fn channel_properties_after_a_dot() {
    let h = helper();
    let found = complete(&h, "let c = channel(1); c.rev|").1;
    assert!(found.contains(&"reverb".to_string()), "{found:?}");
    let found = complete(&h, "c.no|").1;
    assert!(found.contains(&"noise".to_string()) && found.contains(&"note".to_string()));
}

#[test]
fn no_match_and_comments_give_nothing() {
    let h = helper();
    assert_eq!(complete(&h, "zz|"), (0, vec![]));
    assert_eq!(complete(&h, "x = 1 // no|").1, Vec::<String>::new());
}

#[test]
fn names_added_later_are_completed() {
    let names: Names = shared(vec![]);
    let h = ReplHelper::new(names.clone(), shared(vec![]));
    assert!(complete(&h, "le|").1.is_empty());
    names.lock().unwrap().push("lead".into());
    assert_eq!(complete(&h, "le|").1, vec!["lead".to_string()]);
}

fn incomplete(input: &str) -> bool {
    match ReplHelper::validate_input(input) {
        ValidationResult::Incomplete => true,
        ValidationResult::Valid(None) => false,
        _ => panic!("unexpected result for {input:?}"),
    }
}

#[test]
fn open_brackets_ask_for_more_lines() {
    assert!(incomplete("note(1,"));
    assert!(incomplete("loop_(\"bass\", 1, || {\n  note(1, [60, 64"));
    assert!(incomplete(
        "loop_(\"bass\", 1, || {\n  note(1, [60, 64], 1);\n"
    ));
    assert!(incomplete("x = [\n"));
    assert!(incomplete("/* a comment\n that goes on"));
}

#[test]
fn balanced_input_is_complete() {
    assert!(!incomplete(""));
    assert!(!incomplete("note(1, \"C4\", 1)"));
    assert!(!incomplete(
        "loop_(\"bass\", 1, || {\n  note(1, [60, 64], 1);\n})"
    ));
    assert!(!incomplete("let c = '(';"));
    assert!(!incomplete("/* ( */ x"));
}

#[test]
fn brackets_in_strings_and_comments_are_ignored() {
    assert!(!incomplete("print(\"(\")"));
    assert!(!incomplete("print(\"a \\\" ( b\")"));
    assert!(!incomplete("x = 1 // open ( here"));
    assert!(incomplete("f( // ) not closed\n"));
    assert!(incomplete("f(\"}\""));
}

#[test]
fn surplus_closers_are_left_to_the_engine() {
    assert!(!incomplete("f())"));
    assert!(!incomplete("}"));
    assert!(!incomplete("f(]"));
    assert!(!incomplete("([) (("));
}

#[test]
fn hints_the_rest_of_a_usage() {
    let h = helper();
    assert_eq!(
        h.usage_hint("note(", 5).as_deref(),
        Some("ch, pitch, dur_beats)")
    );
    assert_eq!(h.usage_hint("  stop_loop(", 12).as_deref(), Some("name)"));
    assert_eq!(
        h.usage_hint("x = 1;\nnote(", 12).as_deref(),
        Some("ch, pitch, dur_beats)")
    );
    // A usage that does not start with the name: from its first `(`.
    assert_eq!(h.usage_hint("odd(", 4).as_deref(), Some("x) like this"));
    assert_eq!(h.usage_hint("bare(", 5).as_deref(), Some(")"));
}

#[test]
fn no_hint_otherwise() {
    let h = helper();
    for line in [
        "note",
        "note(1",
        "let x = note(",
        "unknown(",
        "(",
        "note (",
        "note(\n",
    ] {
        assert_eq!(h.usage_hint(line, line.len()), None, "{line:?}");
    }
    assert_eq!(h.usage_hint("note(", 4), None, "cursor not at the end");
    let history = FileHistory::new();
    let hint = h.hint("note(", 5, &Context::new(&history)).unwrap();
    assert_eq!(
        (hint.display(), hint.completion()),
        ("ch, pitch, dur_beats)", None)
    );
}

fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!("tactus-repl-{tag}-{}-{nanos}", std::process::id()))
}

fn entries(h: &FileHistory) -> Vec<String> {
    (0..h.len())
        .map(|i| {
            h.get(i, SearchDirection::Forward)
                .unwrap()
                .unwrap()
                .entry
                .into_owned()
        })
        .collect()
}

#[test]
fn history_round_trips_through_a_file() {
    let dir = temp_dir("history");
    let path = dir.join("state").join("history"); // parent does not exist yet
    let mut ed = editor(shared(vec![]), shared(vec![]), &path).unwrap();
    assert_eq!(ed.history().len(), 0, "a missing file is an empty history");
    for line in ["note(1, \"C4\", 1)", "tempo(120)", "stop_loop(\"bass\")"] {
        ed.add_history_entry(line).unwrap();
    }
    save_history(&mut ed, &path).unwrap();
    let mut ed2 = editor(shared(vec![]), shared(vec![]), &path).unwrap();
    assert_eq!(entries(ed2.history()), entries(ed.history()));
    assert_eq!(entries(ed2.history()).len(), 3);
    assert_eq!(ed2.config_mut().max_history_size(), MAX_HISTORY);
    assert!(ed2.config_mut().auto_add_history());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn history_path_prefers_tactus_history_then_xdg_then_home() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.into())
    };
    let all = &[
        ("TACTUS_HISTORY", "/h/t"),
        ("XDG_STATE_HOME", "/x"),
        ("HOME", "/home/u"),
    ];
    assert_eq!(history_path_from(env(all)), PathBuf::from("/h/t"));
    let xdg = &[
        ("TACTUS_HISTORY", ""),
        ("XDG_STATE_HOME", "/x"),
        ("HOME", "/home/u"),
    ];
    assert_eq!(
        history_path_from(env(xdg)),
        PathBuf::from("/x/tactus/history")
    );
    let home = &[("XDG_STATE_HOME", "rel"), ("HOME", "/home/u")];
    assert_eq!(
        history_path_from(env(home)),
        PathBuf::from("/home/u/.local/state/tactus/history")
    );
}
