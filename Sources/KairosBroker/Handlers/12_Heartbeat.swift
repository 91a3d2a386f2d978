// Heartbeat (key 12), v0-4. Keeps a member's session alive. REBALANCE_IN_PROGRESS tells it to
// rejoin; UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION and (v3+, static members) FENCED_INSTANCE_ID tell it
// it is no longer part of the generation it names.
import KafkaProtocol

extension ApiHandler {
    /// Heartbeat: goes through the group coordinator.
    static let heartbeat = ApiHandler(HeartbeatRequest.self) { broker, request, header, context in
        broker.handleHeartbeat(request, header: header, context: context)
    }
}

extension Broker {
    func handleHeartbeat(_ request: HeartbeatRequest, header: RequestHeader, context: RequestContext) -> BrokerReply {
        let input = HeartbeatInput(
            token: 0, groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
            groupInstanceId: header.apiVersion >= 3 ? request.groupInstanceId : nil)
        return submitGroupEvent(header: header, context: context, encode: { reply -> HeartbeatResponse? in
            guard case .heartbeat(let code) = reply else { return nil }
            return HeartbeatResponse(throttleTimeMs: 0, errorCode: code.rawValue)
        }) { token in
            var event = input
            event.token = token
            return .heartbeat(event)
        }
    }
}
