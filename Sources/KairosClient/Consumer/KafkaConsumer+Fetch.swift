import KafkaProtocol
import NIOCore

/// One partition of a fetch answer, decoded where the answer arrived (off the consumer's actor).
struct FetchedPartition: Sendable {
    var partition: TopicPartition
    /// The offset the fetch asked for: the data counts only if the position is still there when it is applied.
    var askedOffset: Int64
    var errorCode: ErrorCode
    /// The records at or after `askedOffset` and the offset after the last whole batch; nil without record data.
    var decoded: Result<([ConsumerRecord], Int64?), KafkaClientError>?
}

/// One leader's fetch answer (or why there is none).
struct LeaderFetch: Sendable {
    var leader: Int32
    var result: Result<(errorCode: ErrorCode, partitions: [FetchedPartition]), Error>
}

/// A fetch sent ahead, at the offsets after the records the consumer holds, while the application works through them.
struct Prefetch {
    let task: Task<[LeaderFetch], Error>
}

extension KafkaConsumer {
    /// One Fetch per leader, in parallel; returns the records at or after each partition's position, in
    /// partition order. Leader changes mark metadata stale (the next poll looks again); an out-of-range position is
    /// reset by `auto.offset.reset`; errors that cannot pass throw.
    ///
    /// When records come back, the next fetch goes out at once (at the offsets after them), so the broker's answer
    /// travels and is decoded while the application processes these, as Kafka's consumers prefetch. Its data is
    /// used only where the position is still the one it asked for (no seek, pause or reassignment since).
    func fetch(maxWaitMs: Int) async throws -> [ConsumerRecord] {
        let answers: [LeaderFetch]
        if let pending = takePrefetch() {
            answers = try await pending.task.value
        } else {
            let asked = fetchableOffsets(after: [])
            guard !asked.isEmpty else {
                // Nothing to read (all paused, or no assignment yet): wait like an empty fetch would.
                if maxWaitMs > 0 { try await Task.sleep(for: .milliseconds(maxWaitMs)) }
                return []
            }
            answers = try await Self.sendFetches(asked, maxWaitMs: maxWaitMs, cluster: cluster, config: config)
        }
        let records = try await apply(answers)
        if !records.isEmpty && !isClosed {
            let asked = fetchableOffsets(after: records)
            if !asked.isEmpty {
                let cluster = self.cluster, config = self.config
                setPrefetch(Prefetch(task: Task {
                    try await Self.sendFetches(asked, maxWaitMs: maxWaitMs, cluster: cluster, config: config)
                }))
            }
        }
        return records
    }

    /// The partitions to fetch now and from where: each unpaused assigned partition with a position, at the offset
    /// after its last record in `held` (records returned or buffered, not yet consumed), else at its position.
    private func fetchableOffsets(after held: [ConsumerRecord]) -> [TopicPartition: Int64] {
        var asked: [TopicPartition: Int64] = [:]
        for tp in assignment where !paused.contains(tp) {
            if let position = positions[tp] { asked[tp] = position }
        }
        for (tp, next) in held.nextOffsetsByPartition() where asked[tp] != nil { asked[tp] = next }
        return asked
    }

