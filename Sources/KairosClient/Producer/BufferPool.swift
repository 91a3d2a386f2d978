/// The producer's `buffer.memory` as a value, as Kafka's producer keeps it in its `BufferPool`: the bytes free, the
/// records waiting for memory in arrival order (each with its `max.block.ms` deadline), and the buffers of finished
/// batches kept for reuse. It does no locking and no I/O: the accumulator holds it under its lock, asks it, and does
/// what the answers say (append an admitted record, fail an expired one, schedule the expiry sweep).
///
/// `Waiter` is what the caller needs to finish a waiting record later; `Buffer` is a reusable batch buffer.
struct BufferPool<Waiter, Buffer> {
    /// A record waiting for memory.
    private struct Entry {
        /// When `max.block.ms` runs out (monotonic); entries are in arrival order, so deadlines never decrease.
        var deadlineNanos: UInt64
        var bytes: Int
        var waiter: Waiter
    }

    /// `buffer.memory`.
    let totalBytes: Int
    /// How much more than the first waiting record needs must be free before waiting records are let in: an eighth
    /// of `buffer.memory`, at most 1 MiB (64 batches at the default `batch.size`). Without it a full buffer wakes the
    /// application's thread for every finished batch, to append one batch's worth and sleep again, and those
    /// wake-ups cost more CPU than the appends; the sender has the rest of the buffer to send meanwhile.
    let resumeMarginBytes: Int
    /// `max.block.ms` in nanoseconds.
    let maxBlockNanos: UInt64
    /// How many finished batches' buffers are kept: as many as fit in `buffer.memory`, as in Kafka's pool, so a
    /// producer that fills its buffer keeps cycling through the same ones.
    let sparesMax: Int

    /// Bytes free now.
    private(set) var availableBytes: Int
    private var waiting: [Entry] = []
    /// Index of the first entry still waiting: admitting from the front does not shift the array each time.
    private var head = 0
    /// True while an expiry sweep is scheduled: one timer serves every waiting record (a timer per wait cost a
    /// cross-thread schedule onto the event loop every time a full buffer made the caller wait).
    private var sweepScheduled = false
    /// True between the first record `admitNext` lets in and the nil that ends that run.
    private var admitting = false
    private var spares: [Buffer] = []

    /// A pool of `totalBytes` (`buffer.memory`), whose waiters give up after `maxBlockMs`, keeping up to
    /// `sparesMax` buffers for reuse.
    init(totalBytes: Int, maxBlockMs: Int, sparesMax: Int) {
        self.totalBytes = totalBytes
        self.availableBytes = totalBytes
        self.resumeMarginBytes = min(totalBytes / 8, 1 << 20)
        self.maxBlockNanos = UInt64(max(maxBlockMs, 0)) * 1_000_000
        self.sparesMax = max(1, sparesMax)
    }

    // MARK: Memory

    /// True while records wait for memory.
    var hasWaiters: Bool { head < waiting.count }

    /// The number of records waiting for memory.
    var waiterCount: Int { waiting.count - head }

    /// Takes `bytes` when nobody waits (a newcomer must not overtake a waiting record) and they are free; false
    /// otherwise, and nothing changes.
    @inline(__always)
    mutating func allocateIfNoneWaiting(_ bytes: Int) -> Bool {
        guard head == waiting.count, availableBytes >= bytes else { return false }
        availableBytes -= bytes
        return true
    }

    /// Gives back the bytes of a finished batch. Waiting records are let in by `admitNext`.
    mutating func release(_ bytes: Int) {
        availableBytes += bytes
    }

    // MARK: Waiting

    /// Queues a record that found no memory. Returns the monotonic time at which the caller must run
    /// `expireOverdue` when no sweep is scheduled yet (the pool then counts one as scheduled), nil when one is.
    mutating func wait(_ waiter: Waiter, bytes: Int, nowNanos: UInt64) -> UInt64? {
        let deadline = nowNanos &+ maxBlockNanos
        waiting.append(Entry(deadlineNanos: deadline, bytes: bytes, waiter: waiter))
        if sweepScheduled { return nil }
        sweepScheduled = true
        return deadline
    }

    /// The next waiting record memory now allows in, its bytes taken; nil ends the run (call until nil). A run starts
    /// only when the first waiting record's bytes plus `resumeMarginBytes`, or the whole buffer, are free; then it
    /// lets in records in order while each fits.
    mutating func admitNext() -> Waiter? {
        guard head < waiting.count else {
            endAdmission()
            return nil
        }
        let bytes = waiting[head].bytes
        if !admitting {
            guard availableBytes >= bytes + resumeMarginBytes || availableBytes >= totalBytes else { return nil }
            admitting = true
        }
        guard availableBytes >= bytes else {
            endAdmission()
            return nil
        }
        availableBytes -= bytes
        let waiter = waiting[head].waiter
        head += 1
        return waiter
    }

    private mutating func endAdmission() {
        guard admitting else { return }
        admitting = false
        if head == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            head = 0
        } else {
            compact()
        }
    }

    /// Removes the waiting records whose `max.block.ms` has run out by `nowNanos` (the caller fails them) and says
    /// when to sweep again: the next waiting record's deadline, or nil when nobody waits (the sweep ends, and the
    /// next `wait` asks for a new one).
    mutating func expireOverdue(nowNanos: UInt64) -> (expired: [Waiter], nextSweepNanos: UInt64?) {
        var expired: [Waiter] = []
        while head < waiting.count, waiting[head].deadlineNanos <= nowNanos {
            expired.append(waiting[head].waiter)
            head += 1
        }
        if head == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            head = 0
            sweepScheduled = false
            return (expired, nil)
        }
        compact()
        return (expired, waiting[head].deadlineNanos)
    }

    /// Removes every waiting record, in arrival order (the caller fails them). A scheduled sweep stays counted as
    /// scheduled: it still runs, finds nobody and ends.
    mutating func removeAllWaiters() -> [Waiter] {
        let all = waiting[head...].map(\.waiter)
        waiting = []
        head = 0
        admitting = false
        return all
    }

    /// Drops the entries before `head` once they are most of the array.
    private mutating func compact() {
        if head > 64 && head * 2 > waiting.count {
            waiting.removeFirst(head)
            head = 0
        }
    }

    // MARK: Reused buffers

    /// True when another buffer would be kept (ask before taking a finished batch's buffer).
    var wantsSpare: Bool { spares.count < sparesMax }

    /// Keeps a finished batch's buffer for a later batch; dropped when `sparesMax` are kept already.
    mutating func recycle(_ buffer: Buffer) {
        if spares.count < sparesMax { spares.append(buffer) }
    }

    /// A kept buffer for a new batch, if any.
    mutating func takeSpare() -> Buffer? {
        spares.popLast()
    }
}
