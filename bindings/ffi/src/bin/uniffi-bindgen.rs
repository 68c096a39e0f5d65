//! uniffi's binding generator, built from the pinned uniffi version so the
//! generated Kotlin and Swift always match the scaffolding in the library.
//! Usage: `cargo run -p ratepayer-ffi --bin uniffi-bindgen -- generate --library <lib> --language kotlin --out-dir <dir>`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
