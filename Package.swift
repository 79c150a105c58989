// swift-tools-version: 6.1
// The module map follows ../shared/STYLE.md: one module per stage of the data path, dependencies pointing one way.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "omi-bridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "omi-bridge", targets: ["OmiBridgeCLI"]),
        .library(name: "OmiAudio", targets: ["OmiAudio"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C libraries from Debian, reached through pkg-config; each shim header wraps what Swift cannot import.
        .systemLibrary(
            name: "CDBus", pkgConfig: "dbus-1", providers: [.apt(["libdbus-1-dev"])]),
        .systemLibrary(
            name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(
            name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(
            name: "CPocketSphinx", pkgConfig: "pocketsphinx",
            providers: [.apt(["libpocketsphinx-dev", "pocketsphinx-en-us"])]),
        .systemLibrary(
            name: "CSampleRate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),

        .target(
            name: "OmiAudio",
            dependencies: ["COpus", "CSampleRate", "CSndFile"],
            swiftSettings: strict),
        .target(name: "DBusKit", dependencies: ["CDBus"], swiftSettings: strict),
        .target(
            name: "Transcription",
            dependencies: [
                "OmiAudio", "CPocketSphinx", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // SQLite through GRDB: conversations (FTS5), facts, chat, the webhook outbox, the notification feed.
        .target(
            name: "Store",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // Omi apps: manifests, webhooks exactly as the Omi backend sends them, proactive notifications.
        .target(
            name: "OmiApps",
            dependencies: [
                "Transcription", "Store", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        // The notification centre: preferences, category limits, durable deliveries, and the channels (feed,
        // desktop over DBusKit, device haptic, webhook, ntfy, SMTP email with STARTTLS through NIOSSL).
        .target(
            name: "Notifications",
            dependencies: [
                "OmiApps", "Store", "DBusKit", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        // The local HTTP API (Hummingbird): bearer keys, the bridge-native error envelope, facts and decisions.
        .target(
            name: "BridgeServer",
            dependencies: [
                "OmiApps", "Store", "Notifications", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // recvmmsg(2) for the AcquireNotify reader: Swift's Glibc module does not expose it.
        .target(name: "CSocketBatch"),
        .target(name: "BlueZ", dependencies: ["DBusKit", "CSocketBatch"], swiftSettings: strict),
        .target(name: "OmiDevice", dependencies: ["BlueZ", "OmiAudio"], swiftSettings: strict),
        .target(name: "OmiSimulator", dependencies: ["DBusKit", "OmiAudio"], swiftSettings: strict),
        // Test support shipped as a module (as hummingbird's testing helpers): private buses, simulators.
        .target(name: "BridgeTesting", dependencies: ["DBusKit", "OmiAudio", "Notifications"], swiftSettings: strict),
        // The composition root's generic parts: supervised stages of the daemon's ServiceGroup.
        .target(
            name: "BridgeDaemon",
            dependencies: [
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "OmiBridgeCLI",
            dependencies: [
                "OmiAudio", "DBusKit", "BlueZ", "OmiDevice", "OmiSimulator", "Transcription", "OmiApps", "Store",
                "BridgeDaemon",
                // BridgeTesting's loopback listener is the webhook benchmark's receiver (bench-webhooks).
                "BridgeServer", "BridgeTesting", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
                "Notifications", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The one place that picks the metrics backend: MetricsSystem.bootstrap with a Prometheus registry.
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),

        .testTarget(name: "CShimTests", dependencies: ["CDBus", "COpus"], swiftSettings: strict),
        .testTarget(name: "DBusKitTests", dependencies: ["DBusKit", "CDBus", "BridgeTesting"], swiftSettings: strict),
        .testTarget(
            name: "OmiDeviceTests", dependencies: ["OmiDevice", "BlueZ", "OmiSimulator", "BridgeTesting"],
            swiftSettings: strict),
        .testTarget(
            name: "TranscriptionTests",
            dependencies: [
                "Transcription", "OmiAudio", "BridgeTesting",
                // The loopback Deepgram server in the tests speaks WebSocket through NIO directly.
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "StoreTests", dependencies: ["Store", "BridgeTesting", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "BridgeServerTests",
            dependencies: [
                "BridgeServer", "Store", "OmiApps", "Notifications", "BridgeTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // One registry per test, passed explicitly: the process-wide MetricsSystem is never bootstrapped here.
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "NotificationsTests",
            dependencies: [
                "Notifications", "Store", "OmiApps", "DBusKit", "BridgeTesting", "OmiAudio",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                // The loopback SMTP receiver upgrades to TLS (STARTTLS, implicit TLS) with NIOSSLServerHandler.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .testTarget(name: "OmiAppsTests", dependencies: ["OmiApps", "Store", "BridgeTesting"], swiftSettings: strict),
        .testTarget(name: "OmiAudioTests", dependencies: ["OmiAudio", "BridgeTesting"], swiftSettings: strict),
        // Depends on the executable so `swift test` builds it; the tests run the real binary.
        .testTarget(
            name: "BridgeDaemonTests",
            dependencies: [
                "BridgeDaemon", "BridgeTesting", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "OmiBridgeCLITests",
            dependencies: [
                "OmiAudio", "OmiBridgeCLI", "OmiSimulator", "BridgeTesting", "Store", "OmiApps",
                // The dashboard test drives headless Chromium over the DevTools protocol (a WebSocket).
                .product(name: "WSClient", package: "swift-websocket"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
