//! Channel effects from scripts: `channel(n, #{ lowpass: 800, reverb: 0.3 })`
//! and `ch.lowpass = 1200`. Each change goes to the audio thread as a
//! timestamped command; the bus smooths it.

use super::args::{self, Res};
use crate::command::ChannelChange;
use crate::script::state::Shared;
use rhai::Dynamic;

pub use crate::session::fx_options::{off, param, range, FX_OPTIONS};

/// Set an effect option on a channel, at the evaluation's frame.
pub fn set(st: &Shared, index: u8, key: &str, v: &rhai::Dynamic) -> Res<()> {
    let (lo, hi) = range(key);
    let x = args::num_in(v, "channel", key, lo, hi)? as f32;
    let mut st = st.borrow_mut();
    st.session.install_fx(index);
    if let Some(p) = param(key, x) {
        st.session.channel_change(index, ChannelChange::Fx(p));
    }
    st.session.fx_values.insert((index, key.to_string()), x);
    Ok(())
}

/// Turn every effect of a channel off (a preset starts from a clean bus).
pub fn reset(st: &Shared, index: u8) {
    let keys: Vec<String> = (st.borrow().session.fx_values.keys())
        .filter(|(ch, _)| *ch == index)
        .map(|(_, k)| k.clone())
        .collect();
    for k in keys {
        let _ = set(st, index, &k, &Dynamic::from_float(off(&k) as f64));
    }
}
