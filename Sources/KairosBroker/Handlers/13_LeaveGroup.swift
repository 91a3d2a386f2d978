// LeaveGroup (key 13), v0-5. A member leaves at once and the others rebalance without waiting for its
// session to time out. v0-2 name one member; v3+ several, each by member id or (to remove a static
// member from outside) by group.instance.id alone, with an error code each. For v0-2 the one member's
// error is the response's. v5 adds a reason, which is only logged by Kafka and ignored here.
import KafkaProtocol

extension ApiHandler {
    /// LeaveGroup: goes through the group coordinator.
    static let leaveGroup = ApiHandler(LeaveGroupRequest.self) { broker, request, header, context in
        broker.handleLeaveGroup(request, header: header, context: context)
    }
}

extension Broker {
    func handleLeaveGroup(_ request: LeaveGroupRequest, header: RequestHeader, context: RequestContext) -> BrokerReply {
        let v = header.apiVersion
        let members: [(memberId: String, groupInstanceId: String?)] =
            v >= 3 ? request.members.map { ($0.memberId, $0.groupInstanceId) } : [(request.memberId, nil)]
        return submitGroupEvent(header: header, context: context, encode: { reply -> LeaveGroupResponse? in
            guard case .leave(let out) = reply else { return nil }
            if v < 3 {
                let code = out.error != .none ? out.error : out.members.first?.error ?? .none
                return LeaveGroupResponse(throttleTimeMs: 0, errorCode: code.rawValue)
            }
            return LeaveGroupResponse(
                throttleTimeMs: 0, errorCode: out.error.rawValue,
                members: out.members.map { .init(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, errorCode: $0.error.rawValue) })
        }) { token in
            .leave(LeaveGroupInput(token: token, groupId: request.groupId, members: members))
        }
    }
}
