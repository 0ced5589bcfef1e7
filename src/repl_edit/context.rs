//! What the word before the cursor can be, from where it stands: an option
//! name inside a `#{ }` map, a preset or drum pattern name inside a string,
//! a channel property after a `.`, or any name.

use super::scan::Scan;

/// The fixed words completion offers besides the names the session grows.
#[derive(Debug, Clone, Default)]
pub struct Vocab {
    /// Option names of each function that takes a `#{ }` map.
    pub options: Vec<(String, Vec<String>)>,
    /// Instrument preset names (`instruments()`).
    pub presets: Vec<String>,
    /// Drum pattern names (`drum_patterns()`).
    pub drums: Vec<String>,
}

impl Vocab {
    /// The vocabulary of the bindings: their option lists, presets and
    /// drum patterns.
    pub fn of_bindings() -> Vocab {
        let own = |v: Vec<&str>| v.into_iter().map(str::to_string).collect();
        let options = crate::script::api::map_options();
        Vocab {
            options: options
                .into_iter()
                .map(|(f, o)| (f.to_string(), own(o)))
                .collect(),
            presets: own(crate::script::api::presets::names()),
            drums: own(crate::session::drum_patterns::names()),
        }
    }

    /// Option names of `func`, or of every function when it is unknown.
    fn options_of(&self, func: &str) -> Vec<String> {
        match self.options.iter().find(|(f, _)| f == func) {
            Some((_, o)) => o.clone(),
            None => self.options.iter().flat_map(|(_, o)| o.clone()).collect(),
        }
    }

    /// A channel handle's properties (`ch.reverb = 0.3`).
    fn channel_properties(&self) -> Vec<String> {
        self.options_of("channel")
    }
}

/// Where the words to complete come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pool {
    /// The names (functions, loops, sequences).
    Names,
    /// Only these words.
    Only(Vec<String>),
    /// The names and these words.
    NamesAnd(Vec<String>),
}

/// Calls whose string argument names a loop or a sequence.
const LOOP_CALLS: &[&str] = &["stop_loop(", "stop_seq(", "seq(", "live_loop("];

/// What the word starting at `start` in `before` may complete to.
pub fn candidates(vocab: &Vocab, before: &str, start: usize, in_string: bool) -> Pool {
    let head = &before[..start];
    if in_string {
        return string_context(vocab, head);
    }
    if head.ends_with('.') {
        return Pool::NamesAnd(vocab.channel_properties());
    }
    match map_key(before, start) {
        Some(func) => Pool::Only(vocab.options_of(&func)),
        None => Pool::Names,
    }
}

/// Words for a string whose text runs from the end of `head`: drum
/// patterns in `drums("`, presets after `instrument:` or `instrument =`,
/// loop and sequence names in `stop_loop("` and the like; at the start of
/// any other string the names, presets and drum patterns; inside a string's
/// text (after a space) the names.
fn string_context(vocab: &Vocab, head: &str) -> Pool {
    let Some(head) = head.strip_suffix('"').map(str::trim_end) else {
        return Pool::Names;
    };
    if head.ends_with("drums(") {
        let mut d = vocab.drums.clone();
        d.push("off".into());
        return Pool::Only(d);
    }
    let key = head.trim_end_matches([':', '=']).trim_end();
    if key != head && key.ends_with("instrument") {
        return Pool::Only(vocab.presets.clone());
    }
    if LOOP_CALLS.iter().any(|c| head.ends_with(c)) {
        return Pool::Names;
    }
    Pool::NamesAnd(vocab.presets.iter().chain(&vocab.drums).cloned().collect())
}

/// The function whose `#{ }` map the word at `start` is a key of ("" when
/// the map is not an argument of a named call), or `None` when the word is
/// not at a key's place.
fn map_key(before: &str, start: usize) -> Option<String> {
    let scan = Scan::of(&before[..start]);
    let (&open, &at) = (scan.open.last()?, scan.open_at.last()?);
    if open != '{' || !before[..at].ends_with('#') {
        return None;
    }
    let inside = before[at + 1..start].trim_end();
    if !(inside.is_empty() || inside.ends_with(',')) {
        return None;
    }
    let k = scan.open.len();
    if k < 2 || scan.open[k - 2] != '(' {
        return Some(String::new());
    }
    let call = before[..scan.open_at[k - 2]].trim_end();
    let name_start = call
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_ascii_alphanumeric() || c == '_')
        .last()
        .map_or(call.len(), |(i, _)| i);
    Some(call[name_start..].to_string())
}
