//! Controller handlers (`on_note`, `on_note_off`, `on_cc`, `on_cc14`,
//! `on_nrpn`), owned by the session like loops: defining one again (a
//! reload) replaces it in place, a file that no longer defines it removes
//! it, and each call runs as an evaluation of its own (a transaction; an
//! error rolls that call back and is printed once per body).

use super::callback::Callback;
use super::loops::LoopChange;
use super::Session;
use crate::midi::controls::Control;
use crate::midi::MidiMsg;

/// What a handler listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    /// Note-ons.
    Note,
    /// Note-offs (and note-ons with velocity 0).
    NoteOff,
    /// One controller number.
    Cc(u8),
    /// A 14-bit controller (MSB number 0..32, LSB on number + 32).
    Cc14(u8),
    /// A non-registered parameter number.
    Nrpn(u16),
}

/// A handler: what it listens to, its filters and its body.
#[derive(Debug, Clone)]
pub struct Handler {
    /// What it listens to.
    pub listen: Listen,
    /// Only messages from inputs whose name contains this ("" = any).
    pub port: String,
    /// Only this channel (0-based), or any.
    pub channel: Option<u8>,
    /// The closure.
    pub body: Callback,
    /// Its error has been printed.
    pub error_shown: bool,
}

impl Handler {
    /// The handler's name: what identifies it across reloads, and what
    /// `handlers()` and the reload summary show.
    pub fn name(&self) -> String {
        let what = match self.listen {
            Listen::Note => "on_note".to_string(),
            Listen::NoteOff => "on_note_off".to_string(),
            Listen::Cc(n) => format!("on_cc({n})"),
            Listen::Cc14(n) => format!("on_cc14({n})"),
            Listen::Nrpn(n) => format!("on_nrpn({n})"),
        };
        let ch = self
            .channel
            .map(|c| format!(" ch {}", c + 1))
            .unwrap_or_default();
        let port = if self.port.is_empty() {
            String::new()
        } else {
            format!(" port \"{}\"", self.port)
        };
        format!("{what}{ch}{port}")
    }

    fn hears(&self, port: &str, ch: u8) -> bool {
        self.channel.is_none_or(|c| c == ch)
            && (self.port.is_empty() || port.to_lowercase().contains(&self.port.to_lowercase()))
    }
}

/// One handler call due: its name, body, and arguments (channel 1-16, then
/// pitch and velocity for notes, or the value for controls).
pub type Call = (String, Callback, Vec<i64>);

impl Session {
    /// Define (or redefine in place) a handler.
    pub fn define_handler(&mut self, h: Handler) {
        let name = h.name();
        let change = match self.handlers.get(&name) {
            Some(old) if old.body.signature() == h.body.signature() => LoopChange::Unchanged,
            Some(_) => LoopChange::Swapped,
            None => LoopChange::Added,
        };
        if change != LoopChange::Unchanged {
            self.handlers.insert(name.clone(), h);
        }
        self.changes.push((name, change));
    }

    /// Remove a handler by name (a reloaded file no longer defines it).
    pub fn remove_handler(&mut self, name: &str) -> bool {
        self.handlers.remove(&name.to_string()).is_some()
    }

    /// The handler names.
    pub fn handler_names(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }

    /// The calls a message (and the control it completes, if any) makes.
    pub fn handler_calls(&self, port: &str, msg: &MidiMsg, control: Option<Control>) -> Vec<Call> {
        let (listen, ch, args) = match (*msg, control) {
            (_, Some(Control::Cc14 { ch, number, value })) => {
                (Listen::Cc14(number), ch, vec![value as i64])
            }
            (_, Some(Control::Nrpn { ch, param, value })) => {
                (Listen::Nrpn(param), ch, vec![value as i64])
            }
            (MidiMsg::NoteOn { ch, key, vel }, _) => {
                (Listen::Note, ch, vec![key as i64, vel as i64])
            }
            (MidiMsg::NoteOff { ch, key, vel }, _) => {
                (Listen::NoteOff, ch, vec![key as i64, vel as i64])
            }
            (MidiMsg::Cc { ch, cc, value }, _) => (Listen::Cc(cc), ch, vec![value as i64]),
            _ => return Vec::new(),
        };
        let mut calls: Vec<Call> = self
            .handlers
            .iter()
            .filter(|(_, h)| h.listen == listen && h.hears(port, ch))
            .map(|(n, h)| {
                let mut a = vec![ch as i64 + 1];
                a.extend_from_slice(&args);
                (n.clone(), h.body.clone(), a)
            })
            .collect();
        // A plain controller handler also hears the parts of a 14-bit control.
        if let (Some(_), MidiMsg::Cc { ch, cc, value }) = (control, *msg) {
            let plain = self
                .handlers
                .iter()
                .filter(|(_, h)| h.listen == Listen::Cc(cc) && h.hears(port, ch));
            calls.extend(
                plain.map(|(n, h)| (n.clone(), h.body.clone(), vec![ch as i64 + 1, value as i64])),
            );
        }
        calls
    }

    /// A handler's call failed: true when its error should be printed (the
    /// first time for this body).
    pub fn handler_failed(&mut self, name: &str) -> bool {
        match self.handlers.get_mut(&name.to_string()) {
            Some(h) => !std::mem::replace(&mut h.error_shown, true),
            None => false,
        }
    }
}
