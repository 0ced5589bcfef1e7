//! What a foreign score means: `pmap(ch, #{ ... })` (a channel's p-field
//! map) and `instr(n_or_name, ch)` (an instrument's channel). The maps
//! themselves live in `session/pmap.rs`.

use super::args::{self, err, Res};
use crate::script::state::Shared;
use crate::session::pmap::{field_index, pitch_as, PMap, PMAP_KEYS};
use rhai::{Dynamic, Engine, Map};

/// Register the bindings of this area.
pub fn register(engine: &mut Engine, st: &Shared) {
    let s = st.clone();
    engine.register_fn("pmap", move |ch: Dynamic, map: Map| -> Res<()> {
        let channel = args::channel(&ch, "pmap")?;
        let m = read_map(&map)?;
        s.borrow_mut().session.pmaps.insert(channel, m);
        Ok(())
    });
    let s = st.clone();
    engine.register_fn("instr", move |which: Dynamic, ch: Dynamic| -> Res<()> {
        let channel = args::channel(&ch, "instr")?;
        let key = if which.is_string() {
            which.into_string().unwrap_or_default()
        } else {
            let n = args::num(&which, "instr", "instrument")?;
            format!("{}", n.trunc() as i64)
        };
        s.borrow_mut().session.instrs.insert(key, channel);
        Ok(())
    });
}

/// A p-field map from `#{ amp: "p4", amp_scale: 32768, pitch: "p5", ... }`.
fn read_map(map: &Map) -> Res<PMap> {
    let mut m = PMap::default();
    for (key, value) in map {
        let text = || value.clone().into_string().unwrap_or_default();
        let field = || field_index(&text()).or_else(|e| err(format!("pmap(): {key}: {e}")));
        match key.as_str() {
            "amp" => m.amp = Some(field()?),
            "pitch" => m.pitch = Some(field()?),
            "table" => m.table = Some(field()?),
            "pan" => m.pan = Some(field()?),
            "amp_scale" => {
                m.amp_scale = args::num_in(value, "pmap", "amp_scale", 1e-9, 1e12)?;
            }
            "pitch_as" => {
                m.pitch_as = pitch_as(&text()).or_else(|e| err(format!("pmap(): {e}")))?;
            }
            other => {
                return err(format!(
                    "pmap(): unknown key \"{other}\": use {}",
                    PMAP_KEYS.join(", ")
                ))
            }
        }
    }
    Ok(m)
}
