//! Function tables: GEN routines against closed forms, live edits heard by
//! sounding notes (the Csound click test), handles, interpolation, GEN01.

use crate::common::*;
use tactus::render;

/// Magnitude of DFT bin `k` of a real signal.
fn bin(x: &[f32], k: usize) -> f64 {
    let n = x.len() as f64;
    let (mut re, mut im) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        let w = std::f64::consts::TAU * k as f64 * i as f64 / n;
        re += *v as f64 * w.cos();
        im -= *v as f64 * w.sin();
    }
    (re * re + im * im).sqrt() / n
}

#[test]
fn band_limited_saw_has_no_energy_above_its_harmonics() {
    for h in [5usize, 16, 25] {
        let t = table_points(&format!("table(1, 4096, saw({h}));"), 1);
        let fundamental = bin(&t, 1);
        assert!(fundamental > 0.1);
        assert!(
            bin(&t, h) > fundamental / h as f64 * 0.9,
            "harmonic {h} is present"
        );
        for k in [h + 1, h + 2, h + 7, 2 * h + 1, 1000, 2047] {
            assert!(
                bin(&t, k) < 1e-6,
                "saw({h}) has energy {} at bin {k}",
                bin(&t, k)
            );
        }
    }
}

#[test]
fn gen_routines_match_closed_forms() {
    let g9 = table_points("table(1, 1024, raw(gen9([[2, 0.5, 90]])));", 1);
    for (i, v) in g9.iter().enumerate() {
        let want = 0.5
            * (std::f64::consts::TAU * 2.0 * i as f64 / 1024.0 + std::f64::consts::FRAC_PI_2).sin();
        assert!((*v as f64 - want).abs() < 1e-6, "gen9 at {i}");
    }
    let g5 = table_points("table(1, 8, raw(gen5([1, 8, 256])));", 1);
    let want: Vec<f32> = (0..8).map(|i| 2f32.powi(i)).collect();
    assert_eq!(g5, want, "exponential segments double each point");
    let g2 = table_points("table(1, 6, raw(gen2([3, 1, 4])));", 1);
    assert_eq!(g2, vec![3.0, 1.0, 4.0, 0.0, 0.0, 0.0]);
    let g2n = table_points("table(1, 3, gen2([2, -4, 1]));", 1);
    assert_eq!(
        g2n,
        vec![0.5, -1.0, 0.25],
        "normalised to peak 1 by default"
    );
    let f10 = table_points("f(1, 0, 512, -10, 2, 0, 1);", 1);
    let peak = f10.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(
        peak > 2.0,
        "a negative GEN number keeps the raw sum (peak {peak})"
    );
}

