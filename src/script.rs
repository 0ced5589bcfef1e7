//! The Rhai embedding: one engine with the Tactus bindings, the state they
//! share, `help()` text, table plots and diagnostics.

pub mod api;
pub mod cost;
pub mod diag;
pub mod guard;
pub mod help;
pub mod host;
pub mod lex;
pub mod limits;
pub mod pace;
pub mod plot;
pub mod runner;
pub mod state;

pub use diag::ScriptError;
pub use host::ScriptHost;
