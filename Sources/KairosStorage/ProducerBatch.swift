/// What the idempotent-producer bookkeeping remembers about one batch a producer wrote: who wrote it, under which
/// epoch, the sequence numbers it carried and where it landed. Storage reads these from batch headers when it
/// rebuilds producer state after a restart, and keeps them in producer-state snapshots.
public struct ProducerBatch: Sendable, Equatable {
    /// The producer id (>= 0).
    public var producerId: Int64
    /// The producer epoch.
    public var epoch: Int16
    /// The batch's base sequence.
    public var firstSequence: Int32
    /// The sequence of its last record.
    public var lastSequence: Int32
    /// Offset of its first record.
    public var baseOffset: Int64
    /// Offset of its last record.
    public var lastOffset: Int64

    /// Describes one batch.
    public init(producerId: Int64, epoch: Int16, firstSequence: Int32, lastSequence: Int32, baseOffset: Int64, lastOffset: Int64) {
        self.producerId = producerId
        self.epoch = epoch
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.baseOffset = baseOffset
        self.lastOffset = lastOffset
    }
}

/// The producer batches a log found at open, oldest first: those kept in the newest usable snapshot followed by
/// those scanned from the log after it. Replaying them in order rebuilds the producer state as it was.
public struct ProducerStateRecovery: Sendable, Equatable {
    /// The batches to replay, oldest first.
    public var batches: [ProducerBatch]
    /// The offset the snapshot used covers up to (exclusive), nil when no usable snapshot was found and the whole
    /// log was scanned.
    public var snapshotOffset: Int64?
    /// The offset the log scan started at.
    public var scannedFrom: Int64

    /// A recovery result.
    public init(batches: [ProducerBatch], snapshotOffset: Int64?, scannedFrom: Int64) {
        self.batches = batches
        self.snapshotOffset = snapshotOffset
        self.scannedFrom = scannedFrom
    }
}
