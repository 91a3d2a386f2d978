/// Plain-text renderings of the comparison, for `kairos paper table` and the report.
public enum PaperTableText {
    /// The status word of a row: "input" when the value is the calibrated table's own entry (not a result),
    /// "ok" within tolerance, "known" outside it but explained by a note, else "OFF".
    public static func status(_ row: ComparisonRow) -> String {
        if row.isInput { return "input" }
        if row.withinTolerance { return "ok" }
        return row.notes.isEmpty ? "OFF" : "known"
    }

    /// One line per paper number: quantity, strategy, paper, Kairos, difference, tolerance, status, notes.
    public static func comparison(_ rows: [ComparisonRow]) -> String {
        let header = ["quantity", "strategy", "paper", "kairos", "diff", "unit", "tolerance", "status", "notes"]
        let body = rows.map { row in
            [row.quantity, row.strategy?.rawValue ?? "-", row.paperText,
             formatNumber(row.kairosValue, decimals: 4, trimZeros: true),
             signed(row.difference), row.unit, row.tolerance.label, status(row), row.notes.joined(separator: "; ")]
        }
        return align([header] + body)
    }

    /// The count line: how many result rows are within tolerance in this mode, the inputs left out, and the
    /// formula mode's count beside it.
    public static func counts(_ count: ReproducedCount, mode: String, formula: ReproducedCount?) -> String {
        var line = "Reproduced within tolerance (\(mode) mode): \(count.reproduced) of \(count.results)"
        if count.inputs > 0 {
            line += "; \(count.inputs) more rows are inputs (the calibrated table holds the paper's own averages) "
                + "and are not counted"
        }
        if let formula { line += ". Formula mode (no inputs): \(formula.reproduced) of \(formula.results)" }
        return line + "."
    }

    /// One line per strategy with the seven aggregates (and the paper's, on the line below each).
    public static func summaries(_ model: [StrategyKey: StrategySummary],
                                 paper: [StrategyKey: StrategySummary]? = PaperReference.summaries) -> String {
        let header = ["strategy", "source", "capacity tx", "max T kB/s", "max kB/J", "avg E J", "max usage/E %/J",
                      "W %", "waste %"]
        var body: [[String]] = []
        for key in StrategyKey.allCases {
            if let s = model[key] { body.append(cells(key.rawValue, "kairos", s)) }
            if let p = paper?[key] { body.append(cells("", "paper", p)) }
        }
        return align([header] + body)
    }

    /// One line per dynamic-run row.
    public static func dynamic(_ results: [DynamicResult]) -> String {
        let header = ["strategy", "steps", "crashes", "avoidable", "lost tx", "waste %", "W %", "avg E J",
                      "avg k", "k right %", "under", "over", "MAE tx"]
        let body = results.map { r in
            [r.label, String(r.steps), String(r.crashes), String(r.avoidableCrashes),
             formatNumber(r.lostTx, decimals: 0), formatNumber(r.wastePct, decimals: 2),
             formatNumber(r.efficiencyPct, decimals: 2), formatNumber(r.avgEnergyJ, decimals: 1),
             formatNumber(r.avgProducers, decimals: 2), formatNumber(r.decisionAccuracyPct, decimals: 1),
             String(r.underProvisioned), String(r.overProvisioned), formatNumber(r.meanAbsErrorTx, decimals: 2)]
        }
        return align([header] + body)
    }

    static func cells(_ name: String, _ source: String, _ s: StrategySummary) -> [String] {
        [name, source, String(s.capacityTx), formatNumber(s.maxThroughputKBps, decimals: 2, trimZeros: true),
         formatNumber(s.maxKBPerJoule, decimals: 4), formatNumber(s.avgEnergyJ, decimals: 2, trimZeros: true),
         formatNumber(s.maxUsagePerJoule, decimals: 4), formatNumber(s.efficiencyPct, decimals: 2),
         formatNumber(s.wastePct, decimals: 2)]
    }

    static func signed(_ value: Double) -> String {
        let text = formatNumber(value, decimals: 4, trimZeros: true)
        return value > 0 && text != "0" ? "+" + text : text
    }

    /// Left-aligned columns separated by two spaces; the last column is not padded.
    static func align(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count)
            }.joined(separator: "  ").trailingSpacesTrimmed
        }.joined(separator: "\n") + "\n"
    }
}

extension String {
    var trailingSpacesTrimmed: String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
