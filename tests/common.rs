//! Helpers shared by the tests: rendering to memory and reading signals.

use tactus::render::{self, RenderOptions, RenderReport};
use tactus::time::Seconds;

/// Taken by the tests that measure wall-clock time (reload and REPL-to-sound
/// latency, real-time pace, JACK, Link, the REPL and device sessions in
/// tmux), so they never run beside each other. `make test` runs them after
/// all the others, one at a time (tests/wall_clock_tests.sh finds them by
/// this call in their own body), so no render runs beside them either; a
/// plain `cargo test` runs the renders beside them, so each also keeps the
/// best of a few attempts where it measures a figure.
/// A test that failed while holding it does not poison it for the others.
pub fn wall_clock_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sample rate used throughout the tests.
pub const SR: f64 = 48_000.0;

/// Render `src` with a block size; panics with the script error if any.
pub fn render_block(src: &str, block: usize) -> (Vec<f32>, RenderReport) {
    let opts = RenderOptions {
        block_frames: block,
        ..RenderOptions::default()
    };
    render::render_to_vec("test.rhai", src, &opts).unwrap_or_else(|e| panic!("{e}"))
}

/// Render `src` for an exact duration with a block size.
pub fn render_for(src: &str, block: usize, seconds: f64) -> Vec<f32> {
    let opts = RenderOptions {
        block_frames: block,
        duration: Some(Seconds(seconds)),
        ..RenderOptions::default()
    };
    render::render_to_vec("test.rhai", src, &opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

/// Render with the default block size.
pub fn render(src: &str) -> Vec<f32> {
    render_block(src, 256).0
}

/// Left channel of interleaved stereo.
pub fn left(v: &[f32]) -> Vec<f32> {
    v.iter().step_by(2).copied().collect()
}

/// Right channel of interleaved stereo.
pub fn right(v: &[f32]) -> Vec<f32> {
    v.iter().skip(1).step_by(2).copied().collect()
}

/// Frames where the signal goes from exactly zero to non-zero.
pub fn onsets(x: &[f32]) -> Vec<usize> {
    (0..x.len())
        .filter(|&i| x[i] != 0.0 && (i == 0 || x[i - 1] == 0.0))
        .collect()
}

/// The frame of a beat on a constant tempo: round(b * 60 / T * sr).
pub fn beat_frame(b: f64, bpm: f64) -> usize {
    (b * 60.0 / bpm * SR).round() as usize
}

/// A constant table (value 1) and a rectangular envelope on channel 1, so the
/// output is exactly amp x pan gain while a note sounds and 0 otherwise.
pub const DC_SETUP: &str = r#"
table(1, 64, gen7([1, 64, 1]));
channel(1, #{ table: 1, env: linen(0, 0) });
"#;

/// Onsets of the left channel of a long render, without keeping the samples.
pub fn streamed_onsets(src: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut prev = 0.0f32;
    let mut frame = 0usize;
    let printer: tactus::script::state::Printer = std::rc::Rc::new(|_s: &str| {});
    render::render("test.rhai", src, &RenderOptions::default(), printer, |b| {
        for f in b.chunks_exact(2) {
            if f[0] != 0.0 && prev == 0.0 {
                found.push(frame);
            }
            prev = f[0];
            frame += 1;
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    found
}

/// A script host with `src` evaluated at beat 0; printed text is captured.
pub fn host(
    src: &str,
) -> (
    tactus::script::ScriptHost,
    std::rc::Rc<std::cell::RefCell<String>>,
) {
    let out = std::rc::Rc::new(std::cell::RefCell::new(String::new()));
    let sink = out.clone();
    let printer: tactus::script::state::Printer = std::rc::Rc::new(move |s: &str| {
        sink.borrow_mut().push_str(s);
        sink.borrow_mut().push('\n');
    });
    let session = tactus::session::Session::new(tactus::time::SampleRate(48_000), 256);
    let mut h = tactus::script::ScriptHost::new(session, printer);
    h.load("test.rhai", src).unwrap_or_else(|e| panic!("{e}"));
    (h, out)
}

/// The points of table `n` after evaluating `src`.
pub fn table_points(src: &str, n: u32) -> Vec<f32> {
    let (h, _) = host(src);
    h.with_session(|s| s.table(n).map(<[f32]>::to_vec))
        .expect("the table exists")
}

/// The first error `check` reports for `src`.
pub fn check_error(src: &str) -> String {
    let errors = render::check("bad.rhai", src, &RenderOptions::default());
    assert!(!errors.is_empty(), "expected an error from:\n{src}");
    errors[0].to_string()
}

/// The tactus binary run with `args`, its output collected.
pub fn tactus(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tactus"))
        .args(args)
        .output()
        .expect("run tactus")
}

/// A fresh, empty directory for one test: `tactus-AREA-PID-NAME` in the
/// temporary directory (AREA keeps modules apart).
pub fn scratch_dir(area: &str, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tactus-{area}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The live session as the tests start it: 48 kHz, 256-frame blocks, a
/// 0.1 s lookahead, `script` watched if given, no MIDI, Link, recording or
/// saved session (struct update syntax changes the rest).
pub fn live_config(script: Option<std::path::PathBuf>) -> tactus::live::LiveConfig {
    tactus::live::LiveConfig {
        sr: tactus::time::SampleRate(48_000),
        block_frames: 256,
        lookahead: Seconds(0.1),
        script,
        midi: false,
        midi_in: Vec::new(),
        midi_out: None,
        record: None,
        link: false,
        session: None,
    }
}
