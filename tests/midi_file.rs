//! MIDI files: a take recorded from a render is exact to the tick (read
//! back by midly and by Debian's python3-mido), plays back on the same
//! frames, and files written by mido (type 0 with running status, type 1
//! with a tempo track) import with the right notes and tempo.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    super::common::scratch_dir("midi-file", name)
}

/// Notes on channel 1 (off the beat grid by a tick's worth of beats too),
/// a drum on 10, a tempo change: everything the take must keep.
fn performance(take: &Path) -> String {
    format!(
        "{DC_SETUP}
        tempo(120);
        record({:?});
        for k in 0..6 {{ note(1, 60 + k, 0.3, #{{ vel: 100, at: k * 0.5 + 0.25 }}); }}
        note(1, 72, 0.25, #{{ vel: 64, at: 3 + 1.0 / 960 }});
        note(10, 36, 0.25, #{{ vel: 127, at: 0.5 }});
        at(4, || tempo(90));
        note(1, 74, 0.5, #{{ vel: 100, at: 4.5 }});
        at(6, || stop_record());",
        take.display().to_string()
    )
}

/// `python3 -c CODE ARGS...` with Debian's python (python3-mido).
fn mido(code: &str, args: &[&str]) -> String {
    let o = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("python3 is installed (make installs python3-mido)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn a_recorded_take_is_exact_to_the_tick_and_plays_back_on_the_same_frames() {
    let dir = scratch("take");
    let take = dir.join("take.mid");
    let original = render(&performance(&take));
    let song = tactus::midi_file::read(&std::fs::read(&take).unwrap()).unwrap();
    assert_eq!(song.ppq, 960);
    let ticks: Vec<(u64, u64, u8, u8, u8)> = song
        .notes
        .iter()
        .map(|n| (n.tick, n.len_ticks, n.channel, n.key, n.vel))
        .collect();
    let mut want: Vec<(u64, u64, u8, u8, u8)> = (0..6)
        .map(|k| (240 + k * 480, 288, 0, 60 + k as u8, 100))
        .collect();
    want.push((2881, 240, 0, 72, 64));
    want.push((480, 240, 9, 36, 127));
    want.push((4320, 480, 0, 74, 100));
    want.sort_by_key(|n| (n.0, n.2, n.3));
    assert_eq!(ticks, want, "every note, exact to the tick");
    assert_eq!(
        song.tempos,
        vec![(0, 500_000), (3840, 666_667)],
        "the tempo map"
    );

    // An independent reader sees the same (type 1, a track per channel).
    let dump = mido(
        "import mido,sys\nf=mido.MidiFile(sys.argv[1])\nprint(f.type, f.ticks_per_beat, len(f.tracks))\n\
         for i,t in enumerate(f.tracks):\n  now=0\n  for m in t:\n    now+=m.time\n    \
         if m.type in ('note_on','set_tempo'): print(i, now, m.type, getattr(m,'note',getattr(m,'tempo',0)))",
        &[take.to_str().unwrap()],
    );
    let mut lines = dump.lines();
    assert_eq!(lines.next(), Some("1 960 3"), "{dump}");
    assert!(dump.contains("0 3840 set_tempo 666667"), "{dump}");
    assert!(dump.contains("1 2881 note_on 72"), "{dump}");
    assert!(dump.contains("2 480 note_on 36"), "{dump}");

    // Played back with the same channels: the same samples.
    let back = render(&format!(
        "{DC_SETUP} play_midi({:?});",
        take.display().to_string()
    ));
    assert_eq!(
        onsets(&left(&back)),
        onsets(&left(&original)),
        "the same frames"
    );
    let n = original.len().min(back.len());
    assert!(n > 0 && original[..n] == back[..n], "the same samples");
}

#[test]
fn files_written_by_mido_import_with_their_notes_and_tempo() {
    let dir = scratch("mido");
    let t0 = dir.join("type0.mid");
    let t1 = dir.join("type1.mid");
    // Type 0 at 100 bpm, 480 ppq: mido writes running status (note_on,
    // and note_on with velocity 0 as the note-off).
    mido(
        "import mido,sys\nf=mido.MidiFile(type=0,ticks_per_beat=480)\nt=mido.MidiTrack();f.tracks.append(t)\n\
         t.append(mido.MetaMessage('set_tempo',tempo=600000,time=0))\n\
         for k in range(4):\n  t.append(mido.Message('note_on',note=60+k,velocity=100,time=0 if k==0 else 240))\n  \
         t.append(mido.Message('note_on',note=60+k,velocity=0,time=240))\nf.save(sys.argv[1])",
        &[t0.to_str().unwrap()],
    );
    // Type 1: a tempo track (120 then 60 bpm at beat 2) and a note track.
    mido(
        "import mido,sys\nf=mido.MidiFile(type=1,ticks_per_beat=96)\na=mido.MidiTrack();b=mido.MidiTrack();f.tracks+= [a,b]\n\
         a.append(mido.MetaMessage('set_tempo',tempo=500000,time=0))\n\
         a.append(mido.MetaMessage('set_tempo',tempo=1000000,time=192))\n\
         b.append(mido.Message('program_change',program=40,channel=0,time=0))\n\
         for k in range(4):\n  b.append(mido.Message('note_on',note=70,velocity=90,time=0 if k==0 else 48))\n  \
         b.append(mido.Message('note_off',note=70,velocity=0,time=48))\nf.save(sys.argv[1])",
        &[t1.to_str().unwrap()],
    );
    let bytes = std::fs::read(&t0).unwrap();
    assert_eq!(&bytes[..4], b"MThd");
    let s0 = tactus::midi_file::read(&bytes).unwrap();
    assert_eq!(s0.tempos, vec![(0, 600_000)]);
    let got: Vec<(u64, u64, u8)> = s0
        .notes
        .iter()
        .map(|n| (n.tick, n.len_ticks, n.key))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 240, 60),
            (480, 240, 61),
            (960, 240, 62),
            (1440, 240, 63)
        ]
    );

    // Played in Tactus time: tick t sounds at t/480 * 0.6 s.
    let out = left(&render(&format!(
        "{DC_SETUP} play_midi({:?});",
        t0.display().to_string()
    )));
    let want: Vec<usize> = (0..4)
        .map(|k| (k as f64 * 0.6 * SR).round() as usize)
        .collect();
    assert_eq!(onsets(&out), want);

    // Type 1: 96 ppq, 120 bpm for two beats, then 60: beats 0, 1, 2, 3
    // sound at 0, 0.5, 1.0, 2.0 s.
    let s1 = tactus::midi_file::read(&std::fs::read(&t1).unwrap()).unwrap();
    assert_eq!(s1.tempos, vec![(0, 500_000), (192, 1_000_000)]);
    assert_eq!(s1.programs, vec![(0, 0, 40)]);
    let out = left(&render(&format!(
        "{DC_SETUP} play_midi({:?});",
        t1.display().to_string()
    )));
    let want: Vec<usize> = [0.0, 0.5, 1.0, 2.0]
        .iter()
        .map(|s| (s * SR).round() as usize)
        .collect();
    assert_eq!(onsets(&out), want);
    // Or at the session's tempo, moved to channel 1, from beat 1.
    let out = left(&render(&format!(
        "{DC_SETUP} tempo(120); play_midi({:?}, #{{ tempo: \"session\", channels: 1, at: 1 }});",
        t1.display().to_string()
    )));
    let want: Vec<usize> = (1..5).map(|b| beat_frame(b as f64, 120.0)).collect();
    assert_eq!(onsets(&out), want);
}

#[test]
fn bad_midi_files_are_one_clear_message() {
    let dir = scratch("bad");
    let wav = dir.join("x.mid");
    std::fs::write(&wav, b"RIFF\0\0\0\0WAVEfmt ").unwrap();
    let e = check_error(&format!("play_midi({:?});", wav.display().to_string()));
    assert!(e.contains("not a Standard MIDI File"), "{e}");
    let e = check_error("play_midi(\"/nonexistent/x.mid\");");
    assert!(e.contains("cannot read"), "{e}");
    let e = check_error("record(\"take.wav\");");
    assert!(e.contains("not a .mid name"), "{e}");
    let e = check_error("stop_record();");
    assert!(e.contains("no MIDI take"), "{e}");
}

#[test]
fn tactus_render_plays_a_midi_file_with_gm_programs_as_presets() {
    let dir = scratch("render");
    let t1 = dir.join("song.mid");
    mido(
        "import mido,sys\nf=mido.MidiFile(type=1,ticks_per_beat=480)\nb=mido.MidiTrack();f.tracks.append(b)\n\
         b.append(mido.Message('program_change',program=73,channel=0,time=0))\n\
         b.append(mido.Message('note_on',note=72,velocity=90,time=0))\n\
         b.append(mido.Message('note_off',note=72,velocity=0,time=480))\n\
         b.append(mido.Message('note_on',note=36,velocity=100,channel=9,time=0))\n\
         b.append(mido.Message('note_off',note=36,velocity=0,channel=9,time=240))\nf.save(sys.argv[1])",
        &[t1.to_str().unwrap()],
    );
    let out = dir.join("out.wav");
    let o = Command::new(env!("CARGO_BIN_EXE_tactus"))
        .args(["render", t1.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("2 notes"), "{said}");
    let r = hound::WavReader::open(&out).unwrap();
    assert!(r.duration() > 48_000 / 2, "the sound of both notes");
}
