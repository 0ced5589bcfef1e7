//! Live loops: `live_loop(name, beats, |i| { ... })`, `stop_loop(name)`,
//! `loops()`, and state that survives reloads: `set(key, value)`, `get(key)`.

use super::args::{self, err, Res};
use crate::script::state::{Callback, Shared, StagedLoop};
use rhai::{Array, Dynamic, Engine, FnPtr, NativeCallContext};

/// Loops and sequences start on the next bar of this many beats.
pub const BAR_BEATS: f64 = 4.0;

/// The first bar line at or after `beat`, bars counted from `origin`.
pub fn next_bar(origin: f64, beat: f64) -> f64 {
    origin + ((beat - origin) / BAR_BEATS - 1e-9).ceil().max(0.0) * BAR_BEATS
}

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn(
        "live_loop",
        move |ctx: NativeCallContext, name: &str, beats: Dynamic, f: FnPtr| -> Res<()> {
            let period = args::num(&beats, "live_loop", "beats")?;
            if period <= 0.0 {
                return err(format!("live_loop(): beats must be above 0, got {period}"));
            }
            if name.is_empty() {
                return err("live_loop(): the loop needs a name");
            }
            let mut st = s.borrow_mut();
            let Some(ast) = st.current_ast.clone() else {
                return err("live_loop(): no script is running");
            };
            let start = next_bar(st.session.bar_origin.0, st.session.cursor.0);
            let text = call_text(&st.current_src, ctx.call_position());
            st.staged_loops.push(StagedLoop {
                name: name.to_string(),
                body: Callback { f, ast, text },
                period,
                start,
            });
            Ok(())
        },
    );
    let s = st.clone();
    engine.register_fn("stop_loop", move |name: &str| -> Res<()> {
        let mut st = s.borrow_mut();
        let names: Vec<String> = st.loops.keys().cloned().collect();
        match st.loops.get_mut(name) {
            Some(lp) => {
                lp.stopping = true;
                Ok(())
            }
            None => err(format!(
                "stop_loop(): no loop named \"{name}\" (running: {})",
                list(&names)
            )),
        }
    });
    let s = st.clone();
    engine.register_fn("loops", move || -> Array {
        let st = s.borrow();
        st.loops
            .iter()
            .filter(|(_, l)| !l.stopping)
            .map(|(n, _)| Dynamic::from(n.clone()))
            .collect()
    });
    let s = st.clone();
    engine.register_fn("set", move |key: &str, value: Dynamic| {
        s.borrow_mut().kept.insert(key.to_string(), value);
    });
    let s = st.clone();
    engine.register_fn("get", move |key: &str| -> Dynamic {
        s.borrow().kept.get(key).cloned().unwrap_or(Dynamic::UNIT)
    });
}

/// The text of the call at `pos` (through its closing parenthesis), with
/// whitespace folded and comments kept out, so a loop is recognised wherever
/// it stands in the file.
pub fn call_text(src: &str, pos: rhai::Position) -> String {
    let (Some(line), Some(col)) = (pos.line(), pos.position()) else {
        return String::new();
    };
    let start: usize = src
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum::<usize>();
    let from = src[start..]
        .char_indices()
        .nth(col - 1)
        .map_or(src.len(), |(i, _)| start + i);
    let mut out = String::new();
    let (mut depth, mut in_str, mut prev_space) = (0i32, false, false);
    let mut chars = src[from..].chars().peekable();
    while let Some(c) = chars.next() {
        if !in_str && c == '/' && chars.peek() == Some(&'/') {
            chars.by_ref().take_while(|&c| c != '\n').for_each(drop);
            continue;
        }
        if c == '"' || c == '`' {
            in_str = !in_str;
        }
        if !in_str && c.is_whitespace() {
            prev_space = true;
            continue;
        }
        if prev_space && !out.is_empty() {
            out.push(' ');
        }
        prev_space = false;
        out.push(c);
        match c {
            '(' | '[' | '{' if !in_str => depth += 1,
            ')' | ']' | '}' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    out
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}
