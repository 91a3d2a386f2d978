/// The client-side assignors of Kafka's consumer protocol, by their protocol names.
public enum PartitionAssignorName: String, Sendable, CaseIterable {
    /// `range`: per topic, consecutive partition ranges to members in member-id order.
    case range
    /// `roundrobin`: all partitions dealt in turn to the members subscribed to them.
    case roundRobin = "roundrobin"
    /// `cooperative-sticky`: balanced, keeps partitions where they are, and moves a partition only after its
    /// owner gave it up (KIP-429's cooperative rebalancing).
    case cooperativeSticky = "cooperative-sticky"

    /// Parses a name as `partition.assignment.strategy` gives it (protocol names or Java class names).
    public init?(kafkaName: String) {
        let short = kafkaName.split(separator: ".").last.map(String.init) ?? kafkaName
        switch short.lowercased() {
        case "range", "rangeassignor": self = .range
        case "roundrobin", "roundrobinassignor": self = .roundRobin
        case "cooperative-sticky", "cooperativestickyassignor": self = .cooperativeSticky
        default: return nil
        }
    }

    /// True for assignors whose members keep their partitions through a rebalance.
    public var isCooperative: Bool { self == .cooperativeSticky }
}

/// A group member as the leader sees it when assigning.
public struct AssignorMember: Sendable, Hashable {
    /// The member id.
    public var memberId: String
    /// Its static instance id, which orders members before their (changing) member ids.
    public var groupInstanceId: String?
    /// What it subscribed to, and what it owns now.
    public var subscription: ConsumerProtocol.Subscription

    /// Makes one.
    public init(memberId: String, groupInstanceId: String? = nil, subscription: ConsumerProtocol.Subscription) {
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.subscription = subscription
    }
}

/// Kafka's assignment algorithms as pure functions: members and partition counts in, partitions per member out.
public enum PartitionAssignors {
    /// Assigns with `name`. Every member appears in the result, possibly with nothing.
    public static func assign(
        _ name: PartitionAssignorName, members: [AssignorMember], partitionCounts: [String: Int]
    ) -> [String: [TopicPartition]] {
        switch name {
        case .range: return range(members: members, partitionCounts: partitionCounts)
        case .roundRobin: return roundRobin(members: members, partitionCounts: partitionCounts)
        case .cooperativeSticky: return cooperativeSticky(members: members, partitionCounts: partitionCounts)
        }
    }

    private static func sortKey(_ member: AssignorMember) -> String { member.groupInstanceId ?? member.memberId }

    /// RangeAssignor: for each topic, members subscribed to it in order; each gets `count / n` partitions and the
    /// first `count % n` one more.
    static func range(members: [AssignorMember], partitionCounts: [String: Int]) -> [String: [TopicPartition]] {
        var result = Dictionary(uniqueKeysWithValues: members.map { ($0.memberId, [TopicPartition]()) })
        let topics = Set(members.flatMap(\.subscription.topics)).sorted()
        for topic in topics {
            guard let count = partitionCounts[topic], count > 0 else { continue }
            let subscribed = members.filter { $0.subscription.topics.contains(topic) }.sorted { sortKey($0) < sortKey($1) }
            guard !subscribed.isEmpty else { continue }
            let per = count / subscribed.count, extra = count % subscribed.count
            var next = 0
            for (index, member) in subscribed.enumerated() {
                let take = per + (index < extra ? 1 : 0)
                for partition in next..<(next + take) {
                    result[member.memberId]!.append(TopicPartition(topic: topic, partition: Int32(partition)))
                }
                next += take
            }
        }
        return result
    }

    /// RoundRobinAssignor: every partition of every subscribed topic in (topic, partition) order, dealt to the
    /// members in order, skipping members not subscribed to its topic.
    static func roundRobin(members: [AssignorMember], partitionCounts: [String: Int]) -> [String: [TopicPartition]] {
        var result = Dictionary(uniqueKeysWithValues: members.map { ($0.memberId, [TopicPartition]()) })
        let ordered = members.sorted { sortKey($0) < sortKey($1) }
        guard !ordered.isEmpty else { return result }
        let topics = Set(members.flatMap(\.subscription.topics)).sorted()
        var cursor = 0
        for topic in topics {
            for partition in 0..<(partitionCounts[topic] ?? 0) {
                for step in 0..<ordered.count {
                    let member = ordered[(cursor + step) % ordered.count]
                    if member.subscription.topics.contains(topic) {
                        result[member.memberId]!.append(TopicPartition(topic: topic, partition: Int32(partition)))
                        cursor = (cursor + step + 1) % ordered.count
                        break
                    }
                }
            }
        }
        return result
    }

    /// CooperativeStickyAssignor, simplified but with its guarantees: members keep owned partitions (up to a
    /// balanced share), free partitions go to the least loaded subscribed member, and a partition that another
    /// member owned is withheld this round, so its owner revokes it first and a follow-up rebalance hands it over.
    static func cooperativeSticky(members: [AssignorMember], partitionCounts: [String: Int]) -> [String: [TopicPartition]] {
        let ordered = members.sorted { sortKey($0) < sortKey($1) }
        var result = Dictionary(uniqueKeysWithValues: ordered.map { ($0.memberId, [TopicPartition]()) })
        guard !ordered.isEmpty else { return result }
        var all: [TopicPartition] = []
        for topic in Set(members.flatMap(\.subscription.topics)).sorted() {
            for partition in 0..<(partitionCounts[topic] ?? 0) {
                all.append(TopicPartition(topic: topic, partition: Int32(partition)))
            }
        }
        let valid = Set(all)
        // Who owns what now; when two claim a partition, the higher generation wins (the other is stale).
        var owner: [TopicPartition: (member: String, generation: Int32)] = [:]
        for member in ordered {
            for tp in member.subscription.ownedPartitions
            where valid.contains(tp) && member.subscription.topics.contains(tp.topic) {
                if let current = owner[tp], current.generation >= member.subscription.generationId { continue }
                owner[tp] = (member.memberId, member.subscription.generationId)
            }
        }
        // Balanced means shares differ by one at most: every member gets `minShare`, and only `all.count % members`
        // of them one more. Letting each member keep up to the rounded-up share would starve a newcomer (two
        // members owning 2 + 2 of 4 partitions would both keep them and a third would get none).
        let minShare = all.count / ordered.count
        var extraShares = all.count % ordered.count
        var assigned: Set<TopicPartition> = []
        // 1. Keep owned partitions, up to the balanced share.
        for member in ordered {
            let owned = all.filter { owner[$0]?.member == member.memberId }
            var keep = min(owned.count, minShare)
            if owned.count > minShare && extraShares > 0 {
                keep += 1
                extraShares -= 1
            }
            let kept = owned.prefix(keep)
            result[member.memberId]!.append(contentsOf: kept)
            assigned.formUnion(kept)
        }
        // 2. Give the rest to the least loaded subscribed member.
        for tp in all where !assigned.contains(tp) {
            let candidates = ordered.filter { $0.subscription.topics.contains(tp.topic) }
            guard let target = candidates.min(by: { result[$0.memberId]!.count < result[$1.memberId]!.count }) else {
                continue
            }
            if let previous = owner[tp], previous.member != target.memberId {
                // Owned elsewhere: the owner must revoke it before anyone else may take it.
                continue
            }
            result[target.memberId]!.append(tp)
        }
        return result.mapValues { $0.sorted() }
    }
}

import Foundation
