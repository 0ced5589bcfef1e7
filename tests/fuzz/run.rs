//! One run of the binary in a fresh temporary directory, and what counts as a
//! failure: a signal, a panic, a hang, an exit code other than 0-2, more than
//! 1 GiB resident, or an output WAV that is unreadable or not finite.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Wall time one process may take before it counts as a hang and is killed.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Peak resident memory a process may reach (KiB): 1 GiB.
pub const MAX_RSS_KIB: i64 = 1 << 20;

/// The render length every fuzz render asks for, in seconds.
pub const RENDER_SECONDS: &str = "2";

/// Output that means a panic: Rust's own line, or a binding's panic caught
/// by the script guard (reported, the evaluation undone, still a bug).
const PANIC_SIGNS: &[&str] = &["panicked", "internal error in a Tactus function"];

/// Output that shows a user Rust's or Rhai's insides instead of a message
/// (issue 16, "Messages"): debug text of values, a closure's internal name.
const LEAK_SIGNS: &[&str] = &["anon$", "Some(", "Num(", "Str(", "Indexer unavailable"];

/// At most 200 characters of a line.
fn clip(l: &str) -> String {
    l.chars().take(200).collect()
}

/// What a case puts in its directory and runs there.
pub struct Job {
    /// Files written into the directory first: name and bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// Arguments to `tactus`.
    pub args: Vec<String>,
    /// The WAV the run writes (checked when it exits 0).
    pub out_wav: Option<String>,
    /// The program run: the tactus binary unless a self-test names another.
    pub program: Option<String>,
}

impl Job {
    /// `tactus render <input> -o out.wav --duration 2 --bits 32f` on one file.
    pub fn render(name: &str, bytes: Vec<u8>) -> Job {
        Job {
            files: vec![(name.to_string(), bytes)],
            args: render_args(name),
            out_wav: Some("out.wav".into()),
            program: None,
        }
    }
}

/// The render command line used by every target, for `input`.
pub fn render_args(input: &str) -> Vec<String> {
    [
        "render",
        input,
        "-o",
        "out.wav",
        "--duration",
        RENDER_SECONDS,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(["--bits".to_string(), "32f".to_string()])
    .collect()
}

/// How a process ended.
enum End {
    Code(i32),
    Signal(i32),
    Hang,
    TooBig(i64),
}

/// A fresh, empty scratch directory for one process.
fn scratch() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tactus-fuzz-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// How a case went: what went wrong if anything, and the output text.
pub struct Ran {
    /// The failure, if any.
    pub problem: Option<String>,
    /// Exit code (None for a signal or a kill).
    pub code: Option<i32>,
    /// Standard error, then standard output.
    pub output: String,
}

/// Run `job` in a fresh directory; `None` when it behaved, else what went wrong.
pub fn check(job: &Job) -> Option<String> {
    run(job).problem
}

/// Run `job` in a fresh directory and judge it.
pub fn run(job: &Job) -> Ran {
    let dir = scratch();
    for (name, bytes) in &job.files {
        std::fs::write(dir.join(name), bytes).expect("write a fuzz input");
    }
    let ran = run_in(&dir, job);
    let _ = std::fs::remove_dir_all(&dir);
    ran
}

fn run_in(dir: &Path, job: &Job) -> Ran {
    let out = std::fs::File::create(dir.join(".stdout")).expect("stdout file");
    let err = std::fs::File::create(dir.join(".stderr")).expect("stderr file");
    let program = job
        .program
        .as_deref()
        .unwrap_or(env!("CARGO_BIN_EXE_tactus"));
    let child = Command::new(program)
        .args(&job.args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start tactus");
    let (end, max_rss_kib) = wait(child.id() as libc::pid_t);
    let stdout = std::fs::read(dir.join(".stdout")).unwrap_or_default();
    let stderr = std::fs::read(dir.join(".stderr")).unwrap_or_default();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&stderr),
        String::from_utf8_lossy(&stdout)
    );
    let code = match end {
        End::Code(c) => Some(c),
        _ => None,
    };
    let problem = judge(dir, job, &end, max_rss_kib, &output);
    Ran {
        problem,
        code,
        output,
    }
}

/// What went wrong in a finished run, if anything.
fn judge(dir: &Path, job: &Job, end: &End, max_rss_kib: i64, text: &str) -> Option<String> {
    match end {
        End::Signal(s) => return Some(format!("killed by signal {s} (crash){}", last_line(text))),
        End::Hang => return Some(format!("no exit within {} s (hang)", TIMEOUT.as_secs())),
        End::TooBig(kib) => {
            return Some(format!("over 1 GiB resident ({} MiB), killed", kib >> 10))
        }
        End::Code(c) if !(0..=2).contains(c) => {
            return Some(format!("exit code {c}{}", last_line(text)))
        }
        End::Code(_) => {}
    }
    if let Some(l) = text
        .lines()
        .find(|l| PANIC_SIGNS.iter().any(|p| l.contains(p)))
    {
        return Some(format!("panic: {l}"));
    }
    if let Some(l) = text
        .lines()
        .find(|l| LEAK_SIGNS.iter().any(|p| l.contains(p)))
    {
        return Some(format!("message shows Tactus's insides: {}", clip(l)));
    }
    if max_rss_kib > MAX_RSS_KIB {
        return Some(format!(
            "peak resident {} MiB (over 1 GiB)",
            max_rss_kib >> 10
        ));
    }
    match (end, &job.out_wav) {
        (End::Code(0), Some(w)) => wav_problem(&dir.join(w)),
        _ => None,
    }
}

