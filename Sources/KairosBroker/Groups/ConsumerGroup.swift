import KafkaProtocol
import NIOCore

/// One classic group: its members, generation, rebalance progress and committed offsets.
///
/// A value, changed only through the coordinator's events; the mutating methods append the replies
/// and log writes they cause to `actions`. The rebalance core lives here (prepare, complete join,
/// remove a member); the request handling in the `ConsumerGroup+*.swift` extensions.
struct ConsumerGroup: Sendable {
    let groupId: String
    private(set) var state: GroupState = .empty
    /// When the group entered its current state (offsets of an empty group expire from here).
    private(set) var stateTimestampMs: Int64
    var generationId: Int32 = 0
    /// The members' protocol type ("consumer" for Kafka consumers); nil for a group that only stores offsets.
    var protocolType: String?
    /// The protocol chosen for the current generation.
    var protocolName: String?
    var leaderId: String?
    var members: [String: GroupMember] = [:]
    /// Member ids in joining order: replies and leader choice follow it, so runs replay exactly.
    var memberOrder: [String] = []
    /// Ids handed out with MEMBER_ID_REQUIRED, waiting for their second JoinGroup, with when they lapse.
    var pendingMembers: [String: Int64] = [:]
    /// group.instance.id -> member id, for static members.
    var staticMembers: [String: String] = [:]
    var offsets: [GroupTopicPartition: CommittedOffset] = [:]
    /// The topics every member of a "consumer" group subscribes to, nil when unknown.
    var subscribedTopics: Set<String>?

    /// PreparingRebalance: when the join phase ends even if not everyone rejoined.
    var joinDeadlineMs: Int64?
    /// The first rebalance of an empty group waits `group.initial.rebalance.delay.ms` for more members.
    var inInitialDelay = false
    var newMemberAdded = false
    var initialDelayRemainingMs: Int64 = 0
    /// CompletingRebalance / Stable: members that have not sent SyncGroup for this generation yet, and
    /// when they are removed for it.
    var pendingSyncMembers: Set<String> = []
    var syncDeadlineMs: Int64?

    init(groupId: String, now: Int64) {
        self.groupId = groupId
        self.stateTimestampMs = now
    }

    mutating func transition(to newState: GroupState, now: Int64) {
        state = newState
        stateTimestampMs = now
    }

    /// Puts back the state a log replay found.
    mutating func restore(from record: GroupRecordValue, now: Int64) {
        protocolType = record.protocolType.isEmpty ? nil : record.protocolType
        generationId = record.generationId
        state = .empty
        stateTimestampMs = record.emptySinceMs >= 0 ? record.emptySinceMs : now
    }

    /// The record that keeps this group's generation and empty time across restarts.
    var record: GroupRecordValue {
        GroupRecordValue(
            protocolType: protocolType ?? "", generationId: generationId, protocolName: protocolName, leaderId: leaderId,
            emptySinceMs: state == .empty ? stateTimestampMs : -1)
    }

    // MARK: Membership

