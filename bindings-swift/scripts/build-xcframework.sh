#!/usr/bin/env bash
# Builds the CaseKit Swift package's binary part on macOS (Xcode and rustup needed):
#   1. the Rust library in the `mobile` profile (opt-level "z", fat LTO, one codegen
#      unit) as a static library for iOS devices, the iOS simulator (arm64 + x86_64) and
#      macOS (arm64 + x86_64);
#   2. the Swift bindings, generated from the library (uniffi library mode), into
#      bindings-swift/swift/Sources/CaseKit/CaseKit.swift;
#   3. bindings-swift/swift/build/CaseKitFFI.xcframework (static libraries + the C header
#      and module map of the CaseKitFFI module).
# Then add bindings-swift/swift as a local Swift package in Xcode (File > Add Package
# Dependencies... > Add Local...) and `import CaseKit`.
#
# Options (environment): CASEKIT_IOS_ONLY=1 skips the macOS slices.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"
PROFILE=mobile
OUT="$HERE/swift/build"
GEN="$TARGET/casekit-ffi/xcframework-gen"

if [ "$(uname -s)" != "Darwin" ]; then
    echo "build-xcframework.sh needs macOS with Xcode (xcodebuild, lipo)." >&2
    exit 1
fi

IOS=aarch64-apple-ios
SIMS=(aarch64-apple-ios-sim x86_64-apple-ios)
MACS=(aarch64-apple-darwin x86_64-apple-darwin)
TARGETS=("$IOS" "${SIMS[@]}")
[ "${CASEKIT_IOS_ONLY:-}" = "1" ] || TARGETS+=("${MACS[@]}")

rustup target add "${TARGETS[@]}"
# The oldest OS versions the package supports (Package.swift says the same).
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0

for t in "${TARGETS[@]}"; do
    echo "== cargo build --profile $PROFILE --target $t"
    cargo build --manifest-path "$ROOT/Cargo.toml" -p casekit-ffi --profile "$PROFILE" --target "$t"
done
lib() { echo "$TARGET/$1/$PROFILE/libcasekit_ffi.a"; }

echo "== generate Swift (library mode)"
cargo build --manifest-path "$ROOT/Cargo.toml" -p uniffi-bindgen
rm -rf "$GEN"
# Library mode reads the metadata from any slice's static library; the host's is nearest.
(cd "$ROOT" && "$TARGET/debug/uniffi-bindgen" generate --library "$(lib "$IOS")" --language swift --out-dir "$GEN")
mkdir -p "$HERE/swift/Sources/CaseKit" "$GEN/headers"
cp "$GEN/CaseKit.swift" "$HERE/swift/Sources/CaseKit/CaseKit.swift"
cp "$GEN/CaseKitFFI.h" "$GEN/headers/"
# Inside an XCFramework the module map must be called module.modulemap.
cp "$GEN/CaseKitFFI.modulemap" "$GEN/headers/module.modulemap"

echo "== lipo the simulator and macOS slices"
mkdir -p "$GEN/ios-sim" "$GEN/macos"
lipo -create "$(lib "${SIMS[0]}")" "$(lib "${SIMS[1]}")" -output "$GEN/ios-sim/libcasekit_ffi.a"
ARGS=(-library "$(lib "$IOS")" -headers "$GEN/headers" -library "$GEN/ios-sim/libcasekit_ffi.a" -headers "$GEN/headers")
if [ "${CASEKIT_IOS_ONLY:-}" != "1" ]; then
    lipo -create "$(lib "${MACS[0]}")" "$(lib "${MACS[1]}")" -output "$GEN/macos/libcasekit_ffi.a"
    ARGS+=(-library "$GEN/macos/libcasekit_ffi.a" -headers "$GEN/headers")
fi

echo "== xcodebuild -create-xcframework"
rm -rf "$OUT/CaseKitFFI.xcframework"
mkdir -p "$OUT"
xcodebuild -create-xcframework "${ARGS[@]}" -output "$OUT/CaseKitFFI.xcframework"
ls -l "$(lib "$IOS")"
echo "done: $OUT/CaseKitFFI.xcframework and swift/Sources/CaseKit/CaseKit.swift"
echo "check: (cd $HERE/swift && swift build)"
