/// A log-linear latency histogram in microseconds, in the manner of HdrHistogram with three significant digits:
/// values below 2048 are counted exactly, larger ones in buckets whose width is at most 1/1024 of their value.
/// Memory is fixed (about 260 KB) whatever is recorded; values above `highestTrackableMicros` are clamped.
struct PerfLatencyHistogram: Sendable, Equatable {
    /// Values below this are their own bucket; above it every power of two is split into `subBucketHalf` buckets.
    static let subBucketCount: UInt64 = 2048
    static let subBucketHalf: UInt64 = 1024
    /// About 12.7 days; a latency above this is a bug or a clock jump, and is clamped rather than dropped.
    static let highestTrackableMicros: UInt64 = 1 << 40

    private var counts: [UInt64]
    /// Number of values recorded.
    private(set) var totalCount: UInt64 = 0
    /// The exact largest value recorded (0 when empty).
    private(set) var maxMicros: UInt64 = 0
    /// The exact smallest value recorded (0 when empty).
    private(set) var minMicros: UInt64 = 0
    private var sumMicros: Double = 0

    /// An empty histogram.
    init() {
        counts = Array(repeating: 0, count: Self.index(of: Self.highestTrackableMicros) + 1)
    }

    /// Records one value (in microseconds).
    mutating func record(micros: UInt64, count: UInt64 = 1) {
        let value = min(micros, Self.highestTrackableMicros)
        counts[Self.index(of: value)] += count
        if totalCount == 0 || value < minMicros { minMicros = value }
        totalCount += count
        maxMicros = max(maxMicros, value)
        sumMicros += Double(value) * Double(count)
    }

    /// Records one value given in nanoseconds (rounded down to microseconds).
    mutating func record(nanos: UInt64) { record(micros: nanos / 1_000) }

    /// Adds every value of `other` to this histogram.
    mutating func merge(_ other: PerfLatencyHistogram) {
        guard other.totalCount > 0 else { return }
        for (index, count) in other.counts.enumerated() where count > 0 { counts[index] += count }
        if totalCount == 0 || other.minMicros < minMicros { minMicros = other.minMicros }
        totalCount += other.totalCount
        maxMicros = max(maxMicros, other.maxMicros)
        sumMicros += other.sumMicros
    }

    /// The arithmetic mean in microseconds (0 when empty).
    var meanMicros: Double { totalCount == 0 ? 0 : sumMicros / Double(totalCount) }

    /// The smallest recorded-equivalent value at or below which `percentile` percent of the values lie, as
    /// HdrHistogram reports it: the highest value of the bucket that reaches the rank, never above the maximum.
    func valueAtPercentile(_ percentile: Double) -> UInt64 {
        precondition(percentile >= 0 && percentile <= 100, "percentile \(percentile) outside 0...100")
        guard totalCount > 0 else { return 0 }
        // The tiny relative shave keeps 99.9 % of 1000 at rank 999: 0.999 * 1000 is a hair above 999 in binary.
        let scaled = percentile / 100 * Double(totalCount)
        let rank = max(1, UInt64((scaled * (1 - 1e-12)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return min(Self.highestEquivalentValue(index: index), maxMicros) }
        }
        return maxMicros
    }

    /// The bucket holding `value`.
    static func index(of value: UInt64) -> Int {
        if value < subBucketCount { return Int(value) }
        let topBit = 63 - value.leadingZeroBitCount  // >= 11
        let shift = topBit - 10  // so that value >> shift lies in 1024...2047
        let subBucket = value >> UInt64(shift)
        return Int(subBucketCount + UInt64(shift - 1) * subBucketHalf + (subBucket - subBucketHalf))
    }

    /// The largest value that falls into bucket `index`.
    static func highestEquivalentValue(index: Int) -> UInt64 {
        let position = UInt64(index)
        if position < subBucketCount { return position }
        let shift = (position - subBucketCount) / subBucketHalf + 1
        let subBucket = (position - subBucketCount) % subBucketHalf + subBucketHalf
        return ((subBucket + 1) << shift) - 1
    }
}
