import KafkaProtocol
import NIOCore

extension ConsumerGroup {
    /// SyncGroup: the leader's request hands out the assignment and makes the group Stable; the
    /// others wait for it (or, once Stable, get their assignment at once).
    mutating func sync(_ input: SyncGroupInput, config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        func fail(_ code: ErrorCode) { actions.append(.reply(input.token, .sync(.failure(code)))) }
        if state == .dead { return fail(.coordinatorNotAvailable) }
        if let error = validateMember(input.memberId, instanceId: input.groupInstanceId) { return fail(error) }
        if input.generationId != generationId { return fail(.illegalGeneration) }
        if let type = input.protocolType, type != protocolType { return fail(.inconsistentGroupProtocol) }
        if let name = input.protocolName, name != protocolName { return fail(.inconsistentGroupProtocol) }
        let memberId = input.memberId
        switch state {
        case .empty, .dead:
            fail(.unknownMemberId)
        case .preparingRebalance:
            fail(.rebalanceInProgress)
        case .completingRebalance:
            if let old = members[memberId]!.syncToken {
                actions.append(.reply(old, .sync(.failure(.rebalanceInProgress))))
            }
            members[memberId]!.syncToken = input.token
            markSynced(memberId)
            guard memberId == leaderId else { return }
            // Members the leader left out get an empty assignment; ids it made up are ignored.
            var assigned: [String: ByteBuffer] = [:]
            for a in input.assignments where members[a.memberId] != nil { assigned[a.memberId] = a.assignment }
            for id in memberOrder {
                members[id]!.assignment = assigned[id] ?? ByteBuffer()
                if let token = members[id]!.syncToken {
                    members[id]!.syncToken = nil
                    members[id]!.touch(now: now)
                    actions.append(.reply(token, .sync(currentSyncResult(for: id))))
                }
            }
            transition(to: .stable, now: now)
        case .stable:
            markSynced(memberId)
            members[memberId]!.touch(now: now)
            actions.append(.reply(input.token, .sync(currentSyncResult(for: memberId))))
        }
    }

    private mutating func markSynced(_ memberId: String) {
        pendingSyncMembers.remove(memberId)
        if pendingSyncMembers.isEmpty { syncDeadlineMs = nil }
    }

    private func currentSyncResult(for memberId: String) -> SyncGroupOutput {
        SyncGroupOutput(error: .none, protocolType: protocolType, protocolName: protocolName, assignment: members[memberId]!.assignment)
    }

    /// Heartbeat: keeps the session alive and tells the member when it must rejoin.
    mutating func heartbeat(_ input: HeartbeatInput, now: Int64) -> ErrorCode {
        if state == .dead { return .coordinatorNotAvailable }
        if let error = validateMember(input.memberId, instanceId: input.groupInstanceId) { return error }
        if input.generationId != generationId { return .illegalGeneration }
        switch state {
        case .empty, .dead:
            return .unknownMemberId
        case .completingRebalance, .stable:
            members[input.memberId]!.touch(now: now)
            return .none
        case .preparingRebalance:
            members[input.memberId]!.touch(now: now)
            return .rebalanceInProgress
        }
    }

    /// LeaveGroup: each member named (by member id, or by instance id alone) leaves at once, which
    /// starts a rebalance for the others.
    mutating func leave(_ input: LeaveGroupInput, config: GroupConfig, now: Int64, into actions: inout [GroupAction]) -> LeaveGroupOutput {
        if state == .dead { return LeaveGroupOutput(error: .coordinatorNotAvailable, members: []) }
        var results: [(memberId: String, groupInstanceId: String?, error: ErrorCode)] = []
        for leaving in input.members {
            var error = ErrorCode.none
            if leaving.memberId.isEmpty {
                if let instanceId = leaving.groupInstanceId, let current = staticMembers[instanceId] {
                    removeMember(current, config: config, now: now, into: &actions)
                } else {
                    error = .unknownMemberId
                }
            } else if pendingMembers.removeValue(forKey: leaving.memberId) != nil {
                if state == .preparingRebalance { tryCompleteJoin(config: config, now: now, into: &actions) }
            } else if let invalid = validateMember(leaving.memberId, instanceId: leaving.groupInstanceId) {
                error = invalid
            } else {
                removeMember(leaving.memberId, config: config, now: now, into: &actions)
            }
            results.append((leaving.memberId, leaving.groupInstanceId, error))
        }
        return LeaveGroupOutput(error: .none, members: results)
    }
}
