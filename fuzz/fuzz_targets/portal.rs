//! Fuzz target `portal`: see `ratepayer_fuzz::portal` in `fuzz/checks.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ratepayer_fuzz::portal(data);
});
