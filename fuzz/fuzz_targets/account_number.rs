//! Fuzz target `account_number`: see `ratepayer_fuzz::account_number` in `fuzz/checks.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ratepayer_fuzz::account_number(data);
});
