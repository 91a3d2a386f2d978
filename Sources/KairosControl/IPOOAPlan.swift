/// IPOOA's choice of partition as a pure function of the partitions' load, built once per load
/// snapshot so the per-record path stays cheap: a record whose starting partition is within the
/// threshold costs one comparison; only an overloaded start pays for the similarity order.
///
/// Instant service consumption (ISC) is λ·S + (1 − λ)·C where S and C are the partition's
/// subscriptions and connections normalised against the average partition, x / (x + mean): 0.5
/// is exactly average, values near 1 mean the partition holds far more than its share. A
/// quantity that is zero everywhere counts as even (0.5). With Θ in [0.5, 0.65] an even load is
/// never overloaded, so it never diverts nor grows. The similarity is the weighted Minkowski
/// distance over load vectors with each dimension scaled by its largest value, so units
/// (connections, bytes/s) do not drown each other.
public struct IPOOAPlan: Sendable, Equatable {
    /// Why the choice went where it did.
    public enum Outcome: String, Sendable, Codable {
        /// The starting partition was within the threshold.
        case withinThreshold
        /// A similar candidate within the threshold took the record.
        case diverted
        /// More than half the partitions were tried in vain: one more partition is wanted; the record
        /// goes to the least loaded partition until the new one exists.
        case growthRequested
        /// As `growthRequested`, but the topic is at `ipooa.max.partitions`: least loaded partition.
        case capped
        /// A keyed record under `ipooa.keyed=strict`: its hash partition, unconditionally.
        case keyedStrict
    }

    /// One decision.
    public struct Choice: Sendable, Equatable {
        /// Where the record goes now.
        public var partition: Int
        /// Why.
        public var outcome: Outcome
        /// The partitions whose ISC was tested, in order (the start first).
        public var tried: [Int]
        /// For `growthRequested`: the partition count wanted (the current count + 1).
        public var growTo: Int?

        /// A choice of `partition` for `outcome` after testing `tried`.
        public init(partition: Int, outcome: Outcome, tried: [Int], growTo: Int?) {
            self.partition = partition
            self.outcome = outcome
            self.tried = tried
            self.growTo = growTo
        }
    }

    /// The parameters the plan applies.
    public let parameters: IPOOAParameters
    /// How many partitions the topic has.
    public let partitionCount: Int
    /// ISC per partition index.
    public let isc: [Double]
    /// Load vectors per partition index, each dimension scaled into [0, 1].
    public let scaledVectors: [[Double]]

    /// A plan for a topic of `partitionCount` partitions; partitions missing from `loads` count as
    /// idle, entries beyond the count are ignored (metadata and load may be a refresh apart).
    public init(loads: [PartitionLoadVector], partitionCount: Int, parameters: IPOOAParameters) {
        precondition(partitionCount >= 1, "a topic has at least one partition")
        self.parameters = parameters
        self.partitionCount = partitionCount
        var vectors = Array(repeating: Array(repeating: 0.0, count: PartitionLoadVector.dimensions), count: partitionCount)
        for load in loads where load.partition < partitionCount { vectors[load.partition] = load.vector }
        isc = IPOOAPlan.instantServiceConsumption(vectors: vectors, lambda: parameters.lambda)
        scaledVectors = IPOOAPlan.scaled(vectors)
    }

    /// Chooses the partition for a record that would start on `start` (its murmur2 partition if
    /// keyed, the keyless partitioner's pick otherwise).
    public func choose(start: Int, keyed: Bool) -> Choice {
        precondition(start >= 0 && start < partitionCount, "start partition \(start) outside 0..<\(partitionCount)")
        if keyed && parameters.keyed == .strict {
            return Choice(partition: start, outcome: .keyedStrict, tried: [], growTo: nil)
        }
        var tried = [start]
        if isc[start] <= parameters.threshold {
            return Choice(partition: start, outcome: .withinThreshold, tried: tried, growTo: nil)
        }
        // Stop once more than half the partitions were tested.
        for candidate in candidates(similarTo: start) where tried.count * 2 <= partitionCount {
            tried.append(candidate)
            if isc[candidate] <= parameters.threshold {
                return Choice(partition: candidate, outcome: .diverted, tried: tried, growTo: nil)
            }
        }
        let fallback = leastLoaded()
        if partitionCount < parameters.maxPartitions {
            return Choice(partition: fallback, outcome: .growthRequested, tried: tried, growTo: partitionCount + 1)
        }
        return Choice(partition: fallback, outcome: .capped, tried: tried, growTo: nil)
    }

    /// The other partitions, most similar to `start` first (ties by index).
    public func candidates(similarTo start: Int) -> [Int] {
        let origin = scaledVectors[start]
        return (0..<partitionCount).filter { $0 != start }
            .map { (index: $0, distance: distance(origin, scaledVectors[$0])) }
            .sorted { $0.distance != $1.distance ? $0.distance < $1.distance : $0.index < $1.index }
            .map(\.index)
    }

    /// The weighted Minkowski distance between two scaled load vectors.
    public func distance(_ a: [Double], _ b: [Double]) -> Double {
        let p = Double(parameters.minkowskiP)
        var sum = 0.0
        for i in a.indices { sum += parameters.weights[i] * pow(abs(a[i] - b[i]), p) }
        return parameters.minkowskiP == 1 ? sum : sum.squareRoot()
    }

    /// The partition with the smallest ISC (lowest index on ties).
    public func leastLoaded() -> Int {
        isc.indices.min { isc[$0] != isc[$1] ? isc[$0] < isc[$1] : $0 < $1 }!
    }

    private func pow(_ x: Double, _ p: Double) -> Double { p == 1 ? x : x * x }

    /// λ·S + (1 − λ)·C with each term x / (x + mean), 0.5 where a quantity is zero everywhere.
    static func instantServiceConsumption(vectors: [[Double]], lambda: Double) -> [Double] {
        let subscriptions = share(vectors.map { $0[0] }), connections = share(vectors.map { $0[1] })
        return vectors.indices.map { lambda * subscriptions[$0] + (1 - lambda) * connections[$0] }
    }

    private static func share(_ values: [Double]) -> [Double] {
        let mean = values.reduce(0, +) / Double(values.count)
        guard mean > 0 else { return values.map { _ in 0.5 } }
        return values.map { $0 / ($0 + mean) }
    }

    private static func scaled(_ vectors: [[Double]]) -> [[Double]] {
        var maxima = Array(repeating: 0.0, count: PartitionLoadVector.dimensions)
        for v in vectors { for i in v.indices { maxima[i] = max(maxima[i], v[i]) } }
        return vectors.map { v in v.indices.map { maxima[$0] > 0 ? v[$0] / maxima[$0] : 0 } }
    }
}
