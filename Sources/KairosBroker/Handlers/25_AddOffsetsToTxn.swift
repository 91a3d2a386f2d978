// AddOffsetsToTxn (key 25), v0-3. Adds a consumer group to the producer's open transaction (opening one), so
// TxnOffsetCommit may send that group's offsets, made visible when the transaction commits. On one broker the
// group's offsets need no partition of their own. Errors as AddPartitionsToTxn's (PRODUCER_FENCED from v2).
import KafkaProtocol

extension ApiHandler {
    /// AddOffsetsToTxn.
    static let addOffsetsToTxn = ApiHandler.responding(to: AddOffsetsToTxnRequest.self) { broker, request, version in
        broker.handleAddOffsetsToTxn(request, version: version)
    }
}

extension Broker {
    func handleAddOffsetsToTxn(_ request: AddOffsetsToTxnRequest, version: Int16) -> AddOffsetsToTxnResponse {
        var code = ErrorCode.none
        if request.groupId.isEmpty {
            code = .invalidGroupId
        } else if case .error(let error) = applyTransactionEvent(
            .addOffsets(producerId: request.producerId, epoch: request.producerEpoch, groupId: request.groupId),
            to: request.transactionalId, now: clock())
        {
            code = error.code(version: version, fencedSince: 2)
        }
        return AddOffsetsToTxnResponse(throttleTimeMs: 0, errorCode: code.rawValue)
    }
}
