//! The audio code stays real-time by construction: every line under
//! `src/audio` that allocates, frees, locks, blocks or prints carries a
//! `// rt:` comment saying why it never runs in the callback (it runs when
//! the engine is built, or on the script thread). Unit tests are skipped:
//! files named `tests.rs` / `tests_*.rs`, files under a `tests/` folder, and
//! `#[cfg(test)]` items.

use std::path::{Path, PathBuf};

/// What a callback must not do, as it reads in source. The baseline is the
/// grep in the before-stop hook; `collect`, `with_capacity`, `clone()`,
/// `to_vec`, `Arc::new` and blocking channel calls are added.
const FORBIDDEN: &[&str] = &[
    "Mutex",
    "RwLock",
    ".lock(",
    "println!",
    "eprintln!",
    "print!",
    "eprint!",
    "dbg!",
    "Vec::new",
    "vec![",
    "::with_capacity(",
    "Box::new",
    "Arc::new",
    "Rc::new",
    "format!",
    "to_string(",
    "to_owned(",
    "to_vec(",
    "String::",
    "std::fs",
    ".clone()",
    ".collect",
    "sleep(",
    ".recv(",
    ".send(",
];

/// The marker that justifies a line.
const MARKER: &str = "// rt:";

/// Lines of `text` that use a forbidden call without the marker, as
/// `label:line: text`; `#[cfg(test)]` items and comments are not code.
fn violations(label: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut skipping = false;
    let mut depth = 0i32;
    let mut opened = false;
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        if skipping {
            depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
            opened |= code.contains('{');
            if (opened && depth <= 0) || (!opened && code.trim_end().ends_with(';')) {
                skipping = false;
            }
            continue;
        }
        if line.trim_start().starts_with("#[cfg(test)]") {
            (skipping, depth, opened) = (true, 0, false);
            continue;
        }
        if line.contains(MARKER) {
            continue;
        }
        if let Some(p) = FORBIDDEN.iter().find(|p| code.contains(*p)) {
            found.push(format!("{label}:{}: {} ({p})", i + 1, line.trim()));
        }
    }
    found
}

/// Every `.rs` file under `dir` that is not a unit-test file.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "tests" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" && !name.starts_with("tests_") {
            out.push(path);
        }
    }
}

#[test]
fn the_scan_finds_unmarked_calls_and_skips_tests_and_comments() {
    let text = r#"
fn process(&mut self) {
    let v = Vec::new();
    let w = vec![0.0; 4]; // rt: built before the stream
    let s = format!("{x}");
    // A comment may say Box::new without allocating.
    self.voices.push(v); self.tx.try_send(g); self.rx.try_recv();
}
#[cfg(test)]
mod tests {
    fn helper() -> String {
        String::from("x")
    }
}
#[cfg(test)]
thread_local! { static A: Vec<u8> = Vec::new(); }
fn after() { let m = Mutex::new(0); }
"#;
    let found = violations("x.rs", text);
    let lines: Vec<&str> = found
        .iter()
        .map(|f| f.split(": ").next().unwrap())
        .collect();
    assert_eq!(lines, ["x.rs:3", "x.rs:5", "x.rs:17"], "{found:#?}");
}

#[test]
fn audio_code_allocates_locks_blocks_or_prints_only_on_marked_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root.join("audio"), &mut files);
    files.push(root.join("audio.rs"));
    files.sort();
    assert!(files.len() >= 20, "only {} files found", files.len());
    let mut found = Vec::new();
    let mut marked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        marked += text.lines().filter(|l| l.contains(MARKER)).count();
        let label = f.strip_prefix(&root).unwrap().display().to_string();
        found.extend(violations(&label, &text));
    }
    assert!(
        marked >= 10,
        "the marked construction-time lines were read ({marked})"
    );
    assert!(
        found.is_empty(),
        "lines under src/audio that allocate, lock, block or print without a \
         `// rt:` reason:\n{}",
        found.join("\n")
    );
}
