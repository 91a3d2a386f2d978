import KairosControl
import NIOCore

/// The load of one partition as the producer sees it, for partitioners that steer records away from busy ones.
public struct PartitionLoad: Sendable, Hashable {
    /// The partition's index.
    public var partition: Int32
    /// Record bytes waiting in the producer's buffer for this partition.
    public var queuedBytes: Int
    /// Batches waiting to be sent.
    public var queuedBatches: Int
    /// Batches sent and not yet acknowledged.
    public var inFlightBatches: Int
    /// False when the partition has no known leader.
    public var isAvailable: Bool

    /// Makes one.
    public init(partition: Int32, queuedBytes: Int = 0, queuedBatches: Int = 0, inFlightBatches: Int = 0,
                isAvailable: Bool = true) {
        self.partition = partition
        self.queuedBytes = queuedBytes
        self.queuedBatches = queuedBatches
        self.inFlightBatches = inFlightBatches
        self.isAvailable = isAvailable
    }
}

/// Gives a partitioner the current per-partition load of a topic; computed only when asked, since most records
/// never need it.
public protocol PartitionLoadSource: Sendable {
    /// One entry per partition `0..<partitionCount`.
    func loads(topic: String, partitionCount: Int) -> [PartitionLoad]
}

/// A partition that records without a key keep going to, without asking the partitioner, until `stickyBytes`
/// bytes went there (a sticky partitioner's remaining run). The producer then tells the partitioner those bytes in
/// one `recordAppended` call before it asks again, so the partitioner sees the same byte counts as if it had been
/// asked for every record.
public struct PartitionLease: Sendable, Hashable {
    /// The partition.
    public var partition: Int32
    /// Record bytes that may still go to it.
    public var stickyBytes: Int
    /// The partition count the choice was made for; a different count ends the lease.
    public var partitionCount: Int

    /// Makes one.
    public init(partition: Int32, stickyBytes: Int, partitionCount: Int) {
        self.partition = partition
        self.stickyBytes = stickyBytes
        self.partitionCount = partitionCount
    }
}

/// Chooses the partition of a record that names none. Implementations must be thread-safe: `send` calls them
/// from any task.
public protocol Partitioner: Sendable {
    /// The partition (in `0..<partitionCount`) for a record of `topic` with `key`.
    func partition(topic: String, key: ByteBuffer?, partitionCount: Int, loads: any PartitionLoadSource) -> Int32
    /// Told after each record is appended, so sticky partitioners can count bytes; the default does nothing.
    func recordAppended(topic: String, partition: Int32, bytes: Int)
    /// The partition for records of `topic` without a key and how long it stays the choice, or nil to be asked
    /// for every record (the default). Sticky partitioners return their current partition so the producer can
    /// skip the call (and its lock) for most records.
    func nullKeyLease(topic: String, partitionCount: Int, loads: any PartitionLoadSource) -> PartitionLease?
}

extension Partitioner {
    /// Does nothing.
    public func recordAppended(topic: String, partition: Int32, bytes: Int) {}

    /// Nil: asked for every record.
    public func nullKeyLease(topic: String, partitionCount: Int, loads: any PartitionLoadSource) -> PartitionLease? { nil }
}

/// The built-in partitioners, by their Kafka and librdkafka names.
public enum PartitionerChoice: Sendable {
    /// `murmur2_random`: the Java client's default: murmur2(key) for keyed records, uniform sticky for null keys.
    case murmur2Random
    /// `murmur2`: murmur2(key) for every record (null keys hash as empty).
    case murmur2
    /// `consistent_random`: librdkafka's default: CRC32(key) for non-empty keys, uniform sticky otherwise.
    case consistentRandom
    /// `consistent`: CRC32(key) for every record.
    case consistent
    /// `random`: uniform sticky for every record, keys ignored.
    case random
    /// `ipooa`: the overload-aware partitioner (`IPOOAPartitioner`), configured by the `ipooa.*` properties.
    case ipooa
    /// A partitioner of your own.
    case custom(any Partitioner)

    /// Parses a `partitioner` property value.
    public init?(name: String) {
        switch name.lowercased() {
        case "murmur2_random", "default": self = .murmur2Random
        case "murmur2": self = .murmur2
        case "consistent_random": self = .consistentRandom
        case "consistent": self = .consistent
        case "random", "uniform_sticky": self = .random
        case "ipooa": self = .ipooa
        default: return nil
        }
    }

    /// The partitioner; `ipooa` made here reads only the producer's own counts and never grows topics
    /// (`KafkaProducer` makes it with the cluster's load feed and growth service instead).
    func make(batchSizeBytes: Int, ipooa: IPOOAProducerSettings = IPOOAProducerSettings()) -> any Partitioner {
        let sticky = UniformStickyPartitioner(switchAfterBytes: max(batchSizeBytes, 1))
        switch self {
        case .murmur2Random: return KeyHashPartitioner(hash: .murmur2, nullKeys: sticky, emptyKeysAreNull: false)
        case .murmur2: return KeyHashPartitioner(hash: .murmur2, nullKeys: nil, emptyKeysAreNull: false)
        case .consistentRandom: return KeyHashPartitioner(hash: .crc32, nullKeys: sticky, emptyKeysAreNull: true)
        case .consistent: return KeyHashPartitioner(hash: .crc32, nullKeys: nil, emptyKeysAreNull: false)
        case .random: return sticky
        case .ipooa:
            let parameters = (try? ipooa.parameters()) ?? IPOOAParameters.defaults
            return IPOOAPartitioner(parameters: parameters, loadRefreshMs: ipooa.loadRefreshMs, batchSizeBytes: batchSizeBytes,
                                    feed: nil, growth: nil)
        case .custom(let partitioner): return partitioner
        }
    }
}
