//! A WAV file whose header is patched in place while it grows, so that the
//! file on disk is valid at every moment once [`WavFile::update_header`] has
//! run: a process killed mid-recording leaves a file that holds everything
//! up to the last update. Both the live recordings and `tactus render` write
//! it.
//!
//! Past 4 GiB of samples (a RIFF file's 32-bit sizes would wrap: a 1400 s
//! render at 384 kHz, 32-bit float, or 3.1 hours recorded at 48 kHz) the
//! file becomes RF64 (EBU Tech 3306): the header starts `RF64`, and the
//! `JUNK` chunk every file reserves after `WAVE` is rewritten in place as the
//! `ds64` chunk holding the 64-bit sizes; the 32-bit sizes read 0xFFFFFFFF.
//! Below that the file is plain RIFF/WAVE (the `JUNK` chunk is skipped by
//! every reader).
//!
//! Why not hound: for more than 16 bits hound
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
    /// 16-bit integer PCM (clipped to -1..1; `tactus render --bits 16`).
    Int16,
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
            WavFormat::Int16 => 2,
            WavFormat::Int24 => 3,
            WavFormat::Float32 => 4,
        }
    }

    fn tag(self) -> u16 {
        match self {
            WavFormat::Int16 | WavFormat::Int24 => 1,
            WavFormat::Float32 => 3,
        }
    }

    /// Header bytes before the samples.
    pub fn header_bytes(self) -> u64 {
        match self {
            // RIFF(12) + JUNK/ds64(36) + fmt 16(24) + data(8)
            WavFormat::Int16 | WavFormat::Int24 => 80,
            // RIFF(12) + JUNK/ds64(36) + fmt 18(26) + fact(12) + data(8)
            WavFormat::Float32 => 94,
        }
    }
}

/// Bytes of the `ds64` chunk's body (RIFF size, data size, sample count:
/// 64 bits each; a table length of 0), reserved as `JUNK` in a RIFF file.
const DS64_BYTES: u32 = 28;

/// A WAV file being written.
#[derive(Debug)]
pub struct WavFile<W: Write + Seek = File> {
    out: BufWriter<W>,
    format: WavFormat,
    channels: u16,
    sr_hz: u32,
    data_bytes: u64,
    /// Above this many sample bytes the header is RF64.
    rf64_above_bytes: u64,
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
            rf64_above_bytes: u32::MAX as u64 - (format.header_bytes() - 8),
        };
        wav.write_header()?;
        wav.out.flush()?;
        Ok(wav)
    }

    /// Write RF64 once the samples pass `bytes` instead of where RIFF's
    /// sizes run out (tests switch a small file). Call before writing.
    pub fn rf64_above(mut self, bytes: u64) -> Self {
        self.rf64_above_bytes = bytes.min(self.rf64_above_bytes);
        self
    }

    /// True when the header is (or, at the next update, will be) RF64.
    pub fn is_rf64(&self) -> bool {
        self.data_bytes > self.rf64_above_bytes
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.data_bytes / (self.format.bytes() as u64 * self.channels as u64)
    }

    /// Append interleaved samples.
    ///
    /// # Errors
    /// The write's I/O error.
    pub fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        let bytes = samples.len() as u64 * self.format.bytes() as u64;
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
            WavFormat::Int16 => {
                for &x in samples {
                    self.out.write_all(&f32_to_i16(x).to_le_bytes())?;
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
            rf64_above_bytes: self.rf64_above_bytes,
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

    /// The header for `data_bytes` of samples: RIFF with a `JUNK` chunk,
    /// or RF64 with its `ds64` chunk in the same place.
    fn write_header(&mut self) -> io::Result<()> {
        let f = self.format;
        let block_align = self.channels * f.bytes();
        let rf64 = self.is_rf64();
        let riff_bytes = f.header_bytes() - 8 + self.data_bytes;
        let frames = self.data_bytes / block_align as u64;
        // In RF64 the 32-bit sizes say "see ds64".
        let small = |x: u64| if rf64 { u32::MAX } else { x as u32 };
        let o = &mut self.out;
        o.write_all(if rf64 { b"RF64" } else { b"RIFF" })?;
        o.write_all(&small(riff_bytes).to_le_bytes())?;
        o.write_all(b"WAVE")?;
        o.write_all(if rf64 { b"ds64" } else { b"JUNK" })?;
        o.write_all(&DS64_BYTES.to_le_bytes())?;
        let mut ds64 = [0u8; DS64_BYTES as usize];
        if rf64 {
            ds64[..8].copy_from_slice(&riff_bytes.to_le_bytes());
            ds64[8..16].copy_from_slice(&self.data_bytes.to_le_bytes());
            ds64[16..24].copy_from_slice(&frames.to_le_bytes());
        }
        o.write_all(&ds64)?;
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
            o.write_all(b"fact")?;
            o.write_all(&4u32.to_le_bytes())?;
            o.write_all(&small(frames).to_le_bytes())?;
        }
        o.write_all(b"data")?;
        o.write_all(&small(self.data_bytes).to_le_bytes())
    }
}

