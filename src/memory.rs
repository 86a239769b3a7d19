//! The allocator: jemalloc, and telling it to hand freed memory back.
//!
//! Seeding a large store and building its search index allocate and free a lot at once.
//! glibc's malloc was slow at it (100,000 items seeded in 87 s rather than 64 s) and kept what
//! was freed (600 MiB held at 100,000 items, 240 MiB in use); mimalloc was faster still but
//! held 86 MiB at ready on the seed. jemalloc hands memory back within seconds while it is
//! allocating (its decay; an idle server keeps what it freed), and at once when asked, which
//! the server does after start-up and after a seed reload.
//!
//! Operators tune it with `_RJEM_MALLOC_CONF` (e.g. `narenas:2,background_thread:true`).

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Returns freed memory to the system now: after start-up and after a seed reload, the
/// moments that free a lot at once.
pub fn release_free_memory() {
    #[cfg(not(target_env = "msvc"))]
    {
        // `arena.<MALLCTL_ARENAS_ALL>.purge`: every arena's unused dirty pages.
        const PURGE_ALL: &[u8] = b"arena.4096.purge\0";
        // SAFETY: a write-only control that takes no value: every pointer is null, and the name
        // is a NUL-terminated string. A failure (another allocator build) changes nothing.
        let _ = unsafe {
            tikv_jemalloc_sys::mallctl(
                PURGE_ALL.as_ptr().cast(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            )
        };
    }
}
