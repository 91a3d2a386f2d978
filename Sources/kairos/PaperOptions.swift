import ArgumentParser
import KairosSim

/// The model's parameters as command-line options, so any "what if" can be asked (defaults: the paper's).
struct PaperModelOptions: ParsableArguments {
    @Option(help: "Partitions of the original, sampling and LSTM strategies (P).")
    var partitions: Int = 20

    @Option(name: .customLong("ipooa-partitions"), help: "Partitions of the IPOOA strategy.")
    var ipooaPartitions: Int = 25

    @Option(name: .customLong("buffer-kb"), help: "Buffer per producer, M, in kB.")
    var bufferKB: Double = 32

    @Option(name: .customLong("energy-j"), help: "Energy one active producer uses per second, E, in J/s.")
    var energyJ: Double = 65

    @Option(name: .customLong("tx-kb"), help: "Size of one transaction, b, in kB.")
    var transactionKB: Double = 1.6

    @Option(help: "LSTM rule cut points in tx, comma-separated (k = 1 below the first, 2 below the second, ...).")
    var thresholds: String = "50,100"

    @Option(name: .customLong("sampling-producers"), help: "Producers the sampling-based tuner runs.")
    var samplingProducers: Int = 3

    @Option(name: .customLong("throughput-mode"),
            help: "calibrated (the paper's reported averages, formula elsewhere) or formula (T = P·Vmax·k/c).")
    var throughputMode: String = "calibrated"

    @Option(name: .customLong("throughput"),
            help: "Override one calibrated entry, k:P=kB/s (repeatable), e.g. --throughput 2:20=108.58.")
    var throughputOverrides: [String] = []

    @Option(name: .customLong("crash-rule"),
            help: "buffer-plus-throughput (down when S > kM + T, §2.3) or buffer-only (S > kM, eq 8 literally).")
    var crashRule: String = CrashRule.bufferPlusThroughput.rawValue

    @Option(help: "Compression ratio, c.")
    var compression: Double = 0.8

    @Option(help: "Machines running the Kafka consensus, Ω.")
    var omega: Int = 5

    @Option(help: "Replica count, Cn.")
    var replicas: Int = 2

    @Option(help: "Weight coefficient, w.")
    var weight: Double = 2

    @Option(name: .customLong("load-max"), help: "Top of the load axis, nMax, in tx per second.")
    var loadMaxTx: Int = 150

    /// The validated model these options describe.
    func model() throws -> PaperModel {
        var parameters = PaperParameters()
        parameters.basePartitions = partitions
        parameters.ipooaPartitions = ipooaPartitions
        parameters.bufferKB = bufferKB
        parameters.energyJPerS = energyJ
        parameters.transactionKB = transactionKB
        parameters.samplingProducers = samplingProducers
        parameters.compression = compression
        parameters.omega = omega
        parameters.replicas = replicas
        parameters.weight = weight
        parameters.loadMaxTx = loadMaxTx
        parameters.thresholdsTx = try thresholds.split(separator: ",").map { part in
            guard let value = Double(part.trimmingSpaces) else {
                throw ValidationError("--thresholds: '\(part)' is not a number")
            }
            return value
        }
        guard let rule = CrashRule(rawValue: crashRule) else {
            throw ValidationError("--crash-rule must be one of: "
                + CrashRule.allCases.map(\.rawValue).joined(separator: ", "))
        }
        parameters.crashRule = rule
        switch throughputMode {
        case "formula":
            guard throughputOverrides.isEmpty else {
                throw ValidationError("--throughput overrides need --throughput-mode calibrated")
            }
            parameters.throughputMode = .formula
        case "calibrated":
            var table = ThroughputMode.paperTable
            for entry in throughputOverrides {
                let (key, value) = try parseThroughput(entry)
                table[key] = value
            }
            parameters.throughputMode = .calibrated(table)
        default:
            throw ValidationError("--throughput-mode must be calibrated or formula")
        }
        do {
            return try PaperModel(parameters: parameters)
        } catch let error as PaperModelError {
            throw ValidationError(error.description)
        }
    }

    private func parseThroughput(_ entry: String) throws -> (ProducerPartitionKey, Double) {
        let sides = entry.split(separator: "=")
        let key = sides.first?.split(separator: ":") ?? []
        guard sides.count == 2, key.count == 2, let k = Int(key[0]), let p = Int(key[1]),
              let value = Double(sides[1]), k >= 1, p >= 1, value >= 0
        else {
            throw ValidationError("--throughput '\(entry)': expected k:P=kBps, e.g. 2:20=108.58")
        }
        return (ProducerPartitionKey(producers: k, partitions: p), value)
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
