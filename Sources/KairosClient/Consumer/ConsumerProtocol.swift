import KafkaProtocol
import NIOCore

/// The embedded "consumer" protocol carried opaquely by JoinGroup and SyncGroup: what each member subscribes to,
/// and which partitions the leader gave it. Classic (non-flexible) encodings; versions 0-3 as Kafka defines them.
public enum ConsumerProtocol {
    /// A member's JoinGroup metadata.
    public struct Subscription: Sendable, Hashable {
        /// Topics it wants.
        public var topics: [String]
        /// Opaque assignor data.
        public var userData: ByteBuffer?
        /// Partitions it holds now (v1+), which cooperative assignors keep where they are.
        public var ownedPartitions: [TopicPartition]
        /// The generation it last joined (v2+), -1 when none.
        public var generationId: Int32

        /// Makes one.
        public init(topics: [String], userData: ByteBuffer? = nil, ownedPartitions: [TopicPartition] = [],
                    generationId: Int32 = -1) {
            self.topics = topics
            self.userData = userData
            self.ownedPartitions = ownedPartitions
            self.generationId = generationId
        }

        /// Encodes at `version` (0-3).
        public func encoded(version: Int16 = 1) -> ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeInt16(version)
            buffer.writeArray(topics, compact: false) { $0.writeString($1, compact: false) }
            buffer.writeNullableBytes(userData, compact: false)
            if version >= 1 { ConsumerProtocol.writePartitions(ownedPartitions, into: &buffer) }
            if version >= 2 { buffer.writeInt32(generationId) }
            if version >= 3 { buffer.writeNullableString(nil, compact: false) }
            return buffer
        }

        /// Decodes any version; fields of later versions it does not know are ignored, as Kafka does.
        public init(decoding bytes: ByteBuffer) throws {
            var buffer = bytes
            let version = try buffer.readInt16()
            let topics = try buffer.readArray(compact: false) { try $0.readString(compact: false) }
            let userData = try buffer.readNullableBytes(compact: false)
            var owned: [TopicPartition] = []
            var generation: Int32 = -1
            if version >= 1 { owned = try ConsumerProtocol.readPartitions(from: &buffer) }
            if version >= 2 { generation = try buffer.readInt32() }
            self.init(topics: topics, userData: userData, ownedPartitions: owned, generationId: generation)
        }
    }

    /// The partitions given to one member.
    public struct Assignment: Sendable, Hashable {
        /// Its partitions.
        public var partitions: [TopicPartition]
        /// Opaque assignor data.
        public var userData: ByteBuffer?

        /// Makes one.
        public init(partitions: [TopicPartition], userData: ByteBuffer? = nil) {
            self.partitions = partitions
            self.userData = userData
        }

        /// Encodes at `version` (0-3; the layout is the same).
        public func encoded(version: Int16 = 1) -> ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeInt16(version)
            ConsumerProtocol.writePartitions(partitions, into: &buffer)
            buffer.writeNullableBytes(userData, compact: false)
            return buffer
        }

        /// Decodes any version; an empty buffer is an empty assignment (what a coordinator sends on errors).
        public init(decoding bytes: ByteBuffer) throws {
            var buffer = bytes
            guard buffer.readableBytes > 0 else {
                self.init(partitions: [])
                return
            }
            _ = try buffer.readInt16()
            let partitions = try ConsumerProtocol.readPartitions(from: &buffer)
            let userData = buffer.readableBytes > 0 ? try buffer.readNullableBytes(compact: false) : nil
            self.init(partitions: partitions, userData: userData)
        }
    }

    static func writePartitions(_ partitions: [TopicPartition], into buffer: inout ByteBuffer) {
        var byTopic: [String: [Int32]] = [:]
        for tp in partitions { byTopic[tp.topic, default: []].append(tp.partition) }
        let topics = byTopic.keys.sorted()
        buffer.writeArray(topics, compact: false) { buffer, topic in
            buffer.writeString(topic, compact: false)
            buffer.writeArray(byTopic[topic]!.sorted(), compact: false) { $0.writeInt32($1) }
        }
    }

    static func readPartitions(from buffer: inout ByteBuffer) throws -> [TopicPartition] {
        let groups = try buffer.readArray(compact: false) { buffer -> [TopicPartition] in
            let topic = try buffer.readString(compact: false)
            return try buffer.readArray(compact: false) { TopicPartition(topic: topic, partition: try $0.readInt32()) }
        }
        return groups.flatMap { $0 }
    }
}
