import ArgumentParser
import Foundation
import KairosSim

/// `kairos paper table`: every number the paper reports next to the model's, with the difference.
struct PaperTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Print the paper's numbers, Kairos's values and the differences (known inconsistencies marked)."
    )

    @OptionGroup var model: PaperModelOptions

    @Flag(help: "Print one JSON object: a key per strategy plus 'paper' with the reported values.")
    var json = false

    func run() throws {
        let model = try model.model()
        let results = model.evaluateAll()
        let rows = model.comparison()
        if json {
            print(try PaperJSON.encode(PaperTableJSON(model: model)))
            return
        }
        let (count, formulaCount) = try PaperTableJSON.counts(model)
        print(PaperTableText.describe(model.parameters))
        print("")
        print("Aggregates (grid n = 0...\(model.parameters.loadMaxTx), oracle predictor):")
        print(PaperTableText.summaries(results.mapValues(\.summary)))
        print("Every number the paper reports (status: ok = within the tolerance; known = outside it, "
            + "explained by a note; OFF = unexplained; input = the calibrated table's own entry, not a result):")
        print(PaperTableText.comparison(rows))
        print(PaperTableText.counts(count, mode: model.parameters.throughputMode.name, formula: formulaCount))
        print("")
        print("Notes (docs/paper-model.md, the paper's known inconsistencies):")
        for section in PaperReference.inconsistencies.keys.sorted() {
            let label = "§7.\(section)"
            print("  " + label + String(repeating: " ", count: max(1, 7 - label.count)) + PaperReference.inconsistencies[section]!)
        }
    }
}

/// The `--json` shape: a key per strategy plus `paper`, each holding the seven aggregates, and the counts of
/// reproduced rows (`reproduced` in this mode, `formulaReproduced` in formula mode when this one is calibrated).
struct PaperTableJSON: Encodable {
    let original: StrategySummary
    let ipooa: StrategySummary
    let sampling: StrategySummary
    let lstm: StrategySummary
    let paper: [String: StrategySummary]
    let throughputMode: String
    let reproduced: ReproducedCount
    let formulaReproduced: ReproducedCount?

    /// The counts of `model`'s rows, and beside a calibrated count the formula mode's, the one with no inputs.
    static func counts(_ model: PaperModel) throws -> (ReproducedCount, formula: ReproducedCount?) {
        let count = ReproducedCount(model.comparison())
        let formula = model.parameters.throughputMode == .formula ? nil : ReproducedCount(try model.formulaMode().comparison())
        return (count, formula)
    }

    init(model: PaperModel) throws {
        let results = model.evaluateAll()
        throughputMode = model.parameters.throughputMode.name
        (reproduced, formulaReproduced) = try Self.counts(model)
        original = results[.original]!.summary
        ipooa = results[.ipooa]!.summary
        sampling = results[.sampling]!.summary
        lstm = results[.lstm]!.summary
        paper = Dictionary(uniqueKeysWithValues: PaperReference.summaries.map { ($0.key.rawValue, $0.value) })
    }
}

/// Stable, readable JSON for the paper commands.
enum PaperJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension PaperTableText {
    /// One line naming the parameters in force.
    static func describe(_ p: PaperParameters) -> String {
        let thresholds = p.thresholdsTx.map { formatNumber($0, decimals: 2, trimZeros: true) }.joined(separator: ",")
        return "Model: throughput \(p.throughputMode.name), crash rule \(p.crashRule.rawValue); "
            + "P=\(p.basePartitions) (IPOOA \(p.ipooaPartitions)), M=\(formatNumber(p.bufferKB, decimals: 3, trimZeros: true)) kB, "
            + "b=\(formatNumber(p.transactionKB, decimals: 3, trimZeros: true)) kB, "
            + "E=\(formatNumber(p.energyJPerS, decimals: 3, trimZeros: true)) J/s, thresholds \(thresholds) tx, "
            + "Vmax=\(formatNumber(p.peakRateKBps, decimals: 4, trimZeros: true)) kB/s, nMax=\(p.loadMaxTx)"
    }
}
