//! `quietly` drops alsa-lib's lines on its thread where alsa-lib makes them
//! (its error handler), and gives them back afterwards, even when its
//! closure panics.

use super::*;
use std::ffi::{c_char, c_int, c_void};
use std::io::Read;

#[link(name = "asound")]
extern "C" {
    fn snd_pcm_open(
        pcm: *mut *mut c_void,
        name: *const c_char,
        stream: c_int,
        mode: c_int,
    ) -> c_int;
}

/// Ask alsa-lib for a PCM that does not exist: it reports "ALSA lib ...
/// Unknown PCM ..." through its error handler, and fails.
fn open_missing_pcm() {
    let mut pcm = std::ptr::null_mut();
    // SAFETY: a valid out-pointer and a NUL-terminated name; the open fails
    // (the PCM does not exist), so there is nothing to close.
    let rc = unsafe { snd_pcm_open(&mut pcm, c"tactus_no_such_pcm".as_ptr(), 0, 0) };
    assert!(rc < 0, "no such PCM");
}

/// What `f` writes to fd 2 (pointed at a file meanwhile).
fn stderr_of(f: impl FnOnce()) -> String {
    let path = tmp("quiet-stderr");
    let file = std::fs::File::create(&path).unwrap();
    // SAFETY: fd 2 is copied, pointed at `file`, and put back below.
    let saved = unsafe { libc::dup(2) };
    assert!(saved >= 0);
    unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&file), 2) };
    f();
    // SAFETY: puts back the descriptor copied above and closes the copy.
    unsafe {
        libc::dup2(saved, 2);
        libc::close(saved);
    }
    let mut text = String::new();
    std::fs::File::open(&path)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let _ = std::fs::remove_file(&path);
    text
}

#[test]
fn quietly_drops_alsa_lib_lines_and_gives_them_back_even_after_a_panic() {
    if std::env::var_os("TACTUS_DEBUG_AUDIO").is_some() {
        return;
    }
    let inside = stderr_of(|| quietly(open_missing_pcm));
    assert_eq!(inside, "", "dropped inside quietly");
    let panicked = stderr_of(|| {
        let r = std::panic::catch_unwind(|| {
            quietly(|| {
                open_missing_pcm();
                // Unwinds without the panic hook (which would print).
                std::panic::resume_unwind(Box::new("a probe panicked inside quietly"));
            })
        });
        assert!(r.is_err(), "the panic went through");
    });
    assert_eq!(panicked, "", "dropped up to the panic");
    let outside = stderr_of(open_missing_pcm);
    assert!(
        outside.contains("ALSA lib") && outside.contains("tactus_no_such_pcm"),
        "alsa-lib prints again afterwards: {outside:?}"
    );
}
