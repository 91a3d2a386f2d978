/// When each record of a replay is due: interval j starts `j × intervalNanos` after the start and its records are
/// spread evenly over it, so a replay offers the trace's volume as a steady rate within each interval rather than
/// as a burst at its start. Records are numbered across the whole replay.
struct ReplaySchedule: Sendable {
    /// Records per interval.
    let counts: [Int]
    let intervalNanos: UInt64
    let startNanos: UInt64
    /// `prefix[j]`: records in the intervals before j; `prefix.last` is the total.
    let prefix: [Int]

    init(counts: [Int], intervalNanos: UInt64, startNanos: UInt64) {
        self.counts = counts
        self.intervalNanos = intervalNanos
        self.startNanos = startNanos
        var sums = [0]
        sums.reserveCapacity(counts.count + 1)
        for c in counts { sums.append(sums.last! + c) }
        prefix = sums
    }

    /// Every record of the replay.
    var total: Int { prefix.last! }

    /// How many records are due at `nowNanos` (record 0 of an interval is due at its start).
    func dueCount(atNanos nowNanos: UInt64) -> Int {
        guard nowNanos >= startNanos else { return 0 }
        let elapsed = nowNanos - startNanos
        let j = Int(elapsed / intervalNanos)
        guard j < counts.count else { return total }
        guard counts[j] > 0 else { return prefix[j] }
        let fraction = Double(elapsed - UInt64(j) * intervalNanos) / Double(intervalNanos)
        return prefix[j] + min(counts[j], Int(fraction * Double(counts[j])) + 1)
    }

    /// The interval record `index` belongs to.
    func interval(of index: Int) -> Int {
        // The last j with prefix[j] <= index (and a record in it).
        var low = 0, high = counts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if prefix[mid] <= index { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// When record `index` of interval `j` is due.
    func dueNanos(_ index: Int, interval j: Int) -> UInt64 {
        let within = index - prefix[j]
        let offset = counts[j] > 0 ? UInt64(Double(within) / Double(counts[j]) * Double(intervalNanos)) : 0
        return startNanos + UInt64(j) * intervalNanos + offset
    }

    /// When interval `j` ends.
    func endNanos(ofInterval j: Int) -> UInt64 { startNanos + UInt64(j + 1) * intervalNanos }
}
