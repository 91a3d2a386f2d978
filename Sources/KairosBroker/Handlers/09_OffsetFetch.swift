// OffsetFetch (key 9), v0-8. Reads a group's committed offsets, whoever asks and whatever the group's
// state. A partition without a committed offset answers offset -1 with no error. v2+ may ask for all
// of the group's offsets (null topics) and has a top-level error code; v5+ returns leader epochs;
// v7's require_stable needs nothing (no transactions, so no pending commits); v8 asks for several
// groups at once.
import KafkaProtocol

extension ApiHandler {
    /// OffsetFetch.
    static let offsetFetch = ApiHandler.responding(to: OffsetFetchRequest.self) { broker, request, version in
        broker.handleOffsetFetch(request, version: version)
    }
}

extension Broker {
    func handleOffsetFetch(_ request: OffsetFetchRequest, version: Int16) -> OffsetFetchResponse {
        if version >= 8 {
            let groupsOut = request.groups.map { g in
                let topics = committedOffsets(groupId: g.groupId, topics: g.topics?.map { ($0.name, $0.partitionIndexes) })
                return OffsetFetchResponse.OffsetFetchResponseGroup(
                    groupId: g.groupId,
                    topics: topics.map { t in
                        .init(
                            name: t.topic,
                            partitions: t.partitions.map {
                                .init(
                                    partitionIndex: $0.partition, committedOffset: $0.offset?.offset ?? -1,
                                    committedLeaderEpoch: $0.offset?.leaderEpoch ?? -1, metadata: $0.offset?.metadata ?? "", errorCode: 0)
                            })
                    },
                    errorCode: 0)
            }
            return OffsetFetchResponse(throttleTimeMs: 0, groups: groupsOut)
        }
        let wanted = version >= 2 ? request.topics?.map { ($0.name, $0.partitionIndexes) } : (request.topics ?? []).map { ($0.name, $0.partitionIndexes) }
        let topics = committedOffsets(groupId: request.groupId, topics: wanted)
        return OffsetFetchResponse(
            throttleTimeMs: 0,
            topics: topics.map { t in
                .init(
                    name: t.topic,
                    partitions: t.partitions.map {
                        .init(
                            partitionIndex: $0.partition, committedOffset: $0.offset?.offset ?? -1,
                            committedLeaderEpoch: $0.offset?.leaderEpoch ?? -1, metadata: $0.offset?.metadata ?? "", errorCode: 0)
                    })
            },
            errorCode: 0)
    }

    /// The committed offsets of the partitions asked for (nil: all the group has), by topic.
    private func committedOffsets(
        groupId: String, topics: [(String, [Int32])]?
    ) -> [(topic: String, partitions: [(partition: Int32, offset: CommittedOffset?)])] {
        groups.read { coordinator in
            let group = coordinator.groups[groupId]
            guard let topics else {
                guard let offsets = group?.offsets else { return [] }
                var byTopic: [String: [(partition: Int32, offset: CommittedOffset?)]] = [:]
                for tp in offsets.keys.sorted() { byTopic[tp.topic, default: []].append((tp.partition, offsets[tp])) }
                return byTopic.keys.sorted().map { ($0, byTopic[$0]!) }
            }
            return topics.map { name, partitions in
                (name, partitions.map { ($0, group?.offsets[GroupTopicPartition(topic: name, partition: $0)]) })
            }
        }
    }
}
