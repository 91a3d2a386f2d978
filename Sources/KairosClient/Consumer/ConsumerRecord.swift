import KafkaProtocol
import NIOCore

/// One record read from a partition.
public struct ConsumerRecord: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The record's offset.
    public var offset: Int64
    /// Its timestamp (create or log-append time, as the topic keeps it), ms since the epoch.
    public var timestampMs: Int64
    /// The key; nil for none.
    public var key: ByteBuffer?
    /// The value; nil for a tombstone.
    public var value: ByteBuffer?
    /// Headers, in order.
    public var headers: [RecordHeader]

    /// The key as UTF-8 text.
    public var keyString: String? { key.map { String(buffer: $0) } }
    /// The value as UTF-8 text.
    public var valueString: String? { value.map { String(buffer: $0) } }
}

extension Collection where Element == ConsumerRecord {
    /// Each partition's offset after its last record here. A fetch's records come partition by partition, so this
    /// looks at one record per run of a partition, not at every record.
    func nextOffsetsByPartition() -> [TopicPartition: Int64] {
        var next: [TopicPartition: Int64] = [:]
        var index = startIndex
        while index != endIndex {
            let record = self[index]
            var last = index
            var after = self.index(after: index)
            while after != endIndex, self[after].partition == record.partition, self[after].topic == record.topic {
                last = after
                after = self.index(after: after)
            }
            next[TopicPartition(topic: record.topic, partition: record.partition)] = self[last].offset + 1
            index = after
        }
        return next
    }
}
