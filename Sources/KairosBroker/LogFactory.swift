import KairosStorage
import Logging
import NIOConcurrencyHelpers

/// Where partition logs come from: files under log.dirs, or memory for tests.
public protocol LogFactory: Sendable {
    /// Partitions that exist already (found on disk at start).
    func existingPartitions() -> [(topic: String, partition: Int32)]
    /// Opens (or creates) the log of one partition.
    func openLog(topic: String, partition: Int32, config: LogConfig, nowMs: Int64) throws -> any LogStore
    /// Closes and removes the log of one partition.
    func deleteLog(topic: String, partition: Int32, log: any LogStore) throws
    /// The directory for broker-wide files (the topic catalog), or nil when nothing persists.
    var metadataDirectory: String? { get }
}

/// Segment files under one directory, through `LogManager`.
public struct DiskLogFactory: LogFactory {
    let manager: LogManager
    public let metadataDirectory: String?

    /// Opens the log directory, creating it if missing.
    public init(directory: String, defaultConfig: LogConfig, logger: Logger) throws {
        manager = try LogManager(directory: directory, defaultConfig: defaultConfig, logger: logger)
        metadataDirectory = directory
    }

    public func existingPartitions() -> [(topic: String, partition: Int32)] { manager.existingPartitions() }

    public func openLog(topic: String, partition: Int32, config: LogConfig, nowMs: Int64) throws -> any LogStore {
        try manager.openLog(topic: topic, partition: partition, config: config, now: nowMs)
    }

    public func deleteLog(topic: String, partition: Int32, log: any LogStore) throws {
        try manager.deleteLog(topic: topic, partition: partition)
    }
}

/// In-memory logs: nothing survives the process. For tests and throw-away brokers.
public struct MemoryLogFactory: LogFactory {
    public var metadataDirectory: String? { nil }

    /// A factory with no partitions.
    public init() {}

    public func existingPartitions() -> [(topic: String, partition: Int32)] { [] }

    public func openLog(topic: String, partition: Int32, config: LogConfig, nowMs: Int64) throws -> any LogStore {
        MemoryLog(config: config)
    }

    public func deleteLog(topic: String, partition: Int32, log: any LogStore) throws {
        try log.close()
    }
}
