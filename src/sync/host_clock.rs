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
    }

    /// True once a stamp has arrived.
    pub fn is_ready(&self) -> bool {
        !self.stamps.is_empty()
    }

    /// When `frame` begins, in nanoseconds on the stamps' clock (`None`
    /// before the first stamp). The slope is kept within 1 % of the nominal
    /// rate, so a burst of odd stamps cannot bend the line far.
    pub fn nanos_at(&self, frame: u64) -> Option<f64> {
        let &(f0, n0) = self.stamps.front()?;
        let n = self.stamps.len() as f64;
        let xy = |&(f, t): &(u64, u64)| ((f - f0) as f64, t as f64 - n0 as f64);
        let (sx, sy) = self
            .stamps
            .iter()
            .map(xy)
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
        let (mx, my) = (sx / n, sy / n);
        let (sxx, sxy) = self
            .stamps
            .iter()
            .map(xy)
            .fold((0.0, 0.0), |(a, b), (x, y)| {
                (a + (x - mx) * (x - mx), b + (x - mx) * (y - my))
            });
        let nominal = self.nominal_ns_per_frame;
        let slope = if sxx > 0.0 {
            (sxy / sxx).clamp(nominal * 0.99, nominal * 1.01)
        } else {
            nominal
        };
        let x = frame as f64 - f0 as f64;
        Some(n0 as f64 + my + slope * (x - mx))
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
        // The last stamp alone could be 1 ms off; the line is within the
        // mean lateness (0.5 ms) plus 0.1 ms.
        let f = 1000 * 256;
        let exact = 1e9 + f as f64 * 1e9 / 48_000.0;
        let got = c.nanos_at(f).unwrap();
        assert!((got - exact - 0.5e6).abs() < 0.1e6, "{}", got - exact);
    }

    #[test]
    fn a_restart_begins_a_new_line() {
        let mut c = HostClock::new(48_000.0);
        stamped(&mut c, 10, 0);
        c.push(0, 5_000_000_000);
        assert_eq!(c.nanos_at(480).unwrap(), 5_010_000_000.0);
    }
}
