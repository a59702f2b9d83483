//! Any bytes as a bundle zip: reading and planning must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mkimport::fuzzing::read_zip_bytes(data);
});
