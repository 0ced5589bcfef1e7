//! The comparison any user can run (bench/compare.sh) rests on files the
//! project writes itself: the Csound scores, the scsynth OSC scores and the C
//! reference. Here they are generated and read back as Csound and scsynth
//! would read them, with the event counts and start frames of the CSVs
//! Tactus renders, and the C reference is built and heard at Tactus's level.
//! (Csound and scsynth themselves are not installed by `make test`.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn project_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    super::common::scratch_dir("test", name)
}

/// Run a command to success and return its standard output.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Write `what` (csd or osc) for one workload into `dir` with bench/scores.py.
fn generate(dir: &Path, what: &str, workload: &str) {
    run(Command::new("python3")
        .arg(project_file("bench/scores.py"))
        .arg(dir)
        .args([what, workload]));
}

/// The start frames of a workload's CSV events, read here on their own.
fn csv_start_frames(file: &str) -> Vec<i64> {
    let text = std::fs::read_to_string(project_file(&format!("bench/workloads/{file}"))).unwrap();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    assert!(lines.next().unwrap().starts_with("start,"));
    lines
        .map(|l| {
            let start: f64 = l.split(',').next().unwrap().parse().unwrap();
            (start * 48_000.0).round() as i64
        })
        .collect()
}

/// The score section's statements of a .csd, checking the sections Csound needs.
fn csd_score(csd: &str) -> Vec<Vec<String>> {
    for tag in [
        "<CsoundSynthesizer>",
        "<CsInstruments>",
        "</CsInstruments>",
        "<CsScore>",
    ] {
        assert!(csd.contains(tag), "no {tag}");
    }
    let orc = &csd[csd.find("<CsInstruments>").unwrap()..csd.find("</CsInstruments>").unwrap()];
    for line in [
        "sr     = 48000",
        "nchnls = 2",
        "0dbfs  = 1",
        "instr 1",
        "instr 2",
    ] {
        assert!(orc.contains(line), "orchestra lacks {line:?}");
    }
    let score = &csd[csd.find("<CsScore>").unwrap() + 9..csd.find("</CsScore>").unwrap()];
    score
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Check a generated .csd against its CSV: one `i` statement per event with
/// its start frame and all its fields, every table it uses, the render length.
fn check_csd(workload: &str, csv: &str, instr: &str, fields: usize, tables: &[u32], secs: &str) {
    let dir = scratch(&format!("csd-{workload}"));
    generate(&dir, "csd", workload);
    let csd = std::fs::read_to_string(dir.join(format!("{workload}.csd"))).unwrap();
    let score = csd_score(&csd);
    let notes: Vec<_> = score.iter().filter(|s| s[0] == "i").collect();
    let starts = csv_start_frames(csv);
    assert_eq!(notes.len(), starts.len(), "one i-statement per event");
    for (note, frame) in notes.iter().zip(&starts) {
        assert_eq!(note[1], instr);
        assert_eq!(note.len(), 2 + fields, "{note:?}");
        let start: f64 = note[2].parse().unwrap();
        assert_eq!((start * 48_000.0).round() as i64, *frame);
    }
    for t in tables {
        let gen = score
            .iter()
            .find(|s| s[0] == "f" && s[1] == t.to_string())
            .unwrap_or_else(|| panic!("no f {t}"));
        assert_eq!(
            &gen[3..5],
            ["4096", "-10"],
            "table {t}: 4096 points, GEN10 unscaled"
        );
    }
    assert!(
        score.iter().any(|s| s == &["f", "0", secs]),
        "no f 0 {secs}"
    );
    assert_eq!(score.last().unwrap(), &["e"]);
}

#[test]
fn csound_scores_have_one_note_per_event_at_its_frame() {
    check_csd("w2_poly", "w2_poly.csv", "2", 17, &[1], "60");
    let w1_tables: Vec<u32> = (101..=121).collect();
    check_csd("w1_grains", "w1_grains.csv", "1", 8, &w1_tables, "120");
}

fn be_i32(b: &[u8]) -> i32 {
    i32::from_be_bytes(b[..4].try_into().unwrap())
}

/// An OSC string at `pos`: the text and the position after its padding.
fn osc_str(b: &[u8], pos: usize) -> (String, usize) {
    let end = pos
        + b[pos..]
            .iter()
            .position(|&c| c == 0)
            .expect("unterminated string");
    let text = String::from_utf8(b[pos..end].to_vec()).unwrap();
    (text, (end + 4) & !3)
}

/// An OSC argument.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Int(i32),
    Float(f32),
    Str(String),
    Blob(Vec<u8>),
}

/// One OSC message: its address and arguments.
type Message = (String, Vec<Arg>);

