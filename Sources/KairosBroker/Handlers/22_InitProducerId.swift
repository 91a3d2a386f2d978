// InitProducerId (key 22), v0-4. Hands an idempotent producer a fresh producer id at epoch 0. Ids are
// reserved in blocks in the metadata store first, so a restarted broker never hands one out twice. v3+ may
// present an existing id and epoch to bump the epoch (KIP-360). Transactional ids are refused:
// Kairos does not implement transactions.
import KafkaProtocol

extension ApiHandler {
    /// InitProducerId.
    static let initProducerId = ApiHandler.responding(to: InitProducerIdRequest.self) { broker, request, _ in
        broker.handleInitProducerId(request)
    }
}

extension Broker {
    func handleInitProducerId(_ request: InitProducerIdRequest) -> InitProducerIdResponse {
        if request.transactionalId != nil {
            return InitProducerIdResponse(
                throttleTimeMs: 0, errorCode: ErrorCode.transactionalIdAuthorizationFailed.rawValue, producerId: -1, producerEpoch: -1)
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
}
