//! Any bytes as program.json: parsing must never panic, and a parsed
//! program must plan without panicking against an empty target.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mkimport::fuzzing::plan_program_bytes;

fuzz_target!(|data: &[u8]| {
    plan_program_bytes(data);
});
