import KairosForecast

/// The paper's workload (Table 2): independent members, each sending a uniform random number of transactions
/// per interval (member 1: 3–100, member 2: 19–25, member 3: 15–45).
public struct PaperWorkload: Sendable, Equatable {
    /// Each member's inclusive range of transactions per interval.
    public var memberRangesTx: [ClosedRange<Int>]

    /// The paper's three members.
    public static let paper = PaperWorkload(memberRangesTx: [3...100, 19...25, 15...45])

    /// Creates a workload of members with the given inclusive ranges.
    public init(memberRangesTx: [ClosedRange<Int>]) {
        self.memberRangesTx = memberRangesTx
    }

    /// Throws unless there is at least one member and every range is non-negative.
    public func validate() throws {
        guard !memberRangesTx.isEmpty else {
            throw PaperModelError.invalidParameter("a workload needs at least one member")
        }
        guard memberRangesTx.allSatisfy({ $0.lowerBound >= 0 && $0.upperBound <= 1_000_000 }) else {
            throw PaperModelError.invalidParameter("member ranges must lie in 0...1000000 tx")
        }
    }

    /// `steps` intervals of per-member volumes (`[interval][member]`), replayable from `seed`.
    public func generate(steps: Int, seed: UInt64) -> [[Int]] {
        precondition(steps >= 0, "steps must be >= 0")
        var generator = SplitMix64(seed: seed)
        return (0..<steps).map { _ in memberRangesTx.map { generator.nextInt(in: $0) } }
    }

    /// `steps` interval totals (the paper's `sum_t`), replayable from `seed`.
    public func totals(steps: Int, seed: UInt64) -> [Double] {
        generate(steps: steps, seed: seed).map { Double($0.reduce(0, +)) }
    }
}
