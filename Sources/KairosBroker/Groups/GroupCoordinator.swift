import KafkaProtocol

/// The group coordinator as a pure state machine: every group of this broker, their rebalances and
/// committed offsets.
///
/// `event(_:now:)` applies one request or the passing of time and returns what the broker must do:
/// answer requests (now or, for a parked JoinGroup or SyncGroup, later) and append records to the
/// offsets log. Time comes in as `now` (ms); nothing here reads a clock, does I/O or draws random
/// numbers, so a run replays exactly from its events.
struct GroupCoordinator: Sendable {
    let config: GroupConfig
    private(set) var groups: [String: ConsumerGroup] = [:]
    /// Groups that may have a deadline (members or pending member ids): the only ones `tick` visits.
    private var active: Set<String> = []
    private var nextExpiryCheckMs: Int64

    init(config: GroupConfig, now: Int64) {
        self.config = config
        self.nextExpiryCheckMs = now + config.offsetsRetentionCheckIntervalMs
    }

    /// Applies one event; returns the replies and log writes it causes, in the order to perform them.
    mutating func event(_ event: GroupEvent, now: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        switch event {
        case .join(let input):
            join(input, now: now, into: &actions)
            refresh(input.groupId)
        case .sync(let input):
            if groups[input.groupId] == nil {
                actions.append(.reply(input.token, .sync(.failure(.unknownMemberId))))
            } else {
                groups[input.groupId]!.sync(input, config: config, now: now, into: &actions)
            }
            refresh(input.groupId)
        case .heartbeat(let input):
            let code = groups[input.groupId] == nil ? .unknownMemberId : groups[input.groupId]!.heartbeat(input, now: now)
            actions.append(.reply(input.token, .heartbeat(code)))
        case .leave(let input):
            let output: LeaveGroupOutput
            if groups[input.groupId] == nil {
                output = LeaveGroupOutput(error: .none, members: input.members.map { ($0.memberId, $0.groupInstanceId, .unknownMemberId) })
            } else {
                output = groups[input.groupId]!.leave(input, config: config, now: now, into: &actions)
            }
            actions.append(.reply(input.token, .leave(output)))
            refresh(input.groupId)
        case .commit(let input):
            actions.append(.reply(input.token, .commit(commit(input, now: now, into: &actions))))
            refresh(input.groupId)
        case .deleteGroups(let token, let ids):
            var codes: [ErrorCode] = []
            for id in ids { codes.append(deleteGroup(id, into: &actions)) }
            actions.append(.reply(token, .deleteGroups(codes)))
        case .deleteOffsets(let token, let id, let partitions):
            guard groups[id] != nil else {
                actions.append(.reply(token, .deleteOffsets(.groupIdNotFound, [])))
                break
            }
            let (code, codes, records) = groups[id]!.deleteOffsets(partitions)
            if !records.isEmpty { actions.append(.persist(records)) }
            removeIfForgettable(id, into: &actions)
            actions.append(.reply(token, .deleteOffsets(code, codes)))
        case .tick:
            tick(now: now, into: &actions)
        }
        return actions
    }

    // MARK: Requests

    private mutating func join(_ input: JoinGroupInput, now: Int64, into actions: inout [GroupAction]) {
        func fail(_ code: ErrorCode) { actions.append(.reply(input.token, .join(.failure(code, memberId: input.memberId)))) }
        guard !input.groupId.isEmpty else { return fail(.invalidGroupId) }
        guard input.sessionTimeoutMs >= config.minSessionTimeoutMs && input.sessionTimeoutMs <= config.maxSessionTimeoutMs else {
            return fail(.invalidSessionTimeout)
        }
        if groups[input.groupId] == nil {
            // Only a member without an id may create a group; one with an id was in a group now gone.
            guard input.memberId.isEmpty else { return fail(.unknownMemberId) }
            guard groups.count < config.maxGroups else { return fail(.coordinatorNotAvailable) }
            groups[input.groupId] = ConsumerGroup(groupId: input.groupId, now: now)
        }
        groups[input.groupId]!.join(input, config: config, now: now, into: &actions)
        dropIfUnused(input.groupId)
    }

