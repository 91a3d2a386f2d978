import Foundation
import KairosForecast

/// One configuration a sweep measures: the producer settings the tuning explores and the topic's partition count.
struct PerfSweepPoint: Codable, Sendable, Hashable {
    var batchSizeBytes: Int
    var lingerMs: Int
    var compression: String
    var acks: String
    var partitions: Int

    /// The producer properties this point sets, with Kafka's names.
    var producerProperties: [String: String] {
        ["batch.size": String(batchSizeBytes), "linger.ms": String(lingerMs), "compression.type": compression, "acks": acks]
    }

    /// `batch.size=16384 linger.ms=5 compression.type=lz4 acks=1 partitions=8`.
    var text: String {
        "batch.size=\(batchSizeBytes) linger.ms=\(lingerMs) compression.type=\(compression) acks=\(acks) partitions=\(partitions)"
    }
}

/// The grid a sweep explores: one list of values per dimension; the points are every combination.
struct PerfSweepGrid: Sendable, Equatable {
    var batchSizeBytes: [Int] = [16_384]
    var lingerMs: [Int] = [5]
    var compression: [String] = ["none"]
    var acks: [String] = ["1"]
    var partitions: [Int] = [1]

    /// Every combination, ordered with partitions varying slowest and batch size fastest.
    var points: [PerfSweepPoint] {
        var result: [PerfSweepPoint] = []
        for p in partitions { for a in acks { for c in compression { for l in lingerMs { for b in batchSizeBytes {
            result.append(PerfSweepPoint(batchSizeBytes: b, lingerMs: l, compression: c, acks: a, partitions: p))
        } } } } }
        return result
    }

    /// At most `count` points drawn without replacement by a generator seeded with `seed`, in grid order:
    /// the sampling way to cover a grid too large to run whole.
    func sampledPoints(count: Int, seed: UInt64) -> [PerfSweepPoint] {
        let all = points
        guard count < all.count else { return all }
        var generator = SplitMix64(seed: seed)  // KairosForecast's: one seeded family, a sampled sweep replays
        var indices = Array(all.indices)
        indices.shuffle(using: &generator)
        return indices.prefix(max(count, 0)).sorted().map { all[$0] }
    }

    /// Checks every value; throws a readable error for the first bad one.
    func validate() throws {
        let codecs: Set = ["none", "gzip", "snappy", "lz4", "zstd"]
        let acksValues: Set = ["0", "1", "-1", "all"]
        if batchSizeBytes.isEmpty || lingerMs.isEmpty || compression.isEmpty || acks.isEmpty || partitions.isEmpty {
            throw PerfSweepGridError("every grid dimension needs at least one value")
        }
        if let bad = batchSizeBytes.first(where: { $0 <= 0 }) { throw PerfSweepGridError("batch.size \(bad) must be > 0") }
        if let bad = lingerMs.first(where: { $0 < 0 }) { throw PerfSweepGridError("linger.ms \(bad) must be >= 0") }
        if let bad = compression.first(where: { !codecs.contains($0) }) { throw PerfSweepGridError("unknown compression.type '\(bad)'") }
        if let bad = acks.first(where: { !acksValues.contains($0) }) { throw PerfSweepGridError("acks '\(bad)' is not 0, 1, -1 or all") }
        if let bad = partitions.first(where: { $0 <= 0 }) { throw PerfSweepGridError("partitions \(bad) must be > 0") }
    }

    /// Splits a comma-separated flag value (`16384,65536`) into trimmed, non-empty items.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Parses a comma-separated list of integers for dimension `name`.
    static func integers(_ text: String, name: String) throws -> [Int] {
        try list(text).map { item in
            guard let value = Int(item) else { throw PerfSweepGridError("\(name): '\(item)' is not an integer") }
            return value
        }
    }

    /// Reads a grid from JSON: an object whose keys are `batch.size` / `batchSize`, `linger.ms` / `lingerMs`,
    /// `compression.type` / `compression`, `acks`, `partitions`, each a value or an array of values
    /// (numbers or strings). Dimensions left out keep their defaults.
    static func parse(json data: Data) throws -> PerfSweepGrid {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw PerfSweepGridError("grid file is not JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else { throw PerfSweepGridError("grid file must hold a JSON object") }
        func strings(_ key: String, _ value: Any) throws -> [String] {
            let items = (value as? [Any]) ?? [value]
            return try items.map { item in
                if let text = item as? String { return text }
                if let number = item as? NSNumber, number.doubleValue == number.doubleValue.rounded() {
                    return String(number.int64Value)
                }
                throw PerfSweepGridError("\(key): '\(item)' is neither a string nor an integer")
            }
        }
        func ints(_ key: String, _ value: Any) throws -> [Int] { try integers(try strings(key, value).joined(separator: ","), name: key) }
        var grid = PerfSweepGrid()
        for (key, value) in dictionary {
            switch key {
            case "batch.size", "batchSize": grid.batchSizeBytes = try ints(key, value)
            case "linger.ms", "lingerMs": grid.lingerMs = try ints(key, value)
            case "compression.type", "compression": grid.compression = try strings(key, value)
            case "acks": grid.acks = try strings(key, value)
            case "partitions": grid.partitions = try ints(key, value)
            default: throw PerfSweepGridError("unknown grid key '\(key)'")
            }
        }
        try grid.validate()
        return grid
    }
}

/// A grid that cannot be used, with the reason.
struct PerfSweepGridError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
