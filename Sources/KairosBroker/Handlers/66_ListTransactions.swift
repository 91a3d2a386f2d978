// ListTransactions (key 66), v0-1. Every transactional id the coordinator knows, with its producer id and state,
// kept when it passes every filter given: its state among StateFilters, its producer id among ProducerIdFilters,
// and (v1) a transaction open for at least DurationFilter ms (a negative duration filters nothing; an id with no
// open transaction has run for no time and is left out). A state filter Kafka does not define comes back in
// UnknownStateFilters and matches nothing.
import KafkaProtocol

extension ApiHandler {
    /// ListTransactions.
    static let listTransactions = ApiHandler.responding(to: ListTransactionsRequest.self) { broker, request, _ in
        broker.handleListTransactions(request)
    }
}

extension Broker {
    func handleListTransactions(_ request: ListTransactionsRequest) -> ListTransactionsResponse {
        let now = clock()
        let stateFilter = Set(request.stateFilters)
        let producerFilter = Set(request.producerIdFilters)
        let listed = transactions.states.filter { _, state in
            if !stateFilter.isEmpty && !stateFilter.contains(state.stateName) { return false }
            if !producerFilter.isEmpty && !producerFilter.contains(state.producerId) { return false }
            if request.durationFilter >= 0 {
                guard let started = state.ongoing?.startedMs, now - started >= request.durationFilter else { return false }
            }
            return true
        }
        return ListTransactionsResponse(
            throttleTimeMs: 0, errorCode: 0,
            unknownStateFilters: request.stateFilters.filter { !TransactionState.kafkaStateNames.contains($0) },
            transactionStates: listed.keys.sorted().map { id in
                .init(transactionalId: id, producerId: listed[id]!.producerId, transactionState: listed[id]!.stateName)
            })
    }
}
