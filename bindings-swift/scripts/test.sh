#!/usr/bin/env bash
# Builds and tests the Swift and Kotlin binding (crate casekit-ffi), end to end:
#   1. tools, installed when missing: JNA (Debian's libjna-java), the Kotlin compiler
#      (npm package kotlin-compiler, into a cache directory); a JDK 17+ must be present;
#   2. the library (workspace release profile) and uniffi-bindgen (dev profile: it only
#      generates code, and a release build of it takes minutes);
#   3. Kotlin and Swift sources generated from the library ("library mode") into
#      $TARGET/casekit-ffi/generated/{kotlin,swift} — generated, never committed;
#   4. the Kotlin scenario runner (bindings-swift/kotlin), compiled with kotlinc against
#      JNA and run on the JVM: every tests/scenarios/*.json through the generated Kotlin
#      API, on an in-memory store and on a SQLite file, plus API checks; it prints
#      "N passed, N failed" and fails on any difference;
#   5. the Kotlin quickstart (examples/kotlin/Quickstart.kt), compiled and run;
#   6. Swift: the scenario runner and the quickstart are compiled and run wherever
#      `swiftc` exists; elsewhere the step says so and is skipped.
# Idempotent: run it as often as you like. CARGO_TARGET_DIR is honoured if set;
# CASEKIT_TOOLS_DIR (default ~/.cache/casekit-tools) holds the Kotlin compiler.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"
OUT="$TARGET/casekit-ffi"
GEN="$OUT/generated"
TOOLS="${CASEKIT_TOOLS_DIR:-$HOME/.cache/casekit-tools}"
KOTLIN_VERSION="2.4.20"

step() { printf '\n== %s\n' "$*"; }

step "tools"
command -v java >/dev/null || { echo "java not found: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
JNA_JAR=/usr/share/java/jna.jar
if [ ! -f "$JNA_JAR" ]; then
    if ! apt-get install -y -q libjna-java >/dev/null 2>&1; then
        apt-get update -q >/dev/null
        apt-get install -y -q libjna-java >/dev/null
    fi
fi
KOTLIN_HOME="$TOOLS/kotlin-$KOTLIN_VERSION/node_modules/kotlin-compiler"
if [ ! -x "$KOTLIN_HOME/bin/kotlinc-jvm" ]; then
    mkdir -p "$TOOLS/kotlin-$KOTLIN_VERSION"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS/kotlin-$KOTLIN_VERSION" "kotlin-compiler@$KOTLIN_VERSION"
fi
KOTLINC="$KOTLIN_HOME/bin/kotlinc-jvm"
KOTLIN_STDLIB="$KOTLIN_HOME/lib/kotlin-stdlib.jar"
# Debian's JNA loads its native part (libjnidispatch.system.so) from the JNI directory.
JNI_DIR="/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/jni"
echo "java: $(java -version 2>&1 | head -1); JNA: $(readlink -f "$JNA_JAR"); kotlinc: $KOTLIN_VERSION"

step "cargo build --release -p casekit-ffi"
cargo build --release -p casekit-ffi --manifest-path "$ROOT/Cargo.toml"
case "$(uname -s)" in
    Darwin) LIB="$TARGET/release/libcasekit_ffi.dylib" ;;
    *) LIB="$TARGET/release/libcasekit_ffi.so" ;;
esac
ls -l "$LIB"

step "cargo build -p uniffi-bindgen (dev profile)"
cargo build -p uniffi-bindgen --manifest-path "$ROOT/Cargo.toml"
BINDGEN="$TARGET/debug/uniffi-bindgen"

step "generate Kotlin and Swift (library mode)"
rm -rf "$GEN"
# uniffi-bindgen finds bindings-swift/uniffi.toml through cargo metadata, from the workspace.
(cd "$ROOT" && "$BINDGEN" generate --library "$LIB" --language kotlin --out-dir "$GEN/kotlin" --no-format)
(cd "$ROOT" && "$BINDGEN" generate --library "$LIB" --language swift --out-dir "$GEN/swift" --no-format)
find "$GEN" -type f | sort

step "kotlinc: bindings, scenario runner, quickstart"
BUILD="$OUT/kotlin-build"
mkdir -p "$BUILD"
JAR="$BUILD/casekit-kotlin.jar"
SOURCES=("$GEN/kotlin/casekit/casekit.kt" "$HERE"/kotlin/*.kt "$ROOT/examples/kotlin/Quickstart.kt")
STAMP="$(cat "${SOURCES[@]}" | sha256sum | cut -d' ' -f1)"
if [ -f "$JAR" ] && [ "$(cat "$BUILD/stamp" 2>/dev/null)" = "$STAMP" ]; then
    echo "up to date: $JAR"
else
    rm -f "$JAR" "$BUILD/stamp"
    "$KOTLINC" -nowarn -jvm-target 17 -cp "$JNA_JAR" -d "$JAR" "${SOURCES[@]}"
    echo "$STAMP" > "$BUILD/stamp"
fi
CP="$JAR:$JNA_JAR:$KOTLIN_STDLIB"
# Rust prints a caught panic (the API checks cause one on purpose); keep it to one line.
export RUST_BACKTRACE=0
JAVA_OPTS=(-Djna.library.path="$(dirname "$LIB")" -Djna.boot.library.path="$JNI_DIR" -Djava.library.path="$JNI_DIR")

step "Kotlin quickstart"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
java "${JAVA_OPTS[@]}" -cp "$CP" QuickstartKt "$SCRATCH/quickstart.db"

step "Swift"
if command -v swiftc >/dev/null; then
    SWIFT_BUILD="$OUT/swift-build"
    mkdir -p "$SWIFT_BUILD"
    SWIFT_FLAGS=(-I "$GEN/swift" -Xcc -fmodule-map-file="$GEN/swift/CaseKitFFI.modulemap" -L "$(dirname "$LIB")" -lcasekit_ffi)
    # -parse-as-library: both programs start at an @main type, beside the generated file.
    swiftc -O -parse-as-library -module-name CaseKitRunner "${SWIFT_FLAGS[@]}" "$GEN/swift/CaseKit.swift" \
        "$HERE/swift/Runner/ScenarioRunner.swift" -o "$SWIFT_BUILD/scenario-runner"
    swiftc -O -parse-as-library -module-name Quickstart "${SWIFT_FLAGS[@]}" "$GEN/swift/CaseKit.swift" \
        "$ROOT/examples/swift/Quickstart.swift" -o "$SWIFT_BUILD/quickstart"
    export LD_LIBRARY_PATH="$(dirname "$LIB")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export DYLD_LIBRARY_PATH="$(dirname "$LIB")${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}"
    "$SWIFT_BUILD/quickstart" "$SCRATCH/swift-quickstart.db"
    "$SWIFT_BUILD/scenario-runner" "$ROOT/tests/scenarios" "$SCRATCH"
else
    echo "swiftc not found: Swift sources generated at $GEN/swift, compile step skipped"
fi

step "Kotlin scenario runner"
java "${JAVA_OPTS[@]}" -cp "$CP" casekit.conformance.ScenarioRunnerKt "$ROOT/tests/scenarios" "$SCRATCH"
