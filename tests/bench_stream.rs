//! The benchmark scores streamed while they render (`tactus bench`): the
//! same samples as a score scheduled whole before the first block, every
//! note on its frame, and a scheduler that holds the lookahead window only.

use tactus::audio::EngineConfig;
use tactus::bench::read_ahead::ReadAhead;
use tactus::bench::stream::Streamed;
use tactus::bench::{NoteStream, Workload, WorkloadError, BENCH_SR};
use tactus::render::{run_offline, Driver, RenderOptions, RenderReport};
use tactus::session::Session;
use tactus::time::{Beats, Seconds};

/// Seconds rendered per comparison (W3 starts ~1,667 notes a second).
const SECONDS: f64 = 2.0;

/// A session with the workload's tables and channel set-up, at beat 0.
fn set_up(w: Workload) -> Session {
    let mut session = Session::new(BENCH_SR, 256);
    session.begin_eval(Beats(0.0));
    w.load_setup(&mut session).unwrap();
    session.end_eval();
    session
}

/// Render `SECONDS` of `driver` at `block` frames per call.
fn render(driver: &mut impl Driver, block: usize) -> (Vec<u32>, RenderReport) {
    let opts = RenderOptions {
        sr: BENCH_SR,
        block_frames: block,
        duration: Some(Seconds(SECONDS)),
        ..RenderOptions::default()
    };
    let cfg = EngineConfig {
        soft_clip: false,
        ..EngineConfig::new(BENCH_SR)
    };
    let mut out = Vec::new();
    let sink = |b: &[f32]| out.extend(b.iter().map(|x| x.to_bits()));
    let report = run_offline(driver, cfg, &opts, sink, |e, b| e.process(b));
    (out, report)
}

/// Streaming a workload's notes as the render reaches them gives the samples
/// of the whole score scheduled before the first block, bit for bit, at odd
/// block sizes too, with no note late or lost; and the scheduler holds the
/// notes of the lookahead window, not the score. Each workload is read four
/// times here: the pages of the shipped file that a read releases behind
/// it come back with the same bytes.
#[test]
fn a_streamed_score_renders_the_samples_of_a_loaded_one() {
    for w in Workload::ALL {
        let mut loaded = Session::new(BENCH_SR, 256);
        loaded.begin_eval(Beats(0.0));
        w.load_into(&mut loaded).unwrap();
        loaded.end_eval();
        let whole_score = loaded.scheduler.len();
        let (want, _) = render(&mut loaded, 256);
        assert!(
            want.iter().any(|&x| f32::from_bits(x) != 0.0),
            "{w:?}: silent"
        );
        for block in [1, 63, 257] {
            let mut session = set_up(w);
            let mut streamed = Streamed::new(&mut session, w.notes());
            let (got, report) = render(&mut streamed, block);
            assert!(got == want, "{w:?} at {block}-frame blocks: samples differ");
            assert_eq!((report.late_events, report.dropped_notes), (0, 0), "{w:?}");
            let window = streamed.peak_scheduled();
            assert!(window <= 300, "{w:?}: {window} notes held at once");
            assert!(window < whole_score || whole_score < 300, "{w:?}");
            streamed.finish().unwrap();
        }
        // Read on a thread of its own, as `tactus bench` does.
        let mut session = set_up(w);
        let mut streamed = Streamed::new(&mut session, ReadAhead::start(w));
        let (got, _) = render(&mut streamed, 256);
        assert!(got == want, "{w:?} read ahead: samples differ");
        streamed.finish().unwrap();
    }
}

/// A reader thread stopped early (the render ended before the score) ends
/// when its notes are no longer wanted; one read to the end gives them all.
#[test]
fn a_score_read_ahead_stops_with_its_reader_and_reads_every_note() {
    let mut notes = ReadAhead::start(Workload::W3Dense);
    assert!(notes.nth(1000).is_some_and(|n| n.is_ok()));
    drop(notes);
    let all = ReadAhead::start(Workload::W1Grains)
        .map(Result::unwrap)
        .count();
    assert_eq!(all, Workload::W1Grains.notes().count());
}

/// A row that starts before the row above it stops the stream with an
/// error naming its line (a stream cannot go back to play it on time),
/// and the render reports it instead of playing the note late.
#[test]
fn a_row_out_of_start_order_is_an_error_with_its_line() {
    let csv = "start,dur,amp,oct,table,rise,dec,pan\n\
               0.5,0.05,0.1,8,2,0.002,0.045,0.5\n\
               0.25,0.05,0.1,8,2,0.002,0.045,0.5\n";
    let notes: Vec<_> = NoteStream::new(Workload::W3Dense, csv.as_bytes()).collect();
    assert!(notes[0].is_ok());
    let err = notes[1].as_ref().unwrap_err().to_string();
    assert!(err.contains(":3:") && err.contains("start order"), "{err}");

    let mut session = set_up(Workload::W3Dense);
    let stream = NoteStream::new(Workload::W3Dense, csv.as_bytes());
    let mut streamed = Streamed::new(&mut session, stream);
    let (_, report) = render(&mut streamed, 256);
    assert_eq!((report.notes, report.late_events), (1, 0));
    assert!(matches!(
        streamed.finish(),
        Err(WorkloadError::Parse { line: 3, .. })
    ));
}

/// A bad number stops the stream with its line; the notes before it play.
#[test]
fn a_bad_number_in_a_streamed_score_names_its_line() {
    let csv = "start,dur,amp,oct,table,rise,dec,pan\n\
               0.5,0.05,0.1,8,2,0.002,0.045,0.5\n\
               \n\
               0.75,0.05,loud,8,2,0.002,0.045,0.5\n";
    let notes: Vec<_> = NoteStream::new(Workload::W1Grains, csv.as_bytes()).collect();
    assert_eq!(notes.len(), 2);
    let err = notes[1].as_ref().unwrap_err().to_string();
    assert!(
        err.contains("w1_grains.csv:4:") && err.contains("loud"),
        "{err}"
    );
}
