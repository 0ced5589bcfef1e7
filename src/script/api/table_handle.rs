//! Table handles, as a Csound session reads and writes tables live:
//! `let t = table(1); t[0] = 0.5; t.len; t.fill(|i, x| ...); t.normalize();
//! t.to_array(); t.set([...]); t.save("x.wav")`, and `interpolate(a, b)`.
//! Edits made during one evaluation are published together at its end.

use super::args::{self, err, Res};
use super::tables::table_number;
use crate::script::plot::{plot, terminal_width, Curve};
use crate::script::state::Shared;
use rhai::{Array, Dynamic, Engine, FnPtr, NativeCallContext, FLOAT, INT};

/// A handle to function table `n` (the table itself lives in the session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableHandle {
    /// Table number.
    pub n: u32,
}

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    engine.register_type_with_name::<TableHandle>("Table");
    let s = st.clone();
    engine.register_fn("table", move |n: Dynamic| -> Res<TableHandle> {
        let n = table_number(&n, "table")?;
        s.borrow()
            .session
            .check_table(n)
            .or_else(|e| err(format!("table(): {e}")))?;
        Ok(TableHandle { n })
    });
    let s = st.clone();
    engine.register_fn("to_string", move |t: &mut TableHandle| describe(&s, t.n));
    let s = st.clone();
    engine.register_fn("to_debug", move |t: &mut TableHandle| describe(&s, t.n));
    let s = st.clone();
    engine.register_get("len", move |t: &mut TableHandle| -> Res<INT> {
        Ok(points(&s, t.n)?.len() as INT)
    });
    let s = st.clone();
    engine.register_indexer_get(move |t: &mut TableHandle, i: INT| -> Res<FLOAT> {
        let p = points(&s, t.n)?;
        let k = index(t.n, i, p.len())?;
        Ok(p[k] as FLOAT)
    });
    let s = st.clone();
    engine.register_indexer_set(move |t: &mut TableHandle, i: INT, x: Dynamic| -> Res<()> {
        let x = args::table_value(&x, "table", "value")?;
        let mut st = s.borrow_mut();
        let p = st
            .session
            .table_mut(t.n)
            .map_or_else(|| err(missing(t.n)), Ok)?;
        let k = index(t.n, i, p.len())?;
        p[k] = x;
        Ok(())
    });
    engine
        .register_indexer_get(|t: &mut TableHandle, i: FLOAT| -> Res<FLOAT> { not_whole(t.n, i) });
    engine.register_indexer_set(|t: &mut TableHandle, i: FLOAT, _: Dynamic| -> Res<()> {
        not_whole(t.n, i)
    });
    register_methods(engine, st);
}

/// The error for `t[0.5]`: a table's points are numbered by whole numbers.
fn not_whole<T>(n: u32, i: FLOAT) -> Res<T> {
    err(format!(
        "table {n}[{}]: a point is numbered by a whole number (0, 1, 2, ...): round first, e.g. t[x.to_int()]",
        super::args::shown(i)
    ))
}

