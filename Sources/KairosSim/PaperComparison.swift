/// How close Kairos's value must be to the paper's for a row to count as reproduced (docs/paper-model.md §6).
public enum Tolerance: Sendable, Equatable {
    /// Equal up to rounding noise.
    case exact
    /// Within this many units of the paper's value (percentage points for efficiency and waste).
    case absolute(Double)
    /// Within this fraction of the paper's value (0.015 = 1.5 %).
    case relative(Double)
    /// Anywhere in the closed interval (the paper gives a range, such as "2-3x").
    case range(Double, Double)

    /// Whether `value` reproduces `reference` under this tolerance.
    public func accepts(_ value: Double, reference: Double) -> Bool {
        switch self {
        case .exact: return abs(value - reference) <= 1e-9 * max(1, abs(reference))
        case .absolute(let limit): return abs(value - reference) <= limit + 1e-12
        case .relative(let limit): return abs(value - reference) <= limit * abs(reference) + 1e-12
        case .range(let lo, let hi): return value >= lo - 1e-12 && value <= hi + 1e-12
        }
    }

    /// A short label for tables: "exact", "±0.2", "±1.5%", "[2, 3]".
    public var label: String {
        switch self {
        case .exact: return "exact"
        case .absolute(let limit): return "±" + formatNumber(limit, decimals: 2, trimZeros: true)
        case .relative(let limit): return "±" + formatNumber(100 * limit, decimals: 2, trimZeros: true) + "%"
        case .range(let lo, let hi):
            return "[" + formatNumber(lo, decimals: 2, trimZeros: true) + ", "
                + formatNumber(hi, decimals: 2, trimZeros: true) + "]"
        }
    }
}

/// One number the paper reports, next to what the model gives.
public struct ComparisonRow: Sendable, Equatable {
    /// What is measured, e.g. "max kB/J".
    public var quantity: String
    /// The strategy, or nil for rows about the whole comparison.
    public var strategy: StrategyKey?
    /// Unit of both values, e.g. "kB/s", "%", "pp", "x".
    public var unit: String
    /// The paper's value (swap-corrected where docs/paper-model.md §7.8 says so).
    public var paperValue: Double
    /// How the paper prints it, when that differs from `paperValue` or is a range ("2-3x").
    public var paperText: String
    /// The model's value.
    public var kairosValue: Double
    /// The tolerance docs/paper-model.md §6 allows.
    public var tolerance: Tolerance
    /// Spec §7 inconsistencies (or other remarks) that explain a difference; empty when nothing is known.
    public var notes: [String]
    /// True when the model's value is read out of the calibrated throughput table, which holds the paper's own
    /// reported averages: matching the paper then reproduces nothing, so the row is an input, not a result.
    public var isInput: Bool = false

    /// Kairos minus paper, in the row's unit; for a range, the distance outside it (0 inside).
    public var difference: Double {
        if case .range(let lo, let hi) = tolerance {
            return kairosValue < lo ? kairosValue - lo : (kairosValue > hi ? kairosValue - hi : 0)
        }
        return kairosValue - paperValue
    }

    /// Whether the row is reproduced within its tolerance (a range row compares Kairos's value with the range).
    public var withinTolerance: Bool { tolerance.accepts(kairosValue, reference: paperValue) }
}

/// How many of the paper's numbers a model reproduces: rows within tolerance among those that are results,
/// the calibrated table's own inputs left out of both counts.
public struct ReproducedCount: Sendable, Equatable, Codable {
    /// Result rows within their tolerance.
    public var reproduced: Int
    /// Result rows (every row that is not an input).
    public var results: Int
    /// Rows whose value is an input of the model (the calibrated table's entries), not counted above.
    public var inputs: Int

    /// Counts `rows`.
    public init(_ rows: [ComparisonRow]) {
        let results = rows.filter { !$0.isInput }
        reproduced = results.filter(\.withinTolerance).count
        self.results = results.count
        inputs = rows.count - results.count
    }
}

