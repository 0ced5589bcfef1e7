//! Score text: random and mutated Csound scores (bytes, tokens, numbers,
//! missing fields, long lines, non-UTF-8) rendered by the binary.

use super::rng::Rng;
use super::run::{self, Job};
use super::{Budget, Tally};
use std::time::Instant;

/// Scores to mutate besides the Csound compatibility set in bench/.
const SEEDS: &[&str] = &[
    "f 1 0 1024 10 1\nt 0 120 4 60\ni1 0 1 0.5 8.00\ni1 + . < 8.02\ni1 + . 0.2 8.04\ns\ni2 0 1\ne 9",
    "f 2 0 16 7 0 8 1 8 0\nf 3 0 8 -2 1 2 3 4\nf 4 0 64 9 1 1 0 3 0.3 0\nf 5 0 32 5 1 32 0.01\ni1 0 1 0.5 8.09 2",
    "#define N(a'b) #i1 $a 1 $b#\n$N(0'0.3)\n{ 3 K\ni1 [$K * 2] 0.5 ~\n}\nr 2 R\ni1 0 $R\ns\na 0 1 2\nq 1 1 0",
    "b 2\nv 1.5\ni1 0 1 0.3 8.00\ni1 1 1 np4 pp5\nx\ni9 9 9\ns 4\nm A\ni1 0 1\ns\nn A\ny 3\ni1 0 z",
    "i \"lead\" 0 1\nt 0 60 2 90 2 120 8 30\na 0 0.5 0.25\ni1 0 2 0.3 8.00 1 0.05 0.3 0.5 0.01 0.1 0.5 0.2\ne",
    "i1 [1 - 2 * 3 + 4] [@@10] [(1+2)^2 % 5] [6 & 3 | 1 # 2]\nc 1 reverb 0.5\ni1 0 0.1 0.9 9.00\ne",
];

/// Tokens a random score is made of.
const TOKENS: &[&str] = &[
    "i", "i1", "f", "f1", "a", "b", "e", "m", "n", "q", "r", "s", "t", "v", "x", "y", "z", "c",
    "{", "}", "[", "]", "(", ")", "<", ">", "~", "!", ".", "+", "^+", "^-", "np4", "pp5", "$A",
    "#define", "#undef", "\"", ";", "/*", "*/", "0", "1", "2", "10", "-2", "0.5", "8.00", "\n",
    "\n", "\n",
];

/// Numbers that replace a field: non-finite, huge, negative, non-integer.
const NUMBERS: &[&str] = &[
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e-308",
    "1e999",
    "0",
    "-0",
    "-1",
    "0.5",
    "16.9",
    "10.9",
    "2147483648",
    "9223372036854775807",
    "-9223372036854775808",
    "1e9",
    "-5",
    "0x10",
    "1.2.3",
    "",
];

/// The seed scores: bench/csound_compat/*.sco and [`SEEDS`].
fn seeds() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/csound_compat");
    let mut out: Vec<Vec<u8>> = SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for f in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sco"))
    {
        out.push(std::fs::read(f).expect("a seed score"));
    }
    out
}

/// A random score of tokens.
fn random_text(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::new();
    for _ in 0..1 + rng.below(80) {
        let t: &str = *rng.pick::<&str>(TOKENS);
        s.push_str(t);
        s.push(if rng.one_in(4) { '\n' } else { ' ' });
    }
    s.into_bytes()
}

/// Replace, insert or delete a few bytes (any byte value, so non-UTF-8 too).
fn mutate_bytes(rng: &mut Rng, b: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let k = rng.below(b.len() + 1);
        let byte = *rng.pick(&[
            0u8, 0xff, 0xc3, b'\n', b'"', b'[', b'{', b'$', b'.', b'-', b'9',
        ]);
        match rng.below(3) {
            0 if k < b.len() => b[k] = byte,
            1 => b.insert(k, byte),
            _ if k < b.len() => {
                b.remove(k);
            }
            _ => b.push(byte),
        }
    }
}

