//! The writer against a disk slower than real time: a throttled writer.

use super::writer::RecordEvent;
use super::*;
use std::io::{self, Cursor, SeekFrom};
use std::sync::Mutex;

/// A "disk" that takes `per_write` for every write call, then stores the
/// bytes in memory (shared, so the test reads them after the writer ends).
struct SlowDisk {
    bytes: Arc<Mutex<Cursor<Vec<u8>>>>,
    per_write: Duration,
    stall_until: Option<Instant>,
}

impl Write for SlowDisk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(t) = self.stall_until {
            while Instant::now() < t {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        std::thread::sleep(self.per_write);
        self.bytes.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for SlowDisk {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.bytes.lock().unwrap().seek(pos)
    }
}

/// Push `blocks` blocks of `block` frames at real-time pace for `sr_hz`
/// (a ramp, so order and gaps show), like an audio thread.
fn play(tap: &mut Tap, blocks: u64, block: u64, sr_hz: u64) {
    let start = Instant::now();
    let mut buf = vec![0.0f32; block as usize * 2];
    for k in 0..blocks {
        for (i, f) in buf.chunks_exact_mut(2).enumerate() {
            let frame = (k * block + i as u64) as f32;
            f[0] = frame;
            f[1] = -frame;
        }
        tap.push(&buf, k * block);
        let due = start + Duration::from_nanos((k + 1) * block * 1_000_000_000 / sr_hz);
        if let Some(d) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
    }
}

fn run_slow(
    stall: Duration,
    per_write: Duration,
    ring_frames: usize,
    blocks: u64,
) -> (Vec<f32>, Summary, Vec<RecordEvent>) {
    let bytes = Arc::new(Mutex::new(Cursor::new(Vec::new())));
    let disk = SlowDisk {
        bytes: bytes.clone(),
        per_write: Duration::ZERO,
        stall_until: None,
    };
    let wav = WavFile::new(disk, WavFormat::Float32, 2, 8_000).unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    let report = Box::new(move |e| ev.lock().unwrap().push(e));
    let path = Path::new("slow.wav");
    // The disk turns slow only now (the header is written).
    let wav = {
        let mut w = wav;
        w.with_inner(|d| {
            d.per_write = per_write;
            d.stall_until = Some(Instant::now() + stall);
        });
        w
    };
    let (rec, mut tap) = Recording::start_with(1, path, wav, ring_frames, report).unwrap();
    play(&mut tap, blocks, 80, 8_000);
    drop(tap); // the tap comes back from the audio thread: the recording ends
    let summary = rec.finish(Duration::from_secs(30));
    let data = bytes.lock().unwrap().get_ref().clone();
    let mut r = hound::WavReader::new(Cursor::new(data)).unwrap();
    let samples = r.samples::<f32>().map(Result::unwrap).collect();
    let events = events.lock().unwrap().clone();
    (samples, summary, events)
}

/// A stall shorter than the ring: nothing is lost, nothing reported.
#[test]
fn a_stall_the_ring_can_hold_loses_nothing() {
    // 8 kHz, a 2 s ring, a 1.5 s stall, 3 s of audio.
    let (samples, summary, events) =
        run_slow(Duration::from_millis(1500), Duration::ZERO, 16_000, 300);
    assert_eq!(summary.dropped_frames, 0);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(samples.len(), 300 * 80 * 2);
    assert!(samples.chunks(2).enumerate().all(|(i, f)| f[0] == i as f32));
}

/// A disk slower than real time: everything the ring could hold is kept,
/// in order; the rest is counted and reported, never silently dropped.
#[test]
fn a_disk_slower_than_real_time_keeps_what_the_ring_holds_and_reports_the_rest() {
    // Each write of a drain takes 40 ms: a stall of 3 s first, then slow.
    let (samples, summary, events) = run_slow(
        Duration::from_secs(3),
        Duration::from_millis(40),
        8_000,
        400,
    );
    let pushed = 400 * 80;
    let kept = samples.len() as u64 / 2;
    assert_eq!(summary.frames, kept);
    assert_eq!(
        kept + summary.dropped_frames,
        pushed,
        "every frame kept or counted"
    );
    assert!(
        summary.dropped_frames > 0,
        "the stall was longer than the ring"
    );
    assert!(kept >= 8_000, "at least a full ring was kept: {kept}");
    let reported: u64 = events
        .iter()
        .map(|e| match e {
            RecordEvent::Dropped { frames, .. } => *frames,
            RecordEvent::Failed { .. } => panic!("{e}"),
        })
        .sum();
    assert_eq!(
        reported, summary.dropped_frames,
        "every lost frame reported"
    );
    // What was kept is in order, whole blocks, starting with the first.
    let frames: Vec<f32> = samples.chunks(2).map(|f| f[0]).collect();
    assert_eq!(frames[0], 0.0);
    assert!(frames.windows(2).all(|w| w[1] > w[0]));
    assert_eq!(
        frames[..8_000],
        (0..8_000).map(|i| i as f32).collect::<Vec<_>>()[..]
    );
}

/// A write that fails (a full disk): one report, and the file keeps what
/// was written before, with a header that says so.
#[test]
fn a_full_disk_keeps_what_was_written() {
    struct Full(Cursor<Vec<u8>>, usize, Arc<Mutex<Vec<u8>>>);
    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let room = self.1.saturating_sub(self.0.position() as usize);
            if room == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::StorageFull,
                    "No space left on device",
                ));
            }
            let n = self.0.write(&buf[..buf.len().min(room)])?;
            *self.2.lock().unwrap() = self.0.get_ref().clone();
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Seek for Full {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            self.0.seek(pos)
        }
    }
    let out = Arc::new(Mutex::new(Vec::new()));
    let disk = Full(
        Cursor::new(Vec::new()),
        WavFormat::Float32.header_bytes() as usize + 8 * 1000 + 3,
        out.clone(),
    );
    let wav = WavFile::new(disk, WavFormat::Float32, 2, 8_000).unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    let report = Box::new(move |e| ev.lock().unwrap().push(e));
    let (rec, mut tap) =
        Recording::start_with(1, Path::new("full.wav"), wav, 8_000, report).unwrap();
    play(&mut tap, 100, 80, 80_000);
    drop(tap);
    let summary = rec.finish(Duration::from_secs(10));
    assert!(summary.failed);
    let events = events.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "one message: {events:?}");
    assert!(
        events[0].to_string().contains("No space left"),
        "{}",
        events[0]
    );
    let data = out.lock().unwrap().clone();
    let mut r = hound::WavReader::new(Cursor::new(data)).unwrap();
    let kept: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    assert_eq!(kept.len(), 2000, "the 1000 frames that fit");
    assert!(kept.chunks(2).enumerate().all(|(i, f)| f[0] == i as f32));
}

#[test]
fn names_sort_by_date_and_time_in_their_folder() {
    let dir = Path::new("recordings");
    let p = resolve(dir, Some("take.wav"), "record_audio", "wav").unwrap();
    let name = p.file_name().unwrap().to_string_lossy().to_string();
    assert!(p.starts_with(dir));
    assert!(name.ends_with("_take.wav"), "{name}");
    assert_eq!(name.len(), "2026-11-30_16-40-05_take.wav".len(), "{name}");
    assert_eq!(
        resolve(dir, Some("/tmp/x/a.wav"), "r", "wav").unwrap(),
        Path::new("/tmp/x/a.wav")
    );
    assert_eq!(
        resolve(dir, Some("sub/a"), "r", "wav").unwrap(),
        Path::new("sub/a.wav")
    );
    assert!(resolve(dir, None, "r", "wav")
        .unwrap()
        .to_string_lossy()
        .ends_with(".wav"));
    let e = resolve(dir, Some("take.mid"), "record_audio", "wav").unwrap_err();
    assert!(e.to_string().contains("not a .wav name"), "{e}");
}
