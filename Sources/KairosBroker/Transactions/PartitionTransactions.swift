/// What read_committed fetches need to know about one partition's transactions: the first offset of each open
/// transaction (the earliest bounds the last stable offset) and the offset ranges of aborted ones (sent in
/// Fetch's aborted_transactions so the consumer drops their records). A value; the coordinator holds one per
/// partition under its lock.
struct PartitionTransactions: Sendable, Equatable {
    /// An aborted transaction's range: its first data offset to its abort marker.
    struct Aborted: Sendable, Equatable {
        var producerId: Int64
        var firstOffset: Int64
        var markerOffset: Int64
    }

    /// Producer id -> first offset of its open transaction here.
    private(set) var open: [Int64: Int64] = [:]
    /// Aborted transactions, in marker order.
    private(set) var aborted: [Aborted] = []
    /// The epoch of each producer's last transactional batch seen while rebuilding from the log (for aborting an
    /// open transaction nobody holds any more with a marker of that epoch).
    private(set) var lastEpoch: [Int64: Int16] = [:]

    /// Replays one stored batch while rebuilding after a restart: transactional data opens (or continues) its
    /// producer's transaction; a marker (`controlCommit` non-nil) ends it.
    mutating func replay(producerId: Int64, epoch: Int16, baseOffset: Int64, controlCommit: Bool?) {
        lastEpoch[producerId] = max(lastEpoch[producerId] ?? epoch, epoch)
        if let commit = controlCommit {
            ended(producerId: producerId, commit: commit, markerOffset: baseOffset)
        } else {
            appended(producerId: producerId, baseOffset: baseOffset)
        }
    }

    /// A transactional batch of `producerId` goes at `baseOffset` (or after): its transaction starts there unless it
    /// already had a batch here.
    mutating func appended(producerId: Int64, baseOffset: Int64) {
        if open[producerId] == nil { open[producerId] = baseOffset }
    }

    /// The marker of `producerId`'s transaction was appended at `markerOffset`.
    mutating func ended(producerId: Int64, commit: Bool, markerOffset: Int64) {
        guard let first = open.removeValue(forKey: producerId) else { return }
        if !commit { aborted.append(Aborted(producerId: producerId, firstOffset: first, markerOffset: markerOffset)) }
    }

    /// The offset below which every record is decided: the first offset of the earliest open transaction, else
    /// the high watermark.
    func lastStableOffset(highWatermark: Int64) -> Int64 {
        min(open.values.min() ?? highWatermark, highWatermark)
    }

    /// The aborted transactions that overlap offsets `from..<upTo`, as Fetch lists them.
    func abortedOverlapping(from: Int64, upTo: Int64) -> [Aborted] {
        aborted.filter { $0.markerOffset >= from && $0.firstOffset < upTo }
    }

    /// Forgets aborted ranges wholly below `logStartOffset` (their records are gone).
    mutating func trim(below logStartOffset: Int64) {
        aborted.removeAll { $0.markerOffset < logStartOffset }
    }
}
