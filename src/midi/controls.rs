//! Controls made of several messages: a 14-bit controller (MSB on CC n,
//! LSB on CC n + 32) and an NRPN (parameter on CC 99/98, value on data
//! entry CC 6/38), decoded per channel so a handler sees one control.

use super::MidiMsg;

/// A control decoded from several controller messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// A 14-bit controller: MSB number 0..32, value 0..16384.
    Cc14 {
        /// Channel 0..16.
        ch: u8,
        /// The MSB's controller number (0..32).
        number: u8,
        /// 14-bit value.
        value: u16,
    },
    /// A non-registered parameter number and its 14-bit value.
    Nrpn {
        /// Channel 0..16.
        ch: u8,
        /// Parameter number 0..16384.
        param: u16,
        /// 14-bit value.
        value: u16,
    },
}

/// Per-channel decoding state.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    msb: [[u8; 32]; 16],
    param: [(Option<u8>, Option<u8>); 16],
    data_msb: [u8; 16],
}

impl Decoder {
    /// Feed a message; a completed control comes back. A 14-bit controller
    /// completes on its LSB; an NRPN on its data entry LSB (CC 38).
    pub fn feed(&mut self, m: &MidiMsg) -> Option<Control> {
        let MidiMsg::Cc { ch, cc, value } = *m else {
            return None;
        };
        let c = (ch & 15) as usize;
        match cc {
            99 => self.param[c].0 = Some(value),
            98 => self.param[c].1 = Some(value),
            6 => self.data_msb[c] = value,
            38 => {
                if let (Some(hi), Some(lo)) = self.param[c] {
                    let param = (hi as u16) << 7 | lo as u16;
                    let value = (self.data_msb[c] as u16) << 7 | value as u16;
                    return Some(Control::Nrpn { ch, param, value });
                }
            }
            _ => {}
        }
        match cc {
            0..=31 if cc != 6 => self.msb[c][cc as usize] = value,
            33..=63 if cc != 38 => {
                let number = cc - 32;
                let value = (self.msb[c][number as usize] as u16) << 7 | value as u16;
                return Some(Control::Cc14 { ch, number, value });
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(ch: u8, cc: u8, value: u8) -> MidiMsg {
        MidiMsg::Cc { ch, cc, value }
    }

    #[test]
    fn msb_then_lsb_is_one_14_bit_value() {
        let mut d = Decoder::default();
        assert_eq!(d.feed(&cc(2, 1, 64)), None);
        assert_eq!(
            d.feed(&cc(2, 33, 5)),
            Some(Control::Cc14 {
                ch: 2,
                number: 1,
                value: 64 * 128 + 5
            })
        );
        assert_eq!(
            d.feed(&cc(3, 33, 5)),
            Some(Control::Cc14 {
                ch: 3,
                number: 1,
                value: 5
            })
        );
    }

    #[test]
    fn an_nrpn_completes_on_its_data_lsb() {
        let mut d = Decoder::default();
        for m in [cc(0, 99, 1), cc(0, 98, 2), cc(0, 6, 3)] {
            assert_eq!(d.feed(&m), None);
        }
        assert_eq!(
            d.feed(&cc(0, 38, 4)),
            Some(Control::Nrpn {
                ch: 0,
                param: 130,
                value: 3 * 128 + 4
            })
        );
    }
}
