//! A session file's values checked (before anything changes), then put into
//! the session through its journaled stores.

use super::{in_range, synth_name, CcMapFile, ChannelFile, SeqFile, SessionFile, TableFile};
use crate::audio::fx::FxParam;
use crate::audio::table::USER_TABLES;
use crate::command::{CcParam, CcTarget, ChannelChange, Command, Layers};
use crate::midi::output::OutCmd;
use crate::session::channels::{ChannelConfig, EnvSpec};
use crate::session::midi_out::MidiRoute;
use crate::session::scheduler::Item;
use crate::session::seqs::{parse_pattern, Seq};
use crate::session::Session;
use crate::time::Beats;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What the script layer knows that a session file names: presets and
/// effect options (their ranges, parameters and "off" values).
pub struct Vocab {
    /// Preset names.
    pub instruments: Vec<&'static str>,
    /// Effect option names.
    pub fx_options: &'static [&'static str],
    /// An effect option's range.
    pub fx_range: fn(&str) -> (f64, f64),
    /// The parameter an effect option sets, at a value.
    pub fx_param: fn(&str, f32) -> Option<FxParam>,
    /// The value that turns an effect option off (its default).
    pub fx_off: fn(&str) -> f32,
    /// The loudest channel volume.
    pub max_volume: f64,
}

/// A table's number and points.
pub(super) fn check_table(t: &TableFile, _vocab: &Vocab) -> Result<(), String> {
    let n = t.number;
    if !(1..USER_TABLES as u32).contains(&n) {
        return Err(format!(
            "table {n}: numbers go from 1 to {}",
            USER_TABLES - 1
        ));
    }
    if t.points.is_empty() {
        return Err(format!("table {n} has no points"));
    }
    match t.points.iter().position(|x| !x.is_finite()) {
        Some(k) => Err(format!("table {n}: point {k} is not a number")),
        None => Ok(()),
    }
}

/// Every field of a channel.
pub(super) fn check_channel(c: &ChannelFile, tables: &[u32], vocab: &Vocab) -> Result<(), String> {
    synth_name(&c.synth)?;
    if let Some(name) = c.instrument.as_deref() {
        if !vocab.instruments.contains(&name) {
            return Err(format!(
                "unknown instrument \"{name}\"; instruments: {}",
                vocab.instruments.join(", ")
            ));
        }
    }
    if let Some(t) = c.table.filter(|t| !tables.contains(t)) {
        return Err(format!(
            "it reads table {t}, which the file does not define"
        ));
    }
    check_env(&c.env)?;
    let ranges = [
        ("volume", c.volume, 0.0, vocab.max_volume),
        ("pan", c.pan, 0.0, 1.0),
        ("max_voices", c.max_voices as f64, 1.0, 1024.0),
        ("bend_range", c.bend_range, 0.0, 48.0),
        ("detune_cents", c.detune_cents, 0.0, 1200.0),
        ("sub_osc", c.sub_osc, 0.0, 1.0),
        ("noise", c.noise, 0.0, 1.0),
        ("vel_bright", c.vel_bright, 0.0, 1.0),
        ("fm_ratio", c.fm_ratio, 0.01, 64.0),
        ("fm_index", c.fm_index, 0.0, 100.0),
        ("damping", c.damping, 0.0, 1.0),
        ("root_hz", c.root_hz, 0.001, 1e6),
    ];
    for (what, x, lo, hi) in ranges {
        in_range(what, x, lo, hi)?;
    }
    for (k, x) in &c.fx {
        check_fx(k, *x, vocab)?;
    }
    if let Some(m) = c.midi_channel {
        in_range("midi_channel", m as f64, 1.0, 16.0)?;
    }
    Ok(())
}

fn check_env(e: &EnvSpec) -> Result<(), String> {
    match *e {
        EnvSpec::Adsr {
            attack_s,
            decay_s,
            sustain,
            release_s,
        } => {
            in_range("env.attack_s", attack_s, 0.0, 3600.0)?;
            in_range("env.decay_s", decay_s, 0.0, 3600.0)?;
            in_range("env.sustain", sustain, 0.0, 1.0)?;
            in_range("env.release_s", release_s, 0.0, 3600.0)
        }
        EnvSpec::Linen { rise_s, decay_s } => {
            in_range("env.rise_s", rise_s, 0.0, 3600.0)?;
            in_range("env.decay_s", decay_s, 0.0, 3600.0)
        }
    }
}

