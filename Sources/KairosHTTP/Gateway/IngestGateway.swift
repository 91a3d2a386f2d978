import KafkaProtocol
import KairosClient
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The ingest gateway without HTTP: checks a request's topic and records, counts them per source, sends them
/// through a `RecordSink` and waits for each one's fate. The routes (`GatewayRoutes`) parse and answer.
public final class IngestGateway: Sendable {
    /// Settings of the gateway itself (the producer has its own).
    public struct Settings: Sendable {
        /// The largest request body taken, in bytes; larger ones get 413.
        public var requestBytesMax: Int = 16 * 1024 * 1024
        /// How long a topic lookup may wait for the cluster before the request gets 503 (Kafka's producer waits
        /// `max.block.ms` for metadata too).
        public var metadataTimeoutMs: Int = 60_000
        /// What `Retry-After` says on 429 and 503, in seconds.
        public var retryAfterSeconds: Int = 1
        /// The source-volume interval, in ms.
        public var volumeIntervalMs: Int64 = 1000
        /// How many completed intervals `GET /v1/sources` and the autopilot can see.
        public var volumeHistoryCount: Int = 300

        /// The defaults.
        public init() {}
    }

    /// Where records go.
    public let sink: any RecordSink
    /// The cluster view used to check topics (never creates one).
    public let cluster: KafkaCluster
    /// Records and bytes per source per interval.
    public let volumes: SourceVolumeTracker
    /// The settings in force.
    public let settings: Settings
    let logger: Logger

    /// A gateway sending through `sink`, checking topics against `cluster`; `nowMs` is the wall clock in ms since
    /// the epoch (passed in so tests can drive the volume intervals).
    public init(sink: any RecordSink, cluster: KafkaCluster, settings: Settings = Settings(),
                nowMs: @escaping @Sendable () -> Int64, logger: Logger = Logger(label: "kairos.gateway")) {
        self.sink = sink
        self.cluster = cluster
        self.settings = settings
        self.volumes = SourceVolumeTracker(intervalMs: settings.volumeIntervalMs,
                                           historyCount: settings.volumeHistoryCount, now: nowMs)
        self.logger = logger
    }

    // MARK: Producing

    /// Sends `records` (all of `topic`) for `source` and returns each one's fate, in order. Throws `RestError`
    /// before anything is sent when the topic or a partition does not exist (404), a record is larger than the
    /// producer takes (413) or the cluster cannot be reached (503).
    public func produce(topic: String, source: String, records: [ProducerRecord]) async throws -> [DeliveryReport] {
        let partitionCount = try await partitionCount(of: topic)
        var bytes: Int64 = 0
        for record in records {
            if let partition = record.partition, Int(partition) >= partitionCount {
                throw RestError.partitionNotFound(topic, Int64(partition), count: partitionCount)
            }
            let size = Self.recordBytes(record)
            if size > sink.recordBytesLimit {
                throw RestError.tooLarge("A record of about \(size) bytes is larger than the producer takes "
                                         + "(\(sink.recordBytesLimit) bytes: max.request.size and buffer.memory less the batch header)")
            }
            bytes += Int64((record.key?.readableBytes ?? 0) + (record.value?.readableBytes ?? 0))
        }
        volumes.add(source: source, SourceVolume(records: Int64(records.count), bytes: bytes))
        let reports = await sink.send(records)
        var failed: Int64 = 0
        for report in reports { if case .failure = report { failed += 1 } }
        volumes.addFailures(source: source, failed)
        return reports
    }

    /// The size the producer reckons a record takes in a batch at most (its own bound: the parts plus the
    /// largest varint overheads), so a record it would refuse is refused here first, before any is sent.
    static func recordBytes(_ record: ProducerRecord) -> Int {
        var bytes = 36 + (record.key?.readableBytes ?? 0) + (record.value?.readableBytes ?? 0)
        for header in record.headers { bytes += 10 + header.key.utf8.count + (header.value?.readableBytes ?? 0) }
        return bytes
    }

    // MARK: Metadata