extension PaperModel {
    /// Every number the paper reports, with the model's value and its tolerance (docs/paper-model.md §6).
    public func comparison() -> [ComparisonRow] {
        let results = evaluateAll()
        let paper = PaperReference.summaries
        let base = parameters.basePartitions
        var rows: [ComparisonRow] = []
        func add(_ quantity: String, _ key: StrategyKey?, _ unit: String, paper: Double, kairos: Double,
                 _ tolerance: Tolerance, text: String? = nil, notes: [String] = [], input: Bool = false) {
            rows.append(ComparisonRow(
                quantity: quantity, strategy: key, unit: unit, paperValue: paper,
                paperText: text ?? formatNumber(paper, decimals: 4, trimZeros: true), kairosValue: kairos,
                tolerance: tolerance, notes: notes, isInput: input))
        }
        let order = StrategyKey.allCases
        for key in order {
            add("capacity", key, "tx", paper: Double(paper[key]!.capacityTx),
                kairos: Double(results[key]!.summary.capacityTx), .exact, text: "0-\(paper[key]!.capacityTx)",
                notes: key == .original ? ["§7.2"] : [])
        }
        for k in 1...3 {
            let reported = PaperReference.averageThroughputKBps[k]!
            add("avg throughput k=\(k)", nil, "kB/s", paper: reported,
                kairos: throughputKBps(producers: k, partitions: base), .exact, notes: ["§7.1"],
                input: throughputIsInput(producers: [k], partitions: base))
        }
        for key in order {
            let strategy = PaperStrategy.paper(key, parameters)
            let producers = Set(strategy.regimes(loadMaxTx: parameters.loadMaxTx).map(\.producers))
            add("max throughput", key, "kB/s", paper: paper[key]!.maxThroughputKBps,
                kairos: results[key]!.summary.maxThroughputKBps, .exact, notes: ["§7.1"],
                input: throughputIsInput(producers: producers, partitions: strategy.partitions))
        }
        let swapNote = "printed in swapped position (1.23 for IPOOA, 1.476 for sampling; docs/paper-model.md §7.8)"
        for key in order {
            let swapped = key == .ipooa || key == .sampling
            let printedText = key == .ipooa ? "1.476 (printed 1.23)" : (key == .sampling ? "1.23 (printed 1.476)" : nil)
            add("max kB/J", key, "kB/J", paper: paper[key]!.maxKBPerJoule,
                kairos: results[key]!.summary.maxKBPerJoule, .relative(0.001), text: printedText,
                notes: swapped ? [swapNote] : [])
        }
        for key in order {
            add("avg energy", key, "J", paper: paper[key]!.avgEnergyJ, kairos: results[key]!.summary.avgEnergyJ,
                .exact, notes: key == .lstm ? ["mean of the 3 regimes (grid mean: 130.43 J)"] : [])
        }
        let usageNotes: [StrategyKey: String] = [.original: "§7.3", .ipooa: "§7.3", .lstm: "§7.4", .sampling: "§7.5"]
        for key in order {
            add("max usage/energy", key, "%/J", paper: paper[key]!.maxUsagePerJoule,
                kairos: results[key]!.summary.maxUsagePerJoule, .relative(0.015), notes: [usageNotes[key]!])
        }
        for key in order {
            add("efficiency W", key, "%", paper: paper[key]!.efficiencyPct,
                kairos: results[key]!.summary.efficiencyPct, .absolute(0.2),
                notes: key == .lstm ? ["§7.6", "§7.8 (cited as Fig 17)"] : (key == .sampling ? ["§7.1"] : []))
        }
        for key in order {
            let known = key == .sampling || key == .lstm
            add("waste", key, "%", paper: paper[key]!.wastePct, kairos: results[key]!.summary.wastePct,
                known ? .absolute(0.4) : .exact, notes: known ? ["§7.7"] : ["Fig 20 text: no waste"])
        }
        let lstmW = results[.lstm]!.summary.efficiencyPct
        let printed: [StrategyKey: String] = [.original: "52.62 (paper §2.4: 56.62)", .ipooa: "40.36 (paper §2.4: 40.63)",
                                              .sampling: "2.92"]
        for key in [StrategyKey.original, .ipooa, .sampling] {
            add("ΔW lstm − \(key.rawValue)", nil, "pp", paper: PaperReference.efficiencyGainPp[key]!,
                kairos: lstmW - results[key]!.summary.efficiencyPct, .absolute(0.2), text: printed[key]!,
                notes: key == .sampling ? [] : ["§7.8"])
        }
        let probe = 50.0
        let latency1 = evaluate(loadTx: probe, producers: 1, partitions: base).latencyS
        for k in 2...3 {
            add("latency Td(1)/Td(\(k))", nil, "x", paper: Double(k),
                kairos: latency1 / evaluate(loadTx: probe, producers: k, partitions: base).latencyS,
                .exact, text: "2-3x")
        }
        let t1 = throughputKBps(producers: 1, partitions: base)
        for k in 2...3 {
            add("throughput T(\(k))/T(1)", nil, "x", paper: 2, kairos: throughputKBps(producers: k, partitions: base) / t1,
                .range(2, 3), text: k == 3 ? "2-3x, \"nearly 3x\"" : "2-3x", notes: ["§7.1"],
                input: throughputIsInput(producers: [1, k], partitions: base))
        }
        return rows
    }

    /// True when every `T(k, partitions)` for `producers` is read from the calibrated table rather than computed.
    func throughputIsInput(producers: some Collection<Int>, partitions: Int) -> Bool {
        guard case .calibrated(let table) = parameters.throughputMode else { return false }
        return producers.allSatisfy { table[ProducerPartitionKey(producers: $0, partitions: partitions)] != nil }
    }

    /// The same model with the throughput from the formula instead of the calibrated table: the mode in which
    /// no row is an input, so its count is the one that reproduces the paper from its equations alone.
    public func formulaMode() throws -> PaperModel {
        var formula = parameters
        formula.throughputMode = .formula
        return try PaperModel(parameters: formula)
    }
}