fn check_fx(key: &str, x: f64, vocab: &Vocab) -> Result<(), String> {
    if !vocab.fx_options.contains(&key) {
        return Err(format!(
            "unknown effect \"{key}\"; effects: {}",
            vocab.fx_options.join(", ")
        ));
    }
    let (lo, hi) = (vocab.fx_range)(key);
    in_range(key, x, lo, hi)
}

/// A controller map.
pub(super) fn check_cc(m: &CcMapFile, vocab: &Vocab) -> Result<(), String> {
    let what = format!("cc {} on channel {}", m.cc, m.channel);
    let bad = |e: String| format!("{what}: {e}");
    in_range("controller", m.cc as f64, 0.0, 127.0).map_err(bad)?;
    in_range("channel", m.channel as f64, 1.0, 16.0).map_err(bad)?;
    let p = &m.mapping;
    if p.param == "volume" {
        in_range("min", p.min, 0.0, vocab.max_volume).map_err(bad)?;
        return in_range("max", p.max, 0.0, vocab.max_volume).map_err(bad);
    }
    check_fx(&p.param, p.min, vocab).map_err(bad)?;
    check_fx(&p.param, p.max, vocab).map_err(bad)
}

/// A step sequence.
pub(super) fn check_seq(q: &SeqFile) -> Result<(), String> {
    in_range("channel", q.channel as f64, 1.0, 16.0)?;
    let steps = parse_pattern(&q.pattern)?;
    if !q.vels.is_empty() && q.vels.len() != steps.len() {
        return Err(format!(
            "vels has {} values for a pattern of {} steps",
            q.vels.len(),
            steps.len()
        ));
    }
    if let Some(v) = q.vels.iter().find(|v| **v > 127) {
        return Err(format!("vels: {v} is out of range 0 to 127"));
    }
    in_range("pitch_hz", q.pitch_hz, 0.001, 1e6)?;
    in_range("step_beats", q.step_beats, 0.01, 64.0)?;
    in_range("swing", q.swing, 0.0, 0.5)?;
    in_range("vel", q.vel, 0.0, 127.0)?;
    in_range("next_in_beats", q.next_in_beats, 0.0, 1e9)
}

impl Session {
    /// Put a checked file ([`SessionFile::parse`]) into the session, at the
    /// cursor: tables, tempo, channels, controller maps, sequences, MIDI and
    /// Link become what the file says (loops are left alone). Every change
    /// goes through the evaluation's transaction.
    pub fn restore(&mut self, f: &SessionFile, vocab: &Vocab) {
        self.restore_tables(&f.tables);
        let at = self.cursor;
        self.tempo.update(|t| t.set_tempo(at, f.tempo_bpm));
        for c in &f.channels {
            self.restore_channel(c, vocab);
        }
        self.restore_cc_maps(&f.cc_maps, vocab);
        self.drum_pattern.set(f.drums.clone());
        self.restore_seqs(&f.seqs);
        self.restore_midi(f);
        self.link.set(crate::session::link_state::LinkWant {
            on: f.link.on,
            quantum: f.link.quantum,
            start_stop: f.link.start_stop,
            audio_nudge_ms: f.link.audio_nudge_ms,
        });
    }

    fn restore_tables(&mut self, tables: &[TableFile]) {
        let keep: BTreeSet<u32> = tables.iter().map(|t| t.number).collect();
        for n in self
            .table_numbers()
            .into_iter()
            .filter(|n| !keep.contains(n))
        {
            self.tables.remove(&n);
            self.dirty.update(|d| d.insert(n));
        }
        for t in tables {
            self.set_table(t.number, t.points.iter().map(|x| *x as f32).collect());
        }
    }

    fn restore_channel(&mut self, c: &ChannelFile, vocab: &Vocab) {
        let ch = c.channel - 1;
        let mut cfg = ChannelConfig {
            synth: synth_name(&c.synth).unwrap_or("sine"),
            table: c.table,
            fm_ratio: c.fm_ratio,
            fm_index: c.fm_index,
            damping: c.damping,
            root_hz: c.root_hz,
            looped: c.looped,
            env: c.env,
            volume: c.volume,
            pan: c.pan,
            max_voices: c.max_voices,
            layers: Layers {
                detune_cents: c.detune_cents as f32,
                sub_osc: c.sub_osc as f32,
                noise: c.noise as f32,
                vel_bright: c.vel_bright as f32,
            },
            bend_range: c.bend_range,
            midi: MidiRoute {
                port: c.midi_out.as_deref().map(Arc::from),
                channel: c.midi_channel.map(|m| m - 1),
                sound: c.sound,
            },
            instrument: (vocab.instruments.iter())
                .find(|n| c.instrument.as_deref() == Some(**n))
                .copied(),
            ..ChannelConfig::default()
        };
        cfg.rebuild();
        self.channels.update(|all| all[ch as usize] = cfg);
        self.channel_change(ch, ChannelChange::Volume(c.volume as f32));
        self.channel_change(ch, ChannelChange::MaxVoices(c.max_voices));
        self.restore_fx(ch, c, vocab);
    }