    /// The partition count of an existing topic; throws 404 when the cluster does not have it and 503 when the
    /// cluster cannot say within `metadataTimeoutMs`. Never creates the topic.
    public func partitionCount(of topic: String) async throws -> Int {
        if let count = cluster.partitionCount(topic: topic) { return count }
        let cluster = self.cluster
        let deadline = ContinuousClock.now + .milliseconds(settings.metadataTimeoutMs)
        while true {
            let metadata = try await withCluster("looking up topic \(topic)", until: deadline) {
                try await cluster.refreshMetadata(topics: [topic], allowAutoTopicCreation: false)
            }
            let error = metadata.topics[topic]?.error ?? .unknownTopicOrPartition
            if error == .none, let count = cluster.partitionCount(topic: topic) { return count }
            if error == .unknownTopicOrPartition || error == .invalidTopicException { throw RestError.topicNotFound(topic) }
            // A topic just created has no leader for a moment: ask again until the deadline.
            guard error.isRetriable, ContinuousClock.now + .milliseconds(100) < deadline else {
                throw RestError.brokerUnavailable("Topic \(topic): \(error)", retryAfterSeconds: settings.retryAfterSeconds)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Every topic's name (internal topics left out), sorted.
    public func topicNames() async throws -> [String] {
        let cluster = self.cluster
        let deadline = ContinuousClock.now + .milliseconds(settings.metadataTimeoutMs)
        let metadata = try await withCluster("listing topics", until: deadline) {
            try await cluster.refreshMetadata(topics: nil)
        }
        return metadata.topics.values.filter { !$0.isInternal && $0.error == .none }.map(\.name).sorted()
    }

    /// The cluster's id, as its metadata gives it.
    public func clusterId() async throws -> String {
        if let id = cluster.cachedMetadata.clusterId { return id }
        let cluster = self.cluster
        let deadline = ContinuousClock.now + .milliseconds(settings.metadataTimeoutMs)
        let metadata = try await withCluster("reading the cluster id", until: deadline) {
            try await cluster.refreshMetadata(topics: [])
        }
        guard let id = metadata.clusterId else {
            throw RestError.kafka("The cluster does not give its id (Metadata v2+ is needed)")
        }
        return id
    }

    /// Runs a cluster call, turning "cannot reach the cluster by the deadline" into 503. The call runs in a task
    /// of its own so that a connection attempt that hangs does not hold the request past the deadline.
    private func withCluster<T: Sendable>(_ what: String, until deadline: ContinuousClock.Instant,
                                          _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let retryAfter = settings.retryAfterSeconds
        let unavailable = { (reason: String) in
            RestError.brokerUnavailable("Cannot reach the cluster while \(what): \(reason)", retryAfterSeconds: retryAfter)
        }
        let outcome = await Deadline.race(until: deadline, operation)
        switch outcome {
        case .value(let value): return value
        case .timedOut: throw unavailable("no answer within \(settings.metadataTimeoutMs) ms")
        case .failed(let error as KafkaClientError) where error.isRetriable: throw unavailable("\(error)")
        case .failed(let error as KafkaClientError): throw RestError.kafka("Kafka error while \(what): \(error)")
        case .failed(let error): throw unavailable("\(error)")
        }
    }
}

/// Races an operation against a deadline without waiting for the operation to finish once the deadline passed
/// (it is cancelled and left to end on its own).
enum Deadline {
    enum Outcome<T: Sendable>: Sendable { case value(T), failed(Error), timedOut }

    static func race<T: Sendable>(until deadline: ContinuousClock.Instant,
                                  _ operation: @escaping @Sendable () async throws -> T) async -> Outcome<T> {
        let decided = NIOLockedValueBox(false)
        let decide: @Sendable () -> Bool = { decided.withLockedValue { let first = !$0; $0 = true; return first } }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Outcome<T>, Never>) in
            let timer = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return decide()
            }
            let work = Task {
                let outcome: Outcome<T>
                do { outcome = .value(try await operation()) } catch { outcome = .failed(error) }
                if decide() { continuation.resume(returning: outcome) }
                timer.cancel()  // after deciding, so the woken timer finds the race already decided
            }
            Task {
                if await timer.value {
                    work.cancel()
                    continuation.resume(returning: .timedOut)
                }
            }
        }
    }
}
