//! `cargo run -p uniffi-bindgen -- generate --library <lib> --language kotlin --out-dir <dir>`:
//! the bindings generator, built from the same uniffi version as `casekit-ffi`, so the
//! generated Swift and Kotlin always match the library's scaffolding.

fn main() {
    uniffi::uniffi_bindgen_main()
}
