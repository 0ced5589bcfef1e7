//! MIDI input: the ports a session has open, and the callback that turns
//! their bytes into [`MidiEvent`]s for the script thread.
//!
//! midir calls each port's callback on its own thread. The callback parses
//! the bytes ([`Parser`]: running status, SysEx and stray bytes survive),
//! stamps every message with `Instant::now()` on arrival, and `try_send`s it
//! over a bounded channel: it never blocks, and a message that finds the
//! channel full is counted in [`Inputs::dropped`], never waited for. The
//! audio thread never sees MIDI: the script thread turns events into
//! timestamped commands.

use super::ports::{self, MidiError, CLIENT};
use super::{MidiEvent, Parser};
use crossbeam_channel::Sender;
use midir::MidiInputConnection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Capacity of the channel from the input callbacks to the script thread.
/// At the 5 ms script tick this is far more than any keyboard can send
/// (a full MIDI 1.0 cable carries about 5 messages per millisecond).
pub const EVENT_CAPACITY: usize = 4096;

/// The name of Tactus's own virtual input port.
pub const VIRTUAL_PORT: &str = "Tactus in";

/// What each open port keeps on midir's thread.
struct PortState {
    name: Arc<str>,
    parser: Parser,
    events: Sender<MidiEvent>,
    dropped: Arc<AtomicU64>,
}

/// The callback body: parse, stamp, hand over without blocking.
fn on_bytes(bytes: &[u8], st: &mut PortState) {
    let arrived = Instant::now();
    let PortState {
        name,
        parser,
        events,
        dropped,
    } = st;
    parser.feed(bytes, |msg| {
        let ev = MidiEvent {
            port: name.clone(),
            arrived,
            msg,
        };
        if events.try_send(ev).is_err() {
            dropped.fetch_add(1, Ordering::Relaxed);
        }
    });
}

/// The open inputs of a session (the script thread owns them).
pub struct Inputs {
    events: Sender<MidiEvent>,
    dropped: Arc<AtomicU64>,
    open: Vec<(String, MidiInputConnection<PortState>)>,
    opened_count: usize,
}

impl Inputs {
    /// No port open yet; events will go to `events`.
    pub fn new(events: Sender<MidiEvent>) -> Inputs {
        Inputs {
            events,
            dropped: Arc::new(AtomicU64::new(0)),
            open: Vec::new(),
            opened_count: 0,
        }
    }

    /// Messages dropped because the script thread's channel was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Names of the ports open now (the virtual input included).
    pub fn open_names(&self) -> Vec<String> {
        self.open.iter().map(|(n, _)| n.clone()).collect()
    }

    fn state(&self, name: &str) -> PortState {
        PortState {
            name: Arc::from(name),
            parser: Parser::default(),
            events: self.events.clone(),
            dropped: self.dropped.clone(),
        }
    }

    fn client(&mut self) -> Result<midir::MidiInput, MidiError> {
        self.opened_count += 1;
        ports::input_client(&format!("{CLIENT} in {}", self.opened_count))
    }

    /// Open the first input whose name contains `wanted` (ignoring case);
    /// returns its full name. A port already open is not opened twice.
    ///
    /// # Errors
    /// [`MidiError::Unavailable`] with no MIDI system; [`MidiError::NoSuchPort`]
    /// listing the inputs when none matches; [`MidiError::Open`] when the
    /// backend refuses it.
    pub fn open(&mut self, wanted: &str) -> Result<String, MidiError> {
        let client = self.client()?;
        let ports_now = client.ports();
        let names: Vec<String> = ports_now
            .iter()
            .map(|p| client.port_name(p).unwrap_or_default())
            .collect();
        // Never offer our own virtual input: it would loop back into itself.
        let candidates: Vec<String> = names
            .iter()
            .map(|n| if is_own(n) { String::new() } else { n.clone() })
            .collect();
        let Some(i) = ports::find(&candidates, wanted).filter(|_| !wanted.is_empty()) else {
            let list: Vec<String> = names.into_iter().filter(|n| !is_own(n)).collect();
            return Err(MidiError::NoSuchPort {
                kind: "input",
                wanted: wanted.to_string(),
                list: ports::list_text(&list),
            });
        };
        let name = names[i].clone();
        if self.open.iter().any(|(n, _)| *n == name) {
            return Ok(name);
        }
        let state = self.state(&name);
        let made = crate::device::quietly(|| {
            client.connect(
                &ports_now[i],
                VIRTUAL_PORT,
                |_, bytes, st: &mut PortState| on_bytes(bytes, st),
                state,
            )
        });
        self.keep(name, made)
    }

    /// Keep a connection just made (or say why it could not be made).
    fn keep<E: std::fmt::Display>(
        &mut self,
        name: String,
        made: Result<midir::MidiInputConnection<PortState>, E>,
    ) -> Result<String, MidiError> {
        let conn = made.map_err(|e| MidiError::Open {
            kind: "input",
            name: name.clone(),
            reason: e.to_string(),
        })?;
        self.open.push((name.clone(), conn));
        Ok(name)
    }

    /// Offer Tactus's own virtual input ([`VIRTUAL_PORT`]) that other
    /// programs connect to; returns its name.
    ///
    /// # Errors
    /// [`MidiError::Unavailable`] with no MIDI system, [`MidiError::Open`]
    /// when the port cannot be created (or on Windows, which has none).
    pub fn open_virtual(&mut self) -> Result<String, MidiError> {
        let client = ports::input_client(CLIENT)?;
        let name = format!("{CLIENT}:{VIRTUAL_PORT}");
        #[cfg(unix)]
        {
            use midir::os::unix::VirtualInput;
            let state = self.state(VIRTUAL_PORT);
            let made = crate::device::quietly(|| {
                client.create_virtual(
                    VIRTUAL_PORT,
                    |_, bytes, st: &mut PortState| on_bytes(bytes, st),
                    state,
                )
            });
            self.keep(name, made)
        }
        #[cfg(not(unix))]
        {
            drop(client);
            Err(MidiError::Open {
                kind: "input",
                name,
                reason: "this system has no virtual MIDI ports".into(),
            })
        }
    }
}

/// True for Tactus's own ports (its virtual input and its connections).
fn is_own(name: &str) -> bool {
    name.contains(VIRTUAL_PORT)
}

/// The input port names now, other than Tactus's own.
///
/// # Errors
/// [`MidiError::Unavailable`] with no MIDI system.
pub fn list() -> Result<Vec<String>, MidiError> {
    Ok(ports::list()?
        .inputs
        .into_iter()
        .filter(|n| !is_own(n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_stamps_parses_and_counts_what_does_not_fit() {
        let (tx, rx) = crossbeam_channel::bounded(2);
        let mut st = PortState {
            name: Arc::from("kbd"),
            parser: Parser::default(),
            events: tx,
            dropped: Arc::new(AtomicU64::new(0)),
        };
        // Running status: three note-ons from one status byte, plus stray bytes.
        on_bytes(&[0x05, 0x90, 60, 100, 62, 100, 64, 100], &mut st);
        assert_eq!(rx.len(), 2);
        assert_eq!(st.dropped.load(Ordering::Relaxed), 1);
        let ev = rx.recv().unwrap();
        assert_eq!(&*ev.port, "kbd");
        assert!(matches!(
            ev.msg,
            crate::midi::MidiMsg::NoteOn {
                ch: 0,
                key: 60,
                vel: 100
            }
        ));
    }
}
