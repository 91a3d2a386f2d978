import KafkaProtocol
import KairosControl
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Grows topics for every IPOOA producer of this process on one cluster (ProducerPool members included), so that
/// many producers asking at once make one CreatePartitions: the decisions are `PartitionGrowthCoordinator`'s (one more partition at a time, a cap, a
/// cooldown, one request in flight per topic), this type performs them. A lost race (INVALID_PARTITIONS) and
/// every other failure end in a metadata refresh or a log line, never in an error to the sender.
public final class PartitionGrowthService: Sendable {
    private let cluster: KafkaCluster
    private let logger: Logger
    private let origin = NIODeadline.now()
    private let coordinator: NIOLockedValueBox<PartitionGrowthCoordinator>
    private let reasons = NIOLockedValueBox<[String]>([])
    /// The producers' cluster views, refreshed after a growth so they see the new partition at once.
    private let subscribers = NIOLockedValueBox<[ObjectIdentifier: KafkaCluster]>([:])

    /// A service growing topics of `cluster` up to `maxPartitions`, `cooldownMs` apart (the caller keeps `cluster`).
    public convenience init(cluster: KafkaCluster, maxPartitions: Int, cooldownMs: Int64,
                            logger: Logger = Logger(label: "kairos.ipooa.growth")) {
        self.init(cluster: cluster, maxPartitions: maxPartitions, cooldownMs: cooldownMs, registryKey: nil, logger: logger)
    }

    private init(cluster: KafkaCluster, maxPartitions: Int, cooldownMs: Int64, registryKey: String?,
                 logger: Logger = Logger(label: "kairos.ipooa.growth")) {
        self.cluster = cluster
        self.registryKey = registryKey
        self.logger = logger
        coordinator = NIOLockedValueBox(PartitionGrowthCoordinator(maxPartitions: maxPartitions, cooldownMs: cooldownMs))
    }

    private static let registry = NIOLockedValueBox<[String: (service: PartitionGrowthService, users: Int)]>([:])

    /// The one service of the cluster `config` bootstraps from, made with these limits by its first user and
    /// shared by later ones; it grows topics through a cluster view of its own and refreshes `producerCluster`
    /// after each growth. Pair with `release`.
    public static func acquire(for producerCluster: KafkaCluster, config: ClientConfig, maxPartitions: Int,
                               cooldownMs: Int64) -> PartitionGrowthService {
        let key = config.bootstrapServers.map(\.description).sorted().joined(separator: ",")
        let service = registry.withLockedValue { services -> PartitionGrowthService in
            if let entry = services[key] {
                services[key] = (entry.service, entry.users + 1)
                return entry.service
            }
            let service = PartitionGrowthService(cluster: KafkaCluster(config: config), maxPartitions: maxPartitions,
                                                 cooldownMs: cooldownMs, registryKey: key)
            services[key] = (service, 1)
            return service
        }
        service.subscribers.withLockedValue { $0[ObjectIdentifier(producerCluster)] = producerCluster }
        return service
    }

    /// Ends one `acquire`: forgets `producerCluster`, and closes the service's cluster view after its last user.
    public static func release(_ service: PartitionGrowthService, for producerCluster: KafkaCluster) async {
        service.subscribers.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(producerCluster)) }
        guard let key = service.registryKey else { return }
        let last = registry.withLockedValue { services -> Bool in
            guard let entry = services[key], entry.service === service else { return false }
            if entry.users > 1 {
                services[key] = (service, entry.users - 1)
                return false
            }
            services.removeValue(forKey: key)
            return true
        }
        if last { await service.cluster.close() }
    }

    private let registryKey: String?

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
            for view in subscribers.withLockedValue({ Array($0.values) }) { _ = try? await view.refreshMetadata(topics: [topic]) }
        case .createPartitions(let topic, let count):
            let outcome: PartitionGrowthCoordinator.Outcome
            do {
                try await KafkaAdmin(cluster: cluster).createPartitions(topic: topic, totalCount: Int32(count))
                outcome = .created
            } catch {
                outcome = Self.outcome(of: error)
            }
            let next = coordinator.withLockedValue { $0.completed(topic: topic, outcome: outcome, now: now()) }
            note(next.reason)
            if next.action != .none { await perform(next.action) }
        }
    }

    /// What a failed CreatePartitions means to the coordinator: INVALID_PARTITIONS is a race someone else won.
    /// Written as one optional-chained comparison: binding the cast (`catch let ... where`, or `if let`) crashes the
    /// 6.3 release optimizer here (ownership verification in CopyPropagation), as it did in the consumer's commit.
    private static func outcome(of error: any Error) -> PartitionGrowthCoordinator.Outcome {
        let description = String(describing: error)
        return (error as? KafkaClientError)?.errorCode == .invalidPartitions ? .lostRace : .failed(description)
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
