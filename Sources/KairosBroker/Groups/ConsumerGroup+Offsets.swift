import KafkaProtocol

extension ConsumerGroup {
    /// Kafka's checks before a commit: members commit with their generation; a commit from outside
    /// group management (generation -1, no member id) only to a group without members.
    func validateCommit(generationId: Int32, memberId: String, instanceId: String?) -> ErrorCode? {
        if state == .dead { return .coordinatorNotAvailable }
        if generationId >= 0 || !memberId.isEmpty || instanceId != nil {
            if let error = validateMember(memberId, instanceId: instanceId) { return error }
            if generationId != self.generationId { return .illegalGeneration }
            // The member knows the new generation but has no assignment yet: its offsets would be
            // for partitions it may lose.
            if state == .completingRebalance { return .rebalanceInProgress }
            return nil
        }
        return state == .empty ? nil : .unknownMemberId
    }

    /// OffsetCommit: stores the offsets that pass the checks and logs them; one code per partition.
    mutating func commit(_ input: OffsetCommitInput, config: GroupConfig, now: Int64, into actions: inout [GroupAction]) -> [ErrorCode] {
        let groupError = input.fromTransaction
            ? (state == .dead ? .coordinatorNotAvailable : nil)
            : validateCommit(generationId: input.generationId, memberId: input.memberId, instanceId: input.groupInstanceId)
        if groupError == nil, members[input.memberId] != nil { members[input.memberId]!.touch(now: now) }
        var codes: [ErrorCode] = []
        codes.reserveCapacity(input.partitions.count)
        var records: [OffsetLogRecord] = []
        for p in input.partitions {
            if !p.exists {
                codes.append(.unknownTopicOrPartition)
            } else if let groupError {
                codes.append(groupError)
            } else if (p.metadata?.utf8.count ?? 0) > config.offsetMetadataMaxBytes {
                codes.append(.offsetMetadataTooLarge)
            } else {
                let value = CommittedOffset(
                    offset: p.offset, leaderEpoch: p.leaderEpoch, metadata: p.metadata ?? "",
                    commitTimestampMs: p.commitTimestampMs >= 0 ? p.commitTimestampMs : now,
                    expireTimestampMs: input.retentionTimeMs >= 0 ? now &+ input.retentionTimeMs : nil)
                offsets[p.partition] = value
                records.append(.offset(groupId: groupId, partition: p.partition, value: value))
                codes.append(.none)
            }
        }
        if !records.isEmpty { actions.append(.persist(records)) }
        return codes
    }

    /// Removes offsets past their retention (Kafka's rules, KIP-211): an empty group's expire
    /// `offsets.retention.minutes` after it became empty (after their commit, for a group that never had
    /// members); a stable consumer group's expire that long after their commit when no member subscribes
    /// to their topic; an offset committed with its own retention expires at that time. Returns the tombstones.
    mutating func expireOffsets(config: GroupConfig, now: Int64) -> [OffsetLogRecord] {
        var unsubscribedOnly: Set<String>?
        let base: (CommittedOffset) -> Int64
        switch state {
        case .empty:
            let since = stateTimestampMs
            base = protocolType == nil ? { $0.commitTimestampMs } : { _ in since }
        case .stable where protocolType == ConsumerSubscription.protocolType && subscribedTopics != nil:
            unsubscribedOnly = subscribedTopics
            base = { $0.commitTimestampMs }
        default:
            return []
        }
        var tombstones: [OffsetLogRecord] = []
        for tp in offsets.keys.sorted() {
            let offset = offsets[tp]!
            if let subscribed = unsubscribedOnly, subscribed.contains(tp.topic) { continue }
            let expired = offset.expireTimestampMs.map { now >= $0 } ?? (now &- base(offset) >= config.offsetsRetentionMs)
            if expired {
                offsets[tp] = nil
                tombstones.append(.offset(groupId: groupId, partition: tp, value: nil))
            }
        }
        return tombstones
    }

    /// OffsetDelete on a group that exists: an empty group loses the offsets; a consumer group keeps
    /// those of topics its members subscribe to (GROUP_SUBSCRIBED_TO_TOPIC); other groups with members
    /// refuse (NON_EMPTY_GROUP).
    mutating func deleteOffsets(_ partitions: [GroupTopicPartition]) -> (ErrorCode, [ErrorCode], [OffsetLogRecord]) {
        if state == .dead { return (.groupIdNotFound, [], []) }
        let isConsumer = protocolType == ConsumerSubscription.protocolType
        if state != .empty && !isConsumer { return (.nonEmptyGroup, [], []) }
        var codes: [ErrorCode] = []
        var records: [OffsetLogRecord] = []
        for tp in partitions {
            if state != .empty, subscribedTopics?.contains(tp.topic) == true {
                codes.append(.groupSubscribedToTopic)
                continue
            }
            if offsets.removeValue(forKey: tp) != nil {
                records.append(.offset(groupId: groupId, partition: tp, value: nil))
            }
            codes.append(.none)
        }
        return (.none, codes, records)
    }

    /// Every record the log needs to rebuild this group (for a snapshot).
    var snapshotRecords: [OffsetLogRecord] {
        var records: [OffsetLogRecord] = [.group(groupId: groupId, value: record)]
        for tp in offsets.keys.sorted() { records.append(.offset(groupId: groupId, partition: tp, value: offsets[tp])) }
        return records
    }
}
