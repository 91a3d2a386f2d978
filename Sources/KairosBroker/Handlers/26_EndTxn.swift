// EndTxn (key 26), v0-3. Commits or aborts the producer's open transaction: a control batch (commit or abort
// marker) is appended to every partition the transaction added, then, on commit, the offsets TxnOffsetCommit sent
// become the groups' committed offsets. A retry of the EndTxn that just completed succeeds again; EndTxn without
// an open transaction is INVALID_TXN_STATE. PRODUCER_FENCED from v2 (INVALID_PRODUCER_EPOCH before).
import KafkaProtocol

extension ApiHandler {
    /// EndTxn.
    static let endTxn = ApiHandler(EndTxnRequest.self) { broker, request, header, context in
        broker.reply(broker.handleEndTxn(request, version: header.apiVersion, context: context), header)
    }
}

extension Broker {
    func handleEndTxn(_ request: EndTxnRequest, version: Int16, context: RequestContext) -> EndTxnResponse {
        let outcome = applyTransactionEvent(
            .end(producerId: request.producerId, epoch: request.producerEpoch, commit: request.committed),
            to: request.transactionalId, now: clock())
        var code = ErrorCode.none
        switch outcome {
        case .ok: break
        case .error(let error): code = error.code(version: version, fencedSince: 2)
        case .complete(let completion):
            if !complete(completion, transactionalId: request.transactionalId, eventLoop: context.eventLoop) {
                code = .kafkaStorageError
            }
        }
        return EndTxnResponse(throttleTimeMs: 0, errorCode: code.rawValue)
    }
}
