//! `quietly` gives stdout and stderr back even when its closure panics.

use super::*;

/// The file a descriptor refers to.
fn identity(fd: i32) -> (u64, u64) {
    // SAFETY: fstat writes into the zeroed struct it is given.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        assert_eq!(libc::fstat(fd, &mut st), 0, "fstat({fd})");
        (st.st_dev, st.st_ino)
    }
}

#[test]
fn quietly_restores_stdout_and_stderr_when_its_closure_panics() {
    let null = {
        let f = std::fs::File::open("/dev/null").unwrap();
        identity(std::os::fd::AsRawFd::as_raw_fd(&f))
    };
    // SAFETY: copies of fds 1 and 2, put back and closed at the end.
    let originals = unsafe { [libc::dup(1), libc::dup(2)] };
    assert!(originals.iter().all(|&fd| fd >= 0));
    // Where they already go to /dev/null a lost restore would not show:
    // point them at a file of our own for the test (this hides the test
    // harness's own lines meanwhile, so only then).
    let own = tmp("quiet-fds");
    let file = std::fs::File::create(&own).unwrap();
    for fd in [1, 2] {
        if identity(fd) == null {
            // SAFETY: fd 1 or 2 now refers to `file`; restored below.
            unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&file), fd) };
        }
    }
    let before = [identity(1), identity(2)];
    let inside = std::cell::Cell::new(None);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        quietly(|| {
            inside.set(Some([identity(1), identity(2)]));
            // Unwinds without the panic hook, which would print (and take
            // a backtrace) while fds 1 and 2 are silenced for every test.
            std::panic::resume_unwind(Box::new("a probe panicked inside quietly"));
        })
    }));
    let after = [identity(1), identity(2)];
    // SAFETY: puts back the descriptors copied above and closes the copies
    // (so a failure below is still reported where it should be).
    unsafe {
        libc::dup2(originals[0], 1);
        libc::dup2(originals[1], 2);
        libc::close(originals[0]);
        libc::close(originals[1]);
    }
    let _ = std::fs::remove_file(&own);
    assert!(result.is_err(), "the panic went through");
    if std::env::var_os("TACTUS_DEBUG_AUDIO").is_none() {
        assert_eq!(inside.get(), Some([null, null]), "silenced inside");
    }
    assert_ne!(before, [null, null]);
    assert_eq!(after, before, "fds 1 and 2 point where they did");
}
