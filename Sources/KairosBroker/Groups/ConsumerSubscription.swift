import KafkaProtocol
import NIOCore

/// Reads the topics out of a "consumer" protocol member's subscription metadata.
///
/// Every version of the consumer protocol's Subscription starts with INT16 version and an array of
/// INT16-length topic names; the rest (user data, owned partitions, generation, rack) is not needed.
enum ConsumerSubscription {
    /// The protocol type of Kafka's consumers.
    static let protocolType = "consumer"

    /// The subscribed topics, nil when the metadata cannot be read.
    static func topics(_ metadata: ByteBuffer) -> [String]? {
        var buffer = metadata
        do {
            _ = try buffer.readInt16()
            let count = try buffer.readInt32()
            // Each name takes at least its 2-byte length, which bounds a hostile count.
            guard count >= 0, Int(count) * 2 <= buffer.readableBytes else { return nil }
            var topics: [String] = []
            topics.reserveCapacity(Int(count))
            for _ in 0..<count { topics.append(try buffer.readString(compact: false)) }
            return topics
        } catch {
            return nil
        }
    }
}