/// A sample in -1..1 as a 16-bit integer (clipped, rounded).
pub fn f32_to_i16(x: f32) -> i16 {
    let x = if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) };
    (x * 32_767.0).round() as i16
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
                WavFormat::Int16 | WavFormat::Int24 => r
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

    /// The file as sox reads it: (its "Duration" line, its samples as text).
    fn sox_reads(bytes: &[u8], name: &str) -> (String, String) {
        let path = std::env::temp_dir().join(format!("tactus-wav-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let info = std::process::Command::new("soxi")
            .arg(&path)
            .output()
            .unwrap();
        let dat = std::process::Command::new("sox")
            .arg(&path)
            .args(["-t", "dat", "-"])
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        let info = String::from_utf8_lossy(&info.stdout).to_string();
        let dur = info
            .lines()
            .find(|l| l.starts_with("Duration"))
            .unwrap_or("")
            .to_string();
        (dur, String::from_utf8_lossy(&dat.stdout).to_string())
    }

    /// Past its limit (tiny here, 4 GiB in use) the file becomes RF64 in
    /// place, and sox reads its whole length: no 32-bit size wraps.
    #[test]
    fn past_the_limit_the_file_becomes_rf64_and_sox_reads_its_length() {
        for format in [WavFormat::Int16, WavFormat::Int24, WavFormat::Float32] {
            let w = WavFile::new(Cursor::new(Vec::new()), format, 2, 8_000).unwrap();
            let mut w = w.rf64_above(1000);
            let frames = 4_000;
            let block: Vec<f32> = (0..2 * frames)
                .map(|i| ((i / 2) % 100) as f32 / 200.0)
                .collect();
            w.write(&block[..200]).unwrap();
            w.update_header().unwrap();
            assert!(!w.is_rf64(), "small: still RIFF");
            w.write(&block[200..]).unwrap();
            assert!(w.is_rf64(), "past 1000 bytes");
            let bytes = w.finish().unwrap().into_inner();
            assert_eq!(&bytes[..4], b"RF64", "{format:?}");
            assert_eq!(&bytes[12..16], b"ds64", "the JUNK chunk became ds64");
            let (dur, dat) = sox_reads(&bytes, &format!("{format:?}.wav"));
            assert!(
                dur.contains("00:00:00.50 = 4000 samples"),
                "{format:?}: {dur}"
            );
            let rows: Vec<&str> = dat.lines().filter(|l| !l.starts_with(';')).collect();
            assert_eq!(rows.len(), frames, "{format:?}: every frame read");
            let last: f64 = rows[frames - 1]
                .split_whitespace()
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            assert!((last - 99.0 / 200.0).abs() < 1e-3, "{format:?}: {last}");
        }
    }

    /// Below the limit the file is plain RIFF/WAVE: a reader that knows no
    /// RF64 (hound) reads it, and sox gives its length.
    #[test]
    fn a_normal_file_stays_riff_wave() {
        let mut w = WavFile::new(Cursor::new(Vec::new()), WavFormat::Int16, 2, 8_000).unwrap();
        w.write(&[0.5; 2 * 800]).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        assert_eq!(
            (&bytes[..4], &bytes[8..16]),
            (&b"RIFF"[..], &b"WAVEJUNK"[..])
        );
        let r = hound::WavReader::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!((r.spec().bits_per_sample, r.len()), (16, 1600));
        let (dur, _) = sox_reads(&bytes, "riff.wav");
        assert!(dur.contains("00:00:00.10 = 800 samples"), "{dur}");
    }
}
