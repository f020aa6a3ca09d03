//! CPU hints shared by the hot loops (hash-table probes, sparse weight reads).

/// Asks the CPU to start loading the cache line holding `p` (a no-op off x86-64). Never
/// faults, whatever the address, so callers may pass one computed past a slice's end.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it never faults, whatever the address.
    #[allow(unused_unsafe)]
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