    /// The longest rebalance timeout of the members: how long a rebalance may take.
    var rebalanceTimeoutMs: Int64 {
        Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0)
    }

    var hasAllMembersJoined: Bool {
        pendingMembers.isEmpty && members.values.allSatisfy(\.isAwaitingJoin)
    }

    /// True when `memberId` does not hold `groupInstanceId`, which another member holds now.
    func isFenced(instanceId: String?, memberId: String) -> Bool {
        guard let instanceId, let current = staticMembers[instanceId] else { return false }
        return current != memberId
    }

    /// Kafka's check that a request comes from a current member: FENCED_INSTANCE_ID or UNKNOWN_MEMBER_ID.
    func validateMember(_ memberId: String, instanceId: String?) -> ErrorCode? {
        if isFenced(instanceId: instanceId, memberId: memberId) { return .fencedInstanceId }
        if members[memberId] == nil { return .unknownMemberId }
        if let instanceId, staticMembers[instanceId] == nil { return .unknownMemberId }
        return nil
    }

    /// Whether a member with these protocols may join: the first member sets the type, later ones must
    /// match it and share at least one protocol with every member.
    func supportsProtocols(type: String, names: [String]) -> Bool {
        if members.isEmpty { return !type.isEmpty && !names.isEmpty }
        guard protocolType == type else { return false }
        return names.contains { name in members.values.allSatisfy { m in m.protocols.contains { $0.name == name } } }
    }

    /// The protocol for the next generation: among those every member supports, the one most members
    /// prefer (each votes for its first supported choice); ties go to the earliest member's preference.
    func selectProtocol() -> String? {
        let all = memberOrder.compactMap { members[$0] }
        guard let first = all.first else { return nil }
        let candidates = first.protocols.map(\.name).filter { name in all.allSatisfy { m in m.protocols.contains { $0.name == name } } }
        var votes: [String: Int] = [:]
        for m in all {
            if let pick = m.protocols.first(where: { candidates.contains($0.name) }) { votes[pick.name, default: 0] += 1 }
        }
        var best: String?
        for name in candidates where best == nil || votes[name, default: 0] > votes[best!, default: 0] { best = name }
        return best ?? first.protocols.first?.name
    }

    mutating func addMember(_ member: GroupMember) {
        if members.isEmpty { protocolType = member.protocolType }
        members[member.memberId] = member
        memberOrder.append(member.memberId)
        if let instanceId = member.groupInstanceId { staticMembers[instanceId] = member.memberId }
        if leaderId == nil { leaderId = member.memberId }
    }

    /// Takes a member out, answering its parked requests with UNKNOWN_MEMBER_ID; no rebalance here.
    mutating func dropMember(_ memberId: String, into actions: inout [GroupAction]) {
        guard let member = members.removeValue(forKey: memberId) else { return }
        memberOrder.removeAll { $0 == memberId }
        if let instanceId = member.groupInstanceId, staticMembers[instanceId] == memberId { staticMembers[instanceId] = nil }
        if let token = member.joinToken { actions.append(.reply(token, .join(.failure(.unknownMemberId, memberId: memberId)))) }
        if let token = member.syncToken { actions.append(.reply(token, .sync(.failure(.unknownMemberId)))) }
        pendingSyncMembers.remove(memberId)
        if leaderId == memberId { leaderId = memberOrder.first }
    }

    /// A member left or timed out: remove it and move the group on (Kafka's removeMemberAndUpdateGroup).
    mutating func removeMember(_ memberId: String, config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        dropMember(memberId, into: &actions)
        switch state {
        case .dead, .empty: break
        case .stable, .completingRebalance: prepareRebalance(config: config, now: now, into: &actions)
        case .preparingRebalance: tryCompleteJoin(config: config, now: now, into: &actions)
        }
    }

    // MARK: Rebalance

    /// Starts a rebalance unless one is collecting joins already.
    mutating func maybePrepareRebalance(config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        if state == .stable || state == .completingRebalance || state == .empty {
            prepareRebalance(config: config, now: now, into: &actions)
        }
    }

    /// Enters PreparingRebalance: members waiting for an assignment are told to rejoin, and the join
    /// phase gets its deadline (the initial delay for an empty group, else the rebalance timeout).
    mutating func prepareRebalance(config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        if state == .completingRebalance {
            for id in memberOrder {
                members[id]!.assignment = ByteBuffer()
                if let token = members[id]!.syncToken {
                    members[id]!.syncToken = nil
                    actions.append(.reply(token, .sync(.failure(.rebalanceInProgress))))
                }
            }
        }
        pendingSyncMembers = []
        syncDeadlineMs = nil
        let timeout = rebalanceTimeoutMs
        if state == .empty && config.initialRebalanceDelayMs > 0 {
            let delay = min(config.initialRebalanceDelayMs, timeout)
            inInitialDelay = true
            newMemberAdded = false
            initialDelayRemainingMs = max(timeout - config.initialRebalanceDelayMs, 0)
            joinDeadlineMs = now + delay
        } else {
            inInitialDelay = false
            joinDeadlineMs = now + timeout
        }
        transition(to: .preparingRebalance, now: now)
        tryCompleteJoin(config: config, now: now, into: &actions)
    }

    /// Completes the join phase once every member (and every pending member id) has joined; during the
    /// initial delay only its deadline completes it.
    mutating func tryCompleteJoin(config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        guard state == .preparingRebalance, !inInitialDelay, hasAllMembersJoined else { return }
        completeJoin(config: config, now: now, into: &actions)
    }

    /// Ends the join phase: dynamic members that did not rejoin are dropped, the generation moves on,
    /// and every parked JoinGroup is answered (the leader gets the members' metadata).
    mutating func completeJoin(config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        precondition(state == .preparingRebalance, "completing a join outside PreparingRebalance")
        for id in memberOrder where !members[id]!.isAwaitingJoin && !members[id]!.isStatic {
            dropMember(id, into: &actions)
        }
        inInitialDelay = false
        joinDeadlineMs = nil
        if members.isEmpty {
            generationId &+= 1
            protocolName = nil
            leaderId = nil
            subscribedTopics = nil
            transition(to: .empty, now: now)
            actions.append(.persist([.group(groupId: groupId, value: record)]))
            return
        }
        if leaderId.flatMap({ members[$0]?.isAwaitingJoin }) != true {
            guard let joined = memberOrder.first(where: { members[$0]!.isAwaitingJoin }) else {
                // Only static members that have not rejoined are left: give them another rebalance
                // timeout to come back or to expire.
                joinDeadlineMs = now + rebalanceTimeoutMs
                return
            }
            leaderId = joined
        }
        generationId &+= 1
        protocolName = selectProtocol()
        subscribedTopics = computeSubscribedTopics()
        transition(to: .completingRebalance, now: now)
        let leader = leaderId!
        let protocolName = protocolName ?? ""
        let view = memberOrder.map { id in
            JoinGroupOutput.Member(memberId: id, groupInstanceId: members[id]!.groupInstanceId, metadata: members[id]!.metadata(for: protocolName))
        }
        for id in memberOrder {
            guard let token = members[id]!.joinToken else { continue }
            members[id]!.touch(now: now)
            members[id]!.joinToken = nil
            members[id]!.isNew = false
            actions.append(.reply(token, .join(currentJoinResult(for: id, includeMembers: id == leader, view: view))))
        }
        pendingSyncMembers = Set(memberOrder)
        syncDeadlineMs = now + rebalanceTimeoutMs
        actions.append(.persist([.group(groupId: groupId, value: record)]))
    }

    /// The JoinGroup answer describing the current generation.
    func currentJoinResult(for memberId: String, includeMembers: Bool, view: [JoinGroupOutput.Member]? = nil) -> JoinGroupOutput {
        var members: [JoinGroupOutput.Member] = []
        if includeMembers {
            members = view ?? memberOrder.map { id in
                JoinGroupOutput.Member(
                    memberId: id, groupInstanceId: self.members[id]!.groupInstanceId,
                    metadata: self.members[id]!.metadata(for: protocolName ?? ""))
            }
        }
        return JoinGroupOutput(
            error: .none, generationId: generationId, protocolType: protocolType, protocolName: protocolName,
            leaderId: leaderId ?? "", memberId: memberId, members: members)
    }

    private func computeSubscribedTopics() -> Set<String>? {
        guard protocolType == ConsumerSubscription.protocolType, let protocolName else { return nil }
        var topics = Set<String>()
        for m in members.values {
            guard let subscribed = ConsumerSubscription.topics(m.metadata(for: protocolName)) else { return nil }
            topics.formUnion(subscribed)
        }
        return topics
    }
}
