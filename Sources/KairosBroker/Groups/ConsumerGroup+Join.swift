import KafkaProtocol
import NIOCore

/// The newest member of a fresh group gets this long to finish its first rebalance (Kafka's 5 minutes):
/// a client that gave up on its JoinGroup and retries must not leave a defunct member forever.
let newMemberJoinTimeoutMs: Int64 = 300_000

extension ConsumerGroup {
    /// JoinGroup, after the coordinator found or created the group (Kafka's doJoinGroup).
    mutating func join(_ input: JoinGroupInput, config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        func fail(_ code: ErrorCode) {
            actions.append(.reply(input.token, .join(.failure(code, memberId: input.memberId))))
        }
        if state == .dead { return fail(.coordinatorNotAvailable) }
        guard supportsProtocols(type: input.protocolType, names: input.protocols.map(\.name)) else {
            return fail(.inconsistentGroupProtocol)
        }
        // Only a join without an id adds an entry (a pending id becomes its member; a returning static
        // member takes its old place), so only it can overfill the group.
        let returningStatic = input.groupInstanceId.map { staticMembers[$0] != nil } ?? false
        if input.memberId.isEmpty && !returningStatic && members.count + pendingMembers.count >= config.maxGroupSize {
            return fail(.groupMaxSizeReached)
        }
        if input.memberId.isEmpty {
            joinNewMember(input, config: config, now: now, into: &actions)
        } else {
            joinKnownMember(input, config: config, now: now, into: &actions)
        }
        if state == .preparingRebalance { tryCompleteJoin(config: config, now: now, into: &actions) }
    }

    private mutating func joinNewMember(_ input: JoinGroupInput, config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        if let instanceId = input.groupInstanceId {
            let newId = "\(instanceId)-\(input.newMemberSuffix)"
            if let oldId = staticMembers[instanceId] {
                replaceStaticMember(instanceId: instanceId, oldId: oldId, newId: newId, input: input, config: config, now: now, into: &actions)
            } else {
                addMemberAndRebalance(memberId: newId, input: input, config: config, now: now, into: &actions)
            }
            return
        }
        let newId = "\(input.clientId)-\(input.newMemberSuffix)"
        if input.requireKnownMemberId {
            // Hand out the id first: the member joins again with it, so a client that retries a timed
            // out JoinGroup does not leave a member behind for each attempt.
            pendingMembers[newId] = now + Int64(input.sessionTimeoutMs)
            actions.append(.reply(input.token, .join(.failure(.memberIdRequired, memberId: newId))))
        } else {
            addMemberAndRebalance(memberId: newId, input: input, config: config, now: now, into: &actions)
        }
    }

    private mutating func joinKnownMember(_ input: JoinGroupInput, config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        let memberId = input.memberId
        if pendingMembers.removeValue(forKey: memberId) != nil {
            addMemberAndRebalance(memberId: memberId, input: input, config: config, now: now, into: &actions)
            return
        }
        if let error = validateMember(memberId, instanceId: input.groupInstanceId) {
            actions.append(.reply(input.token, .join(.failure(error, memberId: memberId))))
            return
        }
        let member = members[memberId]!
        switch state {
        case .preparingRebalance:
            updateMemberAndRebalance(input, config: config, now: now, into: &actions)
        case .completingRebalance:
            if member.sameProtocols(input.protocols) {
                // The member lost our JoinGroup answer: tell it again.
                actions.append(.reply(input.token, .join(currentJoinResult(for: memberId, includeMembers: memberId == leaderId))))
            } else {
                updateMemberAndRebalance(input, config: config, now: now, into: &actions)
            }
        case .stable:
            if memberId == leaderId || !member.sameProtocols(input.protocols) {
                // The leader rejoins to have the group reassigned (e.g. topic metadata changed).
                updateMemberAndRebalance(input, config: config, now: now, into: &actions)
            } else {
                actions.append(.reply(input.token, .join(currentJoinResult(for: memberId, includeMembers: false))))
            }
        case .empty, .dead:
            actions.append(.reply(input.token, .join(.failure(.unknownMemberId, memberId: memberId))))
        }
    }

