//! The text of `help()`: one entry per binding, the same text the README's
//! API table is made from. A test checks that every registered function has
//! an entry here.

/// Documentation of one script binding.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    /// Function name.
    pub name: &'static str,
    /// Call forms, with units.
    pub usage: &'static str,
    /// One line: what it does.
    pub text: &'static str,
    /// One example.
    pub example: &'static str,
}

/// Every binding, grouped as `help()` prints them.
pub const DOCS: &[Doc] = &[
    // Notes and events
    Doc {
        name: "note",
        usage: "note(ch, pitch, dur_beats) | note(ch, pitch, dur_beats, #{ vel, amp, at, pan, env, table })",
        text: "Play a note on channel 1-16 at the cursor (+ `at` beats). pitch: MIDI number, \"C4\", hz(), oct(), pch(). vel 0-127 or amp 0-1; pan 0 left - 1 right.",
        example: "note(1, \"A4\", 0.5, #{ vel: 100, at: 0.25 })",
    },
    Doc {
        name: "i",
        usage: "i(p1_ch, p2_start_beats, p3_dur_beats [, p4_amp, p5_oct, p6_table, p7_rise_s, p8_decay_s, p9_pan, p10-p13 adsr])",
        text: "A Csound i-statement relative to the cursor: amplitude, pitch in oct (or a note name), table or synth name, linen rise/decay in seconds, pan 0-1; p10-p13 an ADSR instead.",
        example: "i(1, 0, 2, 0.3, 8.75, 101, 0.05, 0.3, 0.5)",
    },
    Doc {
        name: "wait",
        usage: "wait(beats)",
        text: "Move the logical cursor forward, so a score reads top to bottom.",
        example: "note(1, 60, 1); wait(1); note(1, 62, 1)",
    },
    Doc {
        name: "sleep",
        usage: "sleep(beats)",
        text: "The same as wait(beats), as in Sonic Pi: moves the logical cursor; it never stops the music (Rhai's own blocking sleep is not reachable).",
        example: "note(1, 60, 1); sleep(1); note(1, 62, 1)",
    },
    Doc {
        name: "at",
        usage: "at(beats, || { ... })",
        text: "Run the closure once at cursor + beats; inside it notes, waits and table edits are at that time (edits land on that exact frame).",
        example: "at(4, || table(1, 4096, saw(16)))",
    },
    // Time
    Doc {
        name: "tempo",
        usage: "tempo() | tempo(bpm) | tempo(bpm, over_beats)",
        text: "Read the tempo, change it from the cursor on, or ramp to it over some beats (0 to 1e6; a ramp under 1/1024 beat is a jump) (beats are quarter notes; default 60 bpm as in Csound). Typed at the prompt, a change starts after the notes already sent ahead (up to the lookahead), so they keep their time and the new tempo follows them with no gap. While clock(\"midi\") follows a clock, the clock sets the tempo (tempo(bpm) lasts until its next tick).",
        example: "tempo(120)",
    },
    Doc {
        name: "now",
        usage: "now()",
        text: "The logical cursor, in beats.",
        example: "print(now())",
    },
    Doc {
        name: "sr",
        usage: "sr()",
        text: "The sample rate in Hz.",
        example: "print(sr())",
    },
    Doc {
        name: "block",
        usage: "block()",
        text: "Frames per audio block.",
        example: "print(block())",
    },
    Doc {
        name: "nchnls",
        usage: "nchnls()",
        text: "Output channels (2: stereo).",
        example: "print(nchnls())",
    },
    Doc {
        name: "play",
        usage: "play()",
        text: "Start the transport again after stop(): loops sound from their next iteration.",
        example: "play()",
    },
    Doc {
        name: "stop",
        usage: "stop()",
        text: "Stop the transport: everything fades out, pending notes are forgotten, loops keep their phase silently.",
        example: "stop()",
    },
    Doc {
        name: "on_note",
        usage: "on_note(|ch, pitch, vel| { ... }), on_note(ch, f), on_note(\"port\", ch, f)",
        text: "Run the closure for each MIDI note-on (ch 1-16; a ch filter of 0 means any; the port filter matches part of the input's name). It runs as an evaluation of its own at the note's time: an error undoes that call and prints once. Defining it again (a reload) replaces it.",
        example: "on_note(|ch, pitch, vel| seq(\"drums:36\").step(pitch - 35, true))",
    },
    Doc {
        name: "on_note_off",
        usage: "on_note_off(|ch, pitch, vel| { ... }), on_note_off(ch, f), on_note_off(\"port\", ch, f)",
        text: "Run the closure for each MIDI note-off (a note-on with velocity 0 included), like on_note.",
        example: "on_note_off(|ch, pitch, vel| print(`released ${pitch}`))",
    },
    Doc {
        name: "on_cc",
        usage: "on_cc(number, |ch, value| { ... }), on_cc(number, ch, f), on_cc(number, \"port\", ch, f)",
        text: "Run the closure for each value of MIDI controller `number` (0-127; value 0-127), like on_note.",
        example: "on_cc(74, |ch, v| channel(1).lowpass = 200 + v * 40)",
    },
    Doc {
        name: "on_cc14",
        usage: "on_cc14(number, |ch, value| { ... }), with ch / port filters as on_cc",
        text: "A 14-bit controller as one control: MSB on CC number (0-31), LSB on number + 32; runs when the LSB arrives, value 0-16383.",
        example: "on_cc14(1, |ch, v| tempo(60 + v / 128.0))",
    },
    Doc {
        name: "on_nrpn",
        usage: "on_nrpn(param, |ch, value| { ... }), with ch / port filters as on_cc",
        text: "A non-registered parameter (CC 99/98 select it, data entry CC 6/38 set it) as one control: runs on the data entry LSB, value 0-16383.",
        example: "on_nrpn(130, |ch, v| set(\"cutoff\", v))",
    },
    Doc {
        name: "handlers",
        usage: "handlers()",
        text: "The names of the controller handlers defined (on_note, on_cc(74) ch 1, ...).",
        example: "handlers()",
    },
    Doc {
        name: "keyboard",
        usage: "keyboard(ch)",
        text: "At the prompt: play channel ch from the computer keyboard. Z S X D C V G B H N J M are C4 to B4, Q 2 W 3 E R 5 T 6 Y 7 U the octave above; - and = shift the octave, [ and ] the velocity; each key plays a half-beat note (terminals report no key release); Esc returns to the prompt.",
        example: "keyboard(1)",
    },
    Doc {
        name: "lookahead",
        usage: "lookahead(ms)",
        text: "How far ahead of the audio clock loops and sequences are computed (default 100 ms).",
        example: "lookahead(50)",
    },
    Doc {
        name: "status",
        usage: "status()",
        text: "The session as a table: the transport (playing or stopped, tempo, bar and beat), the audio side (sound card or the no-device clock, voices, the callback's load: time spent computing a block as a share of its duration, on average and in the worst block since the last status(); xruns; audio-thread allocations), the master level (RMS bar, peak mark, samples over 0 dBFS), events (sent, late, skipped, dropped), MIDI inputs, Link (peers, tempo, beat, phase, how far the sound is from the shared beat at the speaker), the clock, each channel in use (instrument, effects that are on, volume, pan, voices, level), loops (length, passes, next boundary, where the code came from), sequences (grid and the step playing), recordings, tables.",
        example: "status()",
    },
    Doc {
        name: "code",
        usage: "code(\"name\")",
        text: "Print the code a loop is running now, as written, and where it came from (file:line, the prompt or the editor); a new version waiting for the loop's next boundary is shown too. For a sequence, its grid.",
        example: "code(\"bass\")",
    },
    Doc {
        name: "meters",
        usage: "meters()",
        text: "Live level meters above the prompt: each channel in use and the master, RMS as a bar and the peak as a mark over -60..0 dBFS, voices, and CLIP with a count when the master went over full scale. They update ten times a second until a key is pressed; a letter pressed starts the next line. A sequence or a channel handle printed at the prompt (seq(\"x\"), channel(2)) shows its settings and level the same way.",
        example: "meters()",
    },
    Doc {
        name: "live_loop",
        usage: "live_loop(\"name\", beats, |i| { ... })",
        text: "A loop whose body runs once per iteration of that many beats (1/256 to 65536; i counts iterations); redefining it swaps the body at the next boundary, keeping phase. New loops start on the next bar.",
        example: "live_loop(\"bass\", 1, |i| { note(2, 36, 0.25); wait(0.5); note(2, 43, 0.25); })",
    },
    Doc {
        name: "stop_loop",
        usage: "stop_loop(\"name\")",
        text: "Stop a loop at its next boundary.",
        example: "stop_loop(\"bass\")",
    },
    Doc {
        name: "loops",
        usage: "loops()",
        text: "The names of the running loops.",
        example: "loops()",
    },
    Doc {
        name: "set",
        usage: "set(\"key\", value)",
        text: "Keep a value across reloads (the script's own variables are re-created on every reload).",
        example: "set(\"section\", 2)",
    },
    Doc {
        name: "get",
        usage: "get(\"key\")",
        text: "A value kept with set(), or () if none.",
        example: "let section = get(\"section\")",
    },
    Doc {
        name: "revert",
        usage: "revert() | revert(n) | revert(n, #{ write: true })",
        text: "Play an earlier accepted version of the watched script: the one before the version playing (after a save that failed, the last good version keeps playing), or version n as versions() numbers them. It says which version now plays and that the file on disk is unchanged; with write: true that version is also written back to the file, so the editor shows it.",
        example: "revert(2, #{ write: true })",
    },
    Doc {
        name: "versions",
        usage: "versions()",
        text: "List the watched script's accepted versions: number, time, what each changed, and which one plays; and whether the file on disk does not load.",
        example: "versions()",
    },
    Doc {
        name: "panic",
        usage: "panic()",
        text: "Silence everything now (a short fade) and forget pending notes; loops, sequences, at() callbacks, channels and tables stay, so the next iteration plays again (stop() halts the transport). It also disconnects the audio input (input(ch) brings it back).",
        example: "panic()",
    },
    // Pitch
    Doc {
        name: "hz",
        usage: "hz(freq_hz)",
        text: "A pitch given in hertz.",
        example: "note(1, hz(440), 1)",
    },
    Doc {
        name: "oct",
        usage: "oct(octave_point_decimal)",
        text: "A pitch in Csound octave-point-decimal: 8.75 = A4 = 440 Hz.",
        example: "note(1, oct(8.75), 1)",
    },
    Doc {
        name: "pch",
        usage: "pch(octave_point_pitch_class)",
        text: "A pitch in Csound pitch-class: 8.09 = octave 8, semitone 9 = A4.",
        example: "note(1, pch(8.09), 1)",
    },
    // Channels
    Doc {
        name: "channel",
        usage: "channel(n) | channel(n, #{ instrument, program, synth, table, env, volume, pan, max_voices, bend_range, detune, sub_osc, noise, vel_bright, fm_ratio, fm_index, damping, root, looped, drums, lowpass, highpass, q, reverb, reverb_decay, chorus, delay, delay_time, delay_feedback, tremolo, tremolo_rate, distortion, saturation, phaser, midi_out, midi_channel, sound })",
        text: "Configure channel 1-16 (an instrument preset, or program: a General MIDI program 1-128, then overrides) and get its handle; every option reads and sets live, e.g. ch.lowpass = 1200 (smoothed, no clicks). vel_bright 0-1: softer notes are darker (a per-note lowpass opening with velocity; FM index grows with it). Synths: sine, saw, square, triangle, fm, pluck, noise, sample, table, drums. Channel 10 is drums by default. midi_out: \"port\" (or true: the midi_out() port) sends its notes to MIDI on midi_channel 1-16 instead of sounding (sound: true: both).",
        example: "let ch = channel(1, #{ table: 1, env: adsr(0.01, 0.1, 0.7, 0.3) }); ch.volume = 0.5",
    },
    Doc {
        name: "adsr",
        usage: "adsr(attack_s, decay_s, sustain_0_1, release_s)",
        text: "A linear ADSR envelope; for note() the release follows the note's end, for i() and score notes it fits inside p3 (attack and release scaled together when they are longer than the note, so a short note still sounds).",
        example: "channel(1, #{ env: adsr(0.01, 0.2, 0.6, 0.5) })",
    },
    Doc {
        name: "linen",
        usage: "linen(rise_s, decay_s)",
        text: "Csound's linen: linear rise, hold, and a decay that ends with the note; when rise and decay are longer than the note both are scaled to fit it, so a short note still sounds.",
        example: "channel(2, #{ env: linen(0.05, 0.3) })",
    },
    // Tables
    Doc {
        name: "table",
        usage: "table(n, size, gen) | table(n)",
        text: "Create or replace table n (1-9999) with size points (1 to 2^24; all tables together at most 2^27) from a generator (normalised to peak 1; raw(gen) keeps the values); sounding notes hear it at once. table(n) gives a handle: t.len, t[i], t[i] = x.",
        example: "table(1, 4096, gen10([1, 0.5, 0.33])); let t = table(1); t[1024] = -1.0",
    },
    Doc {
        name: "f",
        usage: "f(n, p2_beats, size, gen_no, args...) | f(n, p2_beats, size, gen_no, [args])",
        text: "A Csound f-statement from the cursor: GEN 1, 2, 5, 7, 9 or 10, negative for raw values; p2 > 0 creates the table at that time.",
        example: "f(2, 0, 4096, 10, 1, 0.5, 0.3)",
    },
    Doc {
        name: "raw",
        usage: "raw(gen)",
        text: "Keep a generator's values as given (no normalisation), like a negative GEN number in Csound.",
        example: "table(9, 8, raw(gen2([0, 2, 4, 5, 7, 9, 11, 12])))",
    },
    Doc {
        name: "gen1",
        usage: "gen1(\"file.wav\") | gen1(\"file.wav\", channel)",
        text: "Samples from a WAV file (16/24-bit or 32-bit float; channels mixed, or one 1-based channel); size 0 takes the file's length (at most 2^24 frames); only the frames the table holds are read. A regular file only.",
        example: "table(20, 0, gen1(\"kick.wav\"))",
    },
    Doc {
        name: "fill",
        usage: "t.fill(|i, x| new_value)",
        text: "Set every point of a table from a closure of its index and current value; published as one change.",
        example: "table(1).fill(|i, x| x * 0.5)",
    },
    Doc {
        name: "normalize",
        usage: "t.normalize()",
        text: "Scale a table to a peak of 1.",
        example: "table(1).normalize()",
    },
    Doc {
        name: "to_array",
        usage: "t.to_array()",
        text: "A table's points as an array.",
        example: "let a = table(1).to_array()",
    },
    Doc {
        name: "set",
        usage: "t.set([values])",
        text: "Write values into a table from index 0 (at most its length); one change.",
        example: "table(1).set([0.0, 0.5, 1.0])",
    },
    Doc {
        name: "save",
        usage: "t.save(\"file.wav\")",
        text: "Write a table as a mono 32-bit float WAV at the session's sample rate.",
        example: "table(1).save(\"sine.wav\")",
    },
    Doc {
        name: "interpolate",
        usage: "interpolate(a, b)",
        text: "Fill the tables numbered between a and b with linear morphs from table a to table b (same sizes).",
        example: "interpolate(101, 111)",
    },
    Doc {
        name: "gen10",
        usage: "gen10([amp1, amp2, ...])",
        text: "Harmonic partials (Csound GEN10), normalised to peak 1.",
        example: "table(1, 4096, gen10([1, 0, 0.33, 0, 0.2]))",
    },
    Doc {
        name: "gen9",
        usage: "gen9([[ratio, amp, phase_deg], ...])",
        text: "Partials with any ratio and phase (Csound GEN09), normalised.",
        example: "table(2, 4096, gen9([[1, 1, 0], [2.5, 0.3, 90]]))",
    },
    Doc {
        name: "gen7",
        usage: "gen7([v0, len0, v1, len1, v2, ...])",
        text: "Straight line segments; lengths in points (Csound GEN07).",
        example: "table(3, 1024, gen7([0, 512, 1, 512, 0]))",
    },
    Doc {
        name: "gen5",
        usage: "gen5([v0, len0, v1, ...])",
        text: "Exponential segments; values non-zero and of one sign (Csound GEN05).",
        example: "table(4, 1024, gen5([1, 1024, 0.001]))",
    },
    Doc {
        name: "gen2",
        usage: "gen2([values])",
        text: "The values as given, zero-padded to the size (Csound GEN02).",
        example: "table(5, 8, gen2([0, 2, 4, 5, 7, 9, 11, 12]))",
    },
    Doc {
        name: "sine",
        usage: "sine()",
        text: "One cycle of a sine.",
        example: "table(1, 4096, sine())",
    },
    Doc {
        name: "saw",
        usage: "saw(harmonics)",
        text: "Band-limited sawtooth with that many harmonics, normalised.",
        example: "table(2, 4096, saw(25))",
    },
    Doc {
        name: "square",
        usage: "square(harmonics)",
        text: "Band-limited square (odd harmonics up to that number), normalised.",
        example: "table(3, 4096, square(25))",
    },
    Doc {
        name: "triangle",
        usage: "triangle(harmonics)",
        text: "Band-limited triangle (odd harmonics up to that number), normalised.",
        example: "table(4, 4096, triangle(25))",
    },
    Doc {
        name: "impulse",
        usage: "impulse(harmonics)",
        text: "Band-limited impulse: all harmonics at equal amplitude, normalised.",
        example: "table(5, 4096, impulse(25))",
    },
    Doc {
        name: "plot",
        usage: "plot(n) | plot([n1, n2, ...]) | t.plot()",
        text: "Draw tables in the terminal (braille), several overlaid with their own symbols, with value and index axes.",
        example: "plot([101, 111, 121])",
    },
    // Sound palette
    Doc {
        name: "instruments",
        usage: "instruments() | instruments(group)",
        text: "The instruments for channel(n, #{ instrument: \"...\" }): the 128 General MIDI presets in program order (instruments()[p - 1] is GM program p, also channel(n, #{ program: p })), the Tactus originals (piano, electric_piano, organ, strings, pad, bass_guitar, pluck, bell, flute, brass, lead, fm_bell), and drums (the GM kit). Groups: the 16 GM families (piano, chromatic_percussion, organ, guitar, bass, strings, ensemble, brass, reed, pipe, synth_lead, synth_pad, synth_effects, ethnic, percussive, sound_effects), tactus, drums (the percussion map, notes 35-81 in order), aliases (vibes, sax, bass, ...).",
        example: "channel(2, #{ instrument: \"vibraphone\", reverb: 0.4 }); print(instruments(\"brass\"))",
    },
    Doc {
        name: "chord",
        usage: "chord(ch, \"Cmaj7\", dur_beats) | chord(ch, [pitches], dur_beats [, #{...}])",
        text: "Play a chord by name (root, optional octave, quality: m, 7, maj7, m7, dim, aug, sus2, sus4, 6, 9, ...) or from pitches.",
        example: "chord(2, \"Am7\", 2, #{ vel: 70 })",
    },
    Doc {
        name: "chord_notes",
        usage: "chord_notes(\"Cmaj7\")",
        text: "The MIDI numbers of a chord (octave 4 unless the root names one).",
        example: "chord_notes(\"F#m\")  // [66, 69, 73]",
    },
    Doc {
        name: "scale",
        usage: "scale(root, kind)",
        text: "MIDI numbers of one octave of a scale: major, minor, harmonic_minor, melodic_minor, dorian, phrygian, lydian, mixolydian, locrian, major_pentatonic, minor_pentatonic, blues, whole_tone, chromatic.",
        example: "let s = scale(\"A3\", \"minor_pentatonic\")",
    },
    Doc {
        name: "euclid",
        usage: "euclid(k, n)",
        text: "A Euclidean rhythm: k hits spread over n steps, as an array of true/false.",
        example: "euclid(3, 8)  // x..x..x.",
    },
    Doc {
        name: "rotate",
        usage: "rotate(array, n)",
        text: "The array turned left by n places (right when n is negative), as Sonic Pi's .rotate(n); on a rhythm it moves the downbeat.",
        example: "seq(\"k\", 10, 36, rotate(euclid(3, 8), 1))  // .x..x..x",
    },
    Doc {
        name: "seed",
        usage: "seed(n)",
        text: "Seed the random streams (each loop and sequence has its own), so a render is reproducible.",
        example: "seed(42)",
    },
    Doc {
        name: "rand",
        usage: "rand() | rand(lo, hi)",
        text: "A random number in [0, 1) or [lo, hi), from the running loop's own stream.",
        example: "note(1, 60, 0.25, #{ vel: rand(60, 110) })",
    },
    Doc {
        name: "choose",
        usage: "choose(array)",
        text: "A random element.",
        example: "note(1, choose(scale(\"C4\", \"major\")), 0.5)",
    },
    Doc {
        name: "one_in",
        usage: "one_in(n)",
        text: "True about once in n calls.",
        example: "if one_in(4) { note(3, 84, 0.1); }",
    },
    Doc {
        name: "seq",
        usage: "seq(\"name\", ch, pitch, \"x..X....\" | [steps] [, #{ vel, step, swing }]) | seq(\"name\")",
        text: "A step sequencer track: x hit, X accent, . rest; or an array of steps: true/false, 0 rest, 1 hit, a velocity 2-127 or 0.0-1.0 (so euclid() and rotate() plug in). step in beats (0.25), swing 0-0.5 delays every other step. Edits are heard from the next step; new ones start on the next bar. seq(\"name\") gives a handle for .step(i, on).",
        example: "seq(\"hat\", 10, 42, \"x.x.x.x.x.x.x.xX\", #{ swing: 0.2 }); seq(\"hat\").step(3, false)",
    },
    Doc {
        name: "step",
        usage: "seq(\"name\").step(i, true | false | \"x\" | \"X\" | \".\" | velocity)",
        text: "Set step i (from 1) of a sequence: heard from its next time round.",
        example: "seq(\"kick\").step(11, \"X\")",
    },
    Doc {
        name: "mirror",
        usage: "seq(\"name\").mirror(\"port\", first_note [, #{ channel, on, accent, playing, notes }]) | .mirror(false)",
        text: "Light a controller's pads from a sequence: step k is pad first_note + k - 1 (or notes[k - 1]); a step that is on is lit (velocity on 64, accent 96), the playing step shows playing (127), updated on every step and edit, in time with the sound. mirror(false) darkens them.",
        example: "seq(\"kick\", 10, 36, \"x...x...x...x...\").mirror(\"Launchpad\", 36)",
    },
    Doc {
        name: "stop_seq",
        usage: "stop_seq(\"name\")",
        text: "Stop a sequence at its next step.",
        example: "stop_seq(\"hat\")",
    },
    Doc {
        name: "seqs",
        usage: "seqs()",
        text: "The names of the running sequences.",
        example: "seqs()",
    },
    Doc {
        name: "drums",
        usage: "drums(\"name\") | drums(\"off\")",
        text: "Play a drum pattern on channel 10 (the synthesized General MIDI kit) from the next bar: rock, house, techno, hiphop, breakbeat, bossa, funk, reggae, dnb, trap, disco, electro, shuffle.",
        example: "drums(\"house\")",
    },
    Doc {
        name: "drum_patterns",
        usage: "drum_patterns()",
        text: "The names of the drum patterns.",
        example: "drum_patterns()",
    },
    Doc {
        name: "cc",
        usage: "cc(number, \"param\", min, max) | cc(number, \"param\", min, max, ch)",
        text: "Map a MIDI controller to volume or an effect parameter on every channel (or one), linearly from min at 0 to max at 127; applied at the value's frame, smoothed.",
        example: "cc(74, \"lowpass\", 200, 8000, 1)",
    },
    Doc {
        name: "cc_in",
        usage: "cc_in(ch, number, value_0_127)",
        text: "Send a controller value as if it came from MIDI input (try a mapping without a controller).",
        example: "cc_in(1, 74, 100)",
    },
    Doc {
        name: "midi_in",
        usage: "midi_in() | midi_in(\"name\")",
        text: "List the MIDI input ports, or open the first one whose name contains the text (several may be open). Note-on on MIDI channel n plays channel n (held until note-off; channel 10 plays drums by GM note); pitch bend bends by ch.bend_range semitones (default 2); CC 64 sustains; program change n (0-127) picks General MIDI program n + 1 (a drum channel keeps its kit); other CCs drive cc() maps. Other programs can also connect to Tactus's own input \"Tactus in\".",
        example: "midi_in(\"OP-XY\"); let ch = channel(1); ch.bend_range = 12",
    },
    // MIDI output
    Doc {
        name: "midi_out",
        usage: "midi_out() | midi_out(\"name\") | midi_out(\"name\", #{ nudge: ms })",
        text: "List the MIDI outputs, or open the first whose name contains the text (Tactus also offers its own \"Tactus out\"); it becomes the port of channels with midi_out: true. Returns the full name.",
        example: "midi_out(\"OP-XY\"); channel(1, #{ midi_out: true, midi_channel: 1 })",
    },
    Doc {
        name: "clock_out",
        usage: "clock_out(\"port\") | clock_out(false)",
        text: "Send MIDI clock (24 ticks per beat, each on its exact frame, tempo changes and ramps included) to an output from the next bar at least a beat away, with Start there; stop() sends Stop (the ticks go on), play() resumes at the next bar with Song Position Pointer (that bar's place, in sixteenths) and Continue; a jump of the beat grid (a score's 'a') sends Stop, then the position and Continue on the first sixteenth after it, not a burst of ticks. clock_out(false) sends Stop and ends it.",
        example: "clock_out(\"TR-8\")",
    },
    Doc {
        name: "clock",
        usage: "clock() | clock(\"midi\") | clock(\"internal\")",
        text: "Where the beat grid comes from. clock(\"midi\") follows MIDI clock (24 ticks per beat) from the first open input that sends it: its tempo (estimated from the ticks, so their jitter never reaches the sound) drives loops, sequences and drums, Start plays its beat 0 on a bar line, Stop stops, Continue resumes from the Song Position Pointer. clock(\"internal\") returns to the tempo map, keeping the last tempo; clock() says which.",
        example: "midi_in(\"TR-8\"); clock(\"midi\")",
    },
    Doc {
        name: "clock_in",
        usage: "clock_in(\"port\")",
        text: "Open the first MIDI input whose name contains the text (as midi_in) and follow its clock, as clock(\"midi\") does; returns the port's full name.",
        example: "clock_in(\"TR-8\")",
    },
    Doc {
        name: "midi_send",
        usage: "midi_send(\"port\", [bytes])",
        text: "Send raw MIDI bytes (complete messages, 0-255; SysEx F0 .. F7) to an output at the cursor; bad bytes are refused with their position.",
        example: "midi_send(\"OP-XY\", [0xC0, 5])",
    },
    Doc {
        name: "midi_cc",
        usage: "midi_cc(ch, controller_0_127, value_0_127)",
        text: "Send a control change on channel ch's MIDI output and MIDI channel, at the cursor.",
        example: "midi_cc(1, 74, 100)",
    },
    Doc {
        name: "midi_bend",
        usage: "midi_bend(ch, amount_-1_to_1)",
        text: "Send pitch bend (-1 down .. 0 centre .. 1 up, the synth's bend range) on channel ch's MIDI output, at the cursor.",
        example: "midi_bend(1, 0.5)",
    },
    Doc {
        name: "nudge",
        usage: "nudge(ms) | nudge(\"port\", ms) | nudge(\"audio\", ms)",
        text: "Shift what goes to a MIDI output by ms (-1000..1000; positive: later) so an external synth lines up with Tactus's sound; nudge(ms) sets the midi_out() port's (with no MIDI output chosen, the audio's). nudge(\"audio\", ms) moves Tactus's sound on Link's shared timeline, on top of the output latency the device reports.",
        example: "nudge(\"OP-XY\", -12)",
    },
    // Link
    Doc {
        name: "link",
        usage: "link(true) | link(false) | link()",
        text: "Join (or leave) the Ableton Link session on the local network (as --link): tempo, beat grid and, with link_start_stop(true), play/stop are shared with every peer (Ableton Live, phone apps, other Tactus). Loops, sequences and drums start on the shared bar; tempo() changes the whole session's tempo and a peer's change is followed. Alone, Link just keeps time. link() tells whether Link is on.",
        example: "link(true)",
    },
    Doc {
        name: "link_quantum",
        usage: "link_quantum(beats) | link_quantum()",
        text: "Beats per shared bar (more than 0, at most 64; 4 by default): with Link on, loops start where every peer's bar of this many beats begins.",
        example: "link_quantum(3)",
    },
    Doc {
        name: "link_start_stop",
        usage: "link_start_stop(true | false)",
        text: "Share play() and stop() with the Link peers that share them too (off by default).",
        example: "link_start_stop(true)",
    },
    Doc {
        name: "link_peers",
        usage: "link_peers()",
        text: "How many other peers are in the Link session (0 when alone or with Link off).",
        example: "print(link_peers())",
    },
    // Scores
    Doc {
        name: "score",
        usage: "score(text)",
        text: "Csound score text from the cursor, with Csound's timing and preprocessor: i f a b e m n q r s t v x y statements and c <ch> <time> \"option\" value (a channel option from that time on) (sections follow each other; e only extends), { } loops, #define/$macro/#include, [expressions], ramps < > ( ) ~, np/pp, z, ; // /* */ comments, the . + ^+ ! carry rules.",
        example: "score(\"i 1 0 1 0.3 8.00\\ni 1 + . . 8.04\")",
    },
    Doc {
        name: "pmap",
        usage: "pmap(ch, #{ amp: \"p4\", amp_scale: 32768, pitch: \"p5\", pitch_as: \"cps\" | \"oct\" | \"pch\" | \"midi\", table: \"p6\", pan: \"p7\" })",
        text: "What a foreign score's p-fields mean on channel ch (1-16): its notes are read through this map; unnamed p-fields are ignored. Without a map the default layout applies.",
        example: "pmap(3, #{ amp: \"p4\", amp_scale: 32768, pitch: \"p5\", pitch_as: \"pch\" })",
    },
    Doc {
        name: "instr",
        usage: "instr(n_or_name, ch)",
        text: "Play a score's instrument n (any number; fractions count as their whole part) or \"name\" on channel ch (1-16).",
        example: "instr(12, 3); instr(\"bass\", 2)",
    },
    Doc {
        name: "score_abs",
        usage: "score_abs(text)",
        text: "Score text with times from the start of the performance; events already past are reported and skipped.",
        example: "score_abs(\"i 1 16 2 0.3 8.07\")",
    },
    Doc {
        name: "score_file",
        usage: "score_file(\"x.sco\")",
        text: "Play a score file from the cursor (a regular file of at most 64 MiB).",
        example: "score_file(\"session.sco\")",
    },
    Doc {
        name: "advance",
        usage: "advance(beats) | advance(beats, at_beats)",
        text: "Csound 'a': skip that many beats of what is scheduled (from the cursor, or at beats later); later events move earlier.",
        example: "advance(8)",
    },
    Doc {
        name: "rewind",
        usage: "rewind()",
        text: "Play the score texts given so far again, from the cursor.",
        example: "rewind()",
    },
    Doc {
        name: "end",
        usage: "end() | end(at_beats)",
        text: "Csound 'e': the performance ends at the cursor (+ at); a render ends exactly there.",
        example: "end(32)",
    },
    Doc {
        name: "quiet",
        usage: "quiet(ch)",
        text: "Csound 'q': drop new notes on a channel from the cursor on; sounding ones finish.",
        example: "quiet(1)",
    },
    Doc {
        name: "unquiet",
        usage: "unquiet(ch)",
        text: "Undo quiet(ch) from the cursor on.",
        example: "unquiet(1)",
    },
    Doc {
        name: "score_time",
        usage: "score_time()",
        text: "Seconds of score time at the cursor, from the start of the score.",
        example: "print(score_time())",
    },
    Doc {
        name: "log_score",
        usage: "log_score(\"session.sco\")",
        text: "From now on, write the sound as a score: the tables and every channel's volume and effects first, then each note (with the synth settings it needs, as c statements) and every volume, effect and controller change on its frame; `tactus render session.sco` replays it within 1e-4.",
        example: "log_score(\"take1.sco\")",
    },
    Doc {
        name: "stop_log_score",
        usage: "stop_log_score()",
        text: "Stop the score log and close its file.",
        example: "stop_log_score()",
    },
    Doc {
        name: "save_session",
        usage: "save_session(\"set.json\")",
        text: "Save what makes the sound, as JSON: every channel (instrument, synth, envelope, effects, volume, pan, MIDI route), tables (their points), cc maps, tempo, the drum pattern, sequences with their steps and phase, MIDI outputs, Link settings. Loops stay in the script.",
        example: "save_session(\"set.json\")",
    },
    Doc {
        name: "load_session",
        usage: "load_session(\"set.json\")",
        text: "Restore a saved session at the cursor: the same sound, sample for sample. A file that is not a session, damaged, or from a newer Tactus is one error and changes nothing.",
        example: "load_session(\"set.json\")",
    },
    // Recording
    Doc {
        name: "record_audio",
        usage: "record_audio() | record_audio(\"take.wav\") | record_audio(\"take.wav\", #{ bits: 24 })",
        text: "Record what is heard (the master output, any device) to WAV from the cursor on: 32-bit float, or bits: 24. A bare name goes to recordings/ as <date>_<time>_name.wav; a path with a folder goes there. Returns the path.",
        example: "record_audio(\"take.wav\")",
    },
    Doc {
        name: "stop_record_audio",
        usage: "stop_record_audio()",
        text: "Stop the output recordings at the cursor and complete their files; prints each file's length.",
        example: "stop_record_audio()",
    },
    Doc {
        name: "input",
        usage: "input(ch) | input(ch, #{ device: \"name\", channels: 1 }) | input(ch, false)",
        text: "Play the audio input (a microphone, JACK's capture ports) live on channel ch (1-16), through its effects and volume, from the cursor on: device is part of an input's name (default: the default input), channels 1 (mono, to both sides) or 2. input(ch, false) disconnects. One input at a time; a render has none (the channel plays only its notes).",
        example: "input(1); channel(1, #{ delay: 0.4, delay_time: 0.25, reverb: 0.3 })",
    },
    Doc {
        name: "record_input",
        usage: "record_input() | record_input(\"in.wav\") | record_input(\"in.wav\", #{ bits: 24 })",
        text: "Record the raw audio input (before any effect) to WAV, as record_audio does the output: 32-bit float, or bits: 24; a bare name goes to recordings/ as <date>_<time>_name.wav. Opens the default input if input() has not. Returns the path.",
        example: "record_input(\"voice.wav\")",
    },
    Doc {
        name: "stop_record_input",
        usage: "stop_record_input()",
        text: "Stop recording the input and complete its file; prints its length.",
        example: "stop_record_input()",
    },
    Doc {
        name: "record",
        usage: "record(\"take.mid\")",
        text: "Record every note that sounds (script notes, sequences, drums, MIDI input, the keyboard) from the cursor on, to a Standard MIDI File type 1: a track per channel, 960 ticks per quarter from the frames the notes played on, the tempo map, GM program changes for presets. A bare name goes to recordings/ as <date>_<time>_take.mid. Returns the path.",
        example: "record(\"take.mid\")",
    },
    Doc {
        name: "stop_record",
        usage: "stop_record()",
        text: "End the MIDI take at the cursor; its file is written once every note before that has been sent.",
        example: "at(16, || stop_record())",
    },
    Doc {
        name: "play_midi",
        usage: "play_midi(\"song.mid\") | play_midi(\"song.mid\", #{ channels, at, tempo, programs })",
        text: "Schedule a MIDI file (type 0 or 1) from the cursor (+ at beats): tempo \"file\" (its tempo map, default), \"session\" (its beats at the session tempo) or a bpm; channels: a channel for every note, or #{ \"1\": 3 } file channel to Tactus channel (default the same numbers, GM drums on 10); programs: true sets each channel to the General MIDI preset of its program. Returns the number of notes.",
        example: "play_midi(\"song.mid\", #{ tempo: \"session\", channels: #{ \"1\": 2 } })",
    },
    // Inspection
    Doc {
        name: "help",
        usage: "help() | help(\"name\")",
        text: "List every function (each name once, wrapped to the terminal's width), or show one with its forms and an example.",
        example: "help(\"note\")",
    },
    Doc {
        name: "print",
        usage: "print(value)",
        text: "Show a value on its own line (a string as it is, () as (), arrays and maps as written, numbers short: 1e308).",
        example: "print([60, 64, 67])",
    },
];

