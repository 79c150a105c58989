// swift-tools-version: 6.1
// Benchmarks for omi-bridge, kept out of the main package so `swift build`/`swift test` never build
// package-benchmark. Run them with `make bench` (bench/run prints the ratios against the baselines).
import PackageDescription

import class Foundation.ProcessInfo
import struct Foundation.URL

// A path dependency's identity is its directory name, which depends on where the repository was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "omi-bridge-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The baseline: a plain C loop over opus_decode, linked against the same Debian libopus.
        .target(name: "CDecodeBaseline", linkerSettings: [.linkedLibrary("opus")]),
        .executableTarget(
            name: "OmiAudioBenchmarks",
            dependencies: [
                "CDecodeBaseline",
                .product(name: "OmiAudio", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/OmiAudioBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
