/// An idempotent producer's sequence bookkeeping as a value (Kafka's producer keeps it in its `TransactionManager`):
/// the producer id and epoch, and per partition the next sequence number, the base sequences of the batches in
/// flight, and whether a retry is under way. It does no locking and no I/O: the accumulator holds it under its lock
/// and tells it what happened to batches; it answers with sequence numbers and limits.
///
/// Partitions are numbered by the caller's order of `addPartition` calls (the accumulator's queue index), so the
/// per-batch calls index an array instead of hashing a topic name.
struct IdempotentSequencer {
    /// One partition's sequences.
    private struct Partition {
        /// The base sequence of the next batch to close.
        var next: Int32 = 0
        /// Base sequences of the batches in flight.
        var inFlight: [Int32] = []
        /// After a retriable failure: one batch in flight until the retries are done, so a retried batch cannot
        /// be overtaken by a later one.
        var retrying = false
    }

    /// The producer id batches are stamped with; -1 until the broker gave one.
    private(set) var producerId: Int64 = -1
    /// The epoch that goes with `producerId`.
    private(set) var producerEpoch: Int16 = -1
    /// The sequences can no longer line up (a batch failed for good, the broker forgot the producer, a batch had to
    /// be split): nothing more goes out under this id; once nothing is in flight the caller fetches a new one and
    /// calls `adoptNewProducerId`.
    private(set) var needsNewProducerId = false
    private var partitions: [Partition] = []

    /// A sequencer without a producer id yet.
    init() {}

    /// Sets the identity the first batches get (before the first append).
    mutating func setProducerId(_ id: Int64, epoch: Int16) {
        producerId = id
        producerEpoch = epoch
    }

    /// Starts counting a new partition from sequence 0; returns its number, the count of partitions before it.
    mutating func addPartition() -> Int {
        partitions.append(Partition())
        return partitions.count - 1
    }

    /// The number of partitions added.
    var partitionCount: Int { partitions.count }

    // MARK: Batches

    /// The base sequence a batch of `partition` created now gets.
    func nextSequence(partition: Int) -> Int32 {
        partitions[partition].next
    }

    /// A batch of `partition` takes no more records: the next one starts after its `recordCount` records.
    mutating func batchClosed(partition: Int, recordCount: Int) {
        partitions[partition].next = Self.sequence(partitions[partition].next, plus: recordCount)
    }

    /// How many batches of `partition` may be in flight: one while a retry is under way, `maxInFlight` otherwise.
    func inFlightLimit(partition: Int, maxInFlight: Int) -> Int {
        partitions[partition].retrying ? 1 : maxInFlight
    }

    /// True while `partition` sends one batch at a time after a retriable failure.
    func isRetrying(partition: Int) -> Bool {
        partitions[partition].retrying
    }

    /// The batch starting at `baseSequence` went out.
    mutating func batchSent(partition: Int, baseSequence: Int32) {
        partitions[partition].inFlight.append(baseSequence)
    }

    /// The batch starting at `baseSequence` came back for good (acknowledged or failed). A retry run ends once
    /// nothing of `partition` is in flight and `hasQueuedRetries` (asked only then) says no retried batch waits.
    mutating func batchFinished(partition: Int, baseSequence: Int32, hasQueuedRetries: () -> Bool) {
        removeInFlight(partition: partition, baseSequence: baseSequence)
        if partitions[partition].retrying && partitions[partition].inFlight.isEmpty && !hasQueuedRetries() {
            partitions[partition].retrying = false
        }
    }

    /// The batch starting at `baseSequence` came back to be sent again; with `retrying`, `partition` then sends one
    /// batch at a time until the retries are done.
    mutating func batchRequeued(partition: Int, baseSequence: Int32, retrying: Bool) {
        removeInFlight(partition: partition, baseSequence: baseSequence)
        if retrying { partitions[partition].retrying = true }
    }

    /// True when a batch of `partition` below `baseSequence` is in flight.
    func hasEarlierInFlight(partition: Int, than baseSequence: Int32) -> Bool {
        partitions[partition].inFlight.contains { $0 < baseSequence }
    }

    private mutating func removeInFlight(partition: Int, baseSequence: Int32) {
        if let index = partitions[partition].inFlight.firstIndex(of: baseSequence) {
            partitions[partition].inFlight.remove(at: index)
        }
    }

    // MARK: A new producer id

    /// Stops sending under the current id until a new one is adopted.
    mutating func requireNewProducerId() {
        needsNewProducerId = true
    }

    /// Takes a new identity; every partition restarts at sequence 0 with nothing in flight. The caller then gives
    /// each partition's queued batches their new numbers with `renumber`.
    mutating func adoptNewProducerId(_ id: Int64, epoch: Int16) {
        producerId = id
        producerEpoch = epoch
        needsNewProducerId = false
        for index in partitions.indices {
            partitions[index] = Partition()
        }
    }

    /// New base sequences for `partition`'s queued batches, in queue order, counting from 0 (call once per
    /// partition after `adoptNewProducerId`). A closed batch's records advance the count; the open one (last, if
    /// any) advances it when it closes. The first batch under the new id goes alone (see `inFlightLimit`): a broker
    /// that does not know the id yet takes any first sequence, so a later batch must not get there before it.
    mutating func renumber(partition: Int, queued: some Sequence<(recordCount: Int, isClosed: Bool)>) -> [Int32] {
        var sequence: Int32 = 0
        var bases: [Int32] = []
        for batch in queued {
            bases.append(sequence)
            if batch.isClosed { sequence = Self.sequence(sequence, plus: batch.recordCount) }
        }
        partitions[partition].next = sequence
        partitions[partition].inFlight = []
        partitions[partition].retrying = !bases.isEmpty
        return bases
    }

    /// Kafka's sequence numbers wrap from Int32.max to 0.
    static func sequence(_ base: Int32, plus count: Int) -> Int32 {
        Int32((Int(base) + count) % (Int(Int32.max) + 1))
    }
}
