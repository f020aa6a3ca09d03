//! A tiny deterministic generator for randomised tests, so they need no extra crate and
//! every run sees the same inputs.

/// Xorshift64 from `seed` (non-zero): each call returns the next state.
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
