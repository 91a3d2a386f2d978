// JoinGroup (key 11), v0-9. Joins a member to a classic group and answers when the rebalance it
// starts (or is part of) completes: the reply is deferred on the connection until every member has
// rejoined, the rebalance timeout ran out, or (first rebalance of an empty group) the initial delay
// passed. v0 has no rebalance timeout (the session timeout is used). v4+: a member without an id
// gets MEMBER_ID_REQUIRED with one, and joins again with it. v5+: static members
// (group.instance.id). v7+ names the protocol type in the answer. v9's skip_assignment is always
// false (no server-side assignors).
import KafkaProtocol

extension ApiHandler {
    /// JoinGroup: answered when the rebalance completes.
    static let joinGroup = ApiHandler(JoinGroupRequest.self) { broker, request, header, context in
        broker.handleJoinGroup(request, header: header, context: context)
    }
}

extension Broker {
    func handleJoinGroup(_ request: JoinGroupRequest, header: RequestHeader, context: RequestContext) -> BrokerReply {
        let v = header.apiVersion
        let rebalanceTimeoutMs = v >= 1 && request.rebalanceTimeoutMs > 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs
        let input = JoinGroupInput(
            token: 0, groupId: request.groupId, memberId: request.memberId, groupInstanceId: v >= 5 ? request.groupInstanceId : nil,
            clientId: header.clientId ?? "", clientHost: Broker.clientHost(peer: context.peer),
            sessionTimeoutMs: request.sessionTimeoutMs, rebalanceTimeoutMs: rebalanceTimeoutMs, protocolType: request.protocolType,
            protocols: request.protocols.map { GroupMember.SupportedProtocol(name: $0.name, metadata: $0.metadata) },
            requireKnownMemberId: v >= 4, newMemberSuffix: groups.newMemberSuffix())
        return submitGroupEvent(header: header, context: context, encode: { reply -> JoinGroupResponse? in
            guard case .join(let out) = reply else { return nil }
            return JoinGroupResponse(
                throttleTimeMs: 0, errorCode: out.error.rawValue, generationId: out.generationId, protocolType: out.protocolType,
                protocolName: out.protocolName, leader: out.leaderId, skipAssignment: false, memberId: out.memberId,
                members: out.members.map { .init(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, metadata: $0.metadata) })
        }) { token in
            var event = input
            event.token = token
            return .join(event)
        }
    }
}
