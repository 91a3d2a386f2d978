// TxnOffsetCommit (key 28), v0-3. Records a group's offsets in the producer's open transaction; they become the
// group's committed offsets only when EndTxn commits (and are dropped on abort). The group must have been added
// with AddOffsetsToTxn (else INVALID_TXN_STATE). UNKNOWN_TOPIC_OR_PARTITION for partitions the broker lacks;
// PRODUCER_FENCED from v3 (INVALID_PRODUCER_EPOCH before). v3's member id and generation are not checked.
import KafkaProtocol

extension ApiHandler {
    /// TxnOffsetCommit.
    static let txnOffsetCommit = ApiHandler.responding(to: TxnOffsetCommitRequest.self) { broker, request, version in
        broker.handleTxnOffsetCommit(request, version: version)
    }
}

extension Broker {
    func handleTxnOffsetCommit(_ request: TxnOffsetCommitRequest, version: Int16) -> TxnOffsetCommitResponse {
        var offsets: [TransactionState.PendingOffset] = []
        for t in request.topics {
            for p in t.partitions where hasPartition(topic: t.name, partition: p.partitionIndex) {
                offsets.append(.init(
                    groupId: request.groupId, partition: TxnPartition(topic: t.name, partition: p.partitionIndex),
                    offset: p.committedOffset, leaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1,
                    metadata: p.committedMetadata))
            }
        }
        var common = ErrorCode.none
        if case .error(let error) = applyTransactionEvent(
            .commitOffsets(producerId: request.producerId, epoch: request.producerEpoch, offsets),
            to: request.transactionalId, now: clock())
        {
            common = error.code(version: version, fencedSince: 3)
        }
        let topics = request.topics.map { t in
            TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic(
                name: t.name,
                partitions: t.partitions.map { p in
                    let code = hasPartition(topic: t.name, partition: p.partitionIndex) ? common : .unknownTopicOrPartition
                    return .init(partitionIndex: p.partitionIndex, errorCode: code.rawValue)
                })
        }
        return TxnOffsetCommitResponse(throttleTimeMs: 0, topics: topics)
    }
}
