import KafkaProtocol
import KairosStorage
import NIOCore

extension Broker {
    /// Makes a finished transaction durable: a commit or abort marker appended to each of its partitions (so
    /// read_committed consumers can pass them), then, on commit, its offsets handed to their groups. Returns false
    /// when a marker could not be written (the answer is then KAFKA_STORAGE_ERROR).
    func complete(_ completion: TransactionState.Completion, transactionalId: String, eventLoop: (any EventLoop)?) -> Bool {
        let now = clock()
        var ok = true
        for p in completion.partitions {
            guard let partition = topics.topic(p.topic)?.partition(p.partition) else { continue }  // deleted meanwhile
            let batch = ControlBatch.marker(
                commit: completion.commit, producerId: completion.producerId, epoch: completion.epoch, nowMs: now)
            do {
                let header = try RecordBatchHeader(peeking: batch)
                if case .appended(let offset) = try partition.append(batch, header: header, stampTimeMs: nil, nowMs: now, connection: 0) {
                    transactions.markerWritten(p, producerId: completion.producerId, commit: completion.commit, offset: offset)
                }
            } catch {
                ok = false
                logger.error(
                    "cannot write a transaction marker",
                    metadata: ["transactionalId": "\(transactionalId)", "topic": "\(p.topic)", "partition": "\(p.partition)", "error": "\(error)"])
            }
        }
        guard completion.commit, !completion.offsets.isEmpty, let eventLoop else { return ok }
        for groupId in Set(completion.offsets.map(\.groupId)) {
            let partitions = completion.offsets.filter { $0.groupId == groupId }.map { o in
                OffsetCommitInput.Partition(
                    partition: GroupTopicPartition(topic: o.partition.topic, partition: o.partition.partition),
                    exists: hasPartition(topic: o.partition.topic, partition: o.partition.partition), offset: o.offset,
                    leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestampMs: -1)
            }
            // The commit is applied and logged inside submit; its reply is of no use here.
            _ = groups.submit(now: now, eventLoop: eventLoop, encode: { _ in .noResponse }) { token in
                .commit(OffsetCommitInput(
                    token: token, groupId: groupId, generationId: -1, memberId: "", groupInstanceId: nil,
                    retentionTimeMs: -1, partitions: partitions, fromTransaction: true))
            }
        }
        return ok
    }

    /// Applies a transaction event; a metadata store that cannot be written answers KAFKA_STORAGE_ERROR.
    func applyTransactionEvent(_ event: TransactionState.Event, to transactionalId: String, now: Int64) -> TransactionState.Outcome {
        do {
            return try transactions.apply(event, to: transactionalId, now: now)
        } catch {
            logger.error(
                "cannot store a transactional producer", metadata: ["transactionalId": "\(transactionalId)", "error": "\(error)"])
            return .error(.storage)
        }
    }

    /// Aborts every transaction older than its transaction.timeout.ms (bumping its producer's epoch, so the late
    /// producer is fenced). The server calls it with the group tick.
    public func tickTransactions() {
        for (id, completion) in transactions.expire(now: clock()) {
            logger.info("aborted a transaction that outlived its timeout", metadata: ["transactionalId": "\(id)"])
            _ = complete(completion, transactionalId: id, eventLoop: nil)
        }
    }

    /// The last stable offset of a partition: where read_committed fetches stop.
    func lastStableOffset(topic: String, partition: Int32, highWatermark: Int64) -> Int64 {
        transactions.lastStableOffset(TxnPartition(topic: topic, partition: partition), highWatermark: highWatermark)
    }
}
