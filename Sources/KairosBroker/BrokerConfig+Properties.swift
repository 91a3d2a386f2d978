import KairosStorage

extension BrokerConfig {
    /// Properties the broker reads; the server may add its own (`listeners`, `socket.request.max.bytes`, ...).
    public static let knownKeys: Set<String> = [
        "node.id", "broker.id", "advertised.host", "advertised.port", "cluster.id", "num.partitions",
        "auto.create.topics.enable", "delete.topic.enable", "message.max.bytes", "log.dirs", "log.dir",
        "log.segment.bytes", "log.roll.ms", "log.roll.hours", "log.retention.ms", "log.retention.minutes",
        "log.retention.hours", "log.retention.bytes", "log.flush.interval.messages", "log.flush.interval.ms",
        "log.index.interval.bytes", "log.index.size.max.bytes", "log.retention.check.interval.ms",
        "log.message.timestamp.type", "fetch.max.bytes", "offsets.retention.minutes",
    ]

    /// Reads Kafka broker properties. Unknown keys are ignored here (the caller warns about them);
    /// a known key with a bad value throws a `ConfigError` naming the key.
    public init(properties: [String: String]) throws {
        self.init()
        givenProperties = properties
        let p = PropertyReader(properties)
        nodeId = try p.int32("node.id") ?? p.int32("broker.id") ?? nodeId
        clusterId = p.string("cluster.id") ?? clusterId
        numPartitions = try p.int32("num.partitions", min: 1) ?? numPartitions
        autoCreateTopicsEnable = try p.bool("auto.create.topics.enable") ?? autoCreateTopicsEnable
        deleteTopicEnable = try p.bool("delete.topic.enable") ?? deleteTopicEnable
        messageMaxBytes = try p.int("message.max.bytes", min: 0) ?? messageMaxBytes
        if let dirs = p.string("log.dirs") ?? p.string("log.dir") {
            // One directory per broker here: Kairos does not spread partitions over disks (yet).
            let first = dirs.split(separator: ",").first.map(String.init) ?? dirs
            guard !first.isEmpty else { throw ConfigError(key: "log.dirs", reason: "empty") }
            logDir = first
        }
        log.segmentBytes = try p.int("log.segment.bytes", min: 14) ?? log.segmentBytes
        if let hours = try p.int64("log.roll.hours", min: 1) { log.segmentMs = hours * 3_600_000 }
        log.segmentMs = try p.int64("log.roll.ms", min: 1) ?? log.segmentMs
        if let hours = try p.int64("log.retention.hours", min: -1) { log.retentionMs = hours < 0 ? -1 : hours * 3_600_000 }
        if let minutes = try p.int64("log.retention.minutes", min: -1) { log.retentionMs = minutes < 0 ? -1 : minutes * 60_000 }
        log.retentionMs = try p.int64("log.retention.ms", min: -1) ?? log.retentionMs
        log.retentionBytes = try p.int64("log.retention.bytes", min: -1) ?? log.retentionBytes
        log.flushIntervalMessages = try p.int64("log.flush.interval.messages", min: 1) ?? log.flushIntervalMessages
        log.flushIntervalMs = try p.int64("log.flush.interval.ms", min: 0) ?? log.flushIntervalMs
        log.indexIntervalBytes = try p.int("log.index.interval.bytes", min: 0) ?? log.indexIntervalBytes
        log.segmentIndexBytes = try p.int("log.index.size.max.bytes", min: 4) ?? log.segmentIndexBytes
        retentionCheckIntervalMs = try p.int64("log.retention.check.interval.ms", min: 1) ?? retentionCheckIntervalMs
        if let type = p.string("log.message.timestamp.type") {
            switch type {
            case "CreateTime": logAppendTime = false
            case "LogAppendTime": logAppendTime = true
            default: throw ConfigError(key: "log.message.timestamp.type", reason: "expected CreateTime or LogAppendTime, got \(type)")
            }
        }
        fetchMaxBytes = try p.int("fetch.max.bytes", min: 0) ?? fetchMaxBytes
        offsetsRetentionMinutes = try p.int64("offsets.retention.minutes", min: 1) ?? offsetsRetentionMinutes
    }
}

/// Typed access to string properties, with errors that name the key.
struct PropertyReader {
    private let properties: [String: String]

    init(_ properties: [String: String]) { self.properties = properties }

    func string(_ key: String) -> String? {
        properties[key]?.trimmingSpaces()
    }

    func int64(_ key: String, min: Int64 = .min) throws -> Int64? {
        guard let raw = string(key) else { return nil }
        guard let value = Int64(raw) else { throw ConfigError(key: key, reason: "'\(raw)' is not an integer") }
        guard value >= min else { throw ConfigError(key: key, reason: "\(value) is below the minimum \(min)") }
        return value
    }

    func int(_ key: String, min: Int = .min) throws -> Int? {
        guard let v = try int64(key, min: Int64(min)) else { return nil }
        guard v <= Int64(Int32.max) || key.hasSuffix(".bytes") else {
            throw ConfigError(key: key, reason: "\(v) is too large")
        }
        return Int(v)
    }

    func int32(_ key: String, min: Int32 = .min) throws -> Int32? {
        guard let v = try int64(key, min: Int64(min)) else { return nil }
        guard v <= Int64(Int32.max) else { throw ConfigError(key: key, reason: "\(v) is too large") }
        return Int32(v)
    }

    func bool(_ key: String) throws -> Bool? {
        guard let raw = string(key) else { return nil }
        switch raw.lowercased() {
        case "true": return true
        case "false": return false
        default: throw ConfigError(key: key, reason: "'\(raw)' is not true or false")
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (no Foundation in the broker).
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
