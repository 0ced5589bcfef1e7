//! `tactus eval`: code from an editor, sent to a running session through a
//! local socket (a Unix domain socket, never a network port).
//!
//! The socket is `$XDG_RUNTIME_DIR/tactus/<name>.sock`, or, when
//! `XDG_RUNTIME_DIR` is unset, `/tmp/tactus-<uid>/<name>.sock`; the directory
//! is made private (0700) and the socket 0600, so only the user who started
//! the session can reach it. The name is `default` unless `--socket NAME`
//! gives another. One session per socket: a socket file nobody listens on
//! (a session that crashed) is replaced; a live one is left to its session.
//!
//! # Threads
//! The listener thread ([`EvalServer`]) never touches the session. It reads
//! one message per connection (at most [`MAX_CODE_BYTES`], within
//! [`READ_TIMEOUT`]), hands the text to the script thread as a
//! [`Request::Editor`] (the REPL's channel, so it is evaluated exactly as a
//! typed line is: one transaction on the script thread) and writes the
//! reply back. Connections are served one at a time, in the order they came.
//!
//! # Protocol
//! The client sends the code and closes its sending side; the answer is
//! `ok\n` followed by what the REPL would print (`=> value`, or nothing),
//! or `error\n` followed by the error as the REPL prints it.

pub mod client;

use crate::live::{Reply, Request};
use crossbeam_channel::{bounded, Sender};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// The socket's name when `--socket` is not given.
pub const DEFAULT_NAME: &str = "default";
/// The largest message (code) accepted: 1 MiB.
pub const MAX_CODE_BYTES: usize = 1 << 20;
/// How long the listener waits for a client's whole message.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the listener waits to hand an answer to a client.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest socket name.
const MAX_NAME_CHARS: usize = 64;

/// Why a socket cannot be used.
#[derive(Debug, Error)]
pub enum SocketError {
    /// `--socket NAME` is not a plain name.
    #[error(
        "socket name {0:?}: use 1 to 64 letters, digits, '-', '_' or '.' (not starting with '.')"
    )]
    BadName(String),
    /// Another session listens there.
    #[error("another Tactus session is listening at {}", .0.display())]
    Busy(PathBuf),
    /// The directory is not private to this user.
    #[error("{}: not a directory owned by this user; `tactus eval` is off", .0.display())]
    NotPrivate(PathBuf),
    /// A file system or socket error.
    #[error("{}: {source}", path.display())]
    Io {
        /// The socket or its directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SocketError + '_ {
    move |source| SocketError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The directory the sockets live in: `$XDG_RUNTIME_DIR/tactus`, or
/// `/tmp/tactus-<uid>` when `XDG_RUNTIME_DIR` is unset (or not absolute).
pub fn socket_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("tactus"),
        // SAFETY: getuid has no preconditions and cannot fail.
        _ => PathBuf::from(format!("/tmp/tactus-{}", unsafe { libc::getuid() })),
    }
}

/// The socket of session `name`.
///
/// # Errors
/// [`SocketError::BadName`] when `name` is not a plain name.
pub fn socket_path(name: &str) -> Result<PathBuf, SocketError> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let ok = (1..=MAX_NAME_CHARS).contains(&name.chars().count())
        && name.chars().all(plain)
        && !name.starts_with('.');
    if !ok {
        return Err(SocketError::BadName(name.to_string()));
    }
    Ok(socket_dir().join(format!("{name}.sock")))
}

/// Make `dir` (its parent must exist) and keep it private: a directory
/// owned by this user, mode 0700.
fn private_dir(dir: &Path) -> Result<(), SocketError> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_err(dir)(e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(io_err(dir))?;
    // SAFETY: getuid has no preconditions and cannot fail.
    if !meta.is_dir() || meta.uid() != unsafe { libc::getuid() } {
        return Err(SocketError::NotPrivate(dir.to_path_buf()));
    }
    if meta.mode() & 0o777 != 0o700 {
        let private = std::fs::Permissions::from_mode(0o700);
        std::fs::set_permissions(dir, private).map_err(io_err(dir))?;
    }
    Ok(())
}

/// The answer to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The code ran (false: the text is an error).
    pub ok: bool,
    /// What the REPL would print: `=> value`, nothing, or the error.
    pub text: String,
}

impl Answer {
    fn error(text: impl Into<String>) -> Answer {
        Answer {
            ok: false,
            text: text.into(),
        }
    }

    fn encode(&self) -> String {
        let status = if self.ok { "ok" } else { "error" };
        format!("{status}\n{}", self.text)
    }

    fn decode(wire: &str) -> Option<Answer> {
        let (status, text) = wire.split_once('\n')?;
        let ok = match status {
            "ok" => true,
            "error" => false,
            _ => return None,
        };
        let text = text.to_string();
        Some(Answer { ok, text })
    }

    /// The answer to an evaluation, as the REPL prints it.
    pub fn of(reply: &Reply) -> Answer {
        match &reply.result {
            Ok(Some(value)) => Answer {
                ok: true,
                text: format!("=> {value}"),
            },
            Ok(None) => Answer {
                ok: true,
                text: String::new(),
            },
            Err(e) => Answer::error(e.to_string()),
        }
    }
}

