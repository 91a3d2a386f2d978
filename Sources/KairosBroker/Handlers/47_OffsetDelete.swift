// OffsetDelete (key 47), v0. Deletes some committed offsets of a group. Allowed for an empty group,
// and for a consumer group for topics none of its members subscribes to (else
// GROUP_SUBSCRIBED_TO_TOPIC per partition); another group with members: NON_EMPTY_GROUP; a group
// that does not exist: GROUP_ID_NOT_FOUND. Partitions the broker does not have:
// UNKNOWN_TOPIC_OR_PARTITION.
import KafkaProtocol

extension ApiHandler {
    /// OffsetDelete: goes through the group coordinator.
    static let offsetDelete = ApiHandler(OffsetDeleteRequest.self) { broker, request, header, context in
        broker.handleOffsetDelete(request, header: header, context: context)
    }
}

extension Broker {
    func handleOffsetDelete(_ request: OffsetDeleteRequest, header: RequestHeader, context: RequestContext) -> BrokerReply {
        let asked = request.topics.flatMap { t in t.partitions.map { GroupTopicPartition(topic: t.name, partition: $0.partitionIndex) } }
        let known = asked.filter { hasPartition(topic: $0.topic, partition: $0.partition) }
        let topics = request.topics
        return submitGroupEvent(header: header, context: context, encode: { reply -> OffsetDeleteResponse? in
            guard case .deleteOffsets(let groupCode, let codes) = reply else { return nil }
            if groupCode != .none { return OffsetDeleteResponse(errorCode: groupCode.rawValue, throttleTimeMs: 0, topics: []) }
            guard codes.count == known.count else { return nil }
            var byPartition: [GroupTopicPartition: ErrorCode] = [:]
            for (tp, code) in zip(known, codes) { byPartition[tp] = code }
            return OffsetDeleteResponse(
                errorCode: 0, throttleTimeMs: 0,
                topics: topics.map { t in
                    .init(
                        name: t.name,
                        partitions: t.partitions.map { p in
                            let code = byPartition[GroupTopicPartition(topic: t.name, partition: p.partitionIndex)] ?? .unknownTopicOrPartition
                            return .init(partitionIndex: p.partitionIndex, errorCode: code.rawValue)
                        })
                })
        }) { token in
            .deleteOffsets(token: token, groupId: request.groupId, partitions: known)
        }
    }
}
