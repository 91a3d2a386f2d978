// OffsetCommit (key 8), v0-8. Stores a group's committed offsets (with leader epoch v6+ and metadata)
// in the offsets log before answering, so an acknowledged commit survives a restart or kill -9 as an
// acknowledged produce does. Members commit with their member id and generation; a commit with
// generation -1 and no member id (a consumer outside group management) is accepted only while the
// group has no members. Errors are Kafka's: UNKNOWN_TOPIC_OR_PARTITION for partitions the broker does
// not have, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS (generation known but not yet
// synced), FENCED_INSTANCE_ID (v7+), OFFSET_METADATA_TOO_LARGE. v1's commit timestamp and v2-4's
// retention time are kept; v0 (ZooKeeper-era) commits go to the same store.
import KafkaProtocol

extension ApiHandler {
    /// OffsetCommit: answered once the commit is in the offsets log.
    static let offsetCommit = ApiHandler(OffsetCommitRequest.self) { broker, request, header, context in
        broker.handleOffsetCommit(request, header: header, context: context)
    }
}

extension Broker {
    func handleOffsetCommit(_ request: OffsetCommitRequest, header: RequestHeader, context: RequestContext) -> BrokerReply {
        let v = header.apiVersion
        var partitions: [OffsetCommitInput.Partition] = []
        for topic in request.topics {
            for p in topic.partitions {
                partitions.append(.init(
                    partition: GroupTopicPartition(topic: topic.name, partition: p.partitionIndex),
                    exists: hasPartition(topic: topic.name, partition: p.partitionIndex), offset: p.committedOffset,
                    leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata,
                    commitTimestampMs: v == 1 ? p.commitTimestamp : -1))
            }
        }
        let input = OffsetCommitInput(
            token: 0, groupId: request.groupId, generationId: v >= 1 ? request.generationIdOrMemberEpoch : -1,
            memberId: v >= 1 ? request.memberId : "", groupInstanceId: v >= 7 ? request.groupInstanceId : nil,
            retentionTimeMs: (2...4).contains(v) ? request.retentionTimeMs : -1, partitions: partitions)
        let topics = request.topics
        let partitionCount = partitions.count
        return submitGroupEvent(header: header, context: context, encode: { reply -> OffsetCommitResponse? in
            guard case .commit(let codes) = reply, codes.count == partitionCount else { return nil }
            var index = 0
            let results = topics.map { topic in
                OffsetCommitResponse.OffsetCommitResponseTopic(
                    name: topic.name,
                    partitions: topic.partitions.map { p in
                        defer { index += 1 }
                        return .init(partitionIndex: p.partitionIndex, errorCode: codes[index].rawValue)
                    })
            }
            return OffsetCommitResponse(throttleTimeMs: 0, topics: results)
        }) { token in
            var event = input
            event.token = token
            return .commit(event)
        }
    }
}
