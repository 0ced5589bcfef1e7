//! Function tables as the audio thread reads them, and the bank of table slots.
//!
//! A [`Table`] is built on the control side and moved into the engine ready to
//! use. It stores one extra guard point (`T[len] = T[0]`) so that linear
//! interpolation of a periodic table never wraps.

use crate::command::Wave;

/// Highest user table number + 1.
pub const USER_TABLES: usize = 10_000;
/// Mip levels per built-in wave: level `l` holds `2^l` harmonics.
pub const WAVE_LEVELS: usize = 11;
/// Size of each built-in wave table.
pub const WAVE_TABLE_SIZE: usize = 4096;

/// A function table: `len` points plus a guard point.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    samples: Box<[f32]>,
}

impl Table {
    /// A table from its points (at least one); the guard point is added here.
    pub fn from_points(points: &[f32]) -> Table {
        let mut v = Vec::with_capacity(points.len() + 1); // rt: tables are built on the script thread
        v.extend_from_slice(points);
        v.push(points.first().copied().unwrap_or(0.0));
        if points.is_empty() {
            v.push(0.0);
        }
        Table {
            samples: v.into_boxed_slice(),
        }
    }

    /// Number of points (without the guard point).
    pub fn len(&self) -> usize {
        self.samples.len() - 1
    }

    /// Never true: a table has at least one point.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The points, without the guard point.
    pub fn points(&self) -> &[f32] {
        &self.samples[..self.len()]
    }

    /// The points followed by the guard point.
    #[inline]
    pub fn with_guard(&self) -> &[f32] {
        &self.samples
    }
}

/// `size` points of `sum_k amp(k) * sin(2 pi k i / size + phase(k))` for k = 1..=harmonics.
pub fn harmonic_sum(
    size: usize,
    harmonics: usize,
    partial: impl FnMut(usize) -> (f64, f64),
) -> Vec<f64> {
    let mut out = vec![0.0f64; size]; // rt: table generation, script thread
    add_harmonics(&mut out, 1..=harmonics, partial);
    out
}

/// Add partials `ks` to `acc` (see [`harmonic_sum`]). Zero-phase partials read
/// a one-cycle sine at index `k * i mod size`, exact and fast.
pub fn add_harmonics(
    acc: &mut [f64],
    ks: std::ops::RangeInclusive<usize>,
    mut partial: impl FnMut(usize) -> (f64, f64),
) {
    let size = acc.len();
    if size == 0 {
        return;
    }
    let cycle: Vec<f64> = (0..size)
        .map(|i| (std::f64::consts::TAU * i as f64 / size as f64).sin())
        .collect(); // rt: table generation, script thread
    for k in ks {
        let (amp, phase) = partial(k);
        if amp == 0.0 {
            continue;
        }
        if phase == 0.0 {
            let step = k % size;
            let mut idx = 0usize;
            for o in acc.iter_mut() {
                *o += amp * cycle[idx];
                idx += step;
                if idx >= size {
                    idx -= size;
                }
            }
        } else {
            let w = std::f64::consts::TAU * k as f64 / size as f64;
            for (i, o) in acc.iter_mut().enumerate() {
                *o += amp * (w * i as f64 + phase).sin();
            }
        }
    }
}

/// The band-limited levels of one built-in wave, level 0 (one partial, or
/// the sine) first, each with twice the partials of the one before.
fn wave_levels(wave: Wave) -> Vec<Table> {
    let mut acc = vec![0.0f64; WAVE_TABLE_SIZE]; // rt: TableBank::new, before the stream
    let mut have = 0usize;
    let mut levels = Vec::with_capacity(WAVE_LEVELS); // rt: TableBank::new, before the stream
    for level in 0..WAVE_LEVELS {
        let h = if wave == Wave::Sine {
            1
        } else {
            1usize << level
        };
        add_harmonics(&mut acc, have + 1..=h, |k| (wave_partial(wave, k), 0.0));
        have = have.max(h);
        let mut v = acc.clone(); // rt: TableBank::new, before the stream
        normalize(&mut v);
        let points: Vec<f32> = v.iter().map(|&x| x as f32).collect(); // rt: TableBank::new, before the stream
        levels.push(Table::from_points(&points));
    }
    levels
}

