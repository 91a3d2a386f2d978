/// Everything the analytic model says about one strategy at one load (docs/paper-model.md §2).
public struct PointMetrics: Sendable, Equatable {
    /// Load `n`, in transactions per second.
    public var loadTx: Double
    /// Active producers `k`.
    public var producers: Int
    /// Partitions `P`.
    public var partitions: Int
    /// Data to handle this second, `S = n·b`, in kB.
    public var dataKB: Double
    /// Latency `Td = c·S/(Vmax·k)`, in s (computed even when down; plots freeze it at the boundary).
    public var latencyS: Double
    /// Total throughput `T_T`, in kB/s (0 when down).
    public var throughputKBps: Double
    /// Average remaining buffer per producer `Ml`, in kB (eq 9; 0 when down).
    public var remainingPerProducerKB: Double
    /// Total remaining buffer `MT`, in kB (eqs 10, 32; 0 when down).
    public var remainingTotalKB: Double
    /// kB processed per joule `Et = S/(E·k)` (eq 11; 0 when down).
    public var kbPerJoule: Double
    /// Usage `Mt = S/(k·M + T_T)` as a fraction (eq 12; 0 when down).
    public var usage: Double
    /// Energy used this second, `E·k`, in J (0 when down).
    public var energyJ: Double
    /// Usage-to-energy ratio `100·Mt/(E·k)`, in % per J (0 when down).
    public var usagePctPerJoule: Double
    /// Whether the strategy survives this load under the crash rule.
    public var up: Bool
}

/// The paper's closed-form model: no queueing and no state between time steps (docs/paper-model.md §2).
public struct PaperModel: Sendable {
    /// The constants the model is evaluated with.
    public let parameters: PaperParameters

    /// Creates a model after checking the parameters.
    public init(parameters: PaperParameters = PaperParameters()) throws {
        try parameters.validate()
        self.parameters = parameters
    }

    /// Throughput while up, `T(k, P)` in kB/s, for the configured mode.
    public func throughputKBps(producers k: Int, partitions p: Int) -> Double {
        precondition(k >= 1 && p >= 1, "throughput needs k >= 1 and P >= 1")
        let formula = Double(p) * parameters.peakRateKBps * Double(k) / parameters.compression
        switch parameters.throughputMode {
        case .formula:
            return formula
        case .calibrated(let table):
            return table[ProducerPartitionKey(producers: k, partitions: p)] ?? formula
        }
    }

    /// The most data `k` producers over `p` partitions survive in one second, in kB.
    public func capacityKB(producers k: Int, partitions p: Int, rule: CrashRule? = nil) -> Double {
        let buffer = Double(k) * parameters.bufferKB
        switch rule ?? parameters.crashRule {
        case .bufferPlusThroughput: return buffer + throughputKBps(producers: k, partitions: p)
        case .bufferOnly: return buffer
        }
    }

    /// The continuous crash boundary `C_k(P)` in tx: the load at which k producers stop coping (docs/paper-model.md §4).
    public func crashBoundaryTx(producers k: Int, partitions p: Int, rule: CrashRule? = nil) -> Double {
        if k == 0 { return 0 }
        return capacityKB(producers: k, partitions: p, rule: rule) / parameters.transactionKB
    }

    /// Evaluates the model for `k` producers over `p` partitions at a load of `loadTx` transactions.
    public func evaluate(loadTx: Double, producers k: Int, partitions p: Int, rule: CrashRule? = nil) -> PointMetrics {
        evaluate(dataKB: loadTx * parameters.transactionKB, producers: k, partitions: p, rule: rule)
    }

    /// Evaluates the model with the data size `S` given directly in kB (the x-axis of Figs 10 and 11).
    public func evaluate(dataKB s: Double, producers k: Int, partitions p: Int, rule: CrashRule? = nil) -> PointMetrics {
        precondition(k >= 1 && p >= 1, "evaluation needs k >= 1 and P >= 1")
        let kd = Double(k)
        let m = parameters.bufferKB
        let e = parameters.energyJPerS
        let latency = parameters.compression * s / (parameters.peakRateKBps * kd)
        let throughput = throughputKBps(producers: k, partitions: p)
        let up = s <= capacityKB(producers: k, partitions: p, rule: rule)
        var point = PointMetrics(
            loadTx: s / parameters.transactionKB, producers: k, partitions: p, dataKB: s, latencyS: latency,
            throughputKBps: 0, remainingPerProducerKB: 0, remainingTotalKB: 0, kbPerJoule: 0, usage: 0,
            energyJ: 0, usagePctPerJoule: 0, up: up)
        guard up else { return point }
        let backlog = max(0, s - throughput)
        point.throughputKBps = throughput
        point.remainingTotalKB = kd * m - backlog
        point.remainingPerProducerKB = point.remainingTotalKB / kd
        point.kbPerJoule = s / (e * kd)
        let capacity = kd * m + throughput
        point.usage = capacity > 0 ? s / capacity : 0
        point.energyJ = e * kd
        point.usagePctPerJoule = 100 * point.usage / (e * kd)
        return point
    }

    /// Evaluates a strategy at an actual load, with k chosen by the strategy from that same load (the oracle).
    public func evaluate(_ strategy: PaperStrategy, loadTx: Double) -> PointMetrics {
        evaluate(loadTx: loadTx, producers: strategy.rule.producers(forLoad: loadTx), partitions: strategy.partitions)
    }

    /// The fewest producers (1 … `limit`) that survive `loadTx` over `p` partitions, or nil if none does.
    public func minimumProducers(loadTx: Double, partitions p: Int, limit: Int) -> Int? {
        let s = loadTx * parameters.transactionKB
        return (1...max(1, limit)).first { s <= capacityKB(producers: $0, partitions: p) }
    }
}
