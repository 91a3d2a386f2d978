import KafkaProtocol

extension KafkaCluster {
    /// The connection to a consumer group's coordinator, found with FindCoordinator and remembered until
    /// `forgetCoordinator` (call it on NOT_COORDINATOR and friends).
    public func coordinatorConnection(group: String) async throws -> BrokerConnection {
        if let nodeId = coordinatorNode(group: group) { return try await connection(to: nodeId) }
        let connection = try await anyConnection()
        let version = try connection.version(of: .findCoordinator)
        let response = try await connection.send(
            FindCoordinatorRequest(key: group, keyType: 0, coordinatorKeys: [group]), version: version)
        let nodeId: Int32, host: String, port: Int32, code: ErrorCode, message: String?
        if version >= 4 {
            guard let entry = response.coordinators.first else {
                throw KafkaClientError.protocolViolation("FindCoordinator answered no coordinator")
            }
            (nodeId, host, port, code, message) = (entry.nodeId, entry.host, entry.port, ErrorCode(entry.errorCode), entry.errorMessage)
        } else {
            (nodeId, host, port, code, message) = (response.nodeId, response.host, response.port,
                                                   ErrorCode(response.errorCode), response.errorMessage)
        }
        if code != .none { throw KafkaClientError.broker(code, message: message ?? "group \(group)") }
        remember(coordinator: nodeId, address: BrokerAddress(host: host, port: Int(port)), group: group)
        return try await self.connection(to: nodeId)
    }
}
