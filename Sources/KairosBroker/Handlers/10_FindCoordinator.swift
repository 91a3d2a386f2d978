// FindCoordinator (key 10), v0-4. One broker coordinates every group and every transactional id, so a
// group key (key type 0) and a transaction key (key type 1) are both answered with this broker's own
// address; v4 looks up several keys at once. Any other key type is INVALID_REQUEST.
import KafkaProtocol

extension ApiHandler {
    /// FindCoordinator.
    static let findCoordinator = ApiHandler(FindCoordinatorRequest.self) { broker, request, header, context in
        broker.reply(broker.handleFindCoordinator(request, version: header.apiVersion, listener: context.listenerName), header)
    }
}

extension Broker {
    func handleFindCoordinator(_ request: FindCoordinatorRequest, version: Int16, listener: String = "") -> FindCoordinatorResponse {
        let (host, port) = advertisedAddress(listener: listener)
        let error: (code: ErrorCode, message: String)?
        switch request.keyType {
        case 0, 1: error = nil
        default: error = (.invalidRequest, "unknown coordinator key type \(request.keyType)")
        }
        if version >= 4 {
            let coordinators = request.coordinatorKeys.map { key -> FindCoordinatorResponse.Coordinator in
                if let error {
                    return .init(key: key, nodeId: -1, host: "", port: -1, errorCode: error.code.rawValue, errorMessage: error.message)
                }
                return .init(key: key, nodeId: config.nodeId, host: host, port: port, errorCode: 0, errorMessage: nil)
            }
            return FindCoordinatorResponse(throttleTimeMs: 0, coordinators: coordinators)
        }
        if let error {
            return FindCoordinatorResponse(
                throttleTimeMs: 0, errorCode: error.code.rawValue, errorMessage: error.message, nodeId: -1, host: "", port: -1)
        }
        return FindCoordinatorResponse(throttleTimeMs: 0, errorCode: 0, errorMessage: nil, nodeId: config.nodeId, host: host, port: port)
    }
}
