extension ConsumerGroup {
    /// Time passed: lapsed member ids, ended sessions, the join and sync deadlines.
    mutating func tick(config: GroupConfig, now: Int64, into actions: inout [GroupAction]) {
        let lapsed = pendingMembers.filter { now >= $0.value }.map(\.key)
        if !lapsed.isEmpty {
            for id in lapsed { pendingMembers[id] = nil }
            tryCompleteJoin(config: config, now: now, into: &actions)
        }
        for id in memberOrder {
            guard let member = members[id], sessionEnded(member, now: now) else { continue }
            removeMember(id, config: config, now: now, into: &actions)
        }
        if state == .preparingRebalance, let deadline = joinDeadlineMs, now >= deadline {
            if inInitialDelay && newMemberAdded && initialDelayRemainingMs > 0 {
                // Members are still arriving: wait another delay, within the rebalance timeout.
                let delay = min(config.initialRebalanceDelayMs, initialDelayRemainingMs)
                initialDelayRemainingMs -= delay
                newMemberAdded = false
                joinDeadlineMs = now + delay
            } else {
                inInitialDelay = false
                completeJoin(config: config, now: now, into: &actions)
            }
        }
        if state == .completingRebalance || state == .stable, let deadline = syncDeadlineMs, now >= deadline {
            syncDeadlineMs = nil
            let late = memberOrder.filter { pendingSyncMembers.contains($0) }
            if !late.isEmpty {
                // Without this a leader that never syncs would hold the group in CompletingRebalance.
                for id in late { dropMember(id, into: &actions) }
                prepareRebalance(config: config, now: now, into: &actions)
            }
        }
    }

    /// A member parked in JoinGroup or SyncGroup cannot heartbeat, so the rebalance and sync deadlines
    /// bound it instead; only a brand-new member's first join has a limit of its own.
    private func sessionEnded(_ member: GroupMember, now: Int64) -> Bool {
        if member.isAwaitingJoin { return member.isNew && now >= member.heartbeatDeadlineMs }
        if member.isAwaitingSync { return false }
        return now >= member.heartbeatDeadlineMs
    }

    /// The earliest time `tick` has something to do for this group, nil when nothing is scheduled.
    var nextDeadlineMs: Int64? {
        var next: Int64?
        func consider(_ t: Int64?) { if let t, next == nil || t < next! { next = t } }
        consider(joinDeadlineMs)
        consider(syncDeadlineMs)
        for t in pendingMembers.values { consider(t) }
        for m in members.values { consider(m.heartbeatDeadlineMs) }
        return next
    }
}
