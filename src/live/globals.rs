//! What a reload changed besides its loops: the tempo, the drum pattern,
//! the transport, and each channel's instrument, compared before and after
//! (`tempo 96 -> 118`, `drums house -> bossa`).

use crate::session::Session;
use crate::time::Beats;

/// The settings a reload line reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Globals {
    bpm: f64,
    drums: Option<String>,
    playing: bool,
    instruments: Vec<String>,
}

impl Globals {
    /// The settings at beat `at`.
    pub fn read(s: &Session, at: Beats) -> Globals {
        let instruments = s.channels.iter();
        let instruments = instruments.map(crate::script::api::status::instrument_name);
        Globals {
            bpm: s.tempo.bpm_at(s.tempo_beat(at)),
            drums: (*s.drum_pattern).clone(),
            playing: *s.playing,
            instruments: instruments.collect(),
        }
    }

    /// "tempo 96 -> 118, drums house -> bossa, channel 2 sine -> organ".
    pub fn changes(&self, after: &Globals) -> Vec<String> {
        let mut out = Vec::new();
        if (self.bpm - after.bpm).abs() > 1e-6 {
            out.push(format!("tempo {} -> {}", short(self.bpm), short(after.bpm)));
        }
        if self.drums != after.drums {
            let name = |d: &Option<String>| d.clone().unwrap_or_else(|| "off".into());
            out.push(format!(
                "drums {} -> {}",
                name(&self.drums),
                name(&after.drums)
            ));
        }
        if self.playing != after.playing {
            out.push(if after.playing { "started" } else { "stopped" }.to_string());
        }
        let pairs = self.instruments.iter().zip(&after.instruments).enumerate();
        for (ch, (a, b)) in pairs.filter(|(_, (a, b))| a != b) {
            out.push(format!("channel {} {a} -> {b}", ch + 1));
        }
        out
    }
}

fn short(bpm: f64) -> String {
    crate::script::api::status::trim_number(bpm)
}
