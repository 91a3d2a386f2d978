/// The constants of the paper's analytic model (docs/paper-model.md §1), with the paper's values as defaults.
///
/// Every field can be overridden to ask "what if"; `validate()` rejects values the model cannot evaluate.
public struct PaperParameters: Sendable, Equatable {
    /// Compression ratio `c` (default 0.8).
    public var compression: Double = 0.8
    /// Machines running the Kafka consensus, `Ω` (default 5).
    public var omega: Int = 5
    /// Replica count `Cn` (default 2).
    public var replicas: Int = 2
    /// Weight coefficient `w_t` (default 2).
    public var weight: Double = 2
    /// Buffer per producer `M`, in kB (default 32).
    public var bufferKB: Double = 32
    /// Size of one transaction `b_m`, in kB (default 1.6).
    public var transactionKB: Double = 1.6
    /// Energy one active producer uses per second `E`, in J/s (default 65).
    public var energyJPerS: Double = 65
    /// Top of the load axis `nMax`, in transactions per second (default 150).
    public var loadMaxTx: Int = 150
    /// Partitions of the original, sampling and LSTM strategies (default 20).
    public var basePartitions: Int = 20
    /// Partitions of the IPOOA strategy (default 25).
    public var ipooaPartitions: Int = 25
    /// Producers the sampling-based tuner runs (default 3).
    public var samplingProducers: Int = 3
    /// Cut points of the LSTM rule (eq 28), in tx; k = 1 below the first, 2 below the second, … (default 50, 100).
    public var thresholdsTx: [Double] = [50, 100]
    /// How throughput while up is computed (default: the paper's calibrated averages).
    public var throughputMode: ThroughputMode = .calibrated(ThroughputMode.paperTable)
    /// When a strategy is down (default: S > kM + T, the rule of §2.3).
    public var crashRule: CrashRule = .bufferPlusThroughput

    /// The paper's parameter set.
    public init() {}

    /// The producer peak rate `Vmax = w·(Ω−1)/(2·Cn)` in kB/s (eq 6 solved for Vmax).
    public var peakRateKBps: Double {
        weight * Double(omega - 1) / (2 * Double(replicas))
    }

    /// The most producers any strategy here can run.
    public var maxProducers: Int {
        max(thresholdsTx.count + 1, samplingProducers)
    }

    /// Throws if a value would make the model divide by zero or lose its meaning.
    public func validate() throws {
        func require(_ ok: Bool, _ message: String) throws {
            if !ok { throw PaperModelError.invalidParameter(message) }
        }
        try require(compression > 0 && compression.isFinite, "compression must be > 0")
        try require(omega >= 2, "omega must be >= 2 (Vmax = w(Ω-1)/(2Cn) must be > 0)")
        try require(replicas >= 1, "replicas must be >= 1")
        try require(weight > 0 && weight.isFinite, "weight must be > 0")
        try require(bufferKB >= 0 && bufferKB.isFinite, "buffer per producer must be >= 0 kB")
        try require(transactionKB > 0 && transactionKB.isFinite, "transaction size must be > 0 kB")
        try require(energyJPerS > 0 && energyJPerS.isFinite, "energy per producer must be > 0 J/s")
        try require(loadMaxTx >= 1 && loadMaxTx <= 1_000_000, "load axis top must be in 1...1000000 tx")
        try require(basePartitions >= 1, "partitions must be >= 1")
        try require(ipooaPartitions >= 1, "IPOOA partitions must be >= 1")
        try require(samplingProducers >= 1 && samplingProducers <= 64, "sampling producers must be in 1...64")
        try require(thresholdsTx.count <= 63, "at most 63 thresholds")
        try require(thresholdsTx.allSatisfy { $0 > 0 && $0.isFinite }, "thresholds must be > 0")
        try require(zip(thresholdsTx, thresholdsTx.dropFirst()).allSatisfy { $0 < $1 },
                    "thresholds must be strictly increasing")
        if case .calibrated(let table) = throughputMode {
            try require(table.values.allSatisfy { $0 >= 0 && $0.isFinite }, "calibrated throughputs must be >= 0")
            try require(table.keys.allSatisfy { $0.producers >= 1 && $0.partitions >= 1 },
                        "calibrated keys need producers >= 1 and partitions >= 1")
        }
    }
}

/// An input the paper model cannot evaluate.
public enum PaperModelError: Error, Equatable, CustomStringConvertible {
    /// A parameter is out of range; the message says which and why.
    case invalidParameter(String)

    /// A one-line explanation for the user.
    public var description: String {
        switch self {
        case .invalidParameter(let message): return "invalid parameter: \(message)"
        }
    }
}