/// The line the REPL shows for code an editor sent: `[eval] CODE => VALUE`
/// (the code's first line, shortened), or the error below it.
pub fn summary(code: &str, result: &Result<Option<String>, crate::script::ScriptError>) -> String {
    const SHOWN_CHARS: usize = 60;
    let mut lines = code.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    let mut shown: String = first.chars().take(SHOWN_CHARS).collect();
    if first.chars().count() > SHOWN_CHARS {
        shown.push_str("...");
    }
    let more = lines.count();
    if more > 0 {
        shown.push_str(&format!(" (+{more} lines)"));
    }
    match result {
        Ok(Some(v)) => format!("[eval] {shown} => {v}"),
        Ok(None) => format!("[eval] {shown} => ()"),
        Err(e) => format!("[eval] {shown}\n{e}"),
    }
}

/// The listening socket of a live session; dropping it stops listening
/// and removes the socket file.
pub struct EvalServer {
    path: PathBuf,
    /// The socket file's (device, inode), to remove only our own.
    id: (u64, u64),
    stop: Arc<AtomicBool>,
}

impl EvalServer {
    /// Listen at the socket of `name` and forward each message to the
    /// script thread on `requests`; `on_names` receives each evaluation's
    /// completion names (for the REPL's Tab).
    ///
    /// # Errors
    /// [`SocketError::Busy`] when a live session listens there; others when
    /// the directory or socket cannot be made private.
    pub fn start(
        name: &str,
        requests: Sender<Request>,
        on_names: impl Fn(Vec<String>) + Send + 'static,
    ) -> Result<EvalServer, SocketError> {
        let path = socket_path(name)?;
        private_dir(&socket_dir())?;
        let listener = bind_fresh(&path)?;
        let meta = std::fs::symlink_metadata(&path).map_err(io_err(&path))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("tactus-eval-socket".into())
            .spawn(move || listen(listener, &requests, &on_names, &flag))
            .map_err(io_err(&path))?;
        Ok(EvalServer {
            path,
            id: (meta.dev(), meta.ino()),
            stop,
        })
    }

    /// Where it listens.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for EvalServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the accept: an empty message, never evaluated.
        let _ = UnixStream::connect(&self.path);
        let ours =
            std::fs::symlink_metadata(&self.path).is_ok_and(|m| (m.dev(), m.ino()) == self.id);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Bind `path` (mode 0600), replacing a socket file nobody listens on.
fn bind_fresh(path: &Path) -> Result<UnixListener, SocketError> {
    match UnixStream::connect(path) {
        Ok(_) => return Err(SocketError::Busy(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(_) => {
            // A stale socket (its session is gone): replace it.
            let is_socket = std::fs::symlink_metadata(path)
                .is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_socket(&m.file_type()));
            if is_socket {
                std::fs::remove_file(path).map_err(io_err(path))?;
            }
        }
    }
    let listener = UnixListener::bind(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => SocketError::Busy(path.to_path_buf()),
        _ => io_err(path)(e),
    })?;
    let private = std::fs::Permissions::from_mode(0o600);
    std::fs::set_permissions(path, private).map_err(io_err(path))?;
    Ok(listener)
}

/// The listener thread: one connection at a time until `stop`.
fn listen(
    listener: UnixListener,
    requests: &Sender<Request>,
    on_names: &dyn Fn(Vec<String>),
    stop: &AtomicBool,
) {
    for conn in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            return;
        }
        if let Ok(stream) = conn {
            serve(stream, requests, on_names);
        }
    }
}

/// Read one message, have it evaluated, write the answer.
fn serve(mut stream: UnixStream, requests: &Sender<Request>, on_names: &dyn Fn(Vec<String>)) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let answer = match read_code(&mut stream) {
        Ok(code) if code.trim().is_empty() => Answer {
            ok: true,
            text: String::new(),
        },
        Ok(code) => evaluate(code, requests, on_names),
        Err(why) => Answer::error(format!("<eval>: error: {why}")),
    };
    let _ = stream.write_all(answer.encode().as_bytes());
}

/// The client's whole message: at most [`MAX_CODE_BYTES`] of UTF-8 text.
fn read_code(stream: &mut UnixStream) -> Result<String, String> {
    let mut bytes = Vec::new();
    let limit = MAX_CODE_BYTES as u64 + 1;
    if let Err(e) = stream.take(limit).read_to_end(&mut bytes) {
        return Err(match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => format!(
                "the message did not end within {} s (send the code, then close the sending side)",
                READ_TIMEOUT.as_secs()
            ),
            _ => format!("reading the message: {e}"),
        });
    }
    if bytes.len() > MAX_CODE_BYTES {
        return Err(too_large(bytes.len()));
    }
    String::from_utf8(bytes).map_err(|_| "the code is not UTF-8 text".to_string())
}

/// The error for a message over the limit.
pub fn too_large(bytes: usize) -> String {
    let more = if bytes > MAX_CODE_BYTES {
        "more than "
    } else {
        ""
    };
    format!(
        "the code is {more}{bytes} bytes; the most `tactus eval` sends is {MAX_CODE_BYTES} (1 MiB)"
    )
}

/// Hand `code` to the script thread and wait for its reply.
fn evaluate(code: String, requests: &Sender<Request>, on_names: &dyn Fn(Vec<String>)) -> Answer {
    let (tx, rx) = bounded(1);
    if requests.send(Request::Editor { code, reply: tx }).is_err() {
        return Answer::error("<eval>: error: the session is ending");
    }
    match rx.recv() {
        Ok(reply) => {
            let answer = Answer::of(&reply);
            on_names(reply.names);
            answer
        }
        Err(_) => Answer::error("<eval>: error: the session ended before answering"),
    }
}
