// swift-tools-version:5.9
// The Swift package of ratepayer. Its sources are generated from the built
// Rust library by uniffi-bindgen and are not committed: run ./generate first
// (see README.md), then `swift test`.
import Foundation
import PackageDescription

// The Rust cdylib built by ./generate (cargo build -p ratepayer-ffi): in
// $CARGO_TARGET_DIR/debug when that is set, as for cargo, else target/debug.
let targetDir = ProcessInfo.processInfo.environment["CARGO_TARGET_DIR"]
    .map { URL(fileURLWithPath: $0) }
    ?? URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("../../target")
let libDir = targetDir
    .appendingPathComponent("debug")
    .standardizedFileURL.path

let package = Package(
    name: "Ratepayer",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Ratepayer", targets: ["Ratepayer"]),
    ],
    targets: [
        // C header and module map of the Rust library's FFI (generated).
        .systemLibrary(name: "RatepayerFFI", path: "Sources/RatepayerFFI"),
        // The Swift API (generated Ratepayer.swift).
        .target(
            name: "Ratepayer",
            dependencies: ["RatepayerFFI"],
            path: "Sources/Ratepayer",
            linkerSettings: [
                .linkedLibrary("ratepayer_ffi"),
                .unsafeFlags(["-L", libDir, "-Xlinker", "-rpath", "-Xlinker", libDir]),
            ]
        ),
        .testTarget(
            name: "RatepayerTests",
            dependencies: ["Ratepayer"],
            path: "Tests/RatepayerTests",
            resources: [.copy("bills.json")]
        ),
    ]
)
