//! A WAV file whose header is patched in place while it grows, so that the
//! file on disk is valid at every moment once [`WavFile::update_header`] has
//! run: a process killed mid-recording leaves a file that holds everything
//! up to the last update.
//!
//! Why not hound here (it writes the renders): for more than 16 bits hound
//! writes a `WAVE_FORMAT_EXTENSIBLE` header, which Python 3.11's `wave`
//! refuses ("unknown format: 65534"); this writer uses the plain PCM tag for
//! 24-bit and the IEEE-float tag with a `fact` chunk for 32-bit float, the
//! canonical layouts every reader (sox, libsndfile, Python's `wave` for PCM)
//! takes without a warning. Its header update also writes the data first and
//! the sizes after, so the header never claims bytes that are not there.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

/// Sample formats a recording can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WavFormat {
    /// 24-bit integer PCM (clipped to -1..1).
    Int24,
    /// 32-bit IEEE float: exactly the samples the engine made.
    #[default]
    Float32,
}

impl WavFormat {
    /// The format a `bits` option names: `24`, `"24"`, `32`, `"32"` or `"32f"`.
    pub fn from_name(name: &str) -> Option<WavFormat> {
        match name {
            "24" => Some(WavFormat::Int24),
            "32" | "32f" | "float" => Some(WavFormat::Float32),
            _ => None,
        }
    }

    /// Bytes per sample.
    pub fn bytes(self) -> u16 {
        match self {
            WavFormat::Int24 => 3,
            WavFormat::Float32 => 4,
        }
    }

    fn tag(self) -> u16 {
        match self {
            WavFormat::Int24 => 1,
            WavFormat::Float32 => 3,
        }
    }

    /// Header bytes before the samples.
    fn header_bytes(self) -> u64 {
        match self {
            // RIFF(12) + fmt 16(24) + data(8)
            WavFormat::Int24 => 44,
            // RIFF(12) + fmt 18(26) + fact(12) + data(8)
            WavFormat::Float32 => 58,
        }
    }
}

/// The most sample bytes a RIFF file can describe (its sizes are 32-bit).
const MAX_DATA_BYTES: u64 = u32::MAX as u64 - 64;

/// A WAV file being written.
#[derive(Debug)]
pub struct WavFile<W: Write + Seek = File> {
    out: BufWriter<W>,
    format: WavFormat,
    channels: u16,
    sr_hz: u32,
    data_bytes: u64,
}

impl WavFile<File> {
    /// Create (or truncate) `path` and write a header for no samples yet.
    ///
    /// # Errors
    /// The I/O error of creating or writing the file.
    pub fn create(path: &Path, format: WavFormat, channels: u16, sr_hz: u32) -> io::Result<Self> {
        WavFile::new(File::create(path)?, format, channels, sr_hz)
    }
}

impl<W: Write + Seek> WavFile<W> {
    /// Write a header for no samples yet to `out`.
    ///
    /// # Errors
    /// The I/O error of writing the header.
    pub fn new(out: W, format: WavFormat, channels: u16, sr_hz: u32) -> io::Result<Self> {
        let mut wav = WavFile {
            out: BufWriter::with_capacity(1 << 16, out),
            format,
            channels: channels.max(1),
            sr_hz,
            data_bytes: 0,
        };
        wav.write_header()?;
        wav.out.flush()?;
        Ok(wav)
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.data_bytes / (self.format.bytes() as u64 * self.channels as u64)
    }

