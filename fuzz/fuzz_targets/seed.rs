//! One seed file of arbitrary bytes among the repository's other seed files.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let seed_dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../seed"));
    scs_series::fuzzing::seed_file(seed_dir, data);
});
