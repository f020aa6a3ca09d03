//! Placeholder, replaced by the text benchmarks.
fn main() {}
