//! SIGTERM and SIGHUP end a live session as Ctrl-D does: recordings and
//! MIDI takes are finalised, the fallback's WAV gets its header. The
//! handler only writes the signal's number to a pipe (all a signal handler
//! may safely do); a thread reads it and passes it on as a message.

use crossbeam_channel::Receiver;

/// The signals that end a session, by number, as they arrive; a channel
/// that never delivers where they cannot be caught.
pub fn termination_signals() -> Receiver<i32> {
    #[cfg(unix)]
    {
        if let Ok(rx) = unix::install() {
            return rx;
        }
    }
    crossbeam_channel::never()
}

/// The signal's name, for the line the session prints.
pub fn name(signal: i32) -> &'static str {
    match signal {
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// The terminal's settings, put back after a signal ended the session while
/// the line editor held the terminal in raw mode.
pub struct TerminalModes {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl TerminalModes {
    /// The modes of standard input now, when it is a terminal.
    pub fn save() -> TerminalModes {
        #[cfg(unix)]
        {
            // SAFETY: tcgetattr writes a termios into the zeroed value.
            unsafe {
                let mut t: libc::termios = std::mem::zeroed();
                let ok = libc::isatty(0) == 1 && libc::tcgetattr(0, &mut t) == 0;
                TerminalModes {
                    saved: ok.then_some(t),
                }
            }
        }
        #[cfg(not(unix))]
        TerminalModes {}
    }

    /// Put the saved modes back.
    pub fn restore(&self) {
        #[cfg(unix)]
        if let Some(t) = &self.saved {
            // SAFETY: a termios read by tcgetattr, written back to fd 0.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, t);
            }
        }
    }
}

#[cfg(unix)]
mod unix {
    use crossbeam_channel::{bounded, Receiver};
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The pipe's writing end, for the handler.
    static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

    extern "C" fn on_signal(signal: libc::c_int) {
        let fd = PIPE_WRITE.load(Ordering::Relaxed);
        if fd >= 0 {
            let byte = signal as u8;
            // SAFETY: write(2) is async-signal-safe; errno is kept for the
            // interrupted code.
            unsafe {
                let errno = *libc::__errno_location();
                libc::write(fd, (&byte as *const u8).cast(), 1);
                *libc::__errno_location() = errno;
            }
        }
    }

    /// Install the handlers (once per process) and the reading thread.
    pub fn install() -> std::io::Result<Receiver<i32>> {
        let mut fds = [0; 2];
        // SAFETY: pipe2 fills two descriptors.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let (tx, rx) = bounded(4);
        let read_fd = fds[0];
        std::thread::Builder::new()
            .name("tactus-signals".into())
            .spawn(move || loop {
                let mut byte = 0u8;
                // SAFETY: a one-byte read into `byte`.
                let n = unsafe { libc::read(read_fd, (&mut byte as *mut u8).cast(), 1) };
                if n == 1 {
                    if tx.send(byte as i32).is_err() {
                        return;
                    }
                } else if n == 0 {
                    return;
                }
            })?;
        PIPE_WRITE.store(fds[1], Ordering::Relaxed);
        for signal in [libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: a zeroed sigaction with our handler; SA_RESTART so a
            // read blocked in the line editor goes on.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                sa.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut sa.sa_mask);
                if libc::sigaction(signal, &sa, std::ptr::null_mut()) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
        }
        Ok(rx)
    }
}
