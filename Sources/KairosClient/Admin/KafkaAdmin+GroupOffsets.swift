import KafkaProtocol

/// Consumer-group offsets and deletion through the group's coordinator, as Kafka's admin client offers them
/// (listConsumerGroupOffsets, alterConsumerGroupOffsets, deleteConsumerGroups).
extension KafkaAdmin {
    private static let coordinatorErrors: Set<ErrorCode> = [.notCoordinator, .coordinatorNotAvailable, .coordinatorLoadInProgress]

    /// The offsets `groupId` has committed, by partition (every partition it committed, or only `partitions`;
    /// a partition asked for without a commit is left out). Throws the group's error.
    public func listGroupOffsets(_ groupId: String, partitions: [TopicPartition]? = nil) async throws -> [TopicPartition: Int64] {
        try await cluster.withRetries("OffsetFetch") {
            let connection = try await self.cluster.coordinatorConnection(group: groupId)
            let version = try connection.version(of: .offsetFetch)
            let topics = partitions.map { tps in
                Dictionary(grouping: tps, by: \.topic).sorted { $0.key < $1.key }.map { ($0.key, $0.value.map(\.partition)) }
            }
            var request = OffsetFetchRequest(groupId: groupId)
            if version >= 8 {
                request.groups = [.init(groupId: groupId, topics: topics?.map { .init(name: $0.0, partitionIndexes: $0.1) })]
            } else {
                request.topics = topics?.map { .init(name: $0.0, partitionIndexes: $0.1) }
            }
            let response = try await connection.send(request, version: version)
            var found: [TopicPartition: Int64] = [:]
            var groupError = ErrorCode(response.errorCode)
            var answered: [(String, [(Int32, Int64, Int16)])] = []
            if version >= 8 {
                guard let group = response.groups.first else { throw KafkaClientError.protocolViolation("OffsetFetch answered no group") }
                groupError = ErrorCode(group.errorCode)
                answered = group.topics.map { t in (t.name, t.partitions.map { ($0.partitionIndex, $0.committedOffset, $0.errorCode) }) }
            } else {
                answered = response.topics.map { t in (t.name, t.partitions.map { ($0.partitionIndex, $0.committedOffset, $0.errorCode) }) }
            }
            if groupError != .none {
                if Self.coordinatorErrors.contains(groupError) { self.cluster.forgetCoordinator(group: groupId) }
                throw KafkaClientError.broker(groupError, message: "group \(groupId)")
            }
            for (topic, entries) in answered {
                for (partition, offset, error) in entries {
                    if error != 0 { throw KafkaClientError.broker(ErrorCode(error), message: "\(topic)-\(partition)") }
                    if offset >= 0 { found[TopicPartition(topic: topic, partition: partition)] = offset }
                }
            }
            return found
        }
    }

    /// Commits `offsets` for `groupId` as an admin does (no member, generation -1), which the coordinator accepts
    /// only while the group has no members. Throws the first partition's error.
    public func alterGroupOffsets(_ groupId: String, _ offsets: [TopicPartition: Int64]) async throws {
        guard !offsets.isEmpty else { return }
        try await cluster.withRetries("OffsetCommit") {
            let connection = try await self.cluster.coordinatorConnection(group: groupId)
            let topics = Dictionary(grouping: offsets, by: { $0.key.topic }).sorted { $0.key < $1.key }.map { topic, entries in
                OffsetCommitRequest.OffsetCommitRequestTopic(name: topic, partitions: entries.sorted { $0.key < $1.key }.map {
                    .init(partitionIndex: $0.key.partition, committedOffset: $0.value, committedLeaderEpoch: -1,
                          commitTimestamp: -1, committedMetadata: "")
                })
            }
            let response = try await connection.send(OffsetCommitRequest(
                groupId: groupId, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: nil, retentionTimeMs: -1,
                topics: topics))
            for topic in response.topics {
                for partition in topic.partitions where partition.errorCode != 0 {
                    let code = ErrorCode(partition.errorCode)
                    if Self.coordinatorErrors.contains(code) { self.cluster.forgetCoordinator(group: groupId) }
                    throw KafkaClientError.broker(code, message: "commit \(topic.name)-\(partition.partitionIndex)")
                }
            }
        }
    }

    /// Deletes groups (and their committed offsets), asking each group's coordinator; returns each group's
    /// answer (`.none` when deleted, NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND, ...).
    public func deleteGroups(_ groupIds: [String]) async throws -> [String: ErrorCode] {
        var results: [String: ErrorCode] = [:]
        for groupId in groupIds {
            results[groupId] = try await cluster.withRetries("DeleteGroups") {
                let connection = try await self.cluster.coordinatorConnection(group: groupId)
                let response = try await connection.send(DeleteGroupsRequest(groupsNames: [groupId]))
                guard let result = response.results.first(where: { $0.groupId == groupId }) else {
                    throw KafkaClientError.protocolViolation("DeleteGroups did not answer for \(groupId)")
                }
                let code = ErrorCode(result.errorCode)
                if Self.coordinatorErrors.contains(code) {
                    self.cluster.forgetCoordinator(group: groupId)
                    throw KafkaClientError.broker(code)
                }
                return code
            }
        }
        return results
    }
}
