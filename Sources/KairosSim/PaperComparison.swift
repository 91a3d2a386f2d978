/// How close Kairos's value must be to the paper's for a row to count as reproduced (spec §6, Level B).
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
    /// The paper's value (swap-corrected where the spec says so).
    public var paperValue: Double
    /// How the paper prints it, when that differs from `paperValue` or is a range ("2-3x").
    public var paperText: String
    /// The model's value.
    public var kairosValue: Double
    /// The tolerance the spec allows.
    public var tolerance: Tolerance
    /// Spec §7 inconsistencies (or other remarks) that explain a difference; empty when nothing is known.
    public var notes: [String]

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

extension PaperModel {
    /// Every number the paper reports, with the model's value and the spec's tolerance (spec §6, Level B).
    public func comparison() -> [ComparisonRow] {
        let results = evaluateAll()
        let paper = PaperReference.summaries
        let base = parameters.basePartitions
        var rows: [ComparisonRow] = []
        func add(_ quantity: String, _ key: StrategyKey?, _ unit: String, paper: Double, kairos: Double,
                 _ tolerance: Tolerance, text: String? = nil, notes: [String] = []) {
            rows.append(ComparisonRow(
                quantity: quantity, strategy: key, unit: unit, paperValue: paper,
                paperText: text ?? formatNumber(paper, decimals: 4, trimZeros: true), kairosValue: kairos,
                tolerance: tolerance, notes: notes))
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
                kairos: throughputKBps(producers: k, partitions: base), .exact, notes: ["§7.1"])
        }
        for key in order {
            add("max throughput", key, "kB/s", paper: paper[key]!.maxThroughputKBps,
                kairos: results[key]!.summary.maxThroughputKBps, .exact, notes: ["§7.1"])
        }
        let swapNote = "printed in swapped position (1.23 for IPOOA, 1.476 for sampling; spec §6)"
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
        let printed: [StrategyKey: String] = [.original: "52.62 (§2.4: 56.62)", .ipooa: "40.36 (§2.4: 40.63)",
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
                .range(2, 3), text: k == 3 ? "2-3x, \"nearly 3x\"" : "2-3x", notes: ["§7.1"])
        }
        return rows
    }
}
