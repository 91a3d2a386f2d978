import Foundation
import KairosControl
import KairosSim

/// The arrival process every strategy of an experiment gets: the paper's three users or a CSV trace, as CSV text
/// with one volume per row, its peak mapped to the experiment's peak load.
struct ExperimentWorkload: Sendable {
    /// `paper` or `trace:FILE[:column]`, as given.
    var name: String
    /// One `volume` column, one row per interval (the raw volumes; `rateScale` maps them).
    var csvText: String
    var column: String?
    /// Records per unit of the workload's value, so that its peak becomes the peak load.
    var rateScale: Double

    /// Reads `--workload`; `steps` is how many paper intervals to generate. The error names the file or the form.
    init(parsing text: String, peakLoad: Double, steps: Int, seed: UInt64 = 7) throws {
        name = text
        let values: [Double]
        if text == "paper" {
            values = PaperWorkload.paper.totals(steps: steps, seed: seed)
            csvText = "transactions\n" + values.map { String(Int($0)) }.joined(separator: "\n") + "\n"
            column = nil
        } else if text.hasPrefix("trace:") {
            let rest = String(text.dropFirst("trace:".count))
            var path = rest
            var column: String?
            // FILE.csv:column: the last ':' after the file's extension names the column.
            if let range = rest.range(of: ".csv:", options: .backwards) {
                path = String(rest[..<range.lowerBound]) + ".csv"
                column = String(rest[range.upperBound...])
            }
            guard !path.isEmpty else { throw PerfError("--workload trace: needs a file (trace:FILE.csv[:column])") }
            do {
                csvText = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw PerfError("--workload: cannot read trace \(path): \((error as NSError).localizedDescription)")
            }
            self.column = column
            // Read as the replay will read it: a bad trace fails here, naming its line, before a broker starts.
            do {
                let plan = try ReplayPlan(traceText: csvText, traceName: path, column: column, warmupFraction: 0.5)
                values = plan.warmup + plan.replay
            } catch let error as ReplayPlanError {
                throw PerfError("--workload: \(error.description)")
            }
        } else {
            throw PerfError("--workload '\(text)' is neither 'paper' nor 'trace:FILE.csv[:column]'")
        }
        rateScale = 1
        if !values.isEmpty, let peak = values.max(), peak > 0 { rateScale = peakLoad / peak }
    }
}
