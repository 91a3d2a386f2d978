import KafkaProtocol
import NIOCore

extension KafkaConsumer {
    private var groupId: String { config.groupId! }

    private static let coordinatorErrors: Set<ErrorCode> = [.notCoordinator, .coordinatorNotAvailable, .coordinatorLoadInProgress]

    // MARK: Offsets

    /// Commits the current positions of the assigned partitions.
    public func commit() async throws {
        let offsets = assignment.compactMap { tp in position(tp).map { (tp, $0) } }
        try await commit(Dictionary(uniqueKeysWithValues: offsets))
    }

    /// Commits these offsets (each the offset of the next record to read) for `group.id`.
    public func commit(_ offsets: [TopicPartition: Int64]) async throws {
        try checkOpen()
        guard config.groupId != nil else { throw KafkaClientError.invalidConfiguration("commit needs group.id") }
        if let fenced = group.fenced { throw fenced }
        guard !offsets.isEmpty else { return }
        let groupId = self.groupId, instance = config.groupInstanceId
        let generation = group.member.generationId, member = group.member.memberId
        let cluster = self.cluster
        do {
            try await commitOnce(offsets, groupId: groupId, generation: generation, member: member, instance: instance,
                                 cluster: cluster)
        } catch {
            // Written without a `catch let ... where` pattern: that form crashes the 6.3 optimizer here (ownership
            // verification in CopyPropagation) in release builds.
            if (error as? KafkaClientError)?.errorCode == .fencedInstanceId {
                markFenced()
                if let fenced = group.fenced { throw fenced }
            }
            throw error
        }
        lastAutoCommit = .now
    }

    private nonisolated func commitOnce(
        _ offsets: [TopicPartition: Int64], groupId: String, generation: Int32, member: String, instance: String?,
        cluster: KafkaCluster
    ) async throws {
        try await cluster.withRetries("OffsetCommit") {
            let connection = try await cluster.coordinatorConnection(group: groupId)
            let topics = Dictionary(grouping: offsets, by: { $0.key.topic }).sorted { $0.key < $1.key }.map { topic, entries in
                OffsetCommitRequest.OffsetCommitRequestTopic(name: topic, partitions: entries.sorted { $0.key < $1.key }.map {
                    .init(partitionIndex: $0.key.partition, committedOffset: $0.value, committedLeaderEpoch: -1,
                          commitTimestamp: -1, committedMetadata: "")
                })
            }
            let response = try await connection.send(OffsetCommitRequest(
                groupId: groupId, generationIdOrMemberEpoch: generation, memberId: member, groupInstanceId: instance,
                retentionTimeMs: -1, topics: topics))
            for topic in response.topics {
                for partition in topic.partitions where partition.errorCode != 0 {
                    let code = ErrorCode(partition.errorCode)
                    if Self.coordinatorErrors.contains(code) { cluster.forgetCoordinator(group: groupId) }
                    throw KafkaClientError.broker(code, message: "commit \(topic.name)-\(partition.partitionIndex)")
                }
            }
        }
    }

    /// This static member was replaced by another with its `group.instance.id`: it stops heartbeating, gives up
    /// its partitions and fails every later poll and commit (Kafka's FencedInstanceIdException is fatal too).
    func markFenced() {
        let instance = config.groupInstanceId ?? ""
        let error = KafkaClientError.broker(
            .fencedInstanceId, message: "group.instance.id \(instance) of group \(groupId) was taken by another member")
        guard group.event(.fenced(error)) == .fence else { return }
        heartbeatTask?.cancel()
        heartbeatTask = nil
        setAssignment([])
    }

