import KafkaProtocol
import KairosStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One partition of a topic: its log, the idempotent-producer state that guards appends to it,
/// the fetches waiting on it, and its load counters.
final class Partition: Sendable {
    let topic: String
    let index: Int32
    let log: any LogStore
    let counters = PartitionLoadCounters()
    let waiters = FetchWaiterList()
    /// The lock around the producer table also serialises the check-append-record sequence.
    private let producers: NIOLockedValueBox<ProducerStateTable>
    private let logger: Logger

    /// Wraps an open log, rebuilding its idempotent-producer state from what the log kept (a snapshot and the
    /// batches after it), so a batch retried across a restart is still recognised.
    init(topic: String, index: Int32, log: any LogStore, logger: Logger) throws {
        self.topic = topic
        self.index = index
        self.log = log
        self.logger = logger
        producers = NIOLockedValueBox(ProducerStateTable(replaying: try log.recoverProducerState().batches))
        // Produce acknowledgements wait for `log.whenSynced`, so in fsync-per-ack mode the log may batch fsyncs.
        log.enableGroupCommit()
    }

    /// Keeps the producer state beside the log and closes the log (clean shutdown): the next start reads the
    /// snapshot and scans nothing.
    func close() throws {
        try producers.withLockedValue { table in
            do {
                try log.writeProducerSnapshot(table.batches, upTo: log.logEndOffset)
            } catch let error as StorageError where error.isClosed {
                return  // closed already: nothing more to keep
            }
            try log.close()
        }
    }

    /// The result of appending one produced batch.
    enum AppendOutcome: Sendable, Equatable {
        case appended(baseOffset: Int64)
        case duplicate(baseOffset: Int64)
        case rejected(Int16)
    }

    /// Appends a batch the broker has validated. `stampTimeMs` set means LogAppendTime: the broker
    /// overwrites the batch's max timestamp with it (and fixes the CRC) before storing.
    func append(
        _ batch: ByteBuffer, header: RecordBatchHeader, stampTimeMs: Int64?, nowMs: Int64, connection: UInt64
    ) throws -> AppendOutcome {
        var stored = batch
        var maxTimestamp = header.maxTimestamp
        if let stampTimeMs {
            // Mutating the slice copies it, so the request's bytes stay as they came.
            RecordBatchHeader.setLogAppendTime(stampTimeMs, inBatchAt: stored.readerIndex, of: &stored)
            maxTimestamp = stampTimeMs
        }
        let info = BatchInfo(recordCount: header.recordCount, lastOffsetDelta: header.lastOffsetDelta, maxTimestamp: maxTimestamp)
        let idempotent = header.producerId >= 0 && header.baseSequence >= 0
        let lastSequence = header.baseSequence &+ header.lastOffsetDelta
        let outcome: AppendOutcome = try producers.withLockedValue { table in
            if idempotent {
                switch table.check(
                    producerId: header.producerId, epoch: header.producerEpoch,
                    firstSequence: header.baseSequence, lastSequence: lastSequence)
                {
                case .duplicate(let offset): return .duplicate(baseOffset: offset)
                case .reject(let code): return .rejected(code)
                case .append: break
                }
            }
            let result = try log.append(stored, info: info, now: nowMs)
            if idempotent {
                table.record(
                    producerId: header.producerId, epoch: header.producerEpoch, firstSequence: header.baseSequence,
                    lastSequence: lastSequence, baseOffset: result.baseOffset, lastOffset: result.lastOffset)
                table.noteTimestamp(producerId: header.producerId, maxTimestamp)
            }
            if result.rolledSegment {
                // As Kafka does at a roll, so a restart after a crash scans at most the active segment. The batch is
                // stored already: a failed snapshot costs only a longer scan, never the produce.
                do {
                    try log.writeProducerSnapshot(table.batches, upTo: result.lastOffset + 1)
                } catch {
                    logger.warning(
                        "cannot write a producer snapshot",
                        metadata: ["topic": "\(topic)", "partition": "\(index)", "error": "\(error)"])
                }
            }
            return .appended(baseOffset: result.baseOffset)
        }
        if case .appended = outcome {
            counters.recordProduce(
                records: Int64(header.recordCount), bytes: Int64(batch.readableBytes), connection: connection, nowMs: nowMs)
            waiters.wakeAll()
        }
        return outcome
    }

    /// The producers this partition remembers (DescribeProducers): id, epoch, last sequence and last timestamp.
    var activeProducers: [(id: Int64, epoch: Int16, lastSequence: Int32, lastTimestamp: Int64)] {
        producers.withLockedValue { table in
            table.producers.map { ($0.key, $0.value.epoch, $0.value.lastSequence, $0.value.lastTimestamp) }.sorted { $0.id < $1.id }
        }
    }
}