fn osc_message(m: &[u8]) -> Message {
    let (address, mut pos) = osc_str(m, 0);
    let (tags, after) = osc_str(m, pos);
    assert!(tags.starts_with(','), "{address}: type tags {tags:?}");
    pos = after;
    let mut args = Vec::new();
    for t in tags[1..].chars() {
        let arg = match t {
            'i' => Arg::Int(be_i32(&m[pos..])),
            'f' => Arg::Float(f32::from_bits(be_i32(&m[pos..]) as u32)),
            's' => {
                let (text, next) = osc_str(m, pos);
                pos = next - 4;
                Arg::Str(text)
            }
            'b' => {
                let n = be_i32(&m[pos..]) as usize;
                let blob = m[pos + 4..pos + 4 + n].to_vec();
                pos += (n + 3) & !3;
                Arg::Blob(blob)
            }
            other => panic!("{address}: type tag {other}"),
        };
        args.push(arg);
        pos += 4;
    }
    assert_eq!(pos, m.len(), "{address}: arguments fill the message");
    (address, args)
}

/// A scsynth -N score: (time in seconds, messages) per bundle, each record
/// and message checked for the sizes scsynth reads.
fn osc_score(bytes: &[u8]) -> Vec<(f64, Vec<Message>)> {
    let mut bundles = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let size = be_i32(&bytes[pos..]) as usize;
        let b = &bytes[pos + 4..pos + 4 + size];
        assert_eq!(&b[..8], b"#bundle\0");
        let tag = u64::from_be_bytes(b[8..16].try_into().unwrap());
        let mut msgs = Vec::new();
        let mut at = 16;
        while at < b.len() {
            let n = be_i32(&b[at..]) as usize;
            assert_eq!(n % 4, 0, "message size {n}");
            msgs.push(osc_message(&b[at + 4..at + 4 + n]));
            at += 4 + n;
        }
        assert_eq!(at, b.len());
        bundles.push((tag as f64 / 4_294_967_296.0, msgs));
        pos += 4 + size;
    }
    bundles
}

/// Reads a SynthDef file front to back.
struct Reader<'a>(&'a [u8], usize);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        self.1 += n;
        &self.0[self.1 - n..self.1]
    }
    fn i8(&mut self) -> i8 {
        self.take(1)[0] as i8
    }
    fn i16(&mut self) -> i16 {
        i16::from_be_bytes(self.take(2).try_into().unwrap())
    }
    fn i32(&mut self) -> i32 {
        be_i32(self.take(4))
    }
    fn name(&mut self) -> String {
        let n = self.take(1)[0] as usize;
        String::from_utf8(self.take(n).to_vec()).unwrap()
    }
}

/// The SynthDefs of an SCgf version 2 file, each read to its end with every
/// UGen input naming a constant, a parameter or an earlier UGen's output:
/// (name, parameter names, UGen class names).
fn synthdefs(defs: &[u8]) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut r = Reader(defs, 0);
    assert_eq!(r.take(4), b"SCgf");
    assert_eq!(r.i32(), 2, "SynthDef file version");
    let mut out = Vec::new();
    for _ in 0..r.i16() {
        let name = r.name();
        let constants = r.i32();
        r.take(4 * constants as usize);
        let params = r.i32();
        r.take(4 * params as usize);
        let params: Vec<String> = (0..r.i32()).map(|_| (r.name(), r.i32()).0).collect();
        let mut ugens: Vec<(String, i32)> = Vec::new();
        for _ in 0..r.i32() {
            let class = r.name();
            let rate = r.i8();
            assert!((0..=2).contains(&rate), "{class}: rate {rate}");
            let (inputs, outputs, _special) = (r.i32(), r.i32(), r.i16());
            for _ in 0..inputs {
                let (src, index) = (r.i32(), r.i32());
                if src < 0 {
                    assert!(index < constants, "{name}.{class}: constant {index}");
                } else {
                    let (_, outs) = &ugens.get(src as usize).expect("an earlier UGen");
                    assert!(index < *outs, "{name}.{class}: output {index} of {src}");
                }
            }
            r.take(outputs as usize);
            ugens.push((class, outputs));
        }
        assert_eq!(r.i16(), 0, "no variants");
        out.push((name, params, ugens.into_iter().map(|u| u.0).collect()));
    }
    assert_eq!(r.1, defs.len(), "the file ends after its last SynthDef");
    out
}

