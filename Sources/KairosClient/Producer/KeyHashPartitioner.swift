import NIOCore

/// Hashes keyed records to a partition; records without a key go to `nullKeys` (or hash as an empty key).
public struct KeyHashPartitioner: Partitioner {
    /// The hash used for keys.
    public let hash: KeyHash
    /// Where null-key records go; nil hashes them as empty keys.
    public let nullKeys: (any Partitioner)?
    /// True to treat empty keys as null (librdkafka's consistent_random does).
    public let emptyKeysAreNull: Bool

    /// Makes one.
    public init(hash: KeyHash, nullKeys: (any Partitioner)?, emptyKeysAreNull: Bool) {
        self.hash = hash
        self.nullKeys = nullKeys
        self.emptyKeysAreNull = emptyKeysAreNull
    }

    public func partition(topic: String, key: ByteBuffer?, partitionCount: Int, loads: any PartitionLoadSource) -> Int32 {
        let isNull = key == nil || (emptyKeysAreNull && key!.readableBytes == 0)
        if isNull, let nullKeys {
            return nullKeys.partition(topic: topic, key: nil, partitionCount: partitionCount, loads: loads)
        }
        guard let key else { return hash.partition(of: UnsafeRawBufferPointer(start: nil, count: 0), partitionCount: partitionCount) }
        return key.withUnsafeReadableBytes { hash.partition(of: $0, partitionCount: partitionCount) }
    }

    public func nullKeyLease(topic: String, partitionCount: Int, loads: any PartitionLoadSource) -> PartitionLease? {
        nullKeys?.nullKeyLease(topic: topic, partitionCount: partitionCount, loads: loads)
    }

    public func recordAppended(topic: String, partition: Int32, bytes: Int) {
        nullKeys?.recordAppended(topic: topic, partition: partition, bytes: bytes)
    }
}