/// The entry for a name (the first, when a name has several forms).
pub fn lookup(name: &str) -> Option<&'static Doc> {
    DOCS.iter().find(|d| d.name == name)
}

/// Every entry for a name: `set` is both kept state and a table method.
pub fn lookup_all(name: &str) -> Vec<&'static Doc> {
    DOCS.iter().filter(|d| d.name == name).collect()
}

/// The text of `help(name)`, wrapped to `width_cols`: every form of the name.
pub fn render_name(name: &str, width_cols: usize) -> Option<String> {
    let docs = lookup_all(name);
    if docs.is_empty() {
        return None;
    }
    let parts: Vec<String> = docs.iter().map(|d| render_one(d, width_cols)).collect();
    Some(parts.join("\n"))
}

/// The text of one entry, wrapped to `width_cols`.
pub fn render_one(d: &Doc, width_cols: usize) -> String {
    let mut lines = wrap(d.usage, width_cols, "", "    ");
    lines.extend(wrap(d.text, width_cols, "    ", "    "));
    lines.extend(wrap(
        &format!("e.g. {}", d.example),
        width_cols,
        "    ",
        "        ",
    ));
    lines.join("\n")
}

/// The text of `help()` wrapped to `width_cols`: each name once, its forms
/// joined on one entry.
pub fn render_all(width_cols: usize) -> String {
    let mut s = String::from("Tactus functions (help(\"name\") for one):\n");
    let mut seen: Vec<&str> = Vec::new();
    for d in DOCS {
        if seen.contains(&d.name) {
            continue;
        }
        seen.push(d.name);
        let forms = lookup_all(d.name);
        let text = if forms.len() == 1 {
            d.text.to_string()
        } else {
            let each: Vec<String> = forms
                .iter()
                .map(|f| format!("{}: {}", f.usage, f.text))
                .collect();
            each.join(" ")
        };
        let first = format!("  {:<10} ", d.name);
        for line in wrap(&text, width_cols, &first, &" ".repeat(13)) {
            s.push_str(&line);
            s.push('\n');
        }
    }
    s
}

