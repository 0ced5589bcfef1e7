//! The script's memory ceilings: string, array and map sizes (Rhai's
//! limits), how deep arrays and maps may nest, and the stack the script
//! runs on. Nested data is walked recursively by Rhai (size checks, clone,
//! drop, printing): the depth limit and the large stack together make a
//! stack overflow impossible, whatever a script builds.

use rhai::{Array, Dynamic, Engine, EvalAltResult, Map};

/// Longest string a script may build: 16 MiB.
pub const MAX_STRING_BYTES: usize = 16 << 20;
/// Most array items (nested arrays counted in, a blob's bytes too): 2^24,
/// the largest table's points.
pub const MAX_ARRAY_ITEMS: usize = 1 << 24;
/// Most object-map entries (nested maps counted in): 2^20.
pub const MAX_MAP_ITEMS: usize = 1 << 20;
/// Deepest nesting of arrays and maps within each other.
pub const MAX_DATA_DEPTH: usize = 256;
/// The stack of every thread that runs scripts (live, render, check): 256
/// MiB of address space, of which only the pages touched are used.
pub const SCRIPT_STACK_BYTES: usize = 256 << 20;

/// Containers longer than this are not looked into by the depth check (a
/// long flat array costs nothing to read); nesting through them needs so
/// many items per level that [`MAX_ARRAY_ITEMS`] bounds the depth to
/// 2^24 / 1024 = 16384 levels.
const WIDE_ITEMS: usize = 1024;
/// Most items one depth check looks at (a variable read stays cheap);
/// nesting hidden behind more than this many items needs at least 64 items
/// per level, so [`MAX_ARRAY_ITEMS`] bounds it to 2^24 / 64 levels, which
/// the script stack holds.
const WALK_ITEMS: usize = MAX_DATA_DEPTH * 64;

/// Set the size limits and the nesting check on `engine`.
pub fn apply(engine: &mut Engine) {
    engine.set_max_string_size(MAX_STRING_BYTES);
    engine.set_max_array_size(MAX_ARRAY_ITEMS);
    engine.set_max_map_size(MAX_MAP_ITEMS);
    #[allow(deprecated)] // "volatile", not deprecated
    engine.on_var(|name, _, ctx| match ctx.scope().get(name) {
        Some(v) if too_deep(v) => Err(depth_error(name).into()),
        _ => Ok(None),
    });
}

/// The message for a variable nested past [`MAX_DATA_DEPTH`].
fn depth_error(name: &str) -> String {
    format!(
        "'{name}' holds arrays or maps nested more than {MAX_DATA_DEPTH} deep, the limit; nothing was changed and the music goes on"
    )
}

fn is_container(v: &Dynamic) -> bool {
    v.is_array() || v.is_map()
}

/// True when `v` nests arrays and maps more than [`MAX_DATA_DEPTH`] deep
/// (looking at up to [`WALK_ITEMS`] items; the walk itself recurses at most
/// that deep).
pub fn too_deep(v: &Dynamic) -> bool {
    is_container(v) && deeper_than(v, 1, &mut WALK_ITEMS.clone())
}

fn deeper_than(v: &Dynamic, depth: usize, budget: &mut usize) -> bool {
    if depth > MAX_DATA_DEPTH {
        return true;
    }
    if let Some(a) = v.read_lock::<Array>() {
        return a.len() <= WIDE_ITEMS && any_deeper(a.iter(), depth, budget);
    }
    if let Some(m) = v.read_lock::<Map>() {
        return m.len() <= WIDE_ITEMS && any_deeper(m.values(), depth, budget);
    }
    false
}

fn any_deeper<'a>(
    items: impl Iterator<Item = &'a Dynamic>,
    depth: usize,
    budget: &mut usize,
) -> bool {
    for x in items {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        if is_container(x) && deeper_than(x, depth + 1, budget) {
            return true;
        }
    }
    false
}

/// One line for Rhai's size errors, naming the limit.
pub fn describe(err: &EvalAltResult) -> Option<String> {
    let EvalAltResult::ErrorDataTooLarge(what, _) = err else {
        return None;
    };
    let limit = if what.starts_with("Length of string") {
        format!("a string longer than {} MiB", MAX_STRING_BYTES >> 20)
    } else if what.contains("array") {
        format!("more than {MAX_ARRAY_ITEMS} array items (nested arrays and blob bytes counted)")
    } else {
        format!("more than {MAX_MAP_ITEMS} map entries (nested maps counted)")
    };
    Some(format!(
        "{limit}: that is beyond the limit and was stopped; nothing was changed and the music goes on"
    ))
}
