//! Text plots of function tables (wavetables) for `t.plot()` and `plot(n)`.
//!
//! Pure: points in, a `String` out. The first curve is drawn in Unicode
//! braille (2x4 dots per character cell). Each dot column covers a slice of
//! the table, read as a piecewise-linear curve, and shows the min..max of that
//! slice as a vertical run, so a fast-changing table shows its envelope and a
//! single-sample spike is always visible. Neighbouring dot columns share their
//! edge value, so their runs touch and the line has no gaps.
//!
//! Further curves use one marker symbol per cell (`•`, `×`, `+`, ...), placed
//! in every cell their min..max covers, only where no earlier curve already
//! drew (so a curve identical to the first one stays hidden under it). All
//! curves share one value range and are each stretched to the full width.

/// One curve to draw: a label (e.g. "table 101") and its points.
pub struct Curve<'a> {
    /// Shown in the legend next to the curve's symbol.
    pub label: String,
    /// The table values; NaN and infinite values are skipped.
    pub points: &'a [f32],
}

/// Markers for curves 1, 2, ... (repeating after the last one).
const MARKERS: [char; 8] = ['•', '×', '+', 'o', '*', '#', '%', '@'];
/// Legend symbol for curve 0, which is drawn in braille.
const BRAILLE_SYMBOL: char = '⣿';
/// Fills the empty cells of the row holding the value 0.
const ZERO_LINE: char = '┈';
/// Braille dot bits by [dot column][dot row] inside one cell.
const DOT: [[u32; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];
/// Narrowest chart drawn; smaller widths are raised to this.
const MIN_WIDTH: usize = 40;

/// Draw curves overlaid in one chart `width` columns wide (the whole chart,
/// labels included) and `height` text rows tall for the plot area.
///
/// `width` is raised to at least 40 and `height` to at least 2. Below the
/// plot area come an index axis (`0` left, the last index right; several
/// different lengths are listed as `4095/255`) and a legend, one entry per
/// curve. No line is wider than `width` characters or ends in a space; the
/// result has no trailing newline.
pub fn plot(curves: &[Curve], width: usize, height: usize) -> String {
    let (width, height) = (width.max(MIN_WIDTH), height.max(2));
    let (lo, hi) = value_range(curves);
    let ydots = 4 * height;
    let zero_row = (lo <= 0.0 && 0.0 <= hi).then(|| dot_row(0.0, lo, hi, ydots) / 4);
    let labels = row_labels(lo, hi, height, zero_row);
    let gutter = labels
        .iter()
        .flatten()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1);
    let cols = width - gutter - 2;
    let mut grid = Grid {
        cols,
        bits: vec![0; cols * height],
        marks: vec![None; cols * height],
    };
    for (k, curve) in curves.iter().enumerate() {
        let runs = dot_runs(curve.points, 2 * cols, lo, hi, ydots);
        match k {
            0 => grid.braille(&runs),
            _ => grid.marker(&runs, MARKERS[(k - 1) % MARKERS.len()]),
        }
    }
    let mut lines = Vec::new();
    for (row, label) in labels.iter().enumerate() {
        let tick = if label.is_some() { '┤' } else { '│' };
        let label = label.as_deref().unwrap_or("");
        lines.push(format!(
            "{label:>gutter$} {tick}{}",
            grid.row(row, zero_row)
        ));
    }
    lines.extend(index_axis(curves, gutter, cols));
    lines.extend(legend(curves, gutter + 2, width));
    let lines: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
    lines.join("\n")
}

/// The terminal width to use: $COLUMNS if set and sane, else 80; clamp to 40..=240.
pub fn terminal_width() -> usize {
    width_from(std::env::var("COLUMNS").ok().as_deref())
}

/// `terminal_width` without the environment: parse a $COLUMNS value.
fn width_from(columns: Option<&str>) -> usize {
    let parsed = columns.and_then(|s| s.trim().parse::<usize>().ok());
    parsed
        .filter(|&w| w > 0)
        .map_or(80, |w| w.clamp(MIN_WIDTH, 240))
}

