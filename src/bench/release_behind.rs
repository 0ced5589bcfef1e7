//! An event list shipped in the binary, read front to back, with the pages
//! already read handed back to the kernel as the reader moves on.
//!
//! Why: `include_bytes!` and `include_str!` put the workloads in the
//! binary's read-only data, and each page the parser reads stays resident
//! (file pages of the binary count in the process's RSS) until the process
//! ends: W3's 2.4 MB of gzip were 2.4 MiB of its 12.9 MiB peak once the
//! score was streamed. `MADV_PAGEOUT` (Linux 5.4 and later) reclaims them
//! and keeps their contents: a page touched again is read back from the
//! file, so reading the same workload twice sees the same bytes. Elsewhere,
//! or where the call fails, nothing is released and nothing else changes.

use std::io::{self, BufRead, Read};

/// Bytes read between two releases.
const RELEASE_BYTES: usize = 256 * 1024;

/// A [`BufRead`] over static bytes that releases the pages behind it.
pub struct ReleaseBehind {
    data: &'static [u8],
    /// Bytes consumed.
    pos: usize,
    /// Bytes before this offset are released (or were never whole pages).
    released: usize,
}

impl ReleaseBehind {
    /// Read `data` from its start.
    pub fn new(data: &'static [u8]) -> ReleaseBehind {
        ReleaseBehind {
            data,
            pos: 0,
            released: 0,
        }
    }

    /// Release the whole pages between the last release and `pos`.
    fn release(&mut self) {
        let base = self.data.as_ptr() as usize;
        let page = page_bytes();
        let lo = (base + self.released).next_multiple_of(page);
        let hi = (base + self.pos) / page * page;
        if hi > lo {
            page_out(lo, hi - lo);
            self.released = hi - base;
        }
    }
}

impl Read for ReleaseBehind {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.fill_buf()?.read(buf)?;
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ReleaseBehind {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(&self.data[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.data.len());
        if self.pos - self.released >= RELEASE_BYTES || self.pos == self.data.len() {
            self.release();
        }
    }
}

#[cfg(target_os = "linux")]
fn page_bytes() -> usize {
    // SAFETY: sysconf reads a constant of the system; no memory is passed.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
}

#[cfg(target_os = "linux")]
fn page_out(addr: usize, len: usize) {
    // SAFETY: [addr, addr + len) is whole pages inside a `&'static [u8]`,
    // so nothing else lives there and the mapping outlives the call.
    // MADV_PAGEOUT never changes what the pages hold (it may only move them
    // out of memory), so the slice stays valid. An error leaves them as
    // they were, which is harmless: it is ignored.
    let _ = unsafe { libc::madvise(addr as *mut libc::c_void, len, libc::MADV_PAGEOUT) };
}

#[cfg(not(target_os = "linux"))]
fn page_bytes() -> usize {
    4096
}

#[cfg(not(target_os = "linux"))]
fn page_out(_addr: usize, _len: usize) {}
