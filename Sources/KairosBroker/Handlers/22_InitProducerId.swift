// InitProducerId (key 22), v0-4. Without a transactional id: hands an idempotent producer a fresh producer id at
// epoch 0. Ids are reserved in blocks in the metadata store first, so a restarted broker never hands one out
// twice. v3+ may present an existing id and epoch to bump the epoch (KIP-360).
// With a transactional id: the first call allocates the id's producer id at epoch 0; each later call bumps the
// epoch (a new id when the epoch is exhausted), which fences every older instance, and aborts the old epoch's
// open transaction first. transaction.timeout.ms must be 1..900000 (INVALID_TRANSACTION_TIMEOUT). A v3+ caller
// presenting an id and epoch that are not the current ones is fenced: PRODUCER_FENCED from v4,
// INVALID_PRODUCER_EPOCH before.
import KafkaProtocol

extension ApiHandler {
    /// InitProducerId.
    static let initProducerId = ApiHandler.responding(to: InitProducerIdRequest.self) { broker, request, version in
        broker.handleInitProducerId(request, version: version)
    }
}

extension Broker {
    func handleInitProducerId(_ request: InitProducerIdRequest, version: Int16) -> InitProducerIdResponse {
        if let transactionalId = request.transactionalId, !transactionalId.isEmpty {
            return initTransactionalProducer(transactionalId, request: request, version: version)
        }
        if request.producerId >= 0 && request.producerEpoch >= 0 {
            guard request.producerId < producerIds.next else {
                return InitProducerIdResponse(
                    throttleTimeMs: 0, errorCode: ErrorCode.invalidProducerEpoch.rawValue, producerId: -1, producerEpoch: -1)
            }
            if request.producerEpoch < Int16.max - 1 {
                return InitProducerIdResponse(
                    throttleTimeMs: 0, errorCode: 0, producerId: request.producerId, producerEpoch: request.producerEpoch + 1)
            }
            // Epoch exhausted: a new id, as Kafka does.
        }
        do {
            let id = try producerIds.allocate()
            return InitProducerIdResponse(throttleTimeMs: 0, errorCode: 0, producerId: id, producerEpoch: 0)
        } catch {
            logger.error("cannot reserve producer ids", metadata: ["error": "\(error)"])
            return InitProducerIdResponse(
                throttleTimeMs: 0, errorCode: ErrorCode.kafkaStorageError.rawValue, producerId: -1, producerEpoch: -1)
        }
    }

    private func initTransactionalProducer(
        _ transactionalId: String, request: InitProducerIdRequest, version: Int16
    ) -> InitProducerIdResponse {
        func failure(_ code: ErrorCode) -> InitProducerIdResponse {
            InitProducerIdResponse(throttleTimeMs: 0, errorCode: code.rawValue, producerId: -1, producerEpoch: -1)
        }
        // A fresh id is reserved only when the state machine may need one (first init or an exhausted epoch).
        let current = transactions.producer(of: transactionalId)
        var newId: Int64 = -1
        if current == nil || current!.epoch >= Int16.max - 2 {
            do { newId = try producerIds.allocate() } catch {
                logger.error("cannot reserve producer ids", metadata: ["error": "\(error)"])
                return failure(.kafkaStorageError)
            }
        }
        let expected: (id: Int64, epoch: Int16)? =
            version >= 3 && request.producerId >= 0 && request.producerEpoch >= 0 ? (request.producerId, request.producerEpoch) : nil
        let outcome = applyTransactionEvent(
            .initProducer(timeoutMs: request.transactionTimeoutMs, expected: expected, newId: newId), to: transactionalId,
            now: clock())
        switch outcome {
        case .ok: break
        case .error(let error): return failure(error.code(version: version, fencedSince: 4))
        case .complete(let aborted):
            logger.info("aborted the open transaction of a fenced epoch", metadata: ["transactionalId": "\(transactionalId)"])
            if !complete(aborted, transactionalId: transactionalId, eventLoop: nil) { return failure(.kafkaStorageError) }
        }
        guard let producer = transactions.producer(of: transactionalId) else { return failure(.unknownServerError) }
        return InitProducerIdResponse(throttleTimeMs: 0, errorCode: 0, producerId: producer.id, producerEpoch: producer.epoch)
    }
}
