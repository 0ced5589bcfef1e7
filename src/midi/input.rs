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
use std::time::{Duration, Instant};

/// Capacity of the channel from the input callbacks to the script thread.
/// At the 5 ms script tick this is far more than any keyboard can send
/// (a full MIDI 1.0 cable carries about 5 messages per millisecond).
pub const EVENT_CAPACITY: usize = 4096;

/// The name of Tactus's own virtual input port.
pub const VIRTUAL_PORT: &str = "Tactus in";

/// How often the opened ports are checked for having disappeared (a
/// keyboard unplugged, a program quit) or come back.
pub const PORT_CHECK: Duration = Duration::from_millis(300);

/// A change [`Inputs::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortChange {
    /// The port disappeared: its connection is closed until it returns.
    Gone(String),
    /// The port is there again and connected.
    Back(String),
}

impl std::fmt::Display for PortChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortChange::Gone(n) => write!(
                f,
                "MIDI input \"{n}\" disappeared; its held notes end and the session plays on (it reconnects when the port returns)"
            ),
            PortChange::Back(n) => write!(f, "MIDI input \"{n}\" is back"),
        }
    }
}

/// One input the session opened: its connection (None while the port is
/// missing).
struct Opened {
    name: String,
    conn: Option<MidiInputConnection<PortState>>,
    is_virtual: bool,
}

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
    open: Vec<Opened>,
    opened_count: usize,
    lister: Option<midir::MidiInput>,
    last_check: Instant,
}

impl Inputs {
    /// No port open yet; events will go to `events`.
    pub fn new(events: Sender<MidiEvent>) -> Inputs {
        Inputs {
            events,
            dropped: Arc::new(AtomicU64::new(0)),
            open: Vec::new(),
            opened_count: 0,
            lister: None,
            last_check: Instant::now(),
        }
    }

    /// Messages dropped because the script thread's channel was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Names of the ports open now (the virtual input included; not those
    /// that disappeared).
    pub fn open_names(&self) -> Vec<String> {
        self.open
            .iter()
            .filter(|o| o.conn.is_some())
            .map(|o| o.name.clone())
            .collect()
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

    /// The full name of the first input whose name contains `wanted`
    /// (ignoring case), without opening it.
    ///
    /// # Errors
    /// As [`Inputs::open`], but never [`MidiError::Open`].
    pub fn resolve(wanted: &str) -> Result<String, MidiError> {
        let names = list()?;
        match ports::find(&names, wanted).filter(|_| !wanted.is_empty()) {
            Some(i) => Ok(names[i].clone()),
            None => Err(MidiError::NoSuchPort {
                kind: "input",
                wanted: wanted.to_string(),
                list: ports::list_text(&names),
            }),
        }
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
        if let Some(k) = self.open.iter().position(|o| o.name == name) {
            if self.open[k].conn.is_none() {
                self.open[k].conn = Some(self.connect(client, &ports_now[i], &name)?);
            }
            return Ok(name);
        }
        let conn = self.connect(client, &ports_now[i], &name)?;
        self.open.push(Opened {
            name: name.clone(),
            conn: Some(conn),
            is_virtual: false,
        });
        Ok(name)
    }

    /// Connect `client` to `port` (called `name`).
    fn connect(
        &self,
        client: midir::MidiInput,
        port: &midir::MidiInputPort,
        name: &str,
    ) -> Result<MidiInputConnection<PortState>, MidiError> {
        let state = self.state(name);
        crate::device::quietly(|| {
            client.connect(
                port,
                VIRTUAL_PORT,
                |_, bytes, st: &mut PortState| on_bytes(bytes, st),
                state,
            )
        })
        .map_err(|e| open_error(name, e))
    }

    /// Every [`PORT_CHECK`]: the opened ports that disappeared (their
    /// connections are closed) and those that came back (connected again).
    /// Nothing when it is not yet time, or when MIDI cannot list ports.
    pub fn check(&mut self) -> Vec<PortChange> {
        let watched = self.open.iter().any(|o| !o.is_virtual);
        if !watched || self.last_check.elapsed() < PORT_CHECK {
            return Vec::new();
        }
        self.last_check = Instant::now();
        let Some(names) = self.present_names() else {
            return Vec::new();
        };
        let mut changes = Vec::new();
        for k in 0..self.open.len() {
            let o = &self.open[k];
            let present = names.contains(&o.name);
            if o.is_virtual || present == o.conn.is_some() {
                continue;
            }
            if !present {
                // Closing the connection also leaves the dead port's callback.
                self.open[k].conn = None;
                changes.push(PortChange::Gone(self.open[k].name.clone()));
            } else {
                let name = self.open[k].name.clone();
                if let Some(conn) = self.reconnect(&name) {
                    self.open[k].conn = Some(conn);
                    changes.push(PortChange::Back(name));
                }
            }
        }
        changes
    }

    /// The input port names there are now (None when MIDI cannot list them).
    fn present_names(&mut self) -> Option<Vec<String>> {
        if self.lister.is_none() {
            self.lister = ports::input_client(&format!("{CLIENT} in watch")).ok();
        }
        let lister = self.lister.as_ref()?;
        Some(
            lister
                .ports()
                .iter()
                .filter_map(|p| lister.port_name(p).ok())
                .collect(),
        )
    }

    /// A new connection to the port named exactly `name`, if it is there.
    fn reconnect(&mut self, name: &str) -> Option<MidiInputConnection<PortState>> {
        let client = self.client().ok()?;
        let port = client
            .ports()
            .into_iter()
            .find(|p| client.port_name(p).is_ok_and(|n| n == name))?;
        self.connect(client, &port, name).ok()
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
            let conn = crate::device::quietly(|| {
                client.create_virtual(
                    VIRTUAL_PORT,
                    |_, bytes, st: &mut PortState| on_bytes(bytes, st),
                    state,
                )
            })
            .map_err(|e| open_error(&name, e))?;
            self.open.push(Opened {
                name: name.clone(),
                conn: Some(conn),
                is_virtual: true,
            });
            Ok(name)
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

/// Why the input `name` could not be opened.
fn open_error(name: &str, e: impl std::fmt::Display) -> MidiError {
    MidiError::Open {
        kind: "input",
        name: name.to_string(),
        reason: e.to_string(),
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
