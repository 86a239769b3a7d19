//! Telling glibc's allocator to keep less memory. Building a large store and its search index
//! frees most of what it allocates, but glibc keeps freed memory in up to eight arenas per core
//! and rarely hands it back: at 100,000 items the server held 600 MiB with 240 MiB in use.
//! Elsewhere (musl, macOS) these do nothing.

/// Caps the allocator at two arenas, unless the operator set `MALLOC_ARENA_MAX` (or glibc's
/// tunables) themselves. Call before any thread starts.
pub fn limit_arenas() {
    let chosen =
        std::env::var_os("MALLOC_ARENA_MAX").is_some() || std::env::var_os("GLIBC_TUNABLES").is_some();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !chosen {
        // SAFETY: mallopt only sets an allocator parameter; M_ARENA_MAX is a valid one.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = chosen;
}

/// Returns freed memory to the system: after start-up and after a seed reload, the moments
/// that free a lot at once.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages of the allocator's own heaps.
    unsafe {
        libc::malloc_trim(0);
    }
}