    /// Sends one Fetch per leader for `asked`, waits for all, and decodes the record data.
    private nonisolated static func sendFetches(
        _ asked: [TopicPartition: Int64], maxWaitMs: Int, cluster: KafkaCluster, config: ConsumerConfig
    ) async throws -> [LeaderFetch] {
        let metadata = try await cluster.metadata(for: Array(Set(asked.keys.map(\.topic))).sorted())
        var byLeader: [Int32: [(TopicPartition, Int64)]] = [:]
        for (tp, offset) in asked.sorted(by: { $0.key < $1.key }) {
            guard let leader = metadata.leader(topic: tp.topic, partition: tp.partition) else {
                cluster.invalidateMetadataAge()
                continue
            }
            byLeader[leader, default: []].append((tp, offset))
        }
        return await withTaskGroup(of: LeaderFetch.self) { group in
            for (leader, partitions) in byLeader {
                group.addTask {
                    do {
                        let connection = try await cluster.connection(to: leader)
                        let version = min(try connection.version(of: .fetch), 12)
                        guard version >= 4 else { throw KafkaClientError.unsupportedVersion(.fetch) }
                        let topics = Dictionary(grouping: partitions, by: { $0.0.topic }).sorted { $0.key < $1.key }.map {
                            FetchRequest.FetchTopic(topic: $0.key, partitions: $0.value.map { tp, offset in
                                .init(partition: tp.partition, currentLeaderEpoch: -1, fetchOffset: offset,
                                      logStartOffset: -1, partitionMaxBytes: Int32(clamping: config.maxPartitionFetchBytes))
                            })
                        }
                        let request = FetchRequest(
                            replicaId: -1, maxWaitMs: Int32(clamping: maxWaitMs), minBytes: Int32(clamping: config.fetchMinBytes),
                            maxBytes: Int32(clamping: config.fetchMaxBytes), isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
                            topics: topics)
                        let response = try await connection.send(
                            request, version: version, timeoutMs: config.client.requestTimeoutMs + maxWaitMs)
                        let askedHere = Dictionary(uniqueKeysWithValues: partitions.map { ($0.0, $0.1) })
                        var fetched: [FetchedPartition] = []
                        for topic in response.responses {
                            for data in topic.partitions.sorted(by: { $0.partitionIndex < $1.partitionIndex }) {
                                let tp = TopicPartition(topic: topic.topic, partition: data.partitionIndex)
                                guard let offset = askedHere[tp] else { continue }
                                let code = ErrorCode(data.errorCode)
                                var decoded: Result<([ConsumerRecord], Int64?), KafkaClientError>?
                                if code == .none, let bytes = data.records {
                                    decoded = Result { try decode(bytes, partition: tp, from: offset, config: config) }
                                        .mapError { $0 as? KafkaClientError ?? .protocolViolation("\($0)") }
                                }
                                fetched.append(FetchedPartition(partition: tp, askedOffset: offset, errorCode: code, decoded: decoded))
                            }
                        }
                        return LeaderFetch(leader: leader, result: .success((ErrorCode(response.errorCode), fetched)))
                    } catch {
                        return LeaderFetch(leader: leader, result: .failure(error))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Takes the fetched records whose partitions are still where the fetch asked, moves positions past batches
    /// without records for the consumer, resets out-of-range positions and throws what cannot pass.
    private func apply(_ answers: [LeaderFetch]) async throws -> [ConsumerRecord] {
        var records: [ConsumerRecord] = []
        var resets: [TopicPartition] = []
        for answer in answers.sorted(by: { $0.leader < $1.leader }) {
            let response: (errorCode: ErrorCode, partitions: [FetchedPartition])
            switch answer.result {
            case .success(let value): response = value
            case .failure(let error):
                if let error = error as? KafkaClientError, error.isRetriable {
                    logger.debug("fetch from broker \(answer.leader) failed: \(error)")
                    cluster.dropConnection(to: answer.leader)
                    cluster.invalidateMetadataAge()
                    continue
                }
                throw error
            }
            if response.errorCode != .none {
                if response.errorCode.isRetriable { continue }
                throw KafkaClientError.broker(response.errorCode, message: "fetch from broker \(answer.leader)")
            }
            for data in response.partitions {
                let tp = data.partition
                // A seek or reassignment while the fetch was out makes its data stale.
                guard positions[tp] == data.askedOffset, assignment.contains(tp), !paused.contains(tp) else { continue }
                if data.errorCode == .offsetOutOfRange {
                    resets.append(tp)
                    continue
                }
                if data.errorCode != .none {
                    if data.errorCode.isRetriable {
                        cluster.invalidateMetadataAge()
                        continue
                    }
                    throw KafkaClientError.broker(data.errorCode, message: "fetch \(tp)")
                }
                guard let decoded = data.decoded else { continue }
                let (fetched, nextOffset) = try decoded.get()
                if fetched.isEmpty, let nextOffset, nextOffset > data.askedOffset {
                    // Only control batches or records before the position: step past them.
                    positions[tp] = nextOffset
                }
                records.append(contentsOf: fetched)
            }
        }
        if !resets.isEmpty { try await reset(resets) }
        return records
    }

    /// The records of a fetched record set at or after `from`, and the offset after its last whole batch.
    private nonisolated static func decode(
        _ bytes: ByteBuffer, partition: TopicPartition, from offset: Int64, config: ConsumerConfig
    ) throws -> ([ConsumerRecord], Int64?) {
        var records: [ConsumerRecord] = []
        var next: Int64?
        var iterator = RecordBatchIterator(bytes)
        let topic = partition.topic, index = partition.partition
        let maxBytes = max(config.fetchMaxBytes, 64 << 20)
        while var entry = iterator.next() {
            guard RecordBatchIterator.magic(of: entry) == 2 else {
                throw KafkaClientError.protocolViolation("\(partition) holds a pre-0.11 message set, which this consumer does not read")
            }
            do {
                // Decompressed batches come from the block cache: made and dropped by the thousand per second.
                let header = try RecordBatchReader.read(from: &entry, fromOffset: offset, maxDecompressedBytes: maxBytes,
                                                        allocator: .blockCache, verifyCRC: config.checkCrcs) { record in
                    records.append(ConsumerRecord(
                        topic: topic, partition: index, offset: record.offset, timestampMs: record.timestamp,
                        key: record.key, value: record.value, headers: record.headers))
                }
                next = header.baseOffset + Int64(header.lastOffsetDelta) + 1
            } catch {
                throw KafkaClientError.protocolViolation("corrupt batch in \(partition): \(error)")
            }
        }
        if let malformed = iterator.malformed {
            throw KafkaClientError.protocolViolation("corrupt record set in \(partition): \(malformed)")
        }
        return (records, next)
    }
}