    /// The committed offsets of `group.id` for these partitions; -1 where nothing is committed.
    public func committedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        guard config.groupId != nil else { throw KafkaClientError.invalidConfiguration("committed offsets need group.id") }
        guard !partitions.isEmpty else { return [:] }
        let groupId = self.groupId, cluster = self.cluster
        return try await cluster.withRetries("OffsetFetch") {
            let connection = try await cluster.coordinatorConnection(group: groupId)
            let version = try connection.version(of: .offsetFetch)
            let byTopic = Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }
            var request = OffsetFetchRequest(groupId: groupId)
            if version >= 8 {
                request.groups = [.init(groupId: groupId, topics: byTopic.map { .init(name: $0.key, partitionIndexes: $0.value.map(\.partition)) })]
            } else {
                request.topics = byTopic.map { .init(name: $0.key, partitionIndexes: $0.value.map(\.partition)) }
            }
            let response = try await connection.send(request, version: version)
            var found: [TopicPartition: Int64] = [:]
            var groupError = ErrorCode(response.errorCode)
            if version >= 8 {
                guard let group = response.groups.first else {
                    throw KafkaClientError.protocolViolation("OffsetFetch answered no group")
                }
                groupError = ErrorCode(group.errorCode)
                for topic in group.topics {
                    for p in topic.partitions {
                        if p.errorCode != 0 { throw KafkaClientError.broker(ErrorCode(p.errorCode), message: "\(topic.name)-\(p.partitionIndex)") }
                        found[TopicPartition(topic: topic.name, partition: p.partitionIndex)] = p.committedOffset
                    }
                }
            } else {
                for topic in response.topics {
                    for p in topic.partitions {
                        if p.errorCode != 0 { throw KafkaClientError.broker(ErrorCode(p.errorCode), message: "\(topic.name)-\(p.partitionIndex)") }
                        found[TopicPartition(topic: topic.name, partition: p.partitionIndex)] = p.committedOffset
                    }
                }
            }
            if groupError != .none {
                if Self.coordinatorErrors.contains(groupError) { cluster.forgetCoordinator(group: groupId) }
                throw KafkaClientError.broker(groupError, message: "group \(groupId)")
            }
            return found
        }
    }

    func autoCommitIfDue() async throws {
        guard config.enableAutoCommit, config.groupId != nil, !assignment.isEmpty,
              ContinuousClock.now - lastAutoCommit >= .milliseconds(config.autoCommitIntervalMs) else { return }
        do {
            try await commit()
        } catch let error as KafkaClientError {
            // Auto commits are best effort, as in Kafka: a rebalance may have taken the partitions away.
            logger.debug("auto commit failed: \(error)")
            lastAutoCommit = .now
        }
    }

    // MARK: Membership

    /// Joins (or rejoins) the group: JoinGroup, the leader assigns, SyncGroup, then the new assignment applies.
    /// With an eager assignor every partition is given up first; with cooperative-sticky only those that move,
    /// and a second round follows when any did.
    func joinGroup() async throws {
        let groupId = self.groupId
        let cooperative = config.assignors.allSatisfy(\.isCooperative)
        if !cooperative && !assignment.isEmpty {
            if config.enableAutoCommit { try? await commit() }
            setAssignment([])
        }
        let deadline = ContinuousClock.now + .milliseconds(max(config.maxPollIntervalMs, config.client.defaultApiTimeoutMs))
        while true {
            do {
                try await joinOnce()
                startHeartbeats()
                return
            } catch let error as KafkaClientError {
                guard let code = error.errorCode else {
                    if error.isRetriable, ContinuousClock.now < deadline {
                        cluster.forgetCoordinator(group: groupId)
                        try await Task.sleep(for: .milliseconds(config.client.retryBackoffMs))
                        continue
                    }
                    throw error
                }
                switch code {
                case .memberIdRequired, .rebalanceInProgress:
                    continue
                case .fencedInstanceId:
                    markFenced()
                    throw group.fenced ?? error
                case .unknownMemberId, .illegalGeneration:
                    _ = group.event(.joinRefused)
                    continue
                default:
                    if Self.coordinatorErrors.contains(code) || code.isRetriable, ContinuousClock.now < deadline {
                        cluster.forgetCoordinator(group: groupId)
                        try await Task.sleep(for: .milliseconds(config.client.retryBackoffMs))
                        continue
                    }
                    throw error
                }
            }
        }
    }

    private func joinOnce() async throws {
        guard let topics = group.topics else { return }
        let groupId = self.groupId
        let connection = try await cluster.coordinatorConnection(group: groupId)
        let owned = assignment
        let member = group.member
        let subscriptionBytes = ConsumerProtocol.Subscription(topics: topics, ownedPartitions: owned,
                                                              generationId: member.generationId)
            .encoded(version: 1)
        let join = JoinGroupRequest(
            groupId: groupId, sessionTimeoutMs: Int32(clamping: config.sessionTimeoutMs),
            rebalanceTimeoutMs: Int32(clamping: config.maxPollIntervalMs), memberId: member.memberId,
            groupInstanceId: config.groupInstanceId, protocolType: "consumer",
            protocols: config.assignors.map { .init(name: $0.rawValue, metadata: subscriptionBytes) })
        // The coordinator holds JoinGroup until every member rejoined, up to the rebalance timeout.
        let joinTimeoutMs = max(config.client.requestTimeoutMs, config.maxPollIntervalMs + 5_000)
        let joined = try await connection.send(join, timeoutMs: joinTimeoutMs)
        let joinCode = ErrorCode(joined.errorCode)
        if joinCode == .memberIdRequired { _ = group.event(.memberIdRequired(joined.memberId)) }
        if joinCode != .none {
            if Self.coordinatorErrors.contains(joinCode) { cluster.forgetCoordinator(group: groupId) }
            throw KafkaClientError.broker(joinCode, message: "JoinGroup \(groupId)")
        }
        _ = group.event(.joined(memberId: joined.memberId, generationId: joined.generationId))
        protocolName = joined.protocolName
        var assignments: [SyncGroupRequest.SyncGroupRequestAssignment] = []
        if joined.leader == joined.memberId && !joined.skipAssignment {
            assignments = try await leaderAssignments(joined)
        }
        let sync = SyncGroupRequest(
            groupId: groupId, generationId: joined.generationId, memberId: joined.memberId,
            groupInstanceId: config.groupInstanceId, protocolType: "consumer", protocolName: protocolName,
            assignments: assignments)
        let synced = try await connection.send(sync, timeoutMs: joinTimeoutMs)
        let syncCode = ErrorCode(synced.errorCode)
        if syncCode != .none {
            if Self.coordinatorErrors.contains(syncCode) { cluster.forgetCoordinator(group: groupId) }
            throw KafkaClientError.broker(syncCode, message: "SyncGroup \(groupId)")
        }
        let assigned: [TopicPartition]
        do {
            assigned = try ConsumerProtocol.Assignment(decoding: synced.assignment).partitions
        } catch {
            throw KafkaClientError.protocolViolation("undecodable assignment from the coordinator: \(error)")
        }
        let revoked = Set(owned).subtracting(assigned)
        if !revoked.isEmpty, config.enableAutoCommit {
            try? await commit(Dictionary(uniqueKeysWithValues: revoked.compactMap { tp in position(tp).map { (tp, $0) } }))
        }
        setAssignment(assigned)
        // Cooperative rebalancing: partitions given up here can only be handed over in another round.
        _ = group.event(.synced(
            anotherRound: !revoked.isEmpty && (PartitionAssignorName(rawValue: protocolName ?? "")?.isCooperative ?? false)))
    }

    /// The leader's work: decode every member's subscription, learn partition counts, run the chosen assignor.
    private func leaderAssignments(_ joined: JoinGroupResponse) async throws -> [SyncGroupRequest.SyncGroupRequestAssignment] {
        guard let name = PartitionAssignorName(rawValue: joined.protocolName ?? "") else {
            throw KafkaClientError.protocolViolation("the group chose assignor \(joined.protocolName ?? "nil"), which this client lacks")
        }
        var members: [AssignorMember] = []
        for member in joined.members {
            do {
                members.append(AssignorMember(
                    memberId: member.memberId, groupInstanceId: member.groupInstanceId,
                    subscription: try ConsumerProtocol.Subscription(decoding: member.metadata)))
            } catch {
                throw KafkaClientError.protocolViolation("undecodable subscription of member \(member.memberId): \(error)")
            }
        }
        let topics = Array(Set(members.flatMap(\.subscription.topics))).sorted()
        let metadata = try await cluster.refreshMetadata(topics: topics)
        var counts: [String: Int] = [:]
        for topic in topics {
            if let count = metadata.partitionCount(topic: topic) { counts[topic] = count }
        }
        let result = PartitionAssignors.assign(name, members: members, partitionCounts: counts)
        return members.map { member in
            .init(memberId: member.memberId,
                  assignment: ConsumerProtocol.Assignment(partitions: result[member.memberId] ?? []).encoded(version: 1))
        }
    }

    /// Heartbeats every `heartbeat.interval.ms` while a member; a rebalance or lost membership flags a rejoin,
    /// which the next `poll` performs.
    private func startHeartbeats() {
        guard heartbeatTask == nil else { return }
        let interval = Duration.milliseconds(config.heartbeatIntervalMs)
        heartbeatTask = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                await self.heartbeat()
            }
        }
    }

    private func heartbeat() async {
        guard let member = group.heartbeatMember else { return }
        let groupId = self.groupId
        do {
            let connection = try await cluster.coordinatorConnection(group: groupId)
            let response = try await connection.send(HeartbeatRequest(
                groupId: groupId, generationId: member.generationId, memberId: member.memberId,
                groupInstanceId: config.groupInstanceId))
            switch group.event(.heartbeat(generationId: member.generationId, code: ErrorCode(response.errorCode))) {
            case .none, .rejoin: break
            case .fence: markFenced()
            case .forgetCoordinator: cluster.forgetCoordinator(group: groupId)
            }
        } catch {
            logger.debug("heartbeat failed: \(error)")
            cluster.forgetCoordinator(group: groupId)
        }
    }

    /// Leaves the group so its partitions move to the others at once. A static member (with `group.instance.id`)
    /// sends no LeaveGroup, as in Kafka: the coordinator keeps its place for `session.timeout.ms`, so a restarted
    /// process with the same instance id gets its partitions back without a rebalance of the others.
    func leaveGroup() async {
        heartbeatTask?.cancel()
        heartbeatTask = nil
        if config.groupInstanceId != nil {
            _ = group.event(.left)
            return
        }
        let memberId = group.member.memberId
        guard config.groupId != nil, !memberId.isEmpty else { return }
        let groupId = self.groupId
        if let connection = try? await cluster.coordinatorConnection(group: groupId) {
            _ = try? await connection.send(LeaveGroupRequest(
                groupId: groupId, memberId: memberId,
                members: [.init(memberId: memberId, groupInstanceId: config.groupInstanceId)]))
        }
        _ = group.event(.left)
    }
}
