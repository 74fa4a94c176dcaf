#!/usr/bin/env bash
# Fills the Android library module (bindings-swift/android) with what it needs:
#   1. libcasekit_ffi.so for each ABI, built in the `mobile` profile with the Android NDK
#      through cargo-ndk, into android/src/main/jniLibs/<abi>/;
#   2. the Kotlin bindings generated from the library (uniffi library mode) into
#      android/src/main/kotlin/casekit/casekit.kt.
# Then build the module with Gradle (`./gradlew :casekit:assembleRelease` from an app that
# includes it, or `gradle assembleRelease` here) — see bindings-swift/README.md.
#
# Needs: rustup, the Android NDK (ANDROID_NDK_HOME), cargo-ndk (`cargo install cargo-ndk`).
# Options (environment): CASEKIT_ABIS="arm64-v8a x86_64" to build fewer ABIs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"
PROFILE=mobile
ABIS=(${CASEKIT_ABIS:-arm64-v8a armeabi-v7a x86_64 x86})
MODULE="$HERE/android"

command -v cargo-ndk >/dev/null || { echo "cargo-ndk not found: cargo install cargo-ndk" >&2; exit 1; }
[ -n "${ANDROID_NDK_HOME:-}" ] || { echo "set ANDROID_NDK_HOME to the Android NDK" >&2; exit 1; }

declare -A RUST_TARGET=(
    [arm64-v8a]=aarch64-linux-android
    [armeabi-v7a]=armv7-linux-androideabi
    [x86_64]=x86_64-linux-android
    [x86]=i686-linux-android
)
TARGETS=()
NDK_ARGS=()
for abi in "${ABIS[@]}"; do
    TARGETS+=("${RUST_TARGET[$abi]}")
    NDK_ARGS+=(-t "$abi")
done
rustup target add "${TARGETS[@]}"

echo "== cargo ndk ${NDK_ARGS[*]} build --profile $PROFILE"
# cargo-ndk copies each ABI's libcasekit_ffi.so into jniLibs/<abi>/ (the Gradle default).
(cd "$ROOT" && cargo ndk "${NDK_ARGS[@]}" --platform 24 -o "$MODULE/src/main/jniLibs" \
    build -p casekit-ffi --profile "$PROFILE")

echo "== generate Kotlin (library mode)"
cargo build --manifest-path "$ROOT/Cargo.toml" -p uniffi-bindgen
rm -rf "$MODULE/src/main/kotlin/casekit"
(cd "$ROOT" && "$TARGET/debug/uniffi-bindgen" generate \
    --library "$TARGET/${TARGETS[0]}/$PROFILE/libcasekit_ffi.so" --language kotlin --out-dir "$MODULE/src/main/kotlin")
find "$MODULE/src/main" -name '*.so' -o -name '*.kt' | sort | xargs ls -l
