/// The recent per-interval totals, oldest first, bounded to `capacity` intervals, with the
/// absolute index (intervals since the autopilot's first observation) of the oldest one kept.
public struct LoadHistory: Sendable, Equatable {
    /// Most intervals kept.
    public let capacity: Int
    /// The totals kept, oldest first.
    public private(set) var values: [Double] = []
    /// Absolute index of `values[0]`.
    public private(set) var startIndex = 0

    /// An empty history keeping at most `capacity` intervals.
    public init(capacity: Int) {
        precondition(capacity >= 2)
        self.capacity = capacity
        values.reserveCapacity(capacity + 1)
    }

    /// Absolute index of the next interval to be appended (= intervals seen so far).
    public var endIndex: Int { startIndex + values.count }

    /// Appends the total of the interval just ended, dropping the oldest past the capacity.
    public mutating func append(_ total: Double) {
        values.append(total)
        if values.count > capacity {
            // Drop a block at a time so the memmove is amortised over many intervals.
            let drop = max(values.count - capacity, min(capacity / 8, values.count - 2))
            values.removeFirst(drop)
            startIndex += drop
        }
    }

    /// The last `count` values (fewer if fewer are held), whose first has absolute index
    /// `phaseAnchor + j·quantum` for some j when `quantum > 1`: models with calendar features
    /// (the LSTM counts phase from the first point) see the phase they were fitted with.
    public func tail(_ count: Int, phaseAnchor: Int, quantum: Int) -> ArraySlice<Double> {
        var first = max(values.count - count, 0)
        if quantum > 1 {
            let offset = ((startIndex + first - phaseAnchor) % quantum + quantum) % quantum
            if offset != 0 { first += quantum - offset }
            // Not enough held to align and keep something: use everything (phase may be off).
            if first >= values.count { first = 0 }
        }
        return values[first...]
    }
}
