//! Score `[expressions]`, evaluated as Csound's `read_expression` in
//! `Engine/sread.c` does, including its precedence quirks (one reduction
//! per `+`/`-`, so `[1 - 2 * 3 + 4]` is 1 - (6 + 4) = -9, as in Csound):
//! numbers, `+ - * / % ^` (power), `& | #` (and, or, xor of rounded
//! values), `( )`, nested `[ ]`, `~` (random 0-1), `@n` (the power of two
//! at or above n) and `@@n` (the power of two plus one at or above n).

/// Csound's score random generator (`Rand31`, Park-Miller), seeded by `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rng(pub u32);

impl Default for Rng {
    /// Seed 1: a score without `y` draws the same numbers every time.
    fn default() -> Rng {
        Rng(1)
    }
}

impl Rng {
    /// A seed as `y n` gives it (kept within 1 .. 2^31 - 2).
    pub fn seeded(n: f64) -> Rng {
        let m = 0x7FFF_FFFE_u64;
        Rng((n.abs() as u64 % m).max(1) as u32)
    }

    /// The next value in [0, 1], as Csound's `(Rand31 - 1) / 2147483645`.
    pub fn next_unit(&mut self) -> f64 {
        self.0 = ((self.0 as u64 * 16807) % 0x7FFF_FFFF) as u32;
        (self.0 as f64 - 1.0) / 2_147_483_645.0
    }
}

/// Replace every top-level `[...]` in `text` with its value.
pub(super) fn brackets(text: &str, rng: &mut Rng) -> Result<String, String> {
    if !text.contains('[') {
        return Ok(text.to_string());
    }
    let cs: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut k = 0;
    let mut quoted = false;
    while k < cs.len() {
        let c = cs[k];
        quoted ^= c == '"';
        if c == '[' && !quoted {
            let mut e = Eval {
                cs: &cs,
                k: k + 1,
                rng,
                depth: 0,
            };
            let v = e.expression()?;
            k = e.k;
            out.push_str(&format!("{v:?}"));
            continue;
        }
        out.push(c);
        k += 1;
    }
    Ok(out)
}

struct Eval<'a> {
    cs: &'a [char],
    k: usize,
    rng: &'a mut Rng,
    /// How many `[` deep the evaluation is.
    depth: usize,
}

fn operate(a: f64, b: f64, op: char) -> f64 {
    let int = |x: f64| x.round() as i64;
    match op {
        '+' => a + b,
        '-' => a - b,
        '*' => a * b,
        '/' => a / b,
        '%' => a - b * (a / b).floor(),
        '^' => a.powf(b),
        '&' => (int(a) & int(b)) as f64,
        '|' => (int(a) | int(b)) as f64,
        _ => (int(a) ^ int(b)) as f64,
    }
}

