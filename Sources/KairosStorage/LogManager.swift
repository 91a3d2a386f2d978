import Logging

/// Owns every partition directory under one `log.dirs` path: "<dir>/<topic>-<partition>/" as Kafka names them.
/// Thread-safe. A partition has at most one open `SegmentedLog`: opening it again returns the same instance.
public final class LogManager: @unchecked Sendable {
    /// The log directory.
    public let directory: String
    /// Settings for logs opened without their own.
    public let defaultConfig: LogConfig

    private struct PartitionKey: Hashable {
        var topic: String
        var partition: Int32
    }

    private let logger: Logger
    private let flushObserver: (any LogFlushObserver)?
    /// One group commit for every log in the directory: a round syncs all partitions that queued meanwhile.
    private let groupCommit: GroupCommitFlusher
    private let lock = StorageLock()
    private var found: [PartitionKey]
    private var open: [PartitionKey: SegmentedLog] = [:]

    /// Creates `directory` if needed and finds the partition directories already in it. Every log it opens
    /// reports its fsyncs to `flushObserver`.
    public init(
        directory: String, defaultConfig: LogConfig, logger: Logger, flushObserver: (any LogFlushObserver)? = nil
    ) throws {
        self.directory = directory
        self.defaultConfig = defaultConfig
        self.logger = logger
        self.flushObserver = flushObserver
        self.groupCommit = GroupCommitFlusher(observer: flushObserver)
        try Posix.makeDirectories(directory)
        found = try Posix.listDirectory(directory).compactMap { name -> PartitionKey? in
            guard let (topic, partition) = Self.parseDirectoryName(name), Posix.isDirectory(directory + "/" + name) else { return nil }
            return PartitionKey(topic: topic, partition: partition)
        }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// The partitions found on disk at start (minus those deleted since), sorted by topic and partition.
    public func existingPartitions() -> [(topic: String, partition: Int32)] {
        lock.withLock { found.map { ($0.topic, $0.partition) } }
    }

    /// Opens (or creates, or recovers) a partition's log; returns the open instance if there already is one,
    /// with `config` applied to it.
    public func openLog(topic: String, partition: Int32, config: LogConfig, now: Int64) throws -> SegmentedLog {
        try Self.checkTopicName(topic)
        guard partition >= 0 else { throw StorageError.invalidName("\(topic)-\(partition)") }
        let key = PartitionKey(topic: topic, partition: partition)
        return try lock.withLock {
            if let log = open[key], log.isOpen {
                log.updateConfig(config)
                return log
            }
            var partitionLogger = logger
            partitionLogger[metadataKey: "topic"] = "\(topic)"
            partitionLogger[metadataKey: "partition"] = "\(partition)"
            let log = try SegmentedLog(
                directory: path(key), config: config, now: now, logger: partitionLogger, flushObserver: flushObserver,
                groupCommit: groupCommit)
            open[key] = log
            if !found.contains(key) { found.append(key) }
            return log
        }
    }

    /// Opens a partition's log with `defaultConfig`.
    public func openLog(topic: String, partition: Int32, now: Int64) throws -> SegmentedLog {
        try openLog(topic: topic, partition: partition, config: defaultConfig, now: now)
    }

    /// Closes the partition's log if open and removes its directory.
    public func deleteLog(topic: String, partition: Int32) throws {
        try Self.checkTopicName(topic)
        let key = PartitionKey(topic: topic, partition: partition)
        try lock.withLock {
            if let log = open.removeValue(forKey: key) { try log.close() }
            found.removeAll { $0 == key }
            let partitionPath = path(key)
            guard Posix.isDirectory(partitionPath) else { return }
            for name in try Posix.listDirectory(partitionPath) {
                try Posix.unlinkIfPresent(partitionPath + "/" + name)
            }
            try Posix.removeDirectory(partitionPath)
            logger.info("deleted partition log", metadata: ["topic": "\(topic)", "partition": "\(partition)"])
        }
    }

    /// Closes every open log (flushing it). The manager can open logs again afterwards.
    public func closeAll() throws {
        let logs = lock.withLock { () -> [SegmentedLog] in
            defer { open.removeAll() }
            return Array(open.values)
        }
        var firstError: Error?
        for log in logs {
            do { try log.close() } catch { if firstError == nil { firstError = error } }
        }
        if let firstError { throw firstError }
    }

    /// "<topic>-<partition>", Kafka's partition directory name.
    public static func directoryName(topic: String, partition: Int32) -> String {
        "\(topic)-\(partition)"
    }

    private func path(_ key: PartitionKey) -> String {
        directory + "/" + Self.directoryName(topic: key.topic, partition: key.partition)
    }

    /// Splits "<topic>-<partition>" at the last dash; nil for other names (e.g. Kafka's "-delete" directories).
    static func parseDirectoryName(_ name: String) -> (topic: String, partition: Int32)? {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let topic = String(name[..<dash])
        let digits = name[name.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }), let partition = Int32(digits),
              (try? checkTopicName(topic)) != nil else { return nil }
        return (topic, partition)
    }

    /// Kafka's legal topic names: 1-249 of [a-zA-Z0-9._-], not "." or "..", so they are safe directory names.
    static func checkTopicName(_ topic: String) throws {
        let legal = topic.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard legal, !topic.isEmpty, topic.utf8.count <= 249, topic != ".", topic != ".." else {
            throw StorageError.invalidName(topic)
        }
    }
}
