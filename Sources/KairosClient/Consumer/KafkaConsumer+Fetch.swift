import KafkaProtocol
import NIOCore

extension KafkaConsumer {
    /// One Fetch per leader, in parallel; returns the records at or after each partition's position, in
    /// partition order. Leader changes mark metadata stale (the next poll looks again); an out-of-range position is
    /// reset by `auto.offset.reset`; errors that cannot pass throw.
    func fetch(maxWaitMs: Int) async throws -> [ConsumerRecord] {
        let fetchable = assignment.filter { !paused.contains($0) && positions[$0] != nil }
        guard !fetchable.isEmpty else {
            // Nothing to read (all paused, or no assignment yet): wait like an empty fetch would.
            if maxWaitMs > 0 { try await Task.sleep(for: .milliseconds(maxWaitMs)) }
            return []
        }
        let metadata = try await cluster.metadata(for: Array(Set(fetchable.map(\.topic))).sorted())
        var byLeader: [Int32: [(TopicPartition, Int64)]] = [:]
        for tp in fetchable {
            guard let leader = metadata.leader(topic: tp.topic, partition: tp.partition) else {
                cluster.invalidateMetadataAge()
                continue
            }
            byLeader[leader, default: []].append((tp, positions[tp]!))
        }
        let config = self.config, cluster = self.cluster
        let responses: [(Int32, [(TopicPartition, Int64)], Result<FetchResponse, Error>)] =
            await withTaskGroup(of: (Int32, [(TopicPartition, Int64)], Result<FetchResponse, Error>).self) { group in
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
                            return (leader, partitions, .success(response))
                        } catch {
                            return (leader, partitions, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        var records: [ConsumerRecord] = []
        var resets: [TopicPartition] = []
        for (leader, partitions, result) in responses.sorted(by: { $0.0 < $1.0 }) {
            let response: FetchResponse
            switch result {
            case .success(let value): response = value
            case .failure(let error):
                if let error = error as? KafkaClientError, error.isRetriable {
                    logger.debug("fetch from broker \(leader) failed: \(error)")
                    cluster.dropConnection(to: leader)
                    cluster.invalidateMetadataAge()
                    continue
                }
                throw error
            }
            if response.errorCode != 0 {
                let code = ErrorCode(response.errorCode)
                if code.isRetriable { continue }
                throw KafkaClientError.broker(code, message: "fetch from broker \(leader)")
            }
            let asked = Dictionary(uniqueKeysWithValues: partitions.map { ($0.0, $0.1) })
            for topic in response.responses {
                for data in topic.partitions.sorted(by: { $0.partitionIndex < $1.partitionIndex }) {
                    let tp = TopicPartition(topic: topic.topic, partition: data.partitionIndex)
                    // A seek or reassignment while the fetch was out makes its data stale.
                    guard let offset = asked[tp], positions[tp] == offset, assignment.contains(tp), !paused.contains(tp) else {
                        continue
                    }
                    let code = ErrorCode(data.errorCode)
                    if code == .offsetOutOfRange {
                        resets.append(tp)
                        continue
                    }
                    if code != .none {
                        if code.isRetriable {
                            cluster.invalidateMetadataAge()
                            continue
                        }
                        throw KafkaClientError.broker(code, message: "fetch \(tp)")
                    }
                    guard let bytes = data.records else { continue }
                    let (decoded, nextOffset) = try decode(bytes, partition: tp, from: offset)
                    if decoded.isEmpty, let nextOffset, nextOffset > offset {
                        // Only control batches or records before the position: step past them.
                        positions[tp] = nextOffset
                    }
                    records.append(contentsOf: decoded)
                }
            }
        }
        if !resets.isEmpty { try await reset(resets) }
        return records
    }

    /// The records of a fetched record set at or after `from`, and the offset after its last whole batch.
    private func decode(_ bytes: ByteBuffer, partition: TopicPartition, from offset: Int64) throws -> ([ConsumerRecord], Int64?) {
        var records: [ConsumerRecord] = []
        var next: Int64?
        var iterator = RecordBatchIterator(bytes)
        while var entry = iterator.next() {
            guard RecordBatchIterator.magic(of: entry) == 2 else {
                throw KafkaClientError.protocolViolation("\(partition) holds a pre-0.11 message set, which this consumer does not read")
            }
            let batch: RecordBatch
            do {
                batch = try RecordBatch.decode(from: &entry, maxDecompressedBytes: max(config.fetchMaxBytes, 64 << 20))
            } catch {
                throw KafkaClientError.protocolViolation("corrupt batch in \(partition): \(error)")
            }
            next = batch.baseOffset + Int64(batch.lastOffsetDelta) + 1
            if batch.isControl { continue }
            for record in batch.records {
                let recordOffset = batch.offset(of: record)
                guard recordOffset >= offset else { continue }
                records.append(ConsumerRecord(
                    topic: partition.topic, partition: partition.partition, offset: recordOffset,
                    timestampMs: batch.timestamp(of: record), key: record.key, value: record.value, headers: record.headers))
            }
        }
        if let malformed = iterator.malformed {
            throw KafkaClientError.protocolViolation("corrupt record set in \(partition): \(malformed)")
        }
        return (records, next)
    }
}
