import KafkaProtocol
import NIOCore

/// One record to send.
public struct ProducerRecord: Sendable {
    /// The topic.
    public var topic: String
    /// The partition, or nil to let the partitioner choose.
    public var partition: Int32?
    /// The key; nil for none (null keys spread by the partitioner).
    public var key: ByteBuffer?
    /// The value; nil is a tombstone.
    public var value: ByteBuffer?
    /// Headers, in order.
    public var headers: [RecordHeader]
    /// Create time in ms since the epoch; nil for now.
    public var timestampMs: Int64?

    /// Makes a record from bytes.
    public init(topic: String, partition: Int32? = nil, key: ByteBuffer? = nil, value: ByteBuffer?,
                headers: [RecordHeader] = [], timestampMs: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMs = timestampMs
    }

    /// Makes a record from UTF-8 strings.
    public init(topic: String, partition: Int32? = nil, key: String? = nil, value: String?,
                headers: [RecordHeader] = [], timestampMs: Int64? = nil) {
        self.init(topic: topic, partition: partition, key: key.map { ByteBuffer(string: $0) },
                  value: value.map { ByteBuffer(string: $0) }, headers: headers, timestampMs: timestampMs)
    }

    /// Bytes the record may take in a batch at most: its parts plus the largest varint overheads.
    var estimatedSizeBytes: Int {
        var bytes = 36 + (key?.readableBytes ?? 0) + (value?.readableBytes ?? 0)
        for header in headers { bytes += 10 + header.key.utf8.count + (header.value?.readableBytes ?? 0) }
        return bytes
    }
}

/// Where a record was written.
public struct RecordMetadata: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The record's offset; -1 when unknown (acks=0).
    public var offset: Int64
    /// The record's timestamp: its create time, or the broker's append time for LogAppendTime topics.
    public var timestampMs: Int64
}

/// The outcome of one record sent with `send(_:onDelivery:)`.
public typealias DeliveryReport = Result<RecordMetadata, KafkaClientError>
