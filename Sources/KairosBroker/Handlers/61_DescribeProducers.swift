// DescribeProducers (key 61), v0. Per asked partition, the producers its idempotent-producer state remembers:
// id, epoch, last sequence, the max timestamp of their last batch (-1 when appended before this broker started) and
// the first offset of their open transaction there (-1 when none). Kairos is its own single transaction
// coordinator with no coordinator epochs, so the coordinator epoch is always -1. An unknown topic or partition is
// answered UNKNOWN_TOPIC_OR_PARTITION for that partition only.
import KafkaProtocol

extension ApiHandler {
    /// DescribeProducers.
    static let describeProducers = ApiHandler.responding(to: DescribeProducersRequest.self) { broker, request, _ in
        broker.handleDescribeProducers(request)
    }
}

extension Broker {
    func handleDescribeProducers(_ request: DescribeProducersRequest) -> DescribeProducersResponse {
        DescribeProducersResponse(throttleTimeMs: 0, topics: request.topics.map { asked in
            let topic = topics.topic(asked.name)
            return .init(name: asked.name, partitions: asked.partitionIndexes.map { index in
                guard let partition = topic?.partition(index) else {
                    return .init(
                        partitionIndex: index, errorCode: ErrorCode.unknownTopicOrPartition.rawValue,
                        errorMessage: "topic \(asked.name) has no partition \(index)")
                }
                return .init(partitionIndex: index, errorCode: 0, errorMessage: nil, activeProducers: producers(of: partition))
            })
        })
    }

    /// `partition`'s producers, with the start of their open transaction there from the transaction coordinator.
    private func producers(of partition: Partition) -> [DescribeProducersResponse.ProducerState] {
        let txnStarts = transactions.openTransactionStarts(TxnPartition(topic: partition.topic, partition: partition.index))
        return partition.activeProducers.map { producer in
            .init(
                producerId: producer.id, producerEpoch: Int32(producer.epoch), lastSequence: producer.lastSequence,
                lastTimestamp: producer.lastTimestamp, coordinatorEpoch: -1,
                currentTxnStartOffset: txnStarts[producer.id] ?? -1)
        }
    }
}
