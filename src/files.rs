//! Reading the files a script names (scores, `#include`s, WAV tables, MIDI
//! files, sessions, scripts): only regular files, and at most a documented
//! size. A FIFO, a device or a directory is refused before it is opened for
//! reading, so nothing blocks in `open()` or reads `/dev/zero` for ever.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Why a file could not be read: its path and the reason; shown as
/// `cannot read "PATH": REASON`.
#[derive(Debug, Clone, PartialEq)]
pub struct FileError {
    /// The file as named.
    pub path: String,
    /// What is wrong, without the path.
    pub reason: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read \"{}\": {}", self.path, self.reason)
    }
}

impl From<FileError> for String {
    fn from(e: FileError) -> String {
        e.to_string()
    }
}

fn fail(path: &Path, reason: impl std::fmt::Display) -> FileError {
    FileError {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Largest score, script, `#include`, MIDI or session file read: 64 MiB.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Open `path` for reading if it is a regular file (a symlink to one is
/// fine). The error is one line naming the file and what it is instead.
///
/// # Errors
/// The file is missing or unreadable, or is not a regular file.
pub fn open_regular(path: &Path) -> Result<File, FileError> {
    let meta = std::fs::metadata(path).map_err(|e| fail(path, e))?;
    refuse_kind(path, &meta)?;
    let file = open_nonblocking(path).map_err(|e| fail(path, e))?;
    // Swapped for a FIFO between the two looks: the open did not block
    // (O_NONBLOCK), and the file itself says what it is.
    let meta = file.metadata().map_err(|e| fail(path, e))?;
    refuse_kind(path, &meta)?;
    Ok(file)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// An error unless `meta` is a regular file's.
fn refuse_kind(path: &Path, meta: &std::fs::Metadata) -> Result<(), FileError> {
    if meta.is_file() {
        return Ok(());
    }
    Err(fail(
        path,
        format!("it is {}, not a regular file", kind_of(meta)),
    ))
}

/// What a file that is not a regular file is, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// The bytes of a regular file of at most [`MAX_FILE_BYTES`].
///
/// # Errors
/// As [`open_regular`], a read error, or a file over the limit.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, FileError> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(
            path,
            format!(
                "it is larger than {} MiB, the largest file Tactus reads",
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// The text of a regular UTF-8 file of at most [`MAX_FILE_BYTES`].
///
/// # Errors
/// As [`read_bytes`], or text that is not UTF-8.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    String::from_utf8(read_bytes(path)?).map_err(|_| fail(path, "it is not UTF-8 text"))
}
