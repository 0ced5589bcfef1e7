//! The audio and MIDI libraries' own lines, caught where they are made:
//! alsa-lib's error handler ("ALSA lib pcm.c:2666:(snd_pcm_open_noupdate)
//! Unknown PCM default", a dozen per probe of a machine with no sound card),
//! libjack's error and info functions ("Cannot connect to server socket"),
//! and cpal's JACK host, which prints "Failed to open client" with
//! `println!` whenever it is made with no JACK server running (so it is not
//! made then). `--verbose` lets them all through.

/// Send libjack's error and info lines nowhere (or, `verbose`, to stdout
/// and stderr). Once per process; the JACK library may be absent.
pub(crate) fn jack_logger(verbose: bool) {
    #[cfg(any(feature = "jack", feature = "midi-jack"))]
    {
        static SET: std::sync::Once = std::sync::Once::new();
        SET.call_once(|| {
            if jack::jack_sys::library().is_err() {
                return;
            }
            jack::set_logger(if verbose {
                jack::LoggerType::Stdio
            } else {
                jack::LoggerType::None
            });
        });
    }
    #[cfg(not(any(feature = "jack", feature = "midi-jack")))]
    let _ = verbose;
}

/// Whether a JACK server answers (one client opened and closed, never a
/// server started): cpal's JACK host is made only then.
#[cfg(all(feature = "jack", target_os = "linux"))]
pub(crate) fn jack_server_running() -> bool {
    jack_logger(super::is_verbose());
    jack::Client::new("tactus-probe", jack::ClientOptions::NO_START_SERVER).is_ok()
}

/// alsa-lib's lines on this thread dropped until this is dropped (its
/// handler is per thread: `snd_lib_error_set_local`).
pub(crate) struct AlsaHushed {
    #[cfg(target_os = "linux")]
    previous: Option<alsa::Local>,
    /// The handler belongs to the thread that set it.
    _thread: std::marker::PhantomData<*const ()>,
}

impl AlsaHushed {
    pub(crate) fn new() -> AlsaHushed {
        AlsaHushed {
            #[cfg(target_os = "linux")]
            // SAFETY: sets this thread's handler to a function that ignores
            // its arguments; the previous one is restored on drop.
            previous: unsafe { alsa::snd_lib_error_set_local(Some(alsa::drop_line)) },
            _thread: std::marker::PhantomData,
        }
    }
}

impl Drop for AlsaHushed {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        // SAFETY: puts back the handler `new` replaced, on the same thread
        // (the type is not Send).
        unsafe {
            alsa::snd_lib_error_set_local(self.previous);
        }
    }
}

#[cfg(target_os = "linux")]
mod alsa {
    use std::ffi::{c_char, c_int, c_void};

    /// alsa-lib's per-thread error handler: file, line, function, errno,
    /// format and its `va_list` (passed as a pointer on x86-64 and AArch64).
    pub type Local = unsafe extern "C" fn(
        *const c_char,
        c_int,
        *const c_char,
        c_int,
        *const c_char,
        *mut c_void,
    );

    #[link(name = "asound")]
    extern "C" {
        /// Set this thread's handler; returns the previous one.
        pub fn snd_lib_error_set_local(func: Option<Local>) -> Option<Local>;
    }

    /// The handler that drops the line.
    pub unsafe extern "C" fn drop_line(
        _file: *const c_char,
        _line: c_int,
        _function: *const c_char,
        _err: c_int,
        _fmt: *const c_char,
        _args: *mut c_void,
    ) {
    }
}
