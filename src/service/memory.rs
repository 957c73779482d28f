//! Giving freed memory back to the operating system after the core drops a lot at once (the
//! journal, the events). glibc's allocator keeps freed pages for reuse, so without this a
//! server stays at its peak size after `DELETE /_mock/requests`; `malloc_trim` releases them.
//! Elsewhere (other allocators, other systems) this does nothing.

/// Releases the allocator's free pages to the operating system, where it can.
pub(super) fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only walks the allocator's own free lists; 0 keeps no padding.
    unsafe {
        libc::malloc_trim(0);
    }
}
