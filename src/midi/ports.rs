//! MIDI ports through midir: listing inputs and outputs with the backend
//! they come from, finding a port by part of its name, and saying in one
//! line why there is no MIDI at all.
//!
//! The backend is chosen when Tactus is built: the ALSA sequencer on Linux
//! (CoreMIDI on macOS, WinMM on Windows), or JACK MIDI with the `midi-jack`
//! feature (what the tests use: these machines have no /dev/snd/seq).

use midir::{MidiInput, MidiOutput};

/// The MIDI backend this build uses.
pub const BACKEND: &str = if cfg!(feature = "midi-jack") {
    "JACK"
} else if cfg!(target_os = "linux") {
    "ALSA sequencer"
} else if cfg!(target_os = "macos") {
    "CoreMIDI"
} else {
    "WinMM"
};

/// The client name Tactus uses, and the prefix of its own virtual ports.
pub const CLIENT: &str = "Tactus";

/// The MIDI ports present now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortList {
    /// Input port names.
    pub inputs: Vec<String>,
    /// Output port names.
    pub outputs: Vec<String>,
}

/// Why MIDI cannot be used, or which port was not found.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MidiError {
    /// No MIDI system at all.
    #[error("no MIDI: {0}")]
    Unavailable(String),
    /// No port name contains the text.
    #[error("no MIDI {kind} matches \"{wanted}\"; {kind}s: {list}")]
    NoSuchPort {
        /// "input" or "output".
        kind: &'static str,
        /// What was asked for.
        wanted: String,
        /// The ports there are.
        list: String,
    },
    /// The port exists but could not be opened.
    #[error("cannot open MIDI {kind} \"{name}\": {reason}")]
    Open {
        /// "input" or "output".
        kind: &'static str,
        /// The port.
        name: String,
        /// What the backend said.
        reason: String,
    },
}

/// Why there is no MIDI system, in words a musician can act on.
pub fn unavailable_reason() -> String {
    if cfg!(feature = "midi-jack") {
        "no JACK server is running (start one, e.g. with qjackctl or `jackd -d alsa`)".into()
    } else if cfg!(target_os = "linux") && !std::path::Path::new("/dev/snd/seq").exists() {
        "there is no ALSA sequencer (/dev/snd/seq is missing: load the snd-seq module)".into()
    } else {
        "the MIDI system could not be initialised".into()
    }
}

/// A midir input client, or why there is none.
///
/// # Errors
/// [`MidiError::Unavailable`] with [`unavailable_reason`].
pub fn input_client(name: &str) -> Result<MidiInput, MidiError> {
    let mut input = crate::device::quietly(|| MidiInput::new(name))
        .map_err(|_| MidiError::Unavailable(unavailable_reason()))?;
    input.ignore(midir::Ignore::None);
    Ok(input)
}

/// A midir output client, or why there is none.
///
/// # Errors
/// [`MidiError::Unavailable`] with [`unavailable_reason`].
pub fn output_client(name: &str) -> Result<MidiOutput, MidiError> {
    crate::device::quietly(|| MidiOutput::new(name))
        .map_err(|_| MidiError::Unavailable(unavailable_reason()))
}

/// Every MIDI input and output port.
///
/// # Errors
/// [`MidiError::Unavailable`] when there is no MIDI system.
pub fn list() -> Result<PortList, MidiError> {
    let input = input_client(&format!("{CLIENT} list"))?;
    let output = output_client(&format!("{CLIENT} list"))?;
    let inputs = input
        .ports()
        .iter()
        .filter_map(|p| input.port_name(p).ok())
        .collect();
    let outputs = output
        .ports()
        .iter()
        .filter_map(|p| output.port_name(p).ok())
        .collect();
    Ok(PortList { inputs, outputs })
}

/// The index of the first name containing `wanted` (case-insensitive).
pub fn find(names: &[String], wanted: &str) -> Option<usize> {
    let w = wanted.to_lowercase();
    names.iter().position(|n| n.to_lowercase().contains(&w))
}

/// The names as a list for a message ("none" when empty).
pub fn list_text(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_matches_part_of_a_name_ignoring_case() {
        let names = vec!["Midi Through:0".to_string(), "OP-XY MIDI 1".to_string()];
        assert_eq!(find(&names, "op-xy"), Some(1));
        assert_eq!(find(&names, "through"), Some(0));
        assert_eq!(find(&names, "Keystep"), None);
    }
}