/// Min and max over the finite points of all curves, padded when flat;
/// -1..1 when there is nothing finite to draw.
fn value_range(curves: &[Curve]) -> (f64, f64) {
    let finite = curves
        .iter()
        .flat_map(|c| c.points.iter())
        .filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v as f64), hi.max(v as f64))
    });
    if lo > hi {
        (-1.0, 1.0)
    } else if lo == hi {
        let pad = if lo == 0.0 {
            0.5
        } else {
            (lo.abs() * 0.5).max(1.0)
        };
        (lo - pad, hi + pad)
    } else {
        (lo, hi)
    }
}

/// Dot row (0 = top) of value `v` on a `ydots`-row scale from `hi` down to `lo`.
fn dot_row(v: f64, lo: f64, hi: f64, ydots: usize) -> usize {
    let r = ((hi - v) / (hi - lo) * (ydots - 1) as f64).round();
    r.clamp(0.0, (ydots - 1) as f64) as usize
}

/// Labels per text row: the max on top, the min at the bottom, and 0 on the
/// zero row when 0 lies strictly inside the range and that row is free.
fn row_labels(lo: f64, hi: f64, height: usize, zero_row: Option<usize>) -> Vec<Option<String>> {
    let mut labels = vec![None; height];
    labels[0] = Some(fmt_value(hi));
    labels[height - 1] = Some(fmt_value(lo));
    if let Some(z) = zero_row.filter(|&z| lo < 0.0 && 0.0 < hi && z > 0 && z < height - 1) {
        labels[z] = Some("0".to_string());
    }
    labels
}

/// About 3 significant digits, trailing zeros dropped; exponent form for
/// very large or very small magnitudes.
fn fmt_value(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".to_string();
    }
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.2e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exp}", trim_zeros(mantissa));
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

/// "1.500" -> "1.5", "2.00" -> "2"; strings without a point unchanged.
fn trim_zeros(s: &str) -> &str {
    match s.contains('.') {
        true => s.trim_end_matches('0').trim_end_matches('.'),
        false => s,
    }
}

/// Top and bottom dot rows covered by each of `xdots` dot columns.
fn dot_runs(
    points: &[f32],
    xdots: usize,
    lo: f64,
    hi: f64,
    ydots: usize,
) -> Vec<Option<(usize, usize)>> {
    let span = |x| column_span(points, x, xdots);
    let runs = (0..xdots).map(span);
    runs.map(|s| s.map(|(min, max)| (dot_row(max, lo, hi, ydots), dot_row(min, lo, hi, ydots))))
        .collect()
}

/// Min and max of dot column `x` of `xdots`: the table read as a
/// piecewise-linear curve over 0..=len-1, taken at the column's two edges and
/// at every table index inside it. `None` when nothing there is finite.
fn column_span(points: &[f32], x: usize, xdots: usize) -> Option<(f64, f64)> {
    let n = points.len();
    if n == 0 {
        return None;
    }
    let last = (n - 1) as f64;
    let (a, b) = (
        x as f64 * last / xdots as f64,
        (x + 1) as f64 * last / xdots as f64,
    );
    let (i0, i1) = (a.ceil() as usize, (b.floor() as usize).min(n - 1));
    let inner = points
        .get(i0..=i1)
        .unwrap_or(&[])
        .iter()
        .filter(|v| v.is_finite());
    let values = inner
        .map(|&v| v as f64)
        .chain(sample(points, a))
        .chain(sample(points, b));
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((min, max)) => Some((v.min(min), v.max(max))),
    })
}

/// The table at fractional index `t`, linearly interpolated; a non-finite
/// neighbour is replaced by the finite one.
fn sample(points: &[f32], t: f64) -> Option<f64> {
    let i = (t.floor() as usize).min(points.len() - 1);
    let p0 = points[i] as f64;
    let p1 = points.get(i + 1).map_or(p0, |&v| v as f64);
    match (p0.is_finite(), p1.is_finite()) {
        (true, true) => Some(p0 + (p1 - p0) * (t - i as f64)),
        (true, false) => Some(p0),
        (false, true) => Some(p1),
        (false, false) => None,
    }
}