/// Token edits on whitespace-separated fields: a number swapped for a
/// hostile one, a field dropped or repeated, a line duplicated or made long.
fn mutate_tokens(rng: &mut Rng, b: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(b);
    let mut lines: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    if lines.is_empty() {
        lines.push(vec!["i1".into(), "0".into(), "1".into()]);
    }
    for _ in 0..1 + rng.below(4) {
        let li = rng.below(lines.len());
        let line = &mut lines[li];
        let k = rng.below(line.len() + 1);
        match rng.below(6) {
            0 | 1 if k < line.len() => line[k] = rng.pick(NUMBERS).to_string(),
            2 if k < line.len() => {
                line.remove(k);
            }
            3 => line.insert(k, rng.pick(NUMBERS).to_string()),
            4 => {
                let copy = line.clone();
                lines.insert(li, copy);
            }
            _ => {
                let n = 1 + rng.below(5000);
                line.extend(std::iter::repeat_n(rng.pick(NUMBERS).to_string(), n));
            }
        }
    }
    let joined: Vec<String> = lines.iter().map(|l| l.join(" ")).collect();
    joined.join("\n").into_bytes()
}

/// One case: a seed mutated, or random text.
fn case(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if rng.one_in(5) {
        return random_text(rng);
    }
    let mut b = rng.pick(seeds).clone();
    if rng.one_in(2) {
        b = mutate_tokens(rng, &b);
    }
    if rng.one_in(2) {
        mutate_bytes(rng, &mut b);
    }
    b
}

/// Drop lines, then the last fields of long lines, while the score still
/// fails (at most [`REDUCE_RUNS`] runs).
fn reduce(score: &[u8], tally: &mut Tally) -> (Vec<u8>, String) {
    let mut r = Reducer { tally, runs: 0 };
    let mut problem = r.fails(score).unwrap_or_default();
    let mut cur: Vec<Vec<u8>> = score.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect();
    let mut i = 0;
    while i < cur.len() && cur.len() > 1 && r.runs < REDUCE_RUNS {
        let mut shorter = cur.clone();
        shorter.remove(i);
        match r.fails(&shorter.join(&b'\n')) {
            Some(p) => (cur, problem) = (shorter, p),
            None => i += 1,
        }
    }
    for i in 0..cur.len() {
        let mut keep = cur[i].split(|&c| c == b' ').count();
        while keep > 3 && r.runs < REDUCE_RUNS {
            let mut shorter = cur.clone();
            let fields: Vec<&[u8]> = cur[i].split(|&c| c == b' ').collect();
            keep = (keep / 2).max(3);
            shorter[i] = fields[..keep].join(&b' ');
            match r.fails(&shorter.join(&b'\n')) {
                Some(p) => (cur, problem) = (shorter, p),
                None => break,
            }
        }
    }
    (cur.join(&b'\n'), problem)
}

/// Runs made while reducing one score.
const REDUCE_RUNS: usize = 80;

/// Counts the runs of a reduction.
struct Reducer<'a> {
    tally: &'a mut Tally,
    runs: usize,
}

impl Reducer<'_> {
    /// The problem rendering `score` has, if any.
    fn fails(&mut self, score: &[u8]) -> Option<String> {
        self.runs += 1;
        self.tally.processes += 1;
        run::check(&Job::render("x.sco", score.to_vec()))
    }
}

/// Run the score target until the budget is spent.
pub fn fuzz(budget: &Budget, seed: u64) -> Tally {
    let seeds = seeds();
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    while budget.more(tally.cases) {
        let score = case(&mut rng, &seeds);
        tally.cases += 1;
        tally.calls += 1;
        tally.processes += 1;
        if run::check(&Job::render("x.sco", score.clone())).is_some() {
            let (min, problem) = reduce(&score, &mut tally);
            let line = Job::render("x.sco", min).repro(&problem);
            eprintln!("FAIL {line}");
            tally.failures.push(line);
        }
    }
    tally
}

#[test]
fn random_and_mutated_scores_render_cleanly() {
    let started = Instant::now();
    let budget = Budget::from_env(150);
    let seed = super::seed(0x5C0_4E5, &budget);
    assert!(seeds().len() >= 10, "the seed scores were not found");
    let tally = fuzz(&budget, seed);
    tally.finish("score", seed, started);
}
