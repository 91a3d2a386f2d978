import KafkaProtocol
import Logging
import NIOCore
import NIOPosix

/// The Kairos consumer: reads records from partitions it is given (`assign`) or that its group gives it
/// (`subscribe`), tracking a position per partition. Records come from `poll()` or the `records` async sequence.
/// Use it from one task at a time, as Kafka's consumer.
public actor KafkaConsumer {
    /// The configuration in force.
    public nonisolated let config: ConsumerConfig
    /// The cluster view this consumer uses.
    public nonisolated let cluster: KafkaCluster
    let admin: KafkaAdmin
    let logger: Logger
    private let ownsCluster: Bool

    // Assignment and positions.
    var assignment: [TopicPartition] = []
    var positions: [TopicPartition: Int64] = [:]
    var paused: Set<TopicPartition> = []
    private var buffered: [ConsumerRecord] = []
    private var bufferedIndex = 0
    /// The fetch sent ahead, if any (see `fetch(maxWaitMs:)`).
    private var prefetch: Prefetch?

    // Group membership.
    /// Subscription, member id, generation, rejoin, fenced and closed, changed only through `group.event(_:)`.
    var group = ConsumerGroupState()
    var protocolName: String?
    var heartbeatTask: Task<Void, Never>?
    var lastAutoCommit = ContinuousClock.now
    /// Tasks waiting for `close()` to finish (`run()`).
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []

    /// Makes a consumer with its own connections; nothing connects until the first call.
    public init(config: ConsumerConfig, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "kairos.consumer")) {
        self.init(config: config, cluster: KafkaCluster(config: config.client, group: group, logger: logger),
                  ownsCluster: true, logger: logger)
    }

    /// Makes a consumer on a shared cluster view.
    public init(config: ConsumerConfig, cluster: KafkaCluster, ownsCluster: Bool = false,
                logger: Logger = Logger(label: "kairos.consumer")) {
        self.config = config
        self.cluster = cluster
        self.ownsCluster = ownsCluster
        self.admin = KafkaAdmin(cluster: cluster)
        self.logger = logger
    }

    // MARK: Assignment

    /// Reads exactly these partitions (no group membership); replaces any earlier assignment or subscription.
    public func assign(_ partitions: [TopicPartition]) async throws {
        try checkOpen()
        if group.topics != nil { try await unsubscribe() }
        setAssignment(partitions)
    }

    /// Joins `group.id` and reads the partitions the group assigns from `topics`; the first `poll` joins.
    public func subscribe(_ topics: [String]) throws {
        try checkOpen()
        guard config.groupId != nil else { throw KafkaClientError.invalidConfiguration("subscribe needs group.id") }
        guard !topics.isEmpty else { throw KafkaClientError.invalidArgument("subscribe to no topics") }
        _ = group.event(.subscribe(topics))
    }

    /// Leaves the group (committing first when auto commit is on) and drops the assignment.
    public func unsubscribe() async throws {
        if group.topics != nil {
            if config.enableAutoCommit { try? await commit() }
            await leaveGroup()
        }
        _ = group.event(.unsubscribe)
        setAssignment([])
    }

    /// The partitions this consumer reads now.
    public var assignedPartitions: [TopicPartition] { assignment }

    /// Its place in the group (generation and member id), nil without `group.id`.
    public var groupMetadata: ConsumerGroupMetadata? {
        let member = group.member
        return config.groupId.map {
            ConsumerGroupMetadata(groupId: $0, generationId: member.generationId, memberId: member.memberId,
                                  groupInstanceId: config.groupInstanceId)
        }
    }

    func setAssignment(_ partitions: [TopicPartition]) {
        let keep = Set(partitions)
        assignment = partitions.sorted()
        positions = positions.filter { keep.contains($0.key) }
        paused = paused.intersection(keep)
        dropBuffered { !keep.contains(TopicPartition(topic: $0.topic, partition: $0.partition)) }
    }

    private func dropBuffered(where predicate: (ConsumerRecord) -> Bool) {
        let rest = buffered[bufferedIndex...].filter { !predicate($0) }
        buffered = Array(rest)
        bufferedIndex = 0
    }

    // MARK: Positions

    /// Stops returning records of these partitions until `resume`.
    public func pause(_ partitions: [TopicPartition]) {
        paused.formUnion(partitions)
        let set = Set(partitions)
        // Records already fetched are kept for later: rewind the positions to them instead.
        for record in buffered[bufferedIndex...] {
            let tp = TopicPartition(topic: record.topic, partition: record.partition)
            if set.contains(tp), record.offset < (positions[tp] ?? .max) { positions[tp] = record.offset }
        }
        dropBuffered { set.contains(TopicPartition(topic: $0.topic, partition: $0.partition)) }
    }

    /// Returns records of these partitions again.
    public func resume(_ partitions: [TopicPartition]) {
        paused.subtract(partitions)
    }

    /// The partitions paused now.
    public var pausedPartitions: Set<TopicPartition> { paused }

    /// Makes the next record of `partition` the one at `offset`.
    public func seek(_ partition: TopicPartition, to offset: Int64) throws {
        guard assignment.contains(partition) else {
            throw KafkaClientError.invalidArgument("seek on \(partition), which is not assigned")
        }
        guard offset >= 0 else { throw KafkaClientError.invalidArgument("seek to offset \(offset)") }
        positions[partition] = offset
        dropBuffered { $0.topic == partition.topic && $0.partition == partition.partition }
    }

    /// Seeks to the first or the next-to-be-written offset of these partitions.
    public func seek(_ partitions: [TopicPartition], to spec: OffsetSpec) async throws {
        let found = try await admin.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, spec) }))
        for (tp, listed) in found { try seek(tp, to: max(listed.offset, 0)) }
    }

    /// The offset of the next record `poll` returns for `partition`, nil before it is known.
    public func position(_ partition: TopicPartition) -> Int64? {
        if let record = buffered[bufferedIndex...].first(where: { $0.topic == partition.topic && $0.partition == partition.partition }) {
            return record.offset
        }
        return positions[partition]
    }

    // MARK: Polling

    /// Returns the next records (at most `max.poll.records`), waiting up to `timeoutMs` for some; may return none.
    /// Joins or rejoins the group when needed, and commits when auto commit is due. A static member that another
    /// process with its `group.instance.id` replaced throws FENCED_INSTANCE_ID from then on.
    public func poll(timeoutMs: Int = 1_000) async throws -> [ConsumerRecord] {
        try checkOpen()
        if let fenced = group.fenced { throw fenced }
        if group.needsJoin { try await joinGroup() }
        try await autoCommitIfDue()
        if bufferedIndex == buffered.count {
            try await resolvePositions()
            let fetched = try await fetch(maxWaitMs: min(config.fetchMaxWaitMs, timeoutMs))
            buffered = fetched
            bufferedIndex = 0
        }
        let end = min(buffered.count, bufferedIndex + config.maxPollRecords)
        // The whole buffer goes out as it is (no copy of every record) when it fits in one poll.
        let batch = bufferedIndex == 0 && end == buffered.count ? buffered : Array(buffered[bufferedIndex..<end])
        bufferedIndex = end
        // The position moves past what is returned; what stays buffered is returned next.
        for (tp, next) in batch.nextOffsetsByPartition() { positions[tp] = next }
        if bufferedIndex == buffered.count {
            buffered = []
            bufferedIndex = 0
        }
        return batch
    }

    /// The records as an async sequence: each iteration polls as needed; it ends when the consumer is closed or
    /// the task is cancelled, and throws what `poll` throws.
    public nonisolated var records: ConsumerRecordSequence { ConsumerRecordSequence(consumer: self) }

    /// Gives every assigned partition without a position one: its committed offset, else `auto.offset.reset`.
    func resolvePositions() async throws {
        let missing = assignment.filter { positions[$0] == nil }
        guard !missing.isEmpty else { return }
        if config.groupId != nil {
            for (tp, offset) in try await committedOffsets(missing) where offset >= 0 { positions[tp] = offset }
        }
        let stillMissing = missing.filter { positions[$0] == nil }
        guard !stillMissing.isEmpty else { return }
        try await reset(stillMissing)
    }

    /// Sets positions by `auto.offset.reset`.
    func reset(_ partitions: [TopicPartition]) async throws {
        let spec: OffsetSpec
        switch config.autoOffsetReset {
        case .earliest: spec = .earliest
        case .latest: spec = .latest
        case .none:
            throw KafkaClientError.invalidArgument(
                "no committed offset for \(partitions.map(\.description).joined(separator: ", ")) and auto.offset.reset=none")
        }
        let found = try await admin.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, spec) }))
        for (tp, listed) in found where assignment.contains(tp) { positions[tp] = max(listed.offset, 0) }
    }

    // MARK: Closing

    /// Commits (when auto commit is on and `autoCommit` is true), leaves the group and closes the connections it
    /// owns. Iteration of `records` ends.
    public func close(autoCommit: Bool = true) async {
        guard !group.isClosed else { return }
        if group.topics != nil {
            if config.enableAutoCommit && autoCommit { try? await commit() }
            await leaveGroup()
        } else if config.enableAutoCommit, autoCommit, config.groupId != nil, !positions.isEmpty {
            try? await commit()
        }
        _ = group.event(.closed)
        prefetch?.task.cancel()
        prefetch = nil
        heartbeatTask?.cancel()
        heartbeatTask = nil
        if ownsCluster { await cluster.close() }
        let waiters = closeWaiters
        closeWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `close()` has finished.
    func waitUntilClosed() async {
        guard !group.isClosed else { return }
        await withCheckedContinuation { closeWaiters.append($0) }
    }

    func takePrefetch() -> Prefetch? {
        defer { prefetch = nil }
        return prefetch
    }

    func setPrefetch(_ next: Prefetch) {
        prefetch?.task.cancel()
        prefetch = next
    }

    func checkOpen() throws {
        if group.isClosed { throw KafkaClientError.closed }
    }

    var isClosed: Bool { group.isClosed }
}

/// The records of a consumer, polled as the iteration needs them.
public struct ConsumerRecordSequence: AsyncSequence, Sendable {
    public typealias Element = ConsumerRecord
    let consumer: KafkaConsumer

    /// The iterator; keeps one polled batch locally, so records do not cost an actor hop each.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        var batch: [ConsumerRecord] = []
        var index = 0

        public mutating func next() async throws -> ConsumerRecord? {
            while index == batch.count {
                if Task.isCancelled { return nil }
                if await consumer.isClosed { return nil }
                do {
                    batch = try await consumer.poll()
                } catch let error as KafkaClientError where error.isClosed {
                    return nil
                }
                index = 0
            }
            defer { index += 1 }
            return batch[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer) }
}
