//! Criterion micro-benchmarks of Tactus's hot kernels live in `benches/`;
//! run them with `cargo bench -p tactus-kernels`.