impl Eval<'_> {
    fn peek(&self) -> Option<char> {
        self.cs.get(self.k).copied()
    }

    /// Reduce the top operator into the top two values.
    fn reduce(ops: &mut Vec<char>, vals: &mut Vec<f64>) -> Result<(), String> {
        let op = ops.pop().unwrap_or('+');
        let (Some(b), Some(a)) = (vals.pop(), vals.pop()) else {
            return Err("[ ]: an operator lacks an operand".into());
        };
        vals.push(operate(a, b, op));
        Ok(())
    }

    /// From after `[` to after its `]`.
    fn expression(&mut self) -> Result<f64, String> {
        let mut ops = vec!['['];
        let mut vals: Vec<f64> = Vec::new();
        let mut operand = false;
        loop {
            let Some(c) = self.peek() else {
                return Err("[ expression without its closing ]".into());
            };
            match c {
                ' ' | '\t' => self.k += 1,
                '0'..='9' | '.' => {
                    if operand {
                        return Err("[ ]: a number where an operator belongs".into());
                    }
                    vals.push(self.number(String::new())?);
                    operand = true;
                }
                '+' | '-' if !operand => {
                    self.k += 1;
                    vals.push(self.number(c.to_string())?);
                    operand = true;
                }
                '~' if !operand => {
                    self.k += 1;
                    vals.push(self.rng.next_unit());
                    operand = true;
                }
                '@' if !operand => {
                    vals.push(self.power_of_two());
                    operand = true;
                }
                '+' | '-' | '*' | '/' | '%' | '&' | '|' | '#' if operand => {
                    let group = |o: char| match o {
                        '+' | '-' => "+-*/%&|#^",
                        '*' | '/' | '%' => "*/%",
                        _ => "&|#",
                    };
                    let top = *ops.last().unwrap_or(&'[');
                    if top != '[' && top != '(' && group(c).contains(top) {
                        Self::reduce(&mut ops, &mut vals)?;
                    }
                    ops.push(c);
                    operand = false;
                    self.k += 1;
                }
                '^' => {
                    ops.push(c);
                    operand = false;
                    self.k += 1;
                }
                '(' if !operand => {
                    ops.push(c);
                    self.k += 1;
                }
                '[' if !operand => {
                    if self.depth >= 64 {
                        return Err("[ ]: brackets nest too deep".into());
                    }
                    self.k += 1;
                    self.depth += 1;
                    let v = self.expression()?;
                    self.depth -= 1;
                    vals.push(v);
                    operand = true;
                }
                ')' | ']' if operand => {
                    let open = if c == ')' { '(' } else { '[' };
                    while ops.last().is_some_and(|o| *o != open && *o != '[') {
                        Self::reduce(&mut ops, &mut vals)?;
                    }
                    if ops.pop() != Some(open) {
                        return Err(format!("[ ]: {c} without its opening {open}"));
                    }
                    self.k += 1;
                    if c == ']' {
                        return vals.pop().ok_or_else(|| "[ ] is empty".to_string());
                    }
                }
                c => return Err(format!("[ ]: unexpected \"{c}\" in an expression")),
            }
        }
    }

    /// A number (after an optional sign already read into `s`).
    fn number(&mut self, mut s: String) -> Result<f64, String> {
        while let Some(c) = self.peek().filter(|c| c.is_ascii_digit() || *c == '.') {
            s.push(c);
            self.k += 1;
        }
        if let Some(e) = self.peek().filter(|c| matches!(c, 'e' | 'E')) {
            s.push(e);
            self.k += 1;
            if let Some(sign) = self.peek().filter(|c| matches!(c, '+' | '-')) {
                s.push(sign);
                self.k += 1;
            }
            while let Some(c) = self.peek().filter(char::is_ascii_digit) {
                s.push(c);
                self.k += 1;
            }
        }
        s.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("[ ]: \"{s}\" is not a number"))
    }

    /// `@n` or `@@n`.
    fn power_of_two(&mut self) -> f64 {
        self.k += 1;
        let guard = self.peek() == Some('@');
        self.k += usize::from(guard);
        let mut n: u64 = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            n = (n * 10 + d as u64).min(1 << 40);
            self.k += 1;
        }
        let k = u64::from(guard);
        let mut i: u64 = 1;
        while i + k <= n && i < 0x400_0000 {
            i <<= 1;
        }
        (i + k) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str) -> String {
        brackets(s, &mut Rng::default()).unwrap()
    }

    #[test]
    fn expressions_follow_csound() {
        assert_eq!(ev("i1 [1 + 2] [2 * 3 + 1]"), "i1 3.0 7.0");
        assert_eq!(
            ev("[(1 + 2) * 4] [10 / 4] [7 % 3] [2 ^ 10]"),
            "12.0 2.5 1.0 1024.0"
        );
        // One reduction per + or -, as Csound's read_expression.
        assert_eq!(ev("[1 - 2 * 3 + 4]"), "-9.0");
        assert_eq!(ev("[5 - 1 - 1] [-2 * 3] [[1 + 1] * 2]"), "3.0 -6.0 4.0");
        // Csound's loop gives the power of two above n (the manual says "at or
        // above"): @1024 is 2048, @@1024 is 1025.
        assert_eq!(
            ev("[@1000] [@@1000] [@1024] [@@1024]"),
            "1024.0 1025.0 2048.0 1025.0"
        );
        assert_eq!(ev("[6 & 3] [6 | 3] [6 # 3]"), "2.0 7.0 5.0");
        assert_eq!(ev("\"[x]\" 1"), "\"[x]\" 1");
    }

    #[test]
    fn bad_expressions_are_errors() {
        let mut r = Rng::default();
        for bad in [
            "[1 +",
            "[1 2]",
            "[)]",
            "[* 2]",
            "[1 + x]",
            "[]",
            "[1 + 2))]",
        ] {
            assert!(brackets(bad, &mut r).is_err(), "{bad}");
        }
    }

    #[test]
    fn random_is_seeded_and_reproducible() {
        let mut a = Rng::seeded(7.0);
        let first = a.next_unit();
        assert_eq!(Rng::seeded(7.0).next_unit(), first);
        assert!((0.0..=1.0).contains(&first));
        assert_eq!(Rng(1).next_unit(), 16806.0 / 2_147_483_645.0);
    }
}