/// The plot area: braille bits and markers per cell, row-major.
struct Grid {
    cols: usize,
    bits: Vec<u32>,
    marks: Vec<Option<char>>,
}

impl Grid {
    /// Set the dots of each dot column's run.
    fn braille(&mut self, runs: &[Option<(usize, usize)>]) {
        for (x, run) in runs.iter().enumerate() {
            let Some((top, bottom)) = *run else { continue };
            for y in top..=bottom {
                self.bits[(y / 4) * self.cols + x / 2] |= DOT[x % 2][y % 4];
            }
        }
    }

    /// Put `mark` in every free cell covered by the runs of a cell's two dot columns.
    fn marker(&mut self, runs: &[Option<(usize, usize)>], mark: char) {
        for c in 0..self.cols {
            let pair = [runs[2 * c], runs[2 * c + 1]];
            let Some((top, bottom)) = pair
                .into_iter()
                .flatten()
                .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
            else {
                continue;
            };
            for row in top / 4..=bottom / 4 {
                let i = row * self.cols + c;
                if self.bits[i] == 0 && self.marks[i].is_none() {
                    self.marks[i] = Some(mark);
                }
            }
        }
    }

    /// One text row of the plot area (may end in spaces).
    fn row(&self, row: usize, zero_row: Option<usize>) -> String {
        let cell = |c: usize| {
            let i = row * self.cols + c;
            match (self.bits[i], self.marks[i]) {
                (0, Some(m)) => m,
                (0, None) if zero_row == Some(row) => ZERO_LINE,
                (0, None) => ' ',
                (b, _) => char::from_u32(0x2800 + b).unwrap_or('?'),
            }
        };
        (0..self.cols).map(cell).collect()
    }
}

/// The axis rule under the plot area and the index labels: `0` under the
/// first column, the last index (or several, `4095/255`) ending under the last.
fn index_axis(curves: &[Curve], gutter: usize, cols: usize) -> [String; 2] {
    let rule = format!("{:gutter$} └{}", "", "─".repeat(cols));
    let mut lasts: Vec<usize> = Vec::new();
    for c in curves.iter().filter(|c| !c.points.is_empty()) {
        if !lasts.contains(&(c.points.len() - 1)) {
            lasts.push(c.points.len() - 1);
        }
    }
    let right: Vec<String> = lasts
        .iter()
        .filter(|&&l| l > 0)
        .map(|l| l.to_string())
        .collect();
    let right = truncate(&right.join("/"), cols.saturating_sub(2));
    let pad = cols.saturating_sub(1 + right.chars().count());
    [rule, format!("{:gutter$}  0{:pad$}{right}", "", "")]
}

/// Legend entries ("⣿ table 101", "• table 111"), wrapped to `width`,
/// each line indented by `indent`.
fn legend(curves: &[Curve], indent: usize, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for (k, curve) in curves.iter().enumerate() {
        let symbol = if k == 0 {
            BRAILLE_SYMBOL
        } else {
            MARKERS[(k - 1) % MARKERS.len()]
        };
        let label = curve.label.replace(|c: char| c.is_control(), " ");
        let entry = truncate(&format!("{symbol} {label}"), width - indent);
        let used = line.chars().count();
        if used > 0 && indent + used + 3 + entry.chars().count() > width {
            lines.push(format!("{:indent$}{line}", ""));
            line.clear();
        }
        if !line.is_empty() {
            line.push_str("   ");
        }
        line.push_str(&entry);
    }
    if !line.is_empty() {
        lines.push(format!("{:indent$}{line}", ""));
    }
    lines
}