/// `: <the last line of output>` for a message, or nothing.
fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!(": {}", clip(l)))
        .unwrap_or_default()
}

/// Wait for `pid`, killing it on a hang or past the memory ceiling; the end
/// and its peak resident memory in KiB (getrusage of the child).
fn wait(pid: libc::pid_t) -> (End, i64) {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    let mut killed: Option<End> = None;
    loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let flags = if killed.is_some() { 0 } else { libc::WNOHANG };
        // SAFETY: pid is our own child, status and usage are valid pointers.
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if r == pid {
            let end = killed.unwrap_or(if libc::WIFSIGNALED(status) {
                End::Signal(libc::WTERMSIG(status))
            } else {
                End::Code(libc::WEXITSTATUS(status))
            });
            return (end, usage.ru_maxrss);
        }
        assert!(r == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        let rss = resident_kib(pid);
        if start.elapsed() > TIMEOUT || rss > MAX_RSS_KIB {
            killed = Some(if rss > MAX_RSS_KIB {
                End::TooBig(rss)
            } else {
                End::Hang
            });
            // SAFETY: signalling our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            continue;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// The current resident memory of a process in KiB (0 if unknown).
fn resident_kib(pid: libc::pid_t) -> i64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A rendered WAV that hound cannot read, or that holds a non-finite sample.
fn wav_problem(path: &Path) -> Option<String> {
    let mut r = match hound::WavReader::open(path) {
        Ok(r) => r,
        Err(e) => return Some(format!("exit 0 but the output WAV is unreadable: {e}")),
    };
    let spec = r.spec();
    if spec.sample_format != hound::SampleFormat::Float {
        return None;
    }
    for (i, s) in r.samples::<f32>().enumerate() {
        match s {
            Ok(x) if x.is_finite() => {}
            Ok(x) => {
                let frame = i / spec.channels.max(1) as usize;
                return Some(format!(
                    "non-finite sample {x} at frame {frame} of the output"
                ));
            }
            Err(e) => return Some(format!("output WAV unreadable at sample {i}: {e}")),
        }
    }
    None
}

/// Shell-quote a string for a reproduction line.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Bytes as a `printf` format that writes them back exactly.
fn printf_escaped(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        match b {
            b'%' => s.push_str("%%"),
            b'\\' => s.push_str("\\\\"),
            b'\'' => s.push_str("'\\''"),
            b'\n' => s.push_str("\\n"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

impl Job {
    /// The one-line shell reproduction: write the files, run tactus.
    pub fn repro(&self, problem: &str) -> String {
        let mut line = String::from("cd \"$(mktemp -d)\" && ");
        for (name, bytes) in &self.files {
            line += &format!(
                "printf '{}' > {} && ",
                printf_escaped(bytes),
                sh_quote(name)
            );
        }
        line += "tactus";
        for a in &self.args {
            line += " ";
            line += &sh_quote(a);
        }
        line + "  # " + problem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, files: Vec<(String, Vec<u8>)>) -> Option<String> {
        check(&Job {
            files,
            args: vec!["-c".into(), script.into()],
            out_wav: Some("out.wav".into()),
            program: Some("/bin/sh".into()),
        })
    }

    fn wav_of(samples: &[f32]) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut c = std::io::Cursor::new(Vec::new());
        let mut w = hound::WavWriter::new(&mut c, spec).unwrap();
        for &x in samples {
            w.write_sample(x).unwrap();
        }
        w.finalize().unwrap();
        c.into_inner()
    }

    /// The judge itself: a crash, a panic, a bad exit code, a NaN sample
    /// and a missing output are failures; a clean error exit is not.
    #[test]
    fn the_fuzz_judge_catches_crashes_panics_and_nan() {
        let good = vec![("out.wav".to_string(), wav_of(&[0.0, 0.5, -0.5, 0.25]))];
        assert_eq!(sh("exit 0", good.clone()), None);
        assert_eq!(sh("echo error >&2; exit 1", vec![]), None);
        let crash = sh("kill -SEGV $$", good.clone()).unwrap_or_default();
        assert!(crash.contains("signal 11"), "{crash}");
        let panic = sh(
            "echo \"thread 'main' panicked at x.rs:1\" >&2; exit 0",
            good,
        );
        assert!(panic.unwrap_or_default().contains("panic"));
        assert!(sh("exit 101", vec![])
            .unwrap_or_default()
            .contains("exit code 101"));
        let nan = vec![("out.wav".to_string(), wav_of(&[0.0, 0.0, f32::NAN, 0.0]))];
        let found = sh("exit 0", nan).unwrap_or_default();
        assert!(
            found.contains("non-finite sample NaN at frame 1"),
            "{found}"
        );
        assert!(sh("exit 0", vec![])
            .unwrap_or_default()
            .contains("unreadable"));
    }
}