    private mutating func addMemberAndRebalance(
        memberId: String, input: JoinGroupInput, config: GroupConfig, now: Int64, into actions: inout [GroupAction]
    ) {
        var member = GroupMember(
            memberId: memberId, groupInstanceId: input.groupInstanceId, clientId: input.clientId, clientHost: input.clientHost,
            sessionTimeoutMs: input.sessionTimeoutMs, rebalanceTimeoutMs: input.rebalanceTimeoutMs,
            protocolType: input.protocolType, protocols: input.protocols, joinToken: input.token, isNew: true,
            heartbeatDeadlineMs: now + newMemberJoinTimeoutMs)
        member.isNew = true
        if state == .preparingRebalance && inInitialDelay { newMemberAdded = true }
        addMember(member)
        maybePrepareRebalance(config: config, now: now, into: &actions)
    }

    private mutating func updateMemberAndRebalance(
        _ input: JoinGroupInput, config: GroupConfig, now: Int64, into actions: inout [GroupAction]
    ) {
        setJoinToken(input, of: input.memberId, into: &actions)
        maybePrepareRebalance(config: config, now: now, into: &actions)
    }

    /// Updates a member from its JoinGroup and parks the request (answering any older one it replaces).
    private mutating func setJoinToken(_ input: JoinGroupInput, of memberId: String, into actions: inout [GroupAction]) {
        if let old = members[memberId]!.joinToken {
            actions.append(.reply(old, .join(.failure(.rebalanceInProgress, memberId: memberId))))
        }
        members[memberId]!.protocols = input.protocols
        members[memberId]!.rebalanceTimeoutMs = input.rebalanceTimeoutMs
        members[memberId]!.sessionTimeoutMs = input.sessionTimeoutMs
        members[memberId]!.joinToken = input.token
    }

    /// A static member came back without its member id (a restarted process): it takes over the old
    /// member's place under a new id; the old id is fenced. A stable group is not rebalanced unless the
    /// protocol would change: the member gets its old assignment through SyncGroup.
    private mutating func replaceStaticMember(
        instanceId: String, oldId: String, newId: String, input: JoinGroupInput, config: GroupConfig, now: Int64,
        into actions: inout [GroupAction]
    ) {
        let currentLeader = leaderId ?? ""
        var member = members.removeValue(forKey: oldId)!
        if let token = member.joinToken { actions.append(.reply(token, .join(.failure(.fencedInstanceId, memberId: oldId)))) }
        if let token = member.syncToken { actions.append(.reply(token, .sync(.failure(.fencedInstanceId)))) }
        member.joinToken = nil
        member.syncToken = nil
        member.memberId = newId
        member.clientId = input.clientId
        member.clientHost = input.clientHost
        members[newId] = member
        memberOrder = memberOrder.map { $0 == oldId ? newId : $0 }
        if leaderId == oldId { leaderId = newId }
        staticMembers[instanceId] = newId
        if pendingSyncMembers.remove(oldId) != nil { pendingSyncMembers.insert(newId) }
        members[newId]!.touch(now: now)
        setJoinToken(input, of: newId, into: &actions)
        switch state {
        case .stable:
            if protocolName != nil && selectProtocol() == protocolName {
                members[newId]!.joinToken = nil
                // The old leader id, so that a returning leader does not compute an assignment that a
                // stable group would never hand out.
                var result = currentJoinResult(for: newId, includeMembers: false)
                result.leaderId = currentLeader
                actions.append(.reply(input.token, .join(result)))
            } else {
                maybePrepareRebalance(config: config, now: now, into: &actions)
            }
        case .completingRebalance:
            maybePrepareRebalance(config: config, now: now, into: &actions)
        case .preparingRebalance, .empty, .dead:
            break
        }
    }
}