    private mutating func commit(_ input: OffsetCommitInput, now: Int64, into actions: inout [GroupAction]) -> [ErrorCode] {
        if input.groupId.isEmpty {
            return input.partitions.map { $0.exists ? .invalidGroupId : .unknownTopicOrPartition }
        }
        if groups[input.groupId] == nil {
            // A commit from outside group management creates the group that keeps its offsets; one that
            // names a generation comes from a group that is gone.
            let code: ErrorCode? =
                input.generationId >= 0 ? .illegalGeneration : groups.count >= config.maxGroups ? .coordinatorNotAvailable : nil
            if let code { return input.partitions.map { $0.exists ? code : .unknownTopicOrPartition } }
            groups[input.groupId] = ConsumerGroup(groupId: input.groupId, now: now)
        }
        let codes = groups[input.groupId]!.commit(input, config: config, now: now, into: &actions)
        dropIfUnused(input.groupId)
        return codes
    }

    private mutating func deleteGroup(_ id: String, into actions: inout [GroupAction]) -> ErrorCode {
        guard let group = groups[id], group.state != .dead else { return .groupIdNotFound }
        guard group.state == .empty else { return .nonEmptyGroup }
        var records = group.offsets.keys.sorted().map { OffsetLogRecord.offset(groupId: id, partition: $0, value: nil) }
        records.append(.group(groupId: id, value: nil))
        actions.append(.persist(records))
        groups[id] = nil
        active.remove(id)
        return .none
    }

    // MARK: Time

    private mutating func tick(now: Int64, into actions: inout [GroupAction]) {
        for id in active.sorted() {
            groups[id]?.tick(config: config, now: now, into: &actions)
            refresh(id)
        }
        guard now >= nextExpiryCheckMs else { return }
        nextExpiryCheckMs = now + config.offsetsRetentionCheckIntervalMs
        for id in groups.keys.sorted() {
            let tombstones = groups[id]!.expireOffsets(config: config, now: now)
            if !tombstones.isEmpty { actions.append(.persist(tombstones)) }
            removeIfForgettable(id, into: &actions)
        }
    }

    /// An empty group with no offsets left is dead: forget it and log that.
    private mutating func removeIfForgettable(_ id: String, into actions: inout [GroupAction]) {
        guard let group = groups[id], group.state == .empty, group.offsets.isEmpty, group.pendingMembers.isEmpty else { return }
        groups[id] = nil
        active.remove(id)
        actions.append(.persist([.group(groupId: id, value: nil)]))
    }

    /// Forgets a group this request created for nothing (a refused first join or commit).
    private mutating func dropIfUnused(_ id: String) {
        guard let group = groups[id], group.state == .empty, group.generationId == 0, group.members.isEmpty,
              group.pendingMembers.isEmpty, group.offsets.isEmpty
        else { return }
        groups[id] = nil
    }

    private mutating func refresh(_ id: String) {
        if let group = groups[id], group.state != .empty || !group.pendingMembers.isEmpty {
            active.insert(id)
        } else {
            active.remove(id)
        }
    }

    // MARK: Log

    /// Rebuilds the groups from the offsets log, in log order (a group comes back empty: members
    /// rejoin after a restart).
    mutating func load(_ records: [OffsetLogRecord], now: Int64) {
        for record in records {
            switch record {
            case .offset(let id, let tp, let value):
                if let value {
                    groups[id, default: ConsumerGroup(groupId: id, now: now)].offsets[tp] = value
                } else {
                    groups[id]?.offsets[tp] = nil
                }
            case .group(let id, let value):
                if let value {
                    groups[id, default: ConsumerGroup(groupId: id, now: now)].restore(from: value, now: now)
                } else {
                    groups[id] = nil
                }
            }
        }
        active.removeAll()
    }

    /// Every record needed to rebuild the current state (what a snapshot of the log holds).
    var snapshotRecords: [OffsetLogRecord] {
        groups.keys.sorted().flatMap { groups[$0]!.snapshotRecords }
    }

    /// Records a snapshot would hold.
    var liveRecordCount: Int {
        groups.values.reduce(0) { $0 + 1 + $1.offsets.count }
    }
}
