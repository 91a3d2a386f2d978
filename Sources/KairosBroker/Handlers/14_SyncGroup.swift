// SyncGroup (key 14), v0-5. After a rebalance's joins, the leader sends every member's assignment and
// each member receives its own. A follower's request waits (deferred on its connection) until the
// leader's arrives; the rebalance timeout bounds the wait: members that never sync are removed and
// the group rebalances again. v3+ carries group.instance.id; v5+ protocol type and name, checked
// against the group's (INCONSISTENT_GROUP_PROTOCOL) and returned.
import KafkaProtocol

extension ApiHandler {
    /// SyncGroup: a follower's answer waits for the leader's request.
    static let syncGroup = ApiHandler(SyncGroupRequest.self) { broker, request, header, context in
        broker.handleSyncGroup(request, header: header, context: context)
    }
}

extension Broker {
    func handleSyncGroup(_ request: SyncGroupRequest, header: RequestHeader, context: RequestContext) -> BrokerReply {
        let v = header.apiVersion
        let input = SyncGroupInput(
            token: 0, groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
            groupInstanceId: v >= 3 ? request.groupInstanceId : nil, protocolType: v >= 5 ? request.protocolType : nil,
            protocolName: v >= 5 ? request.protocolName : nil,
            assignments: request.assignments.map { ($0.memberId, $0.assignment) })
        return submitGroupEvent(header: header, context: context, encode: { reply -> SyncGroupResponse? in
            guard case .sync(let out) = reply else { return nil }
            return SyncGroupResponse(
                throttleTimeMs: 0, errorCode: out.error.rawValue, protocolType: out.protocolType, protocolName: out.protocolName,
                assignment: out.assignment)
        }) { token in
            var event = input
            event.token = token
            return .sync(event)
        }
    }
}