/// Scale so that the largest magnitude is 1 (a silent table stays silent).
pub fn normalize(v: &mut [f64]) {
    let peak = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if peak > 0.0 {
        v.iter_mut().for_each(|x| *x /= peak);
    }
}

/// Amplitude of harmonic `k` of a band-limited wave.
pub fn wave_partial(wave: Wave, k: usize) -> f64 {
    let kf = k as f64;
    match wave {
        Wave::Sine => f64::from(k == 1),
        Wave::Saw => 1.0 / kf,
        Wave::Square => {
            if k % 2 == 1 {
                1.0 / kf
            } else {
                0.0
            }
        }
        Wave::Triangle => {
            if k % 2 == 1 {
                let sign = if (k / 2) % 2 == 0 { 1.0 } else { -1.0 };
                sign / (kf * kf)
            } else {
                0.0
            }
        }
    }
}

/// A normalised band-limited wave table with `harmonics` partials.
pub fn wave_table(wave: Wave, size: usize, harmonics: usize) -> Table {
    let mut v = harmonic_sum(size, harmonics, |k| (wave_partial(wave, k), 0.0));
    normalize(&mut v);
    let points: Vec<f32> = v.iter().map(|&x| x as f32).collect(); // rt: table generation, script thread
    Table::from_points(&points)
}

/// The slot of the plain sine (every sine level is the same table; FM
/// carriers and sub oscillators read it).
pub const SINE_SLOT: u32 = USER_TABLES as u32;

/// Fixed slots for user tables and the built-in wave mipmaps.
pub struct TableBank {
    slots: Vec<Option<Table>>,
}

impl TableBank {
    /// All user slots empty; built-in waves generated (this allocates: call
    /// before the stream starts).
    pub fn new() -> TableBank {
        // The waves are independent: each is built on a thread of its own
        // (the saw's thousand partials take the longest), the same points
        // whichever thread builds them.
        let mut slots: Vec<Option<Table>> = (0..USER_TABLES).map(|_| None).collect(); // rt: TableBank::new, before the stream
        let waves: Vec<Vec<Table>> = std::thread::scope(|scope| {
            let built: Vec<_> = Wave::ALL
                .iter()
                .map(|&wave| scope.spawn(move || wave_levels(wave))) // rt: TableBank::new, before the stream
                .collect(); // rt: TableBank::new, before the stream
            built
                .into_iter()
                .map(|b| b.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect() // rt: TableBank::new, before the stream
        });
        slots.extend(waves.into_iter().flatten().map(Some));
        TableBank { slots }
    }

    /// The table in a slot, if any.
    #[inline]
    pub fn get(&self, slot: u32) -> Option<&Table> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// Put a user table in place; returns the one it replaces. Out-of-range
    /// numbers hand the new table straight back.
    pub fn replace(
        &mut self,
        number: u32,
        table: Option<Table>,
    ) -> Result<Option<Table>, Option<Table>> {
        match self.slots.get_mut(number as usize) {
            Some(slot) if (number as usize) < USER_TABLES => Ok(std::mem::replace(slot, table)),
            _ => Err(table),
        }
    }

    /// The slot of a built-in wave at a frequency: the richest mip level
    /// whose top harmonic stays below Nyquist.
    pub fn wave_slot(wave: Wave, freq_hz: f64, sr_hz: f64) -> u32 {
        let allowed = if freq_hz > 0.0 {
            (0.5 * sr_hz / freq_hz).floor()
        } else {
            1.0
        };
        let mut level = 0usize;
        while level + 1 < WAVE_LEVELS && (1u64 << (level + 1)) as f64 <= allowed {
            level += 1;
        }
        let w = Wave::ALL.iter().position(|&x| x == wave).unwrap_or(0);
        (USER_TABLES + w * WAVE_LEVELS + level) as u32
    }
}

impl Default for TableBank {
    fn default() -> Self {
        Self::new()
    }
}
