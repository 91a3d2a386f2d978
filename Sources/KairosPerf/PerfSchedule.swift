/// The fixed-rate send schedule of a perf run: record `i` is due `i / ratePerSec` seconds after the start.
/// Latency is measured from the due time, not from when the send actually happened, so a producer that stalls
/// cannot hide the wait of the records queued behind the stall (coordinated omission).
struct PerfSchedule: Sendable, Equatable {
    /// Records per second; `nil` sends as fast as possible (every record is due at the start).
    let ratePerSec: Double?
    /// Monotonic nanoseconds of record 0's due time.
    let startNanos: UInt64
    /// Records in the run.
    let totalRecords: Int

    /// A schedule of `totalRecords` records at `ratePerSec` (nil or <= 0 for unthrottled) from `startNanos`.
    init(ratePerSec: Double?, startNanos: UInt64, totalRecords: Int) {
        precondition(totalRecords >= 0, "negative record count")
        self.ratePerSec = ratePerSec.flatMap { $0 > 0 ? $0 : nil }
        self.startNanos = startNanos
        self.totalRecords = totalRecords
    }

    /// When record `index` is due (monotonic nanoseconds).
    func dueNanos(_ index: Int) -> UInt64 {
        guard let rate = ratePerSec else { return startNanos }
        return startNanos + UInt64((Double(index) * 1e9 / rate).rounded(.down))
    }

    /// How many records (counting from 0) are due at `nowNanos`, at most `totalRecords`.
    func dueCount(atNanos nowNanos: UInt64) -> Int {
        guard let rate = ratePerSec else { return totalRecords }
        guard nowNanos >= startNanos else { return 0 }
        let elapsedSec = Double(nowNanos - startNanos) / 1e9
        var count = Int(min(Double(totalRecords), (elapsedSec * rate).rounded(.down) + 1))
        // Floating point may put the boundary one record off; settle it with the exact due times.
        while count > 0 && dueNanos(count - 1) > nowNanos { count -= 1 }
        while count < totalRecords && dueNanos(count) <= nowNanos { count += 1 }
        return count
    }
}
