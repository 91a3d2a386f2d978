import ArgumentParser
import Foundation
import KairosClient

/// Where `--reset-offsets` moves a group's committed offsets.
enum OffsetReset: Equatable {
    case earliest
    case latest
    /// The first offset at or after this time (ms since the epoch); the end when there is none.
    case datetime(Int64)
    /// The committed offset moved by this much.
    case shift(Int64)
    case offset(Int64)

    /// ISO 8601 text (`2026-01-31T12:00:00`, optional `.SSS` and zone; UTC without one) as ms since the epoch.
    static func parseTime(_ text: String) throws -> Int64 {
        let hasZone = text.hasSuffix("Z") || text.range(of: #"[+-]\d\d:?\d\d$"#, options: .regularExpression) != nil
        let full = hasZone ? text : text + "Z"
        for withFraction in [true, false] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = withFraction ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
            if let date = formatter.date(from: full) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        }
        throw ValidationError("--to-datetime '\(text)' is not an ISO 8601 time such as 2026-01-31T12:00:00.000")
    }
}

/// One `--topic` of `--reset-offsets`: a topic, and the partitions named after a colon (all when none are).
struct ResetTarget {
    var topic: String
    var partitions: [Int32]?

    init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard !parts[0].isEmpty else { throw ValidationError("--topic '\(text)' has no topic name") }
        topic = parts[0]
        if parts.count == 2 {
            partitions = try parts[1].split(separator: ",", omittingEmptySubsequences: false).map { p in
                guard let n = Int32(p), n >= 0 else { throw ValidationError("--topic '\(text)': '\(p)' is not a partition number") }
                return n
            }
        }
    }
}

/// `kairos groups --reset-offsets`: works out the new offsets, prints them, and with `execute` commits them.
struct OffsetResetter {
    let admin: KafkaAdmin
    let group: String

    func run(targets: [ResetTarget]?, reset: OffsetReset, execute: Bool) async throws {
        let description = try await admin.describeGroups([group]).first
        if let description, !description.members.isEmpty || !["Empty", "Dead", ""].contains(description.state) {
            throw CLIError("Assignments can only be reset if the group '\(group)' is inactive, but the current state is "
                           + "\(description.state) (\(description.members.count) members).")
        }
        let committed = try await admin.listGroupOffsets(group)
        let partitions = try await self.partitions(targets, committed: committed)
        guard !partitions.isEmpty else { throw CLIError("no partitions to reset for group '\(group)'") }
        let specs = Dictionary(uniqueKeysWithValues: partitions.map { ($0, OffsetSpec.earliest) })
        let earliest = try await admin.listOffsets(specs)
        let latest = try await admin.listOffsets(specs.mapValues { _ in .latest })
        var byTime: [TopicPartition: ListedOffset] = [:]
        if case .datetime(let ms) = reset { byTime = try await admin.listOffsets(specs.mapValues { _ in .timestamp(ms) }) }
        var next: [TopicPartition: Int64] = [:]
        for tp in partitions {
            let low = earliest[tp]?.offset ?? 0, high = latest[tp]?.offset ?? 0
            let wanted: Int64
            switch reset {
            case .earliest: wanted = low
            case .latest: wanted = high
            case .datetime: wanted = byTime[tp].map { $0.offset >= 0 ? $0.offset : high } ?? high
            case .shift(let n): wanted = (committed[tp] ?? low) &+ n
            case .offset(let n): wanted = n
            }
            next[tp] = min(max(wanted, low), high)
        }
        printTable(["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], partitions.map {
            [group, $0.topic, String($0.partition), String(next[$0]!)]
        })
        if execute {
            try await admin.alterGroupOffsets(group, next)
        } else {
            print("(dry run: nothing changed; add --execute to commit these offsets)")
        }
    }

    /// The partitions the targets name (checked against the topics' partition counts), or every partition the
    /// group has committed when there are no targets (--all-topics).
    private func partitions(_ targets: [ResetTarget]?, committed: [TopicPartition: Int64]) async throws -> [TopicPartition] {
        guard let targets else { return committed.keys.sorted() }
        let topics: [ClusterMetadata.Topic]
        do { topics = try await admin.describeTopics(Array(Set(targets.map(\.topic))).sorted()) } catch let error as KafkaClientError
            where error.errorCode == .unknownTopicOrPartition {
            throw CLIError("a topic given with --topic does not exist (\(error))")
        }
        var result: [TopicPartition] = []
        for target in targets {
            guard let described = topics.first(where: { $0.name == target.topic }), !described.partitions.isEmpty else {
                throw CLIError("topic '\(target.topic)' does not exist")
            }
            let count = Int32(described.partitions.count)
            for p in target.partitions ?? Array(0..<count) {
                guard p < count else { throw CLIError("topic '\(target.topic)' has no partition \(p) (it has \(count))") }
                result.append(TopicPartition(topic: target.topic, partition: p))
            }
        }
        return Array(Set(result)).sorted()
    }
}
