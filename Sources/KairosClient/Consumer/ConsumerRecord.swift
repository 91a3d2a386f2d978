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
