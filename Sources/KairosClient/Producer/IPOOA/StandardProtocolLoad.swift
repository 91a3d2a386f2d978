import KafkaProtocol
import KairosControl

/// Per-partition load from what every Kafka cluster answers, for clusters without the KairosPartitionLoad API:
/// subscriptions are the members of consumer groups assigned each partition (ListGroups, DescribeGroups), lag is
/// the high watermark (ListOffsets) minus each such group's committed offset (OffsetFetch), or minus the log start
/// where a group is assigned the partition and committed nothing yet, as the Kairos API counts it. Connections and rates
/// are not in the standard protocol: the partitioner fills them from the producer's own counts.
enum StandardProtocolLoad {
    /// The load of `topic`'s `partitionCount` partitions.
    static func read(topic: String, partitionCount: Int, cluster: KafkaCluster) async throws -> [PartitionLoadVector] {
        let admin = KafkaAdmin(cluster: cluster)
        let consumerGroups = try await admin.listGroups().filter { $0.protocolType == "consumer" }.map(\.groupId)
        var members: [Int32: Int] = [:]
        var assigned: [String: Set<Int32>] = [:]
        if !consumerGroups.isEmpty {
            for group in try await admin.describeGroups(consumerGroups) where group.error == .none {
                for member in group.members {
                    for tp in member.assignment where tp.topic == topic && tp.partition < partitionCount {
                        members[tp.partition, default: 0] += 1
                        assigned[group.groupId, default: []].insert(tp.partition)
                    }
                }
            }
        }
        var lag: [Int32: Int64] = [:]
        if !assigned.isEmpty {
            let partitions = (0..<Int32(partitionCount)).map { TopicPartition(topic: topic, partition: $0) }
            let ends = try await admin.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, OffsetSpec.latest) }))
            let starts = try await admin.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, OffsetSpec.earliest) }))
            for (group, mine) in assigned.sorted(by: { $0.key < $1.key }) {
                let committed = try await committedOffsets(group: group, partitions: partitions, cluster: cluster)
                for tp in partitions {
                    let offset = committed[tp] ?? -1
                    guard offset >= 0 || mine.contains(tp.partition), let end = ends[tp]?.offset else { continue }
                    let from = offset >= 0 ? offset : (starts[tp]?.offset ?? 0)
                    lag[tp.partition, default: 0] += max(0, end - from)
                }
            }
        }
        return (0..<partitionCount).map { index in
            PartitionLoadVector(partition: index, subscriptions: Double(members[Int32(index)] ?? 0),
                                lag: Double(lag[Int32(index)] ?? 0))
        }
    }

    /// `group`'s committed offsets of `partitions` (-1 where none), through its coordinator.
    static func committedOffsets(group: String, partitions: [TopicPartition], cluster: KafkaCluster) async throws
        -> [TopicPartition: Int64]
    {
        guard let topic = partitions.first?.topic else { return [:] }
        let connection = try await cluster.coordinatorConnection(group: group)
        let version = try connection.version(of: .offsetFetch)
        let asked = [OffsetFetchRequest.OffsetFetchRequestTopic(name: topic, partitionIndexes: partitions.map(\.partition))]
        var request = OffsetFetchRequest(groupId: group)
        if version >= 8 {
            request.groups = [.init(groupId: group, topics: asked.map { .init(name: $0.name, partitionIndexes: $0.partitionIndexes) })]
        } else {
            request.topics = asked
        }
        let response = try await connection.send(request, version: version)
        var found: [TopicPartition: Int64] = [:]
        if version >= 8 {
            for t in response.groups.first?.topics ?? [] {
                for p in t.partitions where p.errorCode == 0 { found[TopicPartition(topic: t.name, partition: p.partitionIndex)] = p.committedOffset }
            }
        } else {
            for t in response.topics {
                for p in t.partitions where p.errorCode == 0 { found[TopicPartition(topic: t.name, partition: p.partitionIndex)] = p.committedOffset }
            }
        }
        return found
    }
}
