//! Fuzz target: see checks.rs for the invariant.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::har(data));
