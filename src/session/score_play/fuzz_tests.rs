//! Random and mutated score text never panics or hangs: thousands of
//! cases, each parsed and placed into a fresh session, within a few seconds.

use super::super::score::parse_score;
use super::super::Session;
use super::place;
use crate::time::{Beats, SampleRate};

/// A small deterministic generator (xorshift64*).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const SEEDS: [&str; 8] = [
    "f 1 0 1024 10 1\nt 0 120 4 60\ni1 0 1 0.5 8.00\ni1 + . < 8.02\ni1 + . 0.2 8.04\ns\ni2 0 -1\ne 9",
    "#define N(a'b) #i1 $a 1 $b#\n$N(0'0.3)\n{ 3 K\ni1 [$K * 2] 0.5 ~\n}\ni1 9 1 0.9\nr 2 R\ni1 0 $R\ns\na 0 1 2\nq 1 1 0",
    "b 2\nv 1.5\ni1 0 1 3 4\ni1 1 1 np4 pp5\ni1 2 1 7 8\nx\ni9 9 9\ns 4\nm A\ni1 0 1\ns\nn A\ny 3\ni1 0 z\nf 0 10",
    "i1 0 1 0.5 8.00 1 0 0 0.5\ni1 ^+1 . . . ! \ni -1 2 0\ni1.5 1 -2\ni1.5 3 0\n/* c */ i1 0 1 // c",
    "i \"lead\" 0 1\nf 2 0 8 -2 1 2 3 4\nt 0 60 2 90 2 120 8 30\na 0 0.5 0.25\ne",
    "i1 [1 - 2 * 3 + 4] [@@10] [(1+2)^2 % 5] [6 & 3 | 1 # 2]\nf 1 0 16 7 0 8 1 8 0",
    "{ 2 A\n{ 2 B\n#define C #$A$B#\ni1 $C 1\n}\n}\nr 3\ni1 0 1\ne 2",
    "i1 0 1 100\ni1 1 1 (\ni1 2 1 )\ni1 3 1 400\nq 1 2 2\ns\ni1 0 0\ni1 1 1",
];

const TOKENS: [&str; 48] = [
    "i", "f", "a", "b", "e", "m", "n", "q", "r", "s", "t", "v", "x", "y", "z", "{", "}", "[", "]",
    "(", ")", "<", ">", "~", "!", ".", "+", "^+", "^-", "np4", "pp5", "$A", "$N(", "'", "#define",
    "#include", "#undef", "\"", ";", "/*", "*/", "//", "0", "1", "-1", "0.5", "1e9", "\n",
];

/// A random score of `n` tokens.
fn random_text(g: &mut Gen, n: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(g.pick(&TOKENS));
        s.push(if g.below(4) == 0 { '\n' } else { ' ' });
    }
    s
}

/// A seed with a few characters replaced, inserted or deleted.
fn mutate(g: &mut Gen, seed: &str) -> String {
    let mut cs: Vec<char> = seed.chars().collect();
    for _ in 0..1 + g.below(4) {
        let k = g.below(cs.len().max(1));
        let c = g.pick(&TOKENS).chars().next().unwrap_or(' ');
        match g.below(3) {
            0 if k < cs.len() => cs[k] = c,
            1 => cs.insert(k.min(cs.len()), c),
            _ if k < cs.len() => {
                cs.remove(k);
            }
            _ => {}
        }
    }
    cs.into_iter().collect()
}

#[test]
fn fuzz_seeds_are_valid_scores() {
    for seed in SEEDS {
        parse_score(seed).unwrap_or_else(|e| panic!("{e}\n{seed}"));
    }
}

#[test]
fn random_and_mutated_scores_never_panic_or_hang() {
    let started = std::time::Instant::now();
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut session = Session::new(SampleRate(48_000), 256);
    let (mut parsed, mut cases) = (0, 0);
    for case in 0..10_000 {
        let text = if case % 2 == 0 {
            let seed = SEEDS[g.below(SEEDS.len())];
            mutate(&mut g, seed)
        } else {
            let n = 1 + g.below(40);
            random_text(&mut g, n)
        };
        let one = std::time::Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let Ok(stmts) = parse_score(&text) else {
                return false;
            };
            session.begin_txn();
            let _ = place(&mut session, &stmts, Beats(0.0), Beats(0.0), case % 4 == 1);
            session.rollback();
            true
        }));
        let ok = result.unwrap_or_else(|_| panic!("score text panicked:\n{text}"));
        parsed += usize::from(ok);
        cases += 1;
        let took = one.elapsed().as_secs_f64();
        assert!(took < 1.0, "{took} s for:\n{text}");
    }
    let total = started.elapsed().as_secs_f64();
    assert!(parsed > 300, "only {parsed} of {cases} cases parsed");
    assert!(total < 20.0, "{cases} cases took {total} s");
}
