//! The audio clock against the host clock: when does frame `f` play?
//!
//! The audio thread stamps the wall-clock time at which each callback began
//! ([`crate::audio::Telemetry::clock`]). One stamp carries the callback's
//! wake-up jitter (up to a millisecond on a loaded machine); a least-squares
//! line through the recent stamps does not (as Link's own `HostTimeFilter`),
//! and its slope follows the device clock's drift against the host's.

use std::collections::VecDeque;

/// How many stamps the line is fitted to (about 1.5 s of 256-frame blocks
/// at 48 kHz).
pub const WINDOW: usize = 256;

/// The newest stamps that, all off the line by more than [`STEP_NS`], say
/// the clock stepped (an xrun: the device lost or repeated frames).
pub const STEP_STAMPS: usize = 8;

/// How far off the line all the newest stamps must be to count as a step.
pub const STEP_NS: f64 = 1e6;

/// A line through recent (frame, nanoseconds) stamps.
#[derive(Debug, Clone)]
pub struct HostClock {
    nominal_ns_per_frame: f64,
    stamps: VecDeque<(u64, u64)>,
}

impl HostClock {
    /// A filter for a device running at `sr_hz` frames per second.
    pub fn new(sr_hz: f64) -> HostClock {
        HostClock {
            nominal_ns_per_frame: 1e9 / sr_hz,
            stamps: VecDeque::with_capacity(WINDOW),
        }
    }

    /// Add a stamp: `frame` began at `nanos` (a repeat of the last is ignored;
    /// a frame going backwards, a restarted device, starts the line afresh).
    pub fn push(&mut self, frame: u64, nanos: u64) {
        match self.stamps.back() {
            Some(&(f, _)) if f == frame => return,
            Some(&(f, _)) if f > frame => self.stamps.clear(),
            _ => {}
        }
        if self.stamps.len() == WINDOW {
            self.stamps.pop_front();
        }
        self.stamps.push_back((frame, nanos));
        if self.stepped() {
            let keep = self.stamps.len() - STEP_STAMPS;
            self.stamps.drain(..keep);
        }
    }

    /// True when the newest [`STEP_STAMPS`] all miss the line through the
    /// older ones by more than [`STEP_NS`], the same way: the clock stepped
    /// (wake-up jitter makes single stamps late, not a run of them all
    /// early, nor all late by as much as a dropped buffer).
    fn stepped(&self) -> bool {
        let n = self.stamps.len();
        if n < 4 * STEP_STAMPS {
            return false;
        }
        let Some(line) = self.line(n - STEP_STAMPS) else {
            return false;
        };
        let off = |&(f, t): &(u64, u64)| t as f64 - line.at(f);
        let newest = self.stamps.range(n - STEP_STAMPS..);
        let (lo, hi) = newest
            .map(off)
            .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
        lo > STEP_NS || hi < -STEP_NS
    }

    /// When `frame` begins, in nanoseconds on the stamps' clock (`None`
    /// before the first stamp).
    pub fn nanos_at(&self, frame: u64) -> Option<f64> {
        Some(self.line(self.stamps.len())?.at(frame))
    }

    /// The line through the first `count` stamps.
    ///
    /// A callback can wake late, never early, and a busy moment makes a
    /// burst of late ones: so the line goes through the earliest stamp (the
    /// least late against the nominal rate) of each half of them, not
    /// through their mean. Its slope (the device clock against the host's)
    /// is kept within 1 % of the nominal rate.
    fn line(&self, count: usize) -> Option<Line> {
        let &(f0, n0) = self.stamps.front()?;
        let nominal = self.nominal_ns_per_frame;
        // How late each stamp is against the nominal line from the first.
        let late = |&(f, n): &(u64, u64)| n as f64 - n0 as f64 - (f - f0) as f64 * nominal;
        let earliest = |part: &mut dyn Iterator<Item = &(u64, u64)>| {
            part.min_by(|a, b| late(a).total_cmp(&late(b))).copied()
        };
        let half = count / 2;
        let first = earliest(&mut self.stamps.iter().take(half.max(1)));
        let second = earliest(&mut self.stamps.iter().take(count).skip(half));
        let (Some((f1, n1)), Some((f2, n2))) = (first, second) else {
            return Some(Line {
                frame: f0,
                nanos: n0 as f64,
                slope: nominal,
            });
        };
        let slope = if f2 > f1 {
            ((n2 as f64 - n1 as f64) / (f2 - f1) as f64).clamp(nominal * 0.99, nominal * 1.01)
        } else {
            nominal
        };
        Some(Line {
            frame: f2,
            nanos: n2 as f64,
            slope,
        })
    }
}