#[test]
fn click_test_spike_heard_then_gone_after_restore() {
    // A sine table read at 375 Hz; index 1024 (the positive peak) is set to -1
    // from beat 1 and restored at beat 2.
    let src = "table(1, 4096, sine());
        channel(1, #{ table: 1, env: linen(0.01, 0.01) });
        note(1, hz(375), 3, #{ amp: 0.5 });
        at(1, || { let t = table(1); t[1024] = -1.0; });
        at(2, || { let t = table(1); t[1024] = 1.0; });";
    let out = left(&render(src));
    let steps: Vec<f32> = out.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let worst = |a: usize, b: usize| steps[a..b].iter().fold(0.0f32, |m, x| m.max(*x));
    let natural =
        2.0 * std::f32::consts::PI * 375.0 / 48_000.0 * 0.5 * std::f32::consts::FRAC_1_SQRT_2;
    assert!(
        worst(1_000, 47_990) < 1.2 * natural,
        "clean before the edit"
    );
    assert!(
        worst(48_000, 96_000) > 10.0 * natural,
        "the click is heard: {}",
        worst(48_000, 96_000)
    );
    assert!(
        worst(96_010, 143_000) < 1.2 * natural,
        "gone after restoring"
    );
    // The first spike comes within one cycle (128 frames) of the edit's frame.
    let first = (48_000..96_000)
        .find(|&i| steps[i] > 10.0 * natural)
        .unwrap();
    assert!(first < 48_000 + 128, "first click at {first}");
}

#[test]
fn f_statement_with_p2_creates_the_table_at_that_time() {
    let src = "table(2, 64, raw(gen7([0.5, 64, 0.5])));
        channel(1, #{ table: 2, env: linen(0, 0) });
        note(1, 60, 2, #{ amp: 1.0 });
        wait(0.25);
        f(2, 0.75, 64, -7, 0.25, 64, 0.25);";
    let out = left(&render(src));
    let at = beat_frame(1.0, 60.0);
    let c = std::f32::consts::FRAC_1_SQRT_2;
    assert!((out[at - 1] - 0.5 * c).abs() < 1e-6);
    assert!(
        (out[at] - 0.25 * c).abs() < 1e-6,
        "swapped at beat 0.25 + 0.75"
    );
}

#[test]
fn handles_read_write_fill_normalize_set_and_arrays() {
    let (h, out) = host(
        "table(1, 8, raw(gen2([0, 1, 2, 3, 4, 5, 6, 7])));
         let t = table(1);
         print(t.len);
         print(t[3]);
         t[0] = 9;
         t.fill(|i, x| x * 2.0);
         print(t.to_array());
         table(2, 4, raw(gen2([0.5, -0.25, 0, 0])));
         let u = table(2);
         u.normalize();
         print(u.to_array());
         u.set([0.1, 0.2]);",
    );
    let printed = out.borrow().clone();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[0], "8");
    assert_eq!(lines[1], "3.0");
    assert_eq!(lines[2], "[18.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0]");
    assert_eq!(lines[3], "[1.0, -0.5, 0.0, 0.0]", "normalised to peak 1");
    let t2 = h.with_session(|s| s.table(2).unwrap().to_vec());
    assert_eq!(t2, vec![0.1, 0.2, 0.0, 0.0], "set() writes from index 0");
}

#[test]
fn interpolate_fills_linear_morphs() {
    let src = "table(101, 256, triangle(9)); table(111, 256, square(9)); interpolate(101, 111);";
    let (h, _) = host(src);
    let get = |n: u32| h.with_session(|s| s.table(n).unwrap().to_vec());
    let (a, b, mid, near) = (get(101), get(111), get(106), get(102));
    for i in 0..256 {
        assert!((mid[i] - (0.5 * a[i] + 0.5 * b[i])).abs() < 1e-6);
        assert!((near[i] - (0.9 * a[i] + 0.1 * b[i])).abs() < 1e-6);
    }
}

#[test]
fn save_writes_a_wav_and_gen1_reads_it_back() {
    let dir = std::env::temp_dir().join(format!("tactus-gen1-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.wav");
    let p = path.display();
    let src =
        format!("table(1, 512, saw(8)); table(1).save(\"{p}\"); table(2, 0, raw(gen1(\"{p}\")));");
    let (h, _) = host(&src);
    let (a, b) = h.with_session(|s| (s.table(1).unwrap().to_vec(), s.table(2).unwrap().to_vec()));
    assert_eq!(a, b, "32-bit float round trip is exact");
    // A 16-bit stereo file: channel 2, and both channels mixed.
    let stereo = dir.join("st.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&stereo, spec).unwrap();
    for i in 0..100i16 {
        w.write_sample(i * 100).unwrap();
        w.write_sample(-i * 50).unwrap();
    }
    w.finalize().unwrap();
    let s = stereo.display();
    let right = table_points(&format!("table(3, 0, raw(gen1(\"{s}\", 2)));"), 3);
    assert_eq!(right.len(), 100);
    assert_eq!(right[10], -500.0 / 32768.0);
    let mixed = table_points(&format!("table(3, 128, raw(gen1(\"{s}\")));"), 3);
    assert_eq!(mixed.len(), 128, "padded to the size asked for");
    assert_eq!(mixed[10], 250.0 / 32768.0);
    assert_eq!(mixed[127], 0.0);
}

#[test]
fn table_errors_name_the_valid_range_and_the_session_goes_on() {
    let msg = check_error("table(1, 4096, sine());\nlet t = table(1);\nlet x = t[5000];");
    assert!(msg.starts_with("bad.rhai:3:"), "{msg}");
    assert!(
        msg.contains("table 1: index 5000 is out of range 0 to 4095"),
        "{msg}"
    );
    let msg = check_error("table(1, 64, sine());\nlet t = table(7);");
    assert!(msg.contains("table 7 does not exist (defined: 1)"), "{msg}");
    let dir = std::env::temp_dir().join(format!("tactus-notwav-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let txt = dir.join("notes.txt");
    std::fs::write(&txt, "this is not a WAV file").unwrap();
    let msg = check_error(&format!("table(1, 0, gen1(\"{}\"));", txt.display()));
    assert!(
        msg.contains("gen1: cannot read") && msg.contains("notes.txt"),
        "{msg}"
    );
    // An error inside a callback leaves the rest playing.
    let src = "table(1, 64, sine()); channel(1, #{ table: 1 });
        at(1, || { let t = table(1); t[64] = 0.0; });
        note(1, 60, 0.5, #{ at: 2 });";
    let (_, report) =
        render::render_to_vec("t.rhai", src, &render::RenderOptions::default()).unwrap();
    assert_eq!(report.errors.len(), 1);
    assert!(report.errors[0]
        .to_string()
        .contains("index 64 is out of range 0 to 63"));
    assert_eq!(report.notes, 1);
}

#[test]
fn plot_draws_tables_with_axes_and_legend() {
    let (_, out) = host("table(101, 4096, triangle(25)); table(111, 4096, square(25)); plot([101, 111]); table(101).plot();");
    let text = out.borrow().clone();
    assert!(
        text.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
        "braille dots"
    );
    assert!(
        text.contains(" 1 ┤") && text.contains("-1 ┤"),
        "value axis:\n{text}"
    );
    assert!(
        text.contains("table 101") && text.contains("table 111"),
        "legend:\n{text}"
    );
    assert!(text.contains("4095"), "index axis");
}
