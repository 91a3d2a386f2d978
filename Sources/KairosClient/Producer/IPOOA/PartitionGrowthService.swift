import KafkaProtocol
import KairosControl
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Grows topics for every IPOOA producer on one cluster view, so that many producers asking at once make one
/// CreatePartitions: the decisions are `PartitionGrowthCoordinator`'s (one more partition at a time, a cap, a
/// cooldown, one request in flight per topic), this type performs them. A lost race (INVALID_PARTITIONS) and
/// every other failure end in a metadata refresh or a log line, never in an error to the sender.
public final class PartitionGrowthService: Sendable {
    private let cluster: KafkaCluster
    private let logger: Logger
    private let origin = NIODeadline.now()
    private let coordinator: NIOLockedValueBox<PartitionGrowthCoordinator>
    private let reasons = NIOLockedValueBox<[String]>([])

    /// A service growing topics of `cluster` up to `maxPartitions`, `cooldownMs` apart.
    public init(cluster: KafkaCluster, maxPartitions: Int, cooldownMs: Int64, logger: Logger = Logger(label: "kairos.ipooa.growth")) {
        self.cluster = cluster
        self.logger = logger
        coordinator = NIOLockedValueBox(PartitionGrowthCoordinator(maxPartitions: maxPartitions, cooldownMs: cooldownMs))
    }

    private static let registry = NIOLockedValueBox<[ObjectIdentifier: PartitionGrowthService]>([:])

    /// The one service of `cluster` (made with these limits by its first user; later users share it).
    public static func shared(for cluster: KafkaCluster, maxPartitions: Int, cooldownMs: Int64) -> PartitionGrowthService {
        registry.withLockedValue { services in
            if let existing = services[ObjectIdentifier(cluster)] { return existing }
            let service = PartitionGrowthService(cluster: cluster, maxPartitions: maxPartitions, cooldownMs: cooldownMs)
            services[ObjectIdentifier(cluster)] = service
            return service
        }
    }

    /// Forgets the shared service of `cluster` (when the cluster view closes).
    public static func release(for cluster: KafkaCluster) {
        registry.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(cluster)) }
    }

    /// Every decision's reason so far, oldest first (the last 1,000).
    public var decisionReasons: [String] { reasons.withLockedValue { $0 } }

    /// Someone seeing `partitions` partitions of `topic` wants one more; returns at once, the work runs behind.
    public func request(topic: String, partitions: Int) {
        let decision = coordinator.withLockedValue { $0.request(topic: topic, partitions: partitions, now: now()) }
        note(decision.reason)
        guard decision.action != .none else { return }
        Task { await self.perform(decision.action) }
    }

    /// As `request`, but waits until the action it started (if any) is done; for tests and the autopilot.
    public func requestAndWait(topic: String, partitions: Int) async {
        let decision = coordinator.withLockedValue { $0.request(topic: topic, partitions: partitions, now: now()) }
        note(decision.reason)
        await perform(decision.action)
    }

    private func perform(_ action: PartitionGrowthCoordinator.Action) async {
        switch action {
        case .none:
            return
        case .refreshMetadata(let topic):
            _ = try? await cluster.refreshMetadata(topics: [topic])
        case .createPartitions(let topic, let count):
            let outcome: PartitionGrowthCoordinator.Outcome
            do {
                try await KafkaAdmin(cluster: cluster).createPartitions(topic: topic, totalCount: Int32(count))
                outcome = .created
            } catch let error as KafkaClientError where error.errorCode == .invalidPartitions {
                outcome = .lostRace
            } catch {
                outcome = .failed("\(error)")
            }
            let next = coordinator.withLockedValue { $0.completed(topic: topic, outcome: outcome, now: now()) }
            note(next.reason)
            if next.action != .none { await perform(next.action) }
        }
    }

    private func note(_ reason: String) {
        logger.debug("partition growth", metadata: ["decision": "\(reason)"])
        reasons.withLockedValue { list in
            list.append(reason)
            if list.count > 1000 { list.removeFirst(list.count - 1000) }
        }
    }

    private func now() -> ControlInstant {
        ControlInstant(milliseconds: (NIODeadline.now() - origin).nanoseconds / 1_000_000)
    }
}