fn register_methods(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn(
        "fill",
        move |ctx: NativeCallContext, t: &mut TableHandle, f: FnPtr| -> Res<()> {
            // No borrow is held while the closure runs: it may read tables itself.
            let mut p = points(&s, t.n)?;
            for (i, x) in p.iter_mut().enumerate() {
                let v: Dynamic = f.call_within_context(&ctx, (i as INT, *x as FLOAT))?;
                *x = args::table_value(&v, "fill", "the closure's result")?;
            }
            s.borrow_mut().session.set_table(t.n, p);
            Ok(())
        },
    );
    let s = st.clone();
    engine.register_fn("normalize", move |t: &mut TableHandle| -> Res<()> {
        let mut p = points(&s, t.n)?;
        let peak = p.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        if peak > 0.0 {
            p.iter_mut().for_each(|x| *x /= peak);
        }
        s.borrow_mut().session.set_table(t.n, p);
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("to_array", move |t: &mut TableHandle| -> Res<Array> {
        Ok(points(&s, t.n)?
            .iter()
            .map(|&x| Dynamic::from_float(x as FLOAT))
            .collect())
    });
    let s = st.clone();
    engine.register_fn("set", move |t: &mut TableHandle, a: Array| -> Res<()> {
        let mut p = points(&s, t.n)?;
        if a.len() > p.len() {
            return err(format!(
                "set(): {} values do not fit table {} of {} points",
                a.len(),
                t.n,
                p.len()
            ));
        }
        for (x, v) in p.iter_mut().zip(args::numbers(&a, "set")?) {
            *x = args::table_point(v, "set", "value")?;
        }
        s.borrow_mut().session.set_table(t.n, p);
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("save", move |t: &mut TableHandle, path: &str| -> Res<()> {
        let p = points(&s, t.n)?;
        let sr = s.borrow().session.sr.0;
        save_wav(path, &p, sr).or_else(|e| err(format!("save(): cannot write \"{path}\": {e}")))
    });
    let s = st.clone();
    engine.register_fn("plot", move |t: &mut TableHandle| -> Res<()> {
        plot_tables(&s, &[t.n])
    });
    let s = st.clone();
    engine.register_fn("plot", move |n: Dynamic| -> Res<()> {
        let numbers = match n.clone().try_cast::<Array>() {
            Some(a) => a
                .iter()
                .map(|v| table_number(v, "plot"))
                .collect::<Res<Vec<u32>>>()?,
            None => vec![table_number(&n, "plot")?],
        };
        plot_tables(&s, &numbers)
    });
    let s = st.clone();
    engine.register_fn("interpolate", move |a: Dynamic, b: Dynamic| -> Res<()> {
        interpolate(
            &s,
            table_number(&a, "interpolate")?,
            table_number(&b, "interpolate")?,
        )
    });
}

/// Draw tables overlaid in the terminal, through the session's printer.
fn plot_tables(st: &Shared, numbers: &[u32]) -> Res<()> {
    let data: Vec<(u32, Vec<f32>)> = numbers
        .iter()
        .map(|&n| points(st, n).map(|p| (n, p)))
        .collect::<Res<_>>()?;
    let curves: Vec<Curve> = data
        .iter()
        .map(|(n, p)| Curve {
            label: format!("table {n} ({} points)", p.len()),
            points: p,
        })
        .collect();
    let text = plot(&curves, terminal_width(), 12);
    let printer = st.borrow().printer.clone();
    printer(&text);
    Ok(())
}

fn missing(n: u32) -> String {
    format!("table {n} does not exist")
}

/// A copy of a table's points.
pub fn points(st: &Shared, n: u32) -> Res<Vec<f32>> {
    let st = st.borrow();
    st.session
        .table(n)
        .map(<[f32]>::to_vec)
        .map_or_else(|| err(missing(n)), Ok)
}

fn index(n: u32, i: INT, len: usize) -> Res<usize> {
    if i < 0 || i as usize >= len {
        return err(format!(
            "table {n}: index {i} is out of range 0 to {}",
            len - 1
        ));
    }
    Ok(i as usize)
}

fn describe(st: &Shared, n: u32) -> String {
    match st.borrow().session.table(n) {
        Some(p) => format!("table({n}): {} points", p.len()),
        None => format!("table({n}): removed"),
    }
}

/// Fill the tables numbered strictly between `a` and `b` with linear morphs
/// from table a to table b (as in the Csound Journal session).
fn interpolate(st: &Shared, a: u32, b: u32) -> Res<()> {
    if b <= a + 1 {
        return err(format!(
            "interpolate(): no tables lie between {a} and {b}; give a < b - 1"
        ));
    }
    let (ta, tb) = (points(st, a)?, points(st, b)?);
    if ta.len() != tb.len() {
        return err(format!(
            "interpolate(): tables {a} and {b} differ in size ({} and {} points)",
            ta.len(),
            tb.len()
        ));
    }
    let mut st = st.borrow_mut();
    let replaced: usize = (a + 1..b)
        .filter_map(|n| st.session.table(n))
        .map(<[f32]>::len)
        .sum();
    let count = (b - a - 1) as usize;
    let what = format!("{count} tables of {} points", ta.len());
    st.session
        .check_table_points(&what, count.saturating_mul(ta.len()), replaced)
        .or_else(|e| err(format!("interpolate(): {e}")))?;
    for n in a + 1..b {
        let w = (n - a) as f32 / (b - a) as f32;
        let morph = ta
            .iter()
            .zip(&tb)
            .map(|(x, y)| (1.0 - w) * x + w * y)
            .collect();
        st.session.set_table(n, morph);
    }
    Ok(())
}

fn save_wav(path: &str, points: &[f32], sr: u32) -> Result<(), hound::Error> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: sr,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec)?;
    for &x in points {
        w.write_sample(x)?;
    }
    w.finalize()
}
