//! Fuzz target `urdb`: see `ratepayer_fuzz::urdb` in `fuzz/checks.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ratepayer_fuzz::urdb(data);
});
