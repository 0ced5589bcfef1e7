#!/bin/sh
# The tests that take `wall_clock_lock()` (tests/common.rs), one per line as
# libtest names them (module::function). `make test` runs every other test
# first, in parallel, then these one at a time with nothing beside them: a
# render on the other core delays the JACK dummy server, Link's clock reading
# and the REPL's keystrokes, which these tests time to the millisecond.
cd "$(dirname "$0")" || exit 1
awk '
FNR == 1 { module = FILENAME; sub(/\.rs$/, "", module); pending = 0; test = "" }
/^#\[test\]/ { pending = 1; next }
/^(pub )?fn [a-z0-9_]+/ {
    name = $0; sub(/^(pub )?fn /, "", name); sub(/[^a-z0-9_].*$/, "", name)
    test = pending ? name : ""; pending = 0; next
}
/wall_clock_lock\(\)/ && test != "" { print module "::" test; test = "" }
' *.rs
