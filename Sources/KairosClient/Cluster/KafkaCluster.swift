import KafkaProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The client's view of a cluster: one pipelined connection per broker, opened on first use, and the latest
/// metadata. Producer, consumer and admin share one. Reads of the cached metadata take a lock, not an actor hop,
/// because the producer consults it for every record.
public final class KafkaCluster: Sendable {
    /// The configuration it was made with.
    public let config: ClientConfig
    let group: EventLoopGroup
    let logger: Logger

    private struct State {
        var metadata = ClusterMetadata()
        var metadataFetchedAt: ContinuousClock.Instant?
        var connections: [Int32: Task<BrokerConnection, Error>] = [:]
        var bootstrap: Task<BrokerConnection, Error>?
        var coordinators: [String: Int32] = [:]
        var closed = false
    }

    private let state = NIOLockedValueBox(State())

    /// Makes a cluster handle; nothing connects until the first request.
    public init(config: ClientConfig, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "kairos.client")) {
        self.config = config
        self.group = group
        self.logger = logger
    }

    /// The latest metadata snapshot (possibly empty).
    public var cachedMetadata: ClusterMetadata { state.withLockedValue { $0.metadata } }

    /// The partition count of a known, healthy topic, read from the cache without copying it.
    public func partitionCount(topic: String) -> Int? {
        state.withLockedValue { $0.metadata.partitionCount(topic: topic) }
    }

    /// The connection to broker `nodeId`, opened if needed (concurrent callers share one attempt).
    public func connection(to nodeId: Int32) async throws -> BrokerConnection {
        let task: Task<BrokerConnection, Error> = try state.withLockedValue { state in
            if state.closed { throw KafkaClientError.closed }
            if let existing = state.connections[nodeId] { return existing }
            guard let address = state.metadata.brokers[nodeId] else {
                throw KafkaClientError.connection("broker \(nodeId) is not in the metadata")
            }
            let config = self.config, group = self.group
            let task = Task { try await BrokerConnection.connect(to: address, nodeId: nodeId, config: config, group: group) }
            state.connections[nodeId] = task
            return task
        }
        do {
            let connection = try await task.value
            if connection.isActive { return connection }
            forget(nodeId: nodeId, task: task)
            throw KafkaClientError.connection("connection to broker \(nodeId) at \(connection.address) closed")
        } catch {
            forget(nodeId: nodeId, task: task)
            throw error
        }
    }

    private func forget(nodeId: Int32, task: Task<BrokerConnection, Error>) {
        state.withLockedValue { state in
            if state.connections[nodeId] == task { state.connections[nodeId] = nil }
        }
    }

    /// Any working connection: a known broker's if one is open, else a bootstrap server's.
    public func anyConnection() async throws -> BrokerConnection {
        let (open, brokers) = state.withLockedValue { state in
            (Array(state.connections), state.metadata.brokers.keys.sorted())
        }
        for (_, task) in open {
            if let connection = try? await task.value, connection.isActive { return connection }
        }
        for nodeId in brokers {
            if let connection = try? await connection(to: nodeId) { return connection }
        }
        return try await bootstrapConnection()
    }

    private func bootstrapConnection() async throws -> BrokerConnection {
        let task: Task<BrokerConnection, Error> = try state.withLockedValue { state in
            if state.closed { throw KafkaClientError.closed }
            if let existing = state.bootstrap { return existing }
            let config = self.config, group = self.group
            let task = Task {
                var lastError: Error = KafkaClientError.connection("no bootstrap.servers")
                for address in config.bootstrapServers {
                    do {
                        return try await BrokerConnection.connect(to: address, config: config, group: group)
                    } catch {
                        lastError = error
                    }
                }
                throw lastError
            }
            state.bootstrap = task
            return task
        }
        do {
            let connection = try await task.value
            if connection.isActive { return connection }
            throw KafkaClientError.connection("bootstrap connection to \(connection.address) closed")
        } catch {
            state.withLockedValue { state in
                if state.bootstrap == task { state.bootstrap = nil }
            }
            throw error
        }
    }

    /// Asks the cluster for metadata of `topics` (nil: all topics) and merges it into the cache.
    @discardableResult
    public func refreshMetadata(topics: [String]?, allowAutoTopicCreation: Bool = false) async throws -> ClusterMetadata {
        try await withRetries("Metadata") {
            let connection = try await self.anyConnection()
            let request = MetadataRequest(
                topics: topics.map { $0.map { MetadataRequest.MetadataRequestTopic(name: $0) } },
                allowAutoTopicCreation: allowAutoTopicCreation)
            let response = try await connection.send(request)
            let fresh = ClusterMetadata(response)
            return self.state.withLockedValue { state in
                state.metadata.merge(fresh)
                if topics == nil {
                    // A full answer also says which topics are gone.
                    state.metadata.topics = fresh.topics
                }
                state.metadataFetchedAt = .now
                return fresh
            }
        }
    }

    /// Metadata of `topics`, from the cache when every one is known and fresh, else asked for.
    public func metadata(for topics: [String]) async throws -> ClusterMetadata {
        let cached: ClusterMetadata? = state.withLockedValue { state in
            guard let at = state.metadataFetchedAt,
                  ContinuousClock.now - at < .milliseconds(config.metadataMaxAgeMs),
                  topics.allSatisfy({ state.metadata.topics[$0]?.error == ErrorCode.none })
            else { return nil }
            return state.metadata
        }
        if let cached { return cached }
        try await refreshMetadata(topics: topics)
        return cachedMetadata
    }

    /// The connection to the leader of a partition, refreshing metadata once when the leader is unknown.
    public func leaderConnection(topic: String, partition: Int32) async throws -> BrokerConnection {
        if let leader = cachedMetadata.leader(topic: topic, partition: partition) {
            return try await connection(to: leader)
        }
        let metadata = try await refreshMetadata(topics: [topic])
        guard let t = metadata.topics[topic] else { throw KafkaClientError.broker(.unknownTopicOrPartition) }
        if t.error != .none { throw KafkaClientError.broker(t.error, message: "topic \(topic)") }
        guard let leader = cachedMetadata.leader(topic: topic, partition: partition) else {
            throw KafkaClientError.broker(.leaderNotAvailable, message: "\(topic)-\(partition)")
        }
        return try await connection(to: leader)
    }

    /// The connection to the controller (where topic changes must go), falling back to any broker when the
    /// cluster does not say which one it is.
    public func controllerConnection() async throws -> BrokerConnection {
        var controller = cachedMetadata.controllerId
        if controller < 0 { controller = try await refreshMetadata(topics: []).controllerId }
        if controller >= 0, let connection = try? await connection(to: controller) { return connection }
        return try await anyConnection()
    }

    /// Runs `operation` until it succeeds, a non-retriable error comes, `retries` are spent or
    /// `default.api.timeout.ms` passes; waits `retry.backoff.ms` between attempts.
    public func withRetries<T: Sendable>(
        _ what: String, _ operation: @Sendable () async throws -> T
    ) async throws -> T {
        let deadline = ContinuousClock.now + .milliseconds(config.defaultApiTimeoutMs)
        var attempt = 0
        while true {
            do {
                return try await operation()
            } catch let error as KafkaClientError where error.isRetriable && !isClosed {
                attempt += 1
                let backoff = Duration.milliseconds(config.retryBackoffMs)
                guard attempt <= config.retries, ContinuousClock.now + backoff < deadline else { throw error }
                logger.debug("\(what) failed (\(error)); retry \(attempt)")
                invalidateMetadataAge()
                try await Task.sleep(for: backoff)
            }
        }
    }

    func coordinatorNode(group: String) -> Int32? {
        state.withLockedValue { $0.coordinators[group] }
    }

    func remember(coordinator nodeId: Int32, address: BrokerAddress, group: String) {
        state.withLockedValue { state in
            state.coordinators[group] = nodeId
            if state.metadata.brokers[nodeId] == nil { state.metadata.brokers[nodeId] = address }
        }
    }

    /// Forgets a group's coordinator, so the next call finds it again.
    public func forgetCoordinator(group: String) {
        state.withLockedValue { _ = $0.coordinators.removeValue(forKey: group) }
    }

    /// Marks the metadata stale so the next `metadata(for:)` asks again.
    public func invalidateMetadataAge() {
        state.withLockedValue { $0.metadataFetchedAt = nil }
    }

    /// Drops a broker's connection (after it failed), so the next request opens a new one.
    public func dropConnection(to nodeId: Int32) {
        let task = state.withLockedValue { state in state.connections.removeValue(forKey: nodeId) }
        if let task { Task { try? await task.value.close() } }
    }

    private var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// Closes every connection; later calls throw `closed`.
    public func close() async {
        let tasks = state.withLockedValue { state -> [Task<BrokerConnection, Error>] in
            state.closed = true
            var tasks = Array(state.connections.values)
            if let bootstrap = state.bootstrap { tasks.append(bootstrap) }
            state.connections = [:]
            state.bootstrap = nil
            return tasks
        }
        for task in tasks {
            if let connection = try? await task.value { await connection.closeAndWait() }
        }
    }
}
