import KafkaProtocol

/// The per-partition load the KairosPartitionLoad API and the `/metrics` endpoint both report: one computation,
/// two readers, so the numbers a partitioner acts on are the numbers an operator sees.
extension Broker {
    /// How long the shortest interval a reported rate covers is, in ms.
    public static let loadRateWindowMs: Int64 = 2000

    /// The load of `topics` (every topic when nil) now: rates over the shared rate window, producing and
    /// fetching connections, members of consumer groups assigned each partition, and each group's lag.
    /// A topic that does not exist is reported with UNKNOWN_TOPIC_OR_PARTITION and no partitions.
    public func partitionLoad(topics names: [String]?) -> KairosPartitionLoadResponse {
        let now = clock()
        let chosen = names.map { Set($0) }
        let existing = topics.allTopics().filter { chosen?.contains($0.name) ?? true }
        let snapshots = existing.flatMap { topic in
            topic.partitions.map { $0.counters.snapshot(topic: topic.name, partition: $0.index, nowMs: now) }
        }
        let (rates, intervalMs) = loadRates.rates(current: snapshots, nowMs: now)
        var ratesByPartition: [GroupTopicPartition: PartitionLoadRates] = [:]
        for r in rates { ratesByPartition[GroupTopicPartition(topic: r.topic, partition: r.partition)] = r }
        let consumption = groupConsumption(of: Set(existing.map(\.name)))

        var reported = existing.map { topic in
            KairosPartitionLoadResponse.KairosPartitionLoadTopic(
                name: topic.name, errorCode: ErrorCode.none.rawValue,
                partitions: topic.partitions.map { partition in
                    let tp = GroupTopicPartition(topic: topic.name, partition: partition.index)
                    let r = ratesByPartition[tp]
                    let highWatermark = partition.log.logEndOffset
                    let groups = (consumption[tp] ?? [:]).sorted { $0.key < $1.key }.map { id, use in
                        let from = use.committed ?? partition.log.logStartOffset
                        return KairosPartitionLoadResponse.KairosPartitionLoadGroup(
                            groupId: id, members: Int32(use.members), committedOffset: use.committed ?? -1,
                            lag: max(0, highWatermark - from))
                    }
                    return KairosPartitionLoadResponse.KairosPartitionLoadPartition(
                        partitionIndex: partition.index, recordsInPerSec: r?.recordsInPerSec ?? 0, bytesInPerSec: r?.bytesInPerSec ?? 0,
                        recordsOutPerSec: r?.recordsOutPerSec ?? 0, bytesOutPerSec: r?.bytesOutPerSec ?? 0,
                        producingConnections: Int32(r?.producingConnections ?? 0), fetchingConnections: Int32(r?.fetchingConnections ?? 0),
                        fetchingMembers: Int32(groups.reduce(0) { $0 + Int($1.members) }), highWatermark: highWatermark, groups: groups)
                })
        }
        let found = Set(existing.map(\.name))
        for missing in (names ?? []) where !found.contains(missing) {
            reported.append(.init(name: missing, errorCode: ErrorCode.unknownTopicOrPartition.rawValue, partitions: []))
        }
        return KairosPartitionLoadResponse(throttleTimeMs: 0, errorCode: ErrorCode.none.rawValue, windowMs: intervalMs, topics: reported)
    }

    /// How one group uses one partition: its members assigned the partition, its committed offset.
    struct GroupUse {
        var members = 0
        var committed: Int64?
    }

    /// Per partition of `topics`, per group: assigned members (stable consumer groups) and committed offsets.
    func groupConsumption(of topics: Set<String>) -> [GroupTopicPartition: [String: GroupUse]] {
        groups.read { coordinator in
            var result: [GroupTopicPartition: [String: GroupUse]] = [:]
            for (id, group) in coordinator.groups {
                for (tp, offset) in group.offsets where topics.contains(tp.topic) {
                    result[tp, default: [:]][id, default: GroupUse()].committed = offset.offset
                }
                guard group.state == .stable, group.protocolType == ConsumerSubscription.protocolType else { continue }
                for member in group.members.values {
                    guard let assigned = ConsumerAssignment.partitions(member.assignment) else { continue }
                    for (topic, partitions) in assigned where topics.contains(topic) {
                        for p in partitions { result[GroupTopicPartition(topic: topic, partition: p), default: [:]][id, default: GroupUse()].members += 1 }
                    }
                }
            }
            return result
        }
    }
}