/// A frame-to-time line: `frame` begins at `nanos`, `slope` ns per frame.
struct Line {
    frame: u64,
    nanos: f64,
    slope: f64,
}

impl Line {
    fn at(&self, frame: u64) -> f64 {
        self.nanos + (frame as f64 - self.frame as f64) * self.slope
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stamps of 256-frame blocks at 48 kHz starting at 1 s, each woken
    /// up to `jitter_ns` late (a fixed pseudo-random pattern).
    fn stamped(clock: &mut HostClock, blocks: u64, jitter_ns: u64) {
        let mut r: u64 = 12345;
        for k in 0..blocks {
            r = r
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let late = (r >> 33) % (jitter_ns + 1);
            let frame = k * 256;
            let exact = 1_000_000_000 + frame * 1_000_000_000 / 48_000;
            clock.push(frame, exact + late);
        }
    }

    #[test]
    fn the_line_takes_out_the_wake_up_jitter() {
        let mut c = HostClock::new(48_000.0);
        assert_eq!(c.nanos_at(0), None);
        stamped(&mut c, 1000, 1_000_000);
        // The last stamp alone could be 1 ms late; the line is within
        // 20 µs of the true clock.
        let f = 1000 * 256;
        let exact = 1e9 + f as f64 * 1e9 / 48_000.0;
        let got = c.nanos_at(f).unwrap();
        assert!((got - exact).abs() < 20e3, "{}", got - exact);
    }

    #[test]
    fn a_burst_of_late_callbacks_does_not_bend_the_line() {
        let mut c = HostClock::new(48_000.0);
        stamped(&mut c, 300, 200_000);
        // A busy moment: of 40 callbacks, every other one wakes 5 ms late
        // (a run of them all late, past the device's buffer, is an xrun:
        // a step, below).
        for k in 300..340u64 {
            let frame = k * 256;
            let late = if k % 2 == 0 { 5_000_000 } else { 0 };
            c.push(frame, 1_000_000_000 + frame * 1_000_000_000 / 48_000 + late);
        }
        let f = 340 * 256;
        let exact = 1e9 + f as f64 * 1e9 / 48_000.0;
        let got = c.nanos_at(f).unwrap();
        assert!((got - exact).abs() < 50e3, "{} ns off", got - exact);
    }

    #[test]
    fn a_step_in_the_clock_is_followed_within_a_few_blocks() {
        let mut c = HostClock::new(48_000.0);
        stamped(&mut c, 300, 200_000);
        // An xrun: from here each frame starts 20 ms later than before.
        for k in 300..310u64 {
            let frame = k * 256;
            c.push(
                frame,
                1_000_000_000 + frame * 1_000_000_000 / 48_000 + 20_000_000,
            );
        }
        let f = 310 * 256;
        let exact = 1e9 + f as f64 * 1e9 / 48_000.0 + 20e6;
        let got = c.nanos_at(f).unwrap();
        assert!((got - exact).abs() < 50e3, "{} ns off", got - exact);
    }

    #[test]
    fn the_slope_follows_a_device_clock_one_percent_slow() {
        let mut c = HostClock::new(48_000.0);
        for k in 0..500u64 {
            let frame = k * 256;
            c.push(frame, 1_000_000_000 + frame * 1_010_000_000 / 48_000);
        }
        let f = 600 * 256;
        let exact = 1e9 + f as f64 * 1.01e9 / 48_000.0;
        assert!((c.nanos_at(f).unwrap() - exact).abs() < 1e3);
    }

    #[test]
    fn a_restart_begins_a_new_line() {
        let mut c = HostClock::new(48_000.0);
        stamped(&mut c, 10, 0);
        c.push(0, 5_000_000_000);
        assert_eq!(c.nanos_at(480).unwrap(), 5_010_000_000.0);
    }
}
