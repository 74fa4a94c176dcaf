// swift-tools-version:5.9
// The CaseKit Swift package: the generated Swift API (Sources/CaseKit/CaseKit.swift) over
// the Rust library packaged as an XCFramework (build/CaseKitFFI.xcframework).
// Neither is committed: run bindings-swift/scripts/build-xcframework.sh on a Mac first
// (see bindings-swift/README.md).
import PackageDescription

let package = Package(
    name: "CaseKit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "CaseKit", targets: ["CaseKit"]),
    ],
    targets: [
        // The static library for every Apple platform slice, with the C header and
        // module map of the `CaseKitFFI` module.
        .binaryTarget(name: "CaseKitFFI", path: "build/CaseKitFFI.xcframework"),
        // The generated bindings: `import CaseKit`.
        .target(name: "CaseKit", dependencies: ["CaseKitFFI"], path: "Sources/CaseKit"),
    ]
)
