import KairosStorage

/// Idempotent-producer bookkeeping for one partition: per producer id, its epoch and the last few
/// batches it wrote, so a retried batch is recognised and answered without being written twice.
///
/// A value type: the partition checks a batch with `check`, appends it, then calls `record`. The log keeps it
/// across restarts: `batches` is what a snapshot stores, and `init(replaying:)` rebuilds the table from a snapshot
/// and the batches found in the log after it.

struct ProducerStateTable: Sendable {
    /// Kafka keeps the last five batches per producer, matching max.in.flight.requests.per.connection = 5.
    static let batchesKept = 5

    struct CachedBatch: Sendable {
        var firstSequence: Int32
        var lastSequence: Int32
        var baseOffset: Int64
        var lastOffset: Int64
    }

    struct Entry: Sendable {
        var epoch: Int16
        var batches: [CachedBatch]  // oldest first
        /// The max timestamp of the producer's last batch appended since this broker started, -1 when none was
        /// (snapshots keep no timestamps, so a restart forgets it); DescribeProducers reports it.
        var lastTimestamp: Int64 = -1
        var lastSequence: Int32 { batches.last?.lastSequence ?? -1 }
    }

    /// What to do with an incoming batch.
    enum Verdict: Equatable, Sendable {
        /// Append it.
        case append
        /// It was written before: answer with its original offsets.
        case duplicate(baseOffset: Int64)
        /// Refuse it with this Kafka error code.
        case reject(Int16)
    }

    private(set) var producers: [Int64: Entry] = [:]

    /// An empty table.
    init() {}

    /// The table as it stood after `batches` (oldest first) were written: each is recorded in turn, so every
    /// producer ends with its latest epoch and its last `batchesKept` batches.
    init(replaying batches: [ProducerBatch]) {
        for b in batches {
            record(producerId: b.producerId, epoch: b.epoch, firstSequence: b.firstSequence, lastSequence: b.lastSequence,
                   baseOffset: b.baseOffset, lastOffset: b.lastOffset)
        }
    }

    /// Every producer's remembered batches, oldest first by offset: what a snapshot keeps, and what
    /// `init(replaying:)` turns back into this table.
    var batches: [ProducerBatch] {
        producers.flatMap { id, entry in
            entry.batches.map {
                ProducerBatch(producerId: id, epoch: entry.epoch, firstSequence: $0.firstSequence,
                              lastSequence: $0.lastSequence, baseOffset: $0.baseOffset, lastOffset: $0.lastOffset)
            }
        }.sorted { $0.baseOffset < $1.baseOffset }
    }

    /// Decides about a batch with producer id `producerId` (>= 0), `epoch` and sequence range.
    func check(producerId: Int64, epoch: Int16, firstSequence: Int32, lastSequence: Int32) -> Verdict {
        guard let entry = producers[producerId] else {
            // Unknown producer here: a new one, or one whose state was lost in a restart. Kafka accepts
            // the batch when it cannot prove a gap; refusing would strand a producer after a restart.
            return .append
        }
        if epoch < entry.epoch { return .reject(47) }  // INVALID_PRODUCER_EPOCH
        if epoch > entry.epoch {
            // A bumped epoch restarts sequences at 0.
            return firstSequence == 0 ? .append : .reject(45)  // OUT_OF_ORDER_SEQUENCE_NUMBER
        }
        if let cached = entry.batches.first(where: { $0.firstSequence == firstSequence && $0.lastSequence == lastSequence }) {
            return .duplicate(baseOffset: cached.baseOffset)
        }
        let expected = entry.lastSequence == Int32.max ? 0 : entry.lastSequence &+ 1
        if firstSequence != expected { return .reject(45) }  // OUT_OF_ORDER_SEQUENCE_NUMBER
        return .append
    }

    /// Remembers a batch that was appended at `baseOffset...lastOffset`.
    mutating func record(
        producerId: Int64, epoch: Int16, firstSequence: Int32, lastSequence: Int32, baseOffset: Int64, lastOffset: Int64
    ) {
        var entry = producers[producerId] ?? Entry(epoch: epoch, batches: [])
        if epoch != entry.epoch {
            entry = Entry(epoch: epoch, batches: [])
        }
        entry.batches.append(CachedBatch(
            firstSequence: firstSequence, lastSequence: lastSequence, baseOffset: baseOffset, lastOffset: lastOffset))
        if entry.batches.count > Self.batchesKept { entry.batches.removeFirst() }
        producers[producerId] = entry
    }

    /// Notes the max timestamp of the batch `producerId` just appended, for DescribeProducers.
    mutating func noteTimestamp(producerId: Int64, _ timestamp: Int64) {
        producers[producerId]?.lastTimestamp = timestamp
    }
}
