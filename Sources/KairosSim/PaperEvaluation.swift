/// The aggregates the paper reports for one strategy (docs/paper-model.md §4), keyed as `kairos paper table --json` prints them.
public struct StrategySummary: Sendable, Equatable, Codable {
    /// Capacity `nCap`: the largest n with every integer 0…n up, in tx.
    public var capacityTx: Int
    /// Maximum throughput over up grid points, in kB/s.
    public var maxThroughputKBps: Double
    /// Maximum kB processed per joule over up grid points.
    public var maxKBPerJoule: Double
    /// Average energy: the mean over the strategy's regimes of E·k, in J.
    public var avgEnergyJ: Double
    /// Maximum usage-to-energy ratio over up grid points, in % per J.
    public var maxUsagePerJoule: Double
    /// System efficiency W (eq 13) as the paper prints it, in "%".
    public var efficiencyPct: Double
    /// Resource-waste ratio (eq 32 text), in %.
    public var wastePct: Double

    /// Creates a summary from its seven numbers.
    public init(capacityTx: Int, maxThroughputKBps: Double, maxKBPerJoule: Double, avgEnergyJ: Double,
                maxUsagePerJoule: Double, efficiencyPct: Double, wastePct: Double) {
        self.capacityTx = capacityTx
        self.maxThroughputKBps = maxThroughputKBps
        self.maxKBPerJoule = maxKBPerJoule
        self.avgEnergyJ = avgEnergyJ
        self.maxUsagePerJoule = maxUsagePerJoule
        self.efficiencyPct = efficiencyPct
        self.wastePct = wastePct
    }
}

/// One strategy evaluated on the integer load grid 0…nMax, with its aggregates (docs/paper-model.md §4).
public struct StrategyEvaluation: Sendable {
    /// The strategy evaluated.
    public let strategy: PaperStrategy
    /// Its regimes on the load axis.
    public let regimes: [Regime]
    /// The model at n = 0, 1, …, nMax (index = n).
    public let grid: [PointMetrics]
    /// The seven reported aggregates.
    public let summary: StrategySummary
    /// Latency at the capacity point, in s.
    public let latencyAtCapacityS: Double
    /// Efficiency of each regime before averaging, in %.
    public let regimeEfficiencyPct: [Double]
    /// Waste fraction of each regime before averaging, in %.
    public let regimeWastePct: [Double]
}

extension PaperModel {
    /// Evaluates one strategy on the grid n = 0…nMax and computes the paper's aggregates.
    public func evaluate(_ strategy: PaperStrategy) -> StrategyEvaluation {
        let nMax = parameters.loadMaxTx
        let grid = (0...nMax).map { evaluate(strategy, loadTx: Double($0)) }
        let capacity = (grid.firstIndex { !$0.up } ?? (nMax + 1)) - 1
        let upPoints = grid.filter(\.up)
        let regimes = strategy.regimes(loadMaxTx: nMax)
        let e = parameters.energyJPerS

        let efficiencies = regimes.map { regime -> Double in
            let r = upFraction(of: regime, grid: grid, isLast: regime.hiTx >= Double(nMax))
            let k = regime.producers
            return 100 * r * throughputKBps(producers: k, partitions: strategy.partitions) / (e * Double(k))
        }
        let wastes = regimes.map { regime -> Double in
            100 * wasteFraction(of: regime, partitions: strategy.partitions)
        }
        let summary = StrategySummary(
            capacityTx: capacity,
            maxThroughputKBps: upPoints.map(\.throughputKBps).max() ?? 0,
            maxKBPerJoule: upPoints.map(\.kbPerJoule).max() ?? 0,
            avgEnergyJ: mean(regimes.map { e * Double($0.producers) }),
            maxUsagePerJoule: upPoints.map(\.usagePctPerJoule).max() ?? 0,
            efficiencyPct: mean(efficiencies),
            wastePct: mean(wastes))
        return StrategyEvaluation(
            strategy: strategy, regimes: regimes, grid: grid, summary: summary,
            latencyAtCapacityS: capacity >= 0 ? grid[capacity].latencyS : 0,
            regimeEfficiencyPct: efficiencies, regimeWastePct: wastes)
    }

    /// Evaluates the paper's four strategies under this model's parameters.
    public func evaluateAll() -> [StrategyKey: StrategyEvaluation] {
        Dictionary(uniqueKeysWithValues: PaperStrategy.all(parameters).map { ($0.key, evaluate($0)) })
    }

    /// The paper's `r`: acceptable range ÷ total range of the regime, measured on the integer grid.
    ///
    /// The reachable range runs from the regime's start to the last integer before the first crash, so a static
    /// strategy gets `nCap / nMax` (52/150 for the original), as the paper computes it; a regime with no crash gets 1.
    func upFraction(of regime: Regime, grid: [PointMetrics], isLast: Bool) -> Double {
        let first = Int(regime.loTx.rounded(.up))
        let last = isLast ? grid.count - 1 : Int((regime.hiTx - 1).rounded(.up))
        guard first <= last, first < grid.count else { return 1 }
        guard let crash = (first...last).first(where: { !grid[$0].up }) else { return 1 }
        if crash == first { return 0 }
        return (Double(crash - 1) - regime.loTx) / (regime.hiTx - regime.loTx)
    }

    /// The share of the regime where more producers run than the fewest that would cope (docs/paper-model.md §4, continuous).
    func wasteFraction(of regime: Regime, partitions p: Int) -> Double {
        let k = regime.producers
        guard k > 1, regime.hiTx > regime.loTx else { return 0 }
        // Fewer producers suffice up to the largest boundary of any smaller k; beyond C_k the regime is down, not wasteful.
        let fewerSuffice = (1..<k).map { crashBoundaryTx(producers: $0, partitions: p) }.max() ?? 0
        let end = min(regime.hiTx, fewerSuffice, crashBoundaryTx(producers: k, partitions: p))
        return max(0, end - regime.loTx) / (regime.hiTx - regime.loTx)
    }
}

/// The arithmetic mean, 0 for no values.
func mean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
}
