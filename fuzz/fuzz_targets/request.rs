//! Arbitrary bytes as a POST body or GET query string, answered by the whole router over
//! the repository's seed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scs_series::fuzzing::RequestHarness;

static HARNESS: OnceLock<RequestHarness> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let harness = HARNESS.get_or_init(|| {
        let seed_dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../seed"));
        let data_dir = std::env::temp_dir().join(format!("scs-fuzz-request-{}", std::process::id()));
        match RequestHarness::new(&data_dir, seed_dir) {
            Ok(harness) => harness,
            Err(e) => panic!("cannot start the harness: {e:#}"),
        }
    });
    harness.request(data);
});
