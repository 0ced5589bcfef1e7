//! MIDI files: `record("take.mid")`, `stop_record()`, `play_midi(path, opts)`.
//!
//! `record` and `stop_record` only mark the take in the session; the file
//! is built when the scheduler has passed its end and written after the
//! evaluation committed ([`crate::session::take`]). `play_midi` reads the
//! file now and schedules its notes like `note()`.

use super::args::{self, err, Res};
use crate::midi_file::{self, Song};
use crate::pitch::{midi_to_hz, vel_to_amp};
use crate::record;
use crate::script::state::Shared;
use crate::time::{Beats, Seconds};
use rhai::{Dynamic, Engine, ImmutableString, Map};
use std::path::Path;

/// Options of `play_midi(path, #{...})`.
pub const OPTIONS: &[&str] = &["channels", "at", "tempo", "programs"];

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("record", move |name: &str| -> Res<ImmutableString> {
        let path = record::resolve(Path::new(record::DEFAULT_DIR), Some(name), "record", "mid")
            .or_else(|e| err(e.to_string()))?;
        let mut st = s.borrow_mut();
        let frame = st.session.frame_at(st.session.cursor);
        st.session.start_take(path.clone(), frame);
        Ok(path.display().to_string().into())
    });
    let s = st.clone();
    engine.register_fn("stop_record", move || -> Res<()> {
        let mut st = s.borrow_mut();
        let frame = st.session.frame_at(st.session.cursor);
        if st.session.stop_take(frame) {
            Ok(())
        } else {
            err("stop_record(): no MIDI take is being recorded; record(\"take.mid\") starts one")
        }
    });
    let s = st.clone();
    engine.register_fn("play_midi", move |path: &str| -> Res<i64> {
        play(&s, path, &Map::new())
    });
    let s = st.clone();
    engine.register_fn("play_midi", move |path: &str, opts: Map| -> Res<i64> {
        play(&s, path, &opts)
    });
}

/// How a file's time becomes Tactus time.
enum TempoFrom {
    /// The file's tempo map, in seconds.
    File,
    /// The file's beats at the session's tempo.
    Session,
    /// The file's beats at this bpm.
    Bpm(f64),
}

/// Schedule a file's notes from the cursor; returns how many.
fn play(st: &Shared, path: &str, opts: &Map) -> Res<i64> {
    args::check_keys(opts, "play_midi", OPTIONS)?;
    let bytes = crate::files::read_bytes(std::path::Path::new(path))
        .or_else(|e| err(format!("play_midi(): {e}")))?;
    let song = midi_file::read(&bytes).or_else(|e| err(format!("play_midi(\"{path}\"): {e}")))?;
    let at = match opts.get("at") {
        Some(v) => args::num(v, "play_midi", "at")?,
        None => 0.0,
    };
    let tempo = match opts.get("tempo") {
        None => TempoFrom::File,
        Some(v) if v.to_string() == "file" => TempoFrom::File,
        Some(v) if v.to_string() == "session" => TempoFrom::Session,
        Some(v) => TempoFrom::Bpm(args::num_in(v, "play_midi", "tempo", 1.0, 1000.0)?),
    };
    let map = channel_map(opts.get("channels"))?;
    if opts
        .get("programs")
        .is_some_and(|v| v.as_bool().unwrap_or(false))
    {
        apply_programs(st, &song, &map)?;
    }
    let mut st = st.borrow_mut();
    let base = args::on_time(st.session.cursor.0 + at, "play_midi", "the file's start")?;
    let session = &mut st.session;
    let base_s = session.tempo.beats_to_seconds(base).0;
    let mut count = 0;
    for n in &song.notes {
        let Some(ch) = map[n.channel as usize & 15] else {
            continue;
        };
        let (on, off) = match tempo {
            TempoFrom::File => {
                let t = |tick| Seconds(base_s + song.tick_to_seconds(tick));
                (
                    session.tempo.seconds_to_beats(t(n.tick)).0,
                    session.tempo.seconds_to_beats(t(n.tick + n.len_ticks)).0,
                )
            }
            TempoFrom::Session => {
                let b = |tick: u64| base.0 + tick as f64 / song.ppq.max(1) as f64;
                (b(n.tick), b(n.tick + n.len_ticks))
            }
            TempoFrom::Bpm(bpm) => {
                let t =
                    |tick: u64| Seconds(base_s + tick as f64 / song.ppq.max(1) as f64 * 60.0 / bpm);
                (
                    session.tempo.seconds_to_beats(t(n.tick)).0,
                    session.tempo.seconds_to_beats(t(n.tick + n.len_ticks)).0,
                )
            }
        };
        let freq = midi_to_hz(n.key as f64);
        let spec = session.channels[ch as usize].note(ch, freq, vel_to_amp(n.vel as f64), off - on);
        session.schedule_note(Beats(on), spec);
        count += 1;
    }
    Ok(count)
}

/// File channel (0..16) to Tactus channel index: `channels: n` sends every
/// note to channel n; `channels: #{ "1": 3, "10": 10 }` maps file channels
/// (1-16) to Tactus channels and leaves the others out; by default each
/// file channel plays the Tactus channel of the same number (GM drums on 10).
fn channel_map(v: Option<&Dynamic>) -> Res<[Option<u8>; 16]> {
    let mut map = [None; 16];
    match v {
        None => {
            for (i, m) in map.iter_mut().enumerate() {
                *m = Some(i as u8);
            }
        }
        Some(v) if v.is_map() => {
            let m = v.clone().cast::<Map>();
            for (k, to) in m {
                let from: usize = k.parse().unwrap_or(0);
                if !(1..=16).contains(&from) {
                    return err(format!(
                        "play_midi(): channels keys are file channels \"1\"-\"16\", got \"{k}\""
                    ));
                }
                map[from - 1] = Some(args::channel(&to, "play_midi")?);
            }
        }
        Some(v) => {
            let ch = args::channel(v, "play_midi")?;
            map = [Some(ch); 16];
        }
    }
    Ok(map)
}

/// `programs: true`: each channel's first program change selects its GM
/// preset (not on drum channel 10).
fn apply_programs(st: &Shared, song: &Song, map: &[Option<u8>; 16]) -> Res<()> {
    let mut done = [false; 16];
    for &(_, ch, program) in &song.programs {
        let Some(to) = map[ch as usize & 15] else {
            continue;
        };
        if ch == 9 || to == 9 || done[to as usize] {
            continue;
        }
        done[to as usize] = true;
        super::presets::apply_program(st, to, program)?;
    }
    Ok(())
}
