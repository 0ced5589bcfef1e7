//! The sending side of `tactus eval`: one message to a running session's
//! socket, and its answer.

use super::{socket_path, too_large, Answer, SocketError, MAX_CODE_BYTES};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use thiserror::Error;

/// Why the code did not reach a session (a script error is an [`Answer`]).
#[derive(Debug, Error)]
pub enum ClientError {
    /// No session listens at the socket.
    #[error("no Tactus session is running (looked for {}); start one with `tactus` (add --socket NAME if it uses another name)", .0.display())]
    NoSession(PathBuf),
    /// The code is over [`MAX_CODE_BYTES`].
    #[error("{}", too_large(*.0))]
    TooLarge(usize),
    /// The socket name is not usable.
    #[error(transparent)]
    Socket(#[from] SocketError),
    /// Talking to the session failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The socket.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The session answered something that is not an answer.
    #[error("{}: the session's answer was not understood", .0.display())]
    Garbled(PathBuf),
}

/// Send `code` to the session listening at the socket of `name` and wait
/// for its answer (as long as the evaluation takes).
///
/// # Errors
/// [`ClientError::NoSession`] when nothing listens there,
/// [`ClientError::TooLarge`] over 1 MiB, others when the exchange fails.
pub fn send(name: &str, code: &str) -> Result<Answer, ClientError> {
    if code.len() > MAX_CODE_BYTES {
        return Err(ClientError::TooLarge(code.len()));
    }
    let path = socket_path(name)?;
    let mut stream = UnixStream::connect(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
            ClientError::NoSession(path.clone())
        }
        _ => ClientError::Io {
            path: path.clone(),
            source: e,
        },
    })?;
    let io = |source| ClientError::Io {
        path: path.clone(),
        source,
    };
    stream.write_all(code.as_bytes()).map_err(io)?;
    stream.shutdown(std::net::Shutdown::Write).map_err(io)?;
    let mut wire = String::new();
    stream.read_to_string(&mut wire).map_err(io)?;
    Answer::decode(&wire).ok_or(ClientError::Garbled(path))
}
