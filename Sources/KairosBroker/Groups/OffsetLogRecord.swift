// The committed-offsets log stores Kafka's own __consumer_offsets record formats, so the bytes mean
// the same as Kafka's: key v1 (group, topic, partition) for an offset, key v2 (group) for a group;
// offset values v3 (offset, leader epoch, metadata, commit time), or v1 (with an expire time) when a
// commit asked for its own retention; group values v3 written without members. A null value is a
// tombstone.
import KafkaProtocol
import NIOCore

/// What the coordinator remembers of a group across restarts (besides its offsets).
struct GroupRecordValue: Sendable, Equatable {
    var protocolType: String
    var generationId: Int32
    var protocolName: String?
    var leaderId: String?
    /// When the group became empty; -1 while it has members (a restart then starts its empty time).
    var emptySinceMs: Int64
}

/// One record of the committed-offsets log.
enum OffsetLogRecord: Sendable, Equatable {
    /// A committed offset, or its removal (nil).
    case offset(groupId: String, partition: GroupTopicPartition, value: CommittedOffset?)
    /// A group's own record, or its removal (nil).
    case group(groupId: String, value: GroupRecordValue?)

    /// The record's key and value (nil: a tombstone) in Kafka's __consumer_offsets formats.
    func encode() -> (key: ByteBuffer, value: ByteBuffer?) {
        var key = ByteBuffer()
        switch self {
        case .offset(let groupId, let tp, let value):
            key.writeInteger(Int16(1))
            key.writeString(groupId, compact: false)
            key.writeString(tp.topic, compact: false)
            key.writeInteger(tp.partition)
            guard let value else { return (key, nil) }
            var out = ByteBuffer()
            if let expire = value.expireTimestampMs {
                out.writeInteger(Int16(1))
                out.writeInteger(value.offset)
                out.writeString(value.metadata, compact: false)
                out.writeInteger(value.commitTimestampMs)
                out.writeInteger(expire)
            } else {
                out.writeInteger(Int16(3))
                out.writeInteger(value.offset)
                out.writeInteger(value.leaderEpoch)
                out.writeString(value.metadata, compact: false)
                out.writeInteger(value.commitTimestampMs)
            }
            return (key, out)
        case .group(let groupId, let value):
            key.writeInteger(Int16(2))
            key.writeString(groupId, compact: false)
            guard let value else { return (key, nil) }
            var out = ByteBuffer()
            out.writeInteger(Int16(3))
            out.writeString(value.protocolType, compact: false)
            out.writeInteger(value.generationId)
            out.writeNullableString(value.protocolName, compact: false)
            out.writeNullableString(value.leaderId, compact: false)
            out.writeInteger(value.emptySinceMs)
            out.writeInteger(Int32(0))  // members: not kept across restarts
            return (key, out)
        }
    }

    /// Reads a record; nil for key versions this broker does not know (skipped, as Kafka skips them).
    static func decode(key: ByteBuffer, value: ByteBuffer?) throws -> OffsetLogRecord? {
        var key = key
        let keyVersion = try key.readInt16()
        switch keyVersion {
        case 0, 1:
            let groupId = try key.readString(compact: false)
            let topic = try key.readString(compact: false)
            let partition = try key.readInt32()
            let tp = GroupTopicPartition(topic: topic, partition: partition)
            guard var value else { return .offset(groupId: groupId, partition: tp, value: nil) }
            let version = try value.readInt16()
            let offset = try value.readInt64()
            var epoch: Int32 = -1
            if version >= 3 { epoch = try value.readInt32() }
            let metadata = try value.readString(compact: false)
            let commitTime = try value.readInt64()
            var expire: Int64?
            if version == 1 { expire = try value.readInt64() }
            return .offset(
                groupId: groupId, partition: tp,
                value: CommittedOffset(offset: offset, leaderEpoch: epoch, metadata: metadata, commitTimestampMs: commitTime,
                                       expireTimestampMs: expire))
        case 2:
            let groupId = try key.readString(compact: false)
            guard var value else { return .group(groupId: groupId, value: nil) }
            let version = try value.readInt16()
            let protocolType = try value.readString(compact: false)
            let generation = try value.readInt32()
            let protocolName = try value.readNullableString(compact: false)
            let leader = try value.readNullableString(compact: false)
            var emptySince: Int64 = -1
            if version >= 2 { emptySince = try value.readInt64() }
            return .group(
                groupId: groupId,
                value: GroupRecordValue(protocolType: protocolType, generationId: generation, protocolName: protocolName,
                                        leaderId: leader, emptySinceMs: emptySince))
        default:
            return nil
        }
    }
}
