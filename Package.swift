// swift-tools-version: 6.1
import PackageDescription

/// Kairos: a self-managing Kafka-compatible streaming platform.
/// Dependency arrows point one way: Protocol <- Storage <- Broker <- Server; Forecast <- Control; Forecast <- Sim.
let package = Package(
    name: "Kairos",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kairos", targets: ["kairos"]),
        .library(name: "KafkaProtocol", targets: ["KafkaProtocol"]),
        .library(name: "KairosBroker", targets: ["KairosBroker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C shims
        .target(name: "CCRC32C"),
        .target(name: "CBlockCache"),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Property registries' machinery shared by broker and client; no dependencies.
        .target(name: "KairosConfig"),
        // Wire codec, no I/O.
        .target(
            name: "KafkaProtocol",
            dependencies: [
                "CCRC32C", "CLZ4", "CZstd", "CSnappy", "CZlib", "CBlockCache",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Partition logs on disk.
        .target(
            name: "KairosStorage",
            dependencies: [
                "CCRC32C",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The broker without sockets.
        .target(
            name: "KairosBroker",
            dependencies: [
                "KafkaProtocol", "KairosStorage", "KairosConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        // NIO transport and lifecycle.
        .target(
            name: "KairosServer",
            dependencies: [
                "KairosBroker", "KafkaProtocol", "KairosStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The native Swift producer, consumer and admin client.
        .target(
            name: "KairosClient",
            dependencies: [
                "KafkaProtocol", "KairosConfig", "KairosControl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // HTTP: the REST ingest gateway (and later the dashboard); the only target that links Hummingbird.
        .target(
            name: "KairosHTTP",
            dependencies: [
                "KairosClient", "KafkaProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Load forecasting models and backtests; pure.
        .target(
            name: "KairosForecast",
            dependencies: [.product(name: "Numerics", package: "swift-numerics")]
        ),
        // The autopilot: forecast-driven producer scaling as a value, time passed in; pure.
        .target(name: "KairosControl", dependencies: ["KairosForecast", "KairosConfig"]),
        // The paper's analytic model; pure.
        .target(name: "KairosSim", dependencies: ["KairosForecast"]),

        // Load generation and measurement: perf produce/consume/e2e/sweep, autopilot replay and run, the experiment.
        .target(
            name: "KairosPerf",
            dependencies: [
                "KairosClient", "KafkaProtocol", "KairosServer", "KairosControl", "KairosForecast", "KairosSim",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "kairos",
            dependencies: [
                "KairosServer", "KairosBroker", "KafkaProtocol", "KairosClient", "KairosForecast", "KairosSim", "KairosConfig",
                "KairosPerf", "KairosHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .testTarget(
            name: "KafkaProtocolTests",
            dependencies: ["KafkaProtocol", .product(name: "NIOCore", package: "swift-nio")],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "KairosStorageTests", dependencies: ["KairosStorage", "CCRC32C"]),
        .testTarget(
            name: "KairosBrokerTests",
            dependencies: [
                "KairosBroker", "KafkaProtocol", "KairosStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "KairosServerTests",
            dependencies: [
                "KairosServer", "KairosBroker", "KafkaProtocol", "KairosConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "KairosClientTests",
            dependencies: [
                "KairosClient", "KafkaProtocol", "KairosServer", "KairosBroker", "KairosStorage", "KairosConfig", "KairosControl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "KairosPerfTests",
            dependencies: [
                "KairosPerf", "KairosClient", "KairosServer", "KairosBroker", "KairosStorage", "KafkaProtocol", "KairosControl",
                "KairosForecast",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "KairosForecastTests", dependencies: ["KairosForecast"]),
        .testTarget(name: "KairosSimTests", dependencies: ["KairosSim"]),
        .testTarget(name: "KairosControlTests", dependencies: ["KairosControl", "KairosForecast", "KairosConfig"]),
        .testTarget(
            name: "KairosHTTPTests",
            dependencies: [
                "KairosHTTP", "KairosClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
    ]
)