    /// Append interleaved samples.
    ///
    /// # Errors
    /// The write's I/O error; `FileTooLarge` past the 4 GiB a WAV can hold.
    pub fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        let bytes = samples.len() as u64 * self.format.bytes() as u64;
        if self.data_bytes + bytes > MAX_DATA_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                "a WAV file holds at most 4 GiB",
            ));
        }
        match self.format {
            WavFormat::Float32 => {
                for &x in samples {
                    self.out.write_all(&x.to_le_bytes())?;
                }
            }
            WavFormat::Int24 => {
                for &x in samples {
                    self.out.write_all(&f32_to_i24(x).to_le_bytes()[..3])?;
                }
            }
        }
        self.data_bytes += bytes;
        Ok(())
    }

    /// Hand the samples to the OS, then patch the sizes in the header.
    ///
    /// # Errors
    /// The I/O error of writing or seeking.
    pub fn update_header(&mut self) -> io::Result<()> {
        self.out.flush()?;
        let end = self.out.seek(SeekFrom::End(0))?;
        self.out.seek(SeekFrom::Start(0))?;
        self.write_header()?;
        self.out.flush()?;
        self.out.seek(SeekFrom::Start(end))?;
        Ok(())
    }

    /// Patch the header a last time and hand the writer back.
    ///
    /// # Errors
    /// As [`WavFile::update_header`].
    pub fn finish(mut self) -> io::Result<W> {
        self.update_header()?;
        self.out.into_inner().map_err(|e| e.into_error())
    }

    /// After a failed write (a full disk): forget the samples still in the
    /// buffer, and patch the header in place (it needs no new disk space) to
    /// describe the whole frames that did reach the file.
    ///
    /// Returns the writer and the frames the file holds.
    ///
    /// # Errors
    /// The I/O error of seeking or writing the header.
    pub fn salvage(self) -> io::Result<(W, u64)> {
        let (mut inner, _unwritten) = self.out.into_parts();
        let end = inner.seek(SeekFrom::End(0))?;
        let block = self.channels as u64 * self.format.bytes() as u64;
        let on_disk = end.saturating_sub(self.format.header_bytes()) / block * block;
        let mut wav = WavFile {
            out: BufWriter::new(inner),
            format: self.format,
            channels: self.channels,
            sr_hz: self.sr_hz,
            data_bytes: on_disk.min(self.data_bytes),
        };
        wav.out.seek(SeekFrom::Start(0))?;
        wav.write_header()?;
        let frames = wav.frames();
        let w = wav.out.into_inner().map_err(|e| e.into_error())?;
        Ok((w, frames))
    }

    /// Reach the underlying writer (tests make their "disk" slow with it).
    #[cfg(test)]
    pub(crate) fn with_inner(&mut self, f: impl FnOnce(&mut W)) {
        f(self.out.get_mut())
    }

    fn write_header(&mut self) -> io::Result<()> {
        let f = self.format;
        let block_align = self.channels * f.bytes();
        let data = self.data_bytes as u32;
        let riff = (f.header_bytes() - 8) as u32 + data;
        let o = &mut self.out;
        o.write_all(b"RIFF")?;
        o.write_all(&riff.to_le_bytes())?;
        o.write_all(b"WAVE")?;
        o.write_all(b"fmt ")?;
        let fmt_len: u32 = if f == WavFormat::Float32 { 18 } else { 16 };
        o.write_all(&fmt_len.to_le_bytes())?;
        o.write_all(&f.tag().to_le_bytes())?;
        o.write_all(&self.channels.to_le_bytes())?;
        o.write_all(&self.sr_hz.to_le_bytes())?;
        o.write_all(&(self.sr_hz * block_align as u32).to_le_bytes())?;
        o.write_all(&block_align.to_le_bytes())?;
        o.write_all(&(f.bytes() * 8).to_le_bytes())?;
        if f == WavFormat::Float32 {
            o.write_all(&0u16.to_le_bytes())?; // cbSize
            let frames = data / block_align as u32;
            o.write_all(b"fact")?;
            o.write_all(&4u32.to_le_bytes())?;
            o.write_all(&frames.to_le_bytes())?;
        }
        o.write_all(b"data")?;
        o.write_all(&data.to_le_bytes())
    }
}

/// A sample in -1..1 as a 24-bit integer (clipped, rounded).
pub fn f32_to_i24(x: f32) -> i32 {
    let x = if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) };
    (x as f64 * 8_388_607.0).round() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn header_is_valid_before_and_after_samples() {
        for format in [WavFormat::Int24, WavFormat::Float32] {
            let mut w = WavFile::new(Cursor::new(Vec::new()), format, 2, 48_000).unwrap();
            w.write(&[0.5, -0.5, 0.25, -0.25]).unwrap();
            w.update_header().unwrap();
            w.write(&[1.0, -1.0]).unwrap();
            let bytes = w.finish().unwrap().into_inner();
            let mut r = hound::WavReader::new(Cursor::new(bytes)).unwrap();
            assert_eq!(r.spec().channels, 2);
            assert_eq!(r.len(), 6);
            let got: Vec<f32> = match format {
                WavFormat::Float32 => r.samples::<f32>().map(Result::unwrap).collect(),
                WavFormat::Int24 => r
                    .samples::<i32>()
                    .map(|s| s.unwrap() as f32 / 8_388_607.0)
                    .collect(),
            };
            let want = [0.5, -0.5, 0.25, -0.25, 1.0, -1.0];
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-6, "{format:?}: {got:?}");
            }
        }
    }

    #[test]
    fn i24_clips_and_rounds() {
        assert_eq!(f32_to_i24(1.5), 8_388_607);
        assert_eq!(f32_to_i24(-1.0), -8_388_607);
        assert_eq!(f32_to_i24(f32::NAN), 0);
    }
}