/// Split `text` into lines of at most `width_cols` characters at spaces,
/// the first line starting with `first`, the others with `rest`. A word
/// longer than a line is left whole on a line of its own.
pub fn wrap(text: &str, width_cols: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > width_cols {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    lines.push(line);
    lines
}

/// Columns of the terminal on standard output; `COLUMNS`, then 80, when it
/// is not a terminal. Never below 40, so a line always holds a few words.
pub fn terminal_width_cols() -> usize {
    // SAFETY: TIOCGWINSZ writes one `winsize` into the struct we own.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    let cols = if ok && ws.ws_col > 0 {
        ws.ws_col as usize
    } else {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(80)
    };
    cols.max(40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let text = "a plucked string dies away while held, unless damping is zero";
        let lines = wrap(text, 20, "  set  ", "       ");
        for l in &lines {
            assert!(l.chars().count() <= 20, "{l:?} is wider than 20");
        }
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        let mut want = vec!["set"];
        want.extend(text.split_whitespace());
        assert_eq!(words, want, "every word whole, in order");
        assert!(lines[1].starts_with("       ") && !lines[1].starts_with("        "));
    }

    #[test]
    fn a_word_longer_than_the_line_stands_alone() {
        let lines = wrap("x https://example.com/a/very/long/address y", 12, "", "");
        assert_eq!(lines, ["x", "https://example.com/a/very/long/address", "y"]);
    }

    #[test]
    fn help_lists_each_name_once_and_fits() {
        let all = render_all(60);
        let names: Vec<&str> = all
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("   "))
            .map(|l| l.split_whitespace().next().unwrap_or(""))
            .collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(names.len(), unique.len(), "a name listed twice");
        assert!(names.contains(&"set"));
        assert!(all.contains("t.set([values])"), "both forms of set shown");
    }
}
