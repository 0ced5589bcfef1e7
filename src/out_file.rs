//! A file written whole and then put in place: it is written under a hidden
//! temporary name beside its target and renamed over the target only once
//! complete, so a failed write leaves the previous file byte-identical.
//! A target that is one of the inputs (the script being rendered), or that
//! exists and is not a regular file (a device node, a FIFO, a directory, a
//! symlink to one of those), is refused before anything is touched.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Why an output file cannot be written (shown after "PATH: error: ").
#[derive(Debug, thiserror::Error)]
pub enum OutFileError {
    /// The target is an input (the same file, by path or by inode).
    #[error("this is the input {input} itself; give the output another name")]
    IsInput {
        /// The output path as given.
        target: String,
        /// The input path as given.
        input: String,
    },
    /// The target exists and is not a regular file.
    #[error("exists and is {what}, not a regular file; give the name of a new or regular file")]
    NotRegular {
        /// The output path as given.
        target: String,
        /// What it is ("a directory", "a device node", ...).
        what: &'static str,
    },
    /// Creating or writing the temporary file, or renaming it, failed.
    #[error("cannot write the file: {error}")]
    Io {
        /// The output path as given.
        target: String,
        /// The error.
        error: io::Error,
    },
}

/// A file being written beside its target; dropped without
/// [`Pending::commit`], the temporary file is removed and the target is
/// untouched.
#[derive(Debug)]
pub struct Pending {
    /// Where the file will be (a symlink's regular file, resolved).
    target: PathBuf,
    /// The temporary file beside it.
    temp: PathBuf,
    /// The target as given, for messages.
    shown: String,
    /// Renamed into place.
    done: bool,
}

impl Pending {
    /// Check `target` against `inputs`, and create its temporary file.
    ///
    /// # Errors
    /// [`OutFileError`]: an input, not a regular file, or the I/O error of
    /// creating the temporary file.
    pub fn create(target: &Path, inputs: &[&Path]) -> Result<(Pending, File), OutFileError> {
        let shown = target.display().to_string();
        let io_err = |error| OutFileError::Io {
            target: shown.clone(),
            error,
        };
        let resolved = check_target(target, inputs)?;
        let dir = match resolved.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = resolved.file_name().unwrap_or_default().to_string_lossy();
        let temp = dir.join(format!(".{name}.tactus-{}.tmp", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .or_else(|e| {
                // A temporary file left by a killed earlier run of this pid.
                if e.kind() == io::ErrorKind::AlreadyExists {
                    std::fs::remove_file(&temp)?;
                    OpenOptions::new().write(true).create_new(true).open(&temp)
                } else {
                    Err(e)
                }
            })
            .map_err(io_err)?;
        if let Ok(m) = std::fs::metadata(&resolved) {
            // The new file keeps the old one's permissions.
            let _ = file.set_permissions(m.permissions());
        }
        let pending = Pending {
            target: resolved,
            temp,
            shown,
            done: false,
        };
        Ok((pending, file))
    }

    /// Put the written file in place of the target.
    ///
    /// # Errors
    /// The rename's I/O error (the target is then untouched).
    pub fn commit(mut self) -> Result<(), OutFileError> {
        std::fs::rename(&self.temp, &self.target).map_err(|error| OutFileError::Io {
            target: self.shown.clone(),
            error,
        })?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Write `bytes` to `target` whole, or leave it as it was.
///
/// # Errors
/// As [`Pending::create`] and [`Pending::commit`], and the write's error.
pub fn write_whole(target: &Path, inputs: &[&Path], bytes: &[u8]) -> Result<(), OutFileError> {
    use std::io::Write;
    let (pending, mut file) = Pending::create(target, inputs)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|error| OutFileError::Io {
            target: target.display().to_string(),
            error,
        })?;
    pending.commit()
}

/// The path to write: `target` itself, or the regular file its symlink
/// names; refused when it is an input or not a regular file.
fn check_target(target: &Path, inputs: &[&Path]) -> Result<PathBuf, OutFileError> {
    let shown = target.display().to_string();
    let Ok(link) = std::fs::symlink_metadata(target) else {
        return Ok(target.to_path_buf()); // a new file
    };
    let meta = match std::fs::metadata(target) {
        Ok(m) => m,
        Err(_) if link.file_type().is_symlink() => {
            return Err(OutFileError::NotRegular {
                target: shown,
                what: "a symlink to nothing",
            })
        }
        Err(error) => {
            return Err(OutFileError::Io {
                target: shown,
                error,
            })
        }
    };
    if !meta.is_file() {
        return Err(OutFileError::NotRegular {
            target: shown,
            what: kind_of(&meta),
        });
    }
    for input in inputs {
        if same_file(target, &meta, input) {
            return Err(OutFileError::IsInput {
                target: shown,
                input: input.display().to_string(),
            });
        }
    }
    if link.file_type().is_symlink() {
        // Write the file the link names; the link stays.
        return std::fs::canonicalize(target).map_err(|error| OutFileError::Io {
            target: shown,
            error,
        });
    }
    Ok(target.to_path_buf())
}

/// True when `input` is the file `target` (same canonical path, or on Unix
/// the same device and inode: a hard link).
fn same_file(target: &Path, meta: &std::fs::Metadata, input: &Path) -> bool {
    let Ok(other) = std::fs::metadata(input) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.dev() == other.dev() && meta.ino() == other.ino() {
            return true;
        }
    }
    let _ = (meta, other);
    matches!(
        (std::fs::canonicalize(target), std::fs::canonicalize(input)),
        (Ok(a), Ok(b)) if a == b
    )
}

/// What a file that is not regular is, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_block_device() || t.is_char_device() {
            return "a device node";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}
