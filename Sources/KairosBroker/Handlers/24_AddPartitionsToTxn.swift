// AddPartitionsToTxn (key 24), v0-3. Adds partitions to the producer's open transaction (opening one), so its
// transactional batches may go there and EndTxn writes markers there. Every partition gets the same answer:
// UNKNOWN_TOPIC_OR_PARTITION for partitions the broker lacks (the others then OPERATION_NOT_ATTEMPTED),
// INVALID_PRODUCER_ID_MAPPING for a wrong id, PRODUCER_FENCED (v2+; INVALID_PRODUCER_EPOCH before) for an old epoch.
// v4+ (several transactions at once, sent by brokers) is not offered.
import KafkaProtocol

extension ApiHandler {
    /// AddPartitionsToTxn.
    static let addPartitionsToTxn = ApiHandler.responding(to: AddPartitionsToTxnRequest.self) { broker, request, version in
        broker.handleAddPartitionsToTxn(request, version: version)
    }
}

extension Broker {
    func handleAddPartitionsToTxn(_ request: AddPartitionsToTxnRequest, version: Int16) -> AddPartitionsToTxnResponse {
        let wanted = request.topics.flatMap { t in t.partitions.map { TxnPartition(topic: t.name, partition: $0) } }
        let missing = Set(wanted.filter { !hasPartition(topic: $0.topic, partition: $0.partition) })
        var common: ErrorCode = .none
        if !missing.isEmpty {
            common = .operationNotAttempted
        } else if case .error(let error) = applyTransactionEvent(
            .addPartitions(producerId: request.producerId, epoch: request.producerEpoch, wanted),
            to: request.transactionalId, now: clock())
        {
            common = error.code(version: version, fencedSince: 2)
        }
        let results = request.topics.map { t in
            AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult(
                name: t.name,
                resultsByPartition: t.partitions.map { p in
                    let code = missing.contains(TxnPartition(topic: t.name, partition: p)) ? ErrorCode.unknownTopicOrPartition : common
                    return .init(partitionIndex: p, partitionErrorCode: code.rawValue)
                })
        }
        return AddPartitionsToTxnResponse(throttleTimeMs: 0, results: results)
    }
}
