import Dispatch

/// Group commit for one log directory: partitions whose appends must be fsynced before they are acknowledged
/// (`log.flush.interval.messages=1`) queue here, and one flush round syncs every partition queued meanwhile, then
/// releases all their waiters at once. While a round is syncing, new waiters gather for the next one, so under
/// load one round covers many batches across many partitions instead of one fsync per batch.
///
/// Rounds run one at a time on a queue of their own, never on the caller's thread, and sync outside the logs'
/// locks, so appends (to the same partitions too) go on while the disk works.
public final class GroupCommitFlusher: @unchecked Sendable {
    /// Called once per completed flush round.
    public typealias Completion = @Sendable (Error?) -> Void

    private struct Waiting {
        var log: SegmentedLog
        var completions: [Completion]
    }

    private let lock = StorageLock()
    private let queue = DispatchQueue(label: "kairos.storage.group-commit")
    private let observer: (any LogFlushObserver)?
    /// By log identity, in the order they first queued.
    private var waiting: [ObjectIdentifier: Waiting] = [:]
    private var order: [ObjectIdentifier] = []
    private var roundScheduled = false

    /// A flusher that reports every round to `observer`.
    public init(observer: (any LogFlushObserver)? = nil) {
        self.observer = observer
    }

    /// Calls `completion` once a flush round that began after this call has synced `log`: with nil when the
    /// log's data is on disk, with the error otherwise. Called on the flusher's queue.
    func enqueue(_ log: SegmentedLog, completion: @escaping Completion) {
        let schedule: Bool = lock.withLock {
            let key = ObjectIdentifier(log)
            if waiting[key] == nil {
                waiting[key] = Waiting(log: log, completions: [])
                order.append(key)
            }
            waiting[key]!.completions.append(completion)
            defer { roundScheduled = true }
            return !roundScheduled
        }
        if schedule { queue.async { self.runRounds() } }
    }

    /// Runs rounds until nothing is waiting.
    private func runRounds() {
        while true {
            let round: [Waiting] = lock.withLock {
                let taken = order.compactMap { waiting[$0] }
                waiting.removeAll(keepingCapacity: true)
                order.removeAll(keepingCapacity: true)
                if taken.isEmpty { roundScheduled = false }
                return taken
            }
            if round.isEmpty { return }
            let start = DispatchTime.now().uptimeNanoseconds
            // The partitions' fdatasyncs go out side by side: the file system can then commit them together (one
            // journal commit on ext4), and the round lasts about as long as its slowest sync, not their sum.
            let results = ErrorSlots(count: round.count)
            DispatchQueue.concurrentPerform(iterations: round.count) { i in
                do { try round[i].log.syncForGroupCommit() } catch { results.set(i, error) }
            }
            let nanos = Int64(DispatchTime.now().uptimeNanoseconds - start)
            observer?.groupCommitted(logs: round.count, waiters: round.reduce(0) { $0 + $1.completions.count }, nanos: nanos)
            for (i, entry) in round.enumerated() {
                let result = results.get(i)
                for completion in entry.completions { completion(result) }
            }
        }
    }
}

/// One error (or none) per partition of a round, filled from several threads.
private final class ErrorSlots: @unchecked Sendable {
    private let lock = StorageLock()
    private var errors: [Error?]

    init(count: Int) { errors = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ error: Error) { lock.withLock { errors[index] = error } }
    func get(_ index: Int) -> Error? { lock.withLock { errors[index] } }
}
