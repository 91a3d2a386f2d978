// DescribeTransactions (key 65), v0. Per asked transactional id: its state (Empty, Ongoing, CompleteCommit,
// CompleteAbort), transaction.timeout.ms, producer id and epoch, and, while a transaction is open, its start time
// and partitions. An id the coordinator does not know is TRANSACTIONAL_ID_NOT_FOUND.
import KafkaProtocol

extension ApiHandler {
    /// DescribeTransactions.
    static let describeTransactions = ApiHandler.responding(to: DescribeTransactionsRequest.self) { broker, request, _ in
        broker.handleDescribeTransactions(request)
    }
}

extension Broker {
    func handleDescribeTransactions(_ request: DescribeTransactionsRequest) -> DescribeTransactionsResponse {
        let states = transactions.states
        return DescribeTransactionsResponse(throttleTimeMs: 0, transactionStates: request.transactionalIds.map { id in
            guard let state = states[id] else {
                return .init(
                    errorCode: ErrorCode.transactionalIdNotFound.rawValue, transactionalId: id, transactionState: "",
                    transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1)
            }
            let byTopic = Dictionary(grouping: state.ongoing?.partitions ?? [], by: \.topic)
            return .init(
                errorCode: 0, transactionalId: id, transactionState: state.stateName, transactionTimeoutMs: state.timeoutMs,
                transactionStartTimeMs: state.ongoing?.startedMs ?? -1, producerId: state.producerId,
                producerEpoch: state.epoch,
                topics: byTopic.keys.sorted().map { topic in
                    .init(topic: topic, partitions: byTopic[topic]!.map(\.partition).sorted())
                })
        })
    }
}
