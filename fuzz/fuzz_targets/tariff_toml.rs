//! Fuzz target `tariff_toml`: see `ratepayer_fuzz::tariff_toml` in `fuzz/checks.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ratepayer_fuzz::tariff_toml(data);
});
