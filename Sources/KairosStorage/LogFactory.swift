import Logging

/// Where a broker's partition logs come from, and the metadata kept beside them: files under log.dirs, or memory
/// for tests.
public protocol LogFactory: Sendable {
    /// Partitions that exist already (found on disk at start).
    func existingPartitions() -> [(topic: String, partition: Int32)]
    /// Opens (or creates) the log of one partition.
    func openLog(topic: String, partition: Int32, config: LogConfig, nowMs: Int64) throws -> any LogStore
    /// Closes and removes the log of one partition.
    func deleteLog(topic: String, partition: Int32, log: any LogStore) throws
    /// Opens the broker metadata that lives with these logs (the catalog file in the same directory, or memory).
    func openMetadataStore() throws -> any MetadataStore
}

/// Segment files under one directory, through `LogManager`; the metadata is a `DiskMetadataStore` there too.
public struct DiskLogFactory: LogFactory {
    let manager: LogManager
    private let logger: Logger

    /// Opens the log directory, creating it if missing. Every partition log reports its fsyncs to `flushObserver`.
    public init(
        directory: String, defaultConfig: LogConfig, logger: Logger, flushObserver: (any LogFlushObserver)? = nil
    ) throws {
        manager = try LogManager(directory: directory, defaultConfig: defaultConfig, logger: logger, flushObserver: flushObserver)
        self.logger = logger
    }

    /// The log directory.
    public var directory: String { manager.directory }

    /// The partition directories found at start, minus those deleted since.
    public func existingPartitions() -> [(topic: String, partition: Int32)] { manager.existingPartitions() }

    /// Opens (creating or recovering) a partition's segment files.
    public func openLog(topic: String, partition: Int32, config: LogConfig, nowMs: Int64) throws -> any LogStore {
        try manager.openLog(topic: topic, partition: partition, config: config, now: nowMs)
    }

    /// Closes a partition's log and removes its directory.
    public func deleteLog(topic: String, partition: Int32, log: any LogStore) throws {
        try manager.deleteLog(topic: topic, partition: partition)
    }

    /// The catalog file in the log directory.
    public func openMetadataStore() throws -> any MetadataStore {
        try DiskMetadataStore(directory: manager.directory, logger: logger)
    }
}

/// In-memory logs and metadata: nothing survives the process. For tests and throw-away brokers.
public struct MemoryLogFactory: LogFactory {
    /// A factory with no partitions.
    public init() {}

    /// None: memory logs start empty.
    public func existingPartitions() -> [(topic: String, partition: Int32)] { [] }

    /// A new, empty memory log.
    public func openLog(topic: String, partition: Int32, config: LogConfig, nowMs: Int64) throws -> any LogStore {
        MemoryLog(config: config)
    }

    /// Closes the log; its memory goes with it.
    public func deleteLog(topic: String, partition: Int32, log: any LogStore) throws {
        try log.close()
    }

    /// A new, empty memory store.
    public func openMetadataStore() throws -> any MetadataStore { MemoryMetadataStore() }
}