/// At most `max` chars, ending in '…' when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (std::f32::consts::TAU * i as f32 / n as f32).sin())
            .collect()
    }

    fn one(points: &[f32], width: usize, height: usize) -> String {
        plot(
            &[Curve {
                label: "table 1".into(),
                points,
            }],
            width,
            height,
        )
    }

    fn is_braille(c: char) -> bool {
        ('\u{2801}'..='\u{28FF}').contains(&c)
    }

    /// The plot-area cells of the first `height` lines.
    fn area(out: &str, height: usize) -> Vec<Vec<char>> {
        let rows = out.lines().take(height).map(|l| {
            let chars: Vec<char> = l.chars().collect();
            let start = chars.iter().position(|&c| c == '┤' || c == '│').unwrap() + 1;
            chars[start..].to_vec()
        });
        rows.collect()
    }

    /// Plot-area rows holding braille in cell column `col`.
    fn rows_at(cells: &[Vec<char>], col: usize) -> Vec<usize> {
        let hit = |r: &usize| cells[*r].get(col).is_some_and(|&c| is_braille(c));
        (0..cells.len()).filter(hit).collect()
    }

    /// Top and bottom dot row set in each dot column.
    fn dot_runs_of(cells: &[Vec<char>], cols: usize) -> Vec<Option<(usize, usize)>> {
        let set = |x: usize, y: usize| {
            let c = cells[y / 4].get(x / 2).copied().unwrap_or(' ');
            is_braille(c) && (c as u32 - 0x2800) & DOT[x % 2][y % 4] != 0
        };
        let ys = 4 * cells.len();
        let run = |x| {
            (0..ys)
                .find(|&y| set(x, y))
                .zip((0..ys).rev().find(|&y| set(x, y)))
        };
        (0..2 * cols).map(run).collect()
    }

    /// Number of plot-area columns, read off the axis rule.
    fn plot_cols(out: &str) -> usize {
        out.lines()
            .find(|l| l.contains('└'))
            .unwrap()
            .matches('─')
            .count()
    }

    fn assert_well_formed(out: &str, width: usize) {
        for line in out.lines() {
            assert!(line.chars().count() <= width, "too wide: {line:?}");
            assert!(!line.ends_with(' '), "trailing space: {line:?}");
        }
    }

    #[test]
    fn sine_fits_width_with_labels_and_zero_line() {
        let out = one(&sine(4096), 80, 12);
        assert_well_formed(&out, 80);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].trim_start().starts_with("1 ┤"), "{}", lines[0]);
        assert!(lines[11].trim_start().starts_with("-1 ┤"), "{}", lines[11]);
        let zero = lines[..12]
            .iter()
            .find(|l| l.contains(ZERO_LINE))
            .expect("zero line");
        assert!(zero.trim_start().starts_with("0 ┤"), "{zero}");
        assert!(lines[13].trim_start().starts_with('0') && lines[13].ends_with("4095"));
        assert_eq!(lines.last().unwrap().trim(), "⣿ table 1");
    }

    #[test]
    fn sine_starts_and_ends_at_mid_height() {
        let out = one(&sine(4096), 80, 12);
        let (cells, cols) = (area(&out, 12), plot_cols(&out));
        for col in [0, cols - 1] {
            let rows = rows_at(&cells, col);
            assert!(
                !rows.is_empty() && rows.iter().all(|r| (5..=6).contains(r)),
                "col {col}: {rows:?}"
            );
        }
    }

    #[test]
    fn click_test_spike_shows_in_bottom_row() {
        let plain = sine(4096);
        let mut clicked = plain.clone();
        clicked[1024] = -1.0;
        let (a, b) = (
            area(&one(&plain, 80, 12), 12),
            area(&one(&clicked, 80, 12), 12),
        );
        let cols = plot_cols(&one(&plain, 80, 12));
        let only_clicked =
            |c: &usize| rows_at(&b, *c).contains(&11) && !rows_at(&a, *c).contains(&11);
        let new: Vec<usize> = (0..cols).filter(only_clicked).collect();
        let expected = 1024 * 2 * cols / 4095 / 2;
        assert!(!new.is_empty(), "spike not visible");
        assert!(
            new.iter().all(|c| c.abs_diff(expected) <= 1),
            "{new:?} vs {expected}"
        );
    }

    #[test]
    fn line_has_no_gaps() {
        for (n, width) in [(4096, 80), (8, 60), (65536, 120), (300, 240)] {
            let out = one(&sine(n), width, 10);
            let runs = dot_runs_of(&area(&out, 10), plot_cols(&out));
            for pair in runs.windows(2) {
                let ((t1, b1), (t2, b2)) = (pair[0].unwrap(), pair[1].unwrap());
                assert!(t2 <= b1 + 1 && t1 <= b2 + 1, "gap, n={n}: {pair:?}");
            }
        }
    }

    #[test]
    fn two_curves_have_two_legend_symbols() {
        let saw: Vec<f32> = (0..512).map(|i| i as f32 / 256.0 - 1.0).collect();
        let s = sine(4096);
        let curves = [
            Curve {
                label: "table 101".into(),
                points: &s,
            },
            Curve {
                label: "table 111".into(),
                points: &saw,
            },
        ];
        let out = plot(&curves, 72, 8);
        assert_well_formed(&out, 72);
        let legend = out.lines().last().unwrap();
        assert!(
            legend.contains("⣿ table 101") && legend.contains("• table 111"),
            "{legend}"
        );
        assert!(area(&out, 8).iter().flatten().any(|&c| c == '•'));
        assert!(out.lines().nth(9).unwrap().ends_with("4095/511"));
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let nan = [f32::NAN, f32::INFINITY, 0.5, f32::NEG_INFINITY, f32::NAN];
        let cases: [&[f32]; 8] = [
            &[0.0; 64],
            &[0.7; 64],
            &[1e6; 8],
            &[],
            &[f32::NAN; 16],
            &nan,
            &[0.3],
            &[f32::MAX, -f32::MAX],
        ];
        for points in cases {
            let out = one(points, 50, 6);
            assert_well_formed(&out, 50);
            assert!(out.contains("table 1"), "{out}");
        }
        let flat = one(&[0.0; 64], 50, 6);
        assert!(flat
            .lines()
            .next()
            .unwrap()
            .trim_start()
            .starts_with("0.5 ┤"));
        assert!(one(&[], 50, 6).lines().nth(7).unwrap().trim() == "0");
        assert_well_formed(&plot(&[], 50, 0), 50);
    }

    #[test]
    fn widths_are_respected() {
        for (asked, used) in [(10, 40), (40, 40), (240, 240)] {
            let out = one(&sine(1024), asked, 8);
            assert_well_formed(&out, used);
            assert_eq!(
                out.lines().nth(8).unwrap().chars().count(),
                used,
                "axis rule spans the width"
            );
        }
        let many: Vec<Curve> = (0..12)
            .map(|k| Curve {
                label: format!("table {k}"),
                points: &[],
            })
            .collect();
        assert!(plot(&many, 40, 4).lines().count() > 7, "legend wraps");
        assert_well_formed(&plot(&many, 40, 4), 40);
    }

    #[test]
    fn values_format_to_three_digits() {
        let cases = [
            (1.0, "1"),
            (-1.0, "-1"),
            (0.0, "0"),
            (0.12345, "0.123"),
            (-0.5, "-0.5"),
        ];
        for (v, s) in cases
            .into_iter()
            .chain([(12.345, "12.3"), (1e6, "1e6"), (1.5e-4, "1.5e-4")])
        {
            assert_eq!(fmt_value(v), s);
        }
    }

    #[test]
    fn terminal_width_parses_and_clamps() {
        let cases = [
            (None, 80),
            (Some("100"), 100),
            (Some("x"), 80),
            (Some("0"), 80),
            (Some("20"), 40),
            (Some("999"), 240),
        ];
        for (columns, w) in cases {
            assert_eq!(width_from(columns), w, "{columns:?}");
        }
        assert!((40..=240).contains(&terminal_width()));
    }
}
