import KafkaProtocol
import NIOCore

/// Reads the partitions out of a "consumer" protocol member's assignment.
///
/// Every version of the consumer protocol's Assignment starts with INT16 version and an array of
/// (INT16-length topic, array of INT32 partitions); the user data after it is not needed.
enum ConsumerAssignment {
    /// The assigned partitions by topic, nil when the assignment cannot be read.
    static func partitions(_ assignment: ByteBuffer) -> [String: [Int32]]? {
        var buffer = assignment
        guard buffer.readableBytes > 0 else { return [:] }
        do {
            _ = try buffer.readInt16()
            let topicCount = try buffer.readInt32()
            // A topic takes at least 6 bytes (name length, partition count): bounds a hostile count.
            guard topicCount >= 0, Int(topicCount) * 6 <= buffer.readableBytes else { return nil }
            var result: [String: [Int32]] = [:]
            for _ in 0..<topicCount {
                let topic = try buffer.readString(compact: false)
                let count = try buffer.readInt32()
                guard count >= 0, Int(count) * 4 <= buffer.readableBytes else { return nil }
                var partitions: [Int32] = []
                partitions.reserveCapacity(Int(count))
                for _ in 0..<count { partitions.append(try buffer.readInt32()) }
                result[topic, default: []] += partitions
            }
            return result
        } catch {
            return nil
        }
    }
}