#[test]
fn scsynth_scores_have_one_bundle_per_event_at_its_frame() {
    for (workload, csv, secs) in [
        ("w2_poly", "w2_poly.csv", 60.0),
        ("w1_grains", "w1_grains.csv", 120.0),
    ] {
        let dir = scratch(&format!("osc-{workload}"));
        generate(&dir, "osc", workload);
        let bytes = std::fs::read(dir.join(format!("sc/{workload}.osc"))).unwrap();
        let bundles = osc_score(&bytes);
        // Setup first: the SynthDefs (the file on disk), then the tables.
        let (t0, setup) = &bundles[0];
        assert_eq!(*t0, 0.0);
        let Some(("/d_recv", [Arg::Blob(blob)])) = setup.first().map(|(a, v)| (a.as_str(), &v[..]))
        else {
            panic!("the score starts with /d_recv: {:?}", setup.first());
        };
        assert_eq!(
            &std::fs::read(dir.join("sc/tactus_bench.scsyndef")).unwrap(),
            blob
        );
        let defs = synthdefs(blob);
        assert!(setup.iter().any(|(a, _)| a == "/b_gen"));
        // One /s_new per event, in time order, each in a bundle of its own,
        // naming a SynthDef of the file and only controls it has.
        let mut notes = Vec::new();
        for (t, msgs) in &bundles {
            let Some((_, args)) = msgs.iter().find(|(a, _)| a == "/s_new") else {
                continue;
            };
            assert_eq!(msgs.len(), 1);
            let Arg::Str(def) = &args[0] else {
                panic!("{args:?}")
            };
            let (_, params, ugens) = defs.iter().find(|d| &d.0 == def).expect("a known SynthDef");
            assert!(ugens.iter().any(|u| u == "Out"));
            for pair in args[4..].chunks(2) {
                let Arg::Str(control) = &pair[0] else {
                    panic!("{pair:?}")
                };
                assert!(params.contains(control), "{def} has no control {control}");
                assert!(matches!(pair[1], Arg::Float(_)));
            }
            notes.push(*t);
        }
        let mut starts = csv_start_frames(csv);
        starts.sort_unstable();
        assert_eq!(
            notes.len(),
            starts.len(),
            "{workload}: one bundle per event"
        );
        assert!(
            notes.windows(2).all(|w| w[0] <= w[1]),
            "bundles in time order"
        );
        for (t, frame) in notes.iter().zip(&starts) {
            assert_eq!((t * 48_000.0).round() as i64, *frame);
        }
        // The last bundle sets the render's length.
        assert_eq!(bundles.last().unwrap().0, secs);
    }
}

/// The level of a render: RMS of every sample of both channels, dBFS.
fn tactus_level_db(w: tactus::bench::Workload) -> f64 {
    let (mut power, mut samples) = (0.0f64, 0usize);
    let r = tactus::bench::run(w, 1, |b| {
        power += b.iter().map(|&x| (x as f64).powi(2)).sum::<f64>();
        samples += b.len();
    })
    .unwrap();
    assert_eq!((r.late, r.lost), (0, 0));
    10.0 * (power / samples as f64).log10()
}

/// bench/w2_ref.c, built here with gcc in both of the orders compare.sh
/// times (the vectorised one with -ffast-math), plays W2 at Tactus's level.
#[test]
fn c_reference_plays_w2_at_tactus_level() {
    let dir = scratch("w2-ref");
    let builds = [
        ("block", vec!["-O3"]),
        ("soa", vec!["-O3", "-march=native", "-ffast-math"]),
    ];
    let tactus_db = tactus_level_db(tactus::bench::Workload::W2Poly);
    for (order, flags) in builds {
        let exe = dir.join(format!("w2_{order}"));
        run(Command::new("gcc")
            .args(&flags)
            .arg("-o")
            .arg(&exe)
            .arg(project_file("bench/w2_ref.c"))
            .arg("-lm"));
        let out = run(Command::new(&exe)
            .arg("--dir")
            .arg(project_file("bench/workloads"))
            .args(["--order", order]));
        assert!(out.contains("voices=256 frames=2880000"), "{out}");
        let c_db: f64 = out
            .split("rms_dbfs=")
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(
            (c_db - tactus_db).abs() < 0.1,
            "{order}: C {c_db:.3} dBFS, Tactus {tactus_db:.3} dBFS"
        );
    }
}

/// The specification's reference levels: Csound 6.18 at ksmps=1 (sample-exact)
/// rendering bench/scores.py's .csd of each workload, RMS of both channels.
const CSOUND_KSMPS1_DBFS: [(tactus::bench::Workload, f64); 2] = [
    (tactus::bench::Workload::W1Grains, -25.6734),
    (tactus::bench::Workload::W2Poly, -27.2038),
];

/// Tactus plays W1 and W2 at the level Csound's sample-exact render has.
#[test]
fn w1_w2_renders_match_the_csound_reference_level() {
    for (w, csound_db) in CSOUND_KSMPS1_DBFS {
        let db = tactus_level_db(w);
        assert!(
            (db - csound_db).abs() < 0.1,
            "{}: Tactus {db:.3} dBFS, Csound ksmps=1 {csound_db:.3} dBFS",
            w.name()
        );
    }
}