    fn restore_fx(&mut self, ch: u8, c: &ChannelFile, vocab: &Vocab) {
        let old: Vec<String> = (self.fx_values.keys())
            .filter(|(i, k)| *i == ch && !c.fx.contains_key(k))
            .map(|(_, k)| k.clone())
            .collect();
        for k in old {
            self.set_fx(ch, &k, (vocab.fx_off)(&k), vocab);
            self.fx_values.remove(&(ch, k));
        }
        for (k, x) in &c.fx {
            self.set_fx(ch, k, *x as f32, vocab);
        }
    }

    /// Set an effect option on channel index `ch` at the evaluation's frame.
    pub fn set_fx(&mut self, ch: u8, key: &str, x: f32, vocab: &Vocab) {
        self.install_fx(ch);
        if let Some(p) = (vocab.fx_param)(key, x) {
            self.channel_change(ch, ChannelChange::Fx(p));
        }
        self.fx_values.insert((ch, key.to_string()), x);
    }

    /// The file's maps are added: the engine has no way to forget a map,
    /// so maps made before stay (in the engine and here alike).
    fn restore_cc_maps(&mut self, maps: &[CcMapFile], vocab: &Vocab) {
        for m in maps {
            let p = &m.mapping;
            let param = match (vocab.fx_param)(&p.param, 0.0) {
                Some(fx) => CcParam::Fx(fx),
                None => CcParam::Volume,
            };
            let channel = m.channel - 1;
            if matches!(param, CcParam::Fx(_)) {
                self.install_fx(channel);
            }
            let target = CcTarget {
                param,
                min: p.min as f32,
                max: p.max as f32,
            };
            let frame = self.eval_frame;
            self.send(Command::CcMap {
                frame,
                cc: m.cc,
                channel: Some(channel),
                target,
            });
            self.cc_maps.insert((channel, m.cc), p.clone());
        }
    }

    fn restore_seqs(&mut self, seqs: &[SeqFile]) {
        let ids: Vec<u64> = self.seqs.values().map(|q| q.id).collect();
        self.seqs.clear();
        self.scheduler
            .retain_items(|i| !matches!(i, Item::Seq(id) if ids.contains(id)));
        for q in seqs {
            let id = self.fresh_id();
            let seq = Seq {
                id,
                channel: q.channel - 1,
                pitch_hz: q.pitch_hz,
                pattern: with_vels(parse_pattern(&q.pattern).unwrap_or_default(), &q.vels),
                step_beats: q.step_beats,
                swing: q.swing,
                vel: q.vel,
                count: q.count,
                stopping: false,
                mirror: None,
            };
            self.seqs.insert(q.name.clone(), seq);
            let at = Beats(self.cursor.0 + q.next_in_beats);
            self.scheduler.push(at, Item::Seq(id));
        }
    }

    fn restore_midi(&mut self, f: &SessionFile) {
        let default = f.midi.default_out.as_deref().map(Arc::<str>::from);
        self.midi_default.set(default.clone());
        let mut ports: BTreeSet<Arc<str>> = default.into_iter().collect();
        ports.extend(
            f.channels
                .iter()
                .filter_map(|c| c.midi_out.as_deref().map(Arc::from)),
        );
        self.midi_nudge.clear();
        for (port, ms) in &f.midi.nudge_ms {
            self.midi_nudge.insert(port.clone(), *ms);
            ports.insert(Arc::from(port.as_str()));
        }
        for port in &ports {
            self.midi_outbox.push(OutCmd::Open(port.clone()));
        }
        for (port, ms) in &f.midi.nudge_ms {
            self.midi_outbox
                .push(OutCmd::Nudge(Arc::from(port.as_str()), *ms));
        }
    }
}

/// Steps with their own velocities put back (a 0 keeps the step).
fn with_vels(
    mut steps: Vec<crate::session::seqs::Step>,
    vels: &[u8],
) -> Vec<crate::session::seqs::Step> {
    for (s, v) in steps.iter_mut().zip(vels) {
        if *v > 0 {
            *s = crate::session::seqs::Step::Vel(*v);
        }
    }
    steps
}
