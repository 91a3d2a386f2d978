/// The HTML report `kairos paper figures` writes: the comparison table beside the figures it draws.
public enum PaperReport {
    /// A standalone HTML page that shows `figures` (as `<img src="figNN.svg">` next to it) and the comparison.
    /// `count` is the model's count of reproduced rows, `formulaCount` the formula mode's (nil in formula mode).
    public static func html(model: PaperModel, figures: [PaperFigure], count: ReproducedCount,
                            formulaCount: ReproducedCount?) -> String {
        let parameters = model.parameters
        let results = model.evaluateAll()
        let rows = model.comparison()
        var out: [String] = []
        out.append("""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>Kairos: the paper's four-strategy comparison</title>
        <style>
        body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
        .layout { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
        .tables { flex: 1 1 640px; min-width: 520px; }
        .figures { flex: 1 1 780px; display: flex; flex-direction: column; gap: 18px; }
        figure { margin: 0; } figure img { width: 100%; max-width: 760px; border: 1px solid #ddd; }
        figcaption { font-size: 13px; color: #444; max-width: 760px; }
        table { border-collapse: collapse; font-size: 13px; margin-bottom: 18px; }
        th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
        th { background: #f2f2f2; } td.l { text-align: left; }
        tr.known td { background: #fff6dd; } tr.off td { background: #fde2e2; } tr.input td { color: #777; }
        code { font-size: 12px; }
        </style></head><body>
        <h1>The paper's four-strategy comparison, reproduced</h1>
        <p>Zhou et al., "Intelligent management method of Kafka system based on time series model": the analytic
        model of <code>docs/paper-model.md</code> in the Kairos repository, evaluated on the load grid n = 0…\(parameters.loadMaxTx) with the
        oracle predictor. Throughput mode: <b>\(parameters.throughputMode.name)</b>; crash rule:
        <b>\(parameters.crashRule.rawValue)</b>.</p>
        <div class="layout"><div class="tables">
        """)
        out.append("<h2>Parameters</h2><table>")
        let parameterRows: [(String, String)] = [
            ("compression c", formatNumber(parameters.compression, decimals: 3, trimZeros: true)),
            ("Ω (consensus machines)", String(parameters.omega)), ("replicas Cn", String(parameters.replicas)),
            ("weight w", formatNumber(parameters.weight, decimals: 3, trimZeros: true)),
            ("Vmax (kB/s)", formatNumber(parameters.peakRateKBps, decimals: 4, trimZeros: true)),
            ("buffer per producer M (kB)", formatNumber(parameters.bufferKB, decimals: 3, trimZeros: true)),
            ("transaction size b (kB)", formatNumber(parameters.transactionKB, decimals: 3, trimZeros: true)),
            ("energy per producer E (J/s)", formatNumber(parameters.energyJPerS, decimals: 3, trimZeros: true)),
            ("partitions (IPOOA)", "\(parameters.basePartitions) (\(parameters.ipooaPartitions))"),
            ("LSTM thresholds (tx)", parameters.thresholdsTx.map { formatNumber($0, decimals: 2, trimZeros: true) }
                .joined(separator: ", ")),
            ("sampling producers", String(parameters.samplingProducers)),
        ]
        for (name, value) in parameterRows {
            out.append("<tr><td class=\"l\">\(escapeXML(name))</td><td>\(escapeXML(value))</td></tr>")
        }
        out.append("</table>")

        out.append("<h2>Aggregates</h2><table><tr><th>strategy</th><th>source</th><th>capacity (tx)</th>"
            + "<th>max T (kB/s)</th><th>max kB/J</th><th>avg energy (J)</th><th>max usage/E (%/J)</th>"
            + "<th>W (%)</th><th>waste (%)</th></tr>")
        for key in StrategyKey.allCases {
            for (source, s) in [("kairos", results[key]!.summary), ("paper", PaperReference.summaries[key]!)] {
                let cells = PaperTableText.cells(source == "kairos" ? key.displayName : "", source, s)
                out.append("<tr>" + cells.enumerated().map { i, cell in
                    "<td\(i < 2 ? " class=\"l\"" : "")>\(escapeXML(cell))</td>"
                }.joined() + "</tr>")
            }
        }
        out.append("</table>")

        out.append("<h2>Every number the paper reports</h2><table><tr><th>quantity</th><th>strategy</th>"
            + "<th>paper</th><th>Kairos</th><th>diff</th><th>unit</th><th>tolerance</th><th>status</th>"
            + "<th>notes</th></tr>")
        for row in rows {
            let status = PaperTableText.status(row)
            let rowClass = status == "ok" ? "" : " class=\"\(status.lowercased())\""
            let cells = [row.quantity, row.strategy?.rawValue ?? "–", row.paperText,
                         formatNumber(row.kairosValue, decimals: 4, trimZeros: true),
                         PaperTableText.signed(row.difference), row.unit, row.tolerance.label, status,
                         row.notes.joined(separator: "; ")]
            out.append("<tr\(rowClass)>" + cells.enumerated().map { i, cell in
                "<td\(i < 2 || i >= 7 ? " class=\"l\"" : "")>\(escapeXML(cell))</td>"
            }.joined() + "</tr>")
        }
        out.append("</table>")
        out.append("<p>" + escapeXML(PaperTableText.counts(count, mode: parameters.throughputMode.name, formula: formulaCount))
            + " Rows marked <i>input</i> show the calibrated table's own entries: the paper's averages, given to the "
            + "model, so they cannot confirm it.</p>")
        out.append("<h2>Known inconsistencies of the paper (docs/paper-model.md §7)</h2><ol>")
        for section in PaperReference.inconsistencies.keys.sorted() {
            out.append("<li value=\"\(section)\">\(escapeXML(PaperReference.inconsistencies[section]!))</li>")
        }
        out.append("</ol></div><div class=\"figures\">")
        for figure in figures {
            out.append("<figure id=\"\(figure.id)\"><img src=\"\(figure.id).svg\" alt=\"\(escapeXML(figure.title))\">"
                + "<figcaption>\(escapeXML(figure.caption))</figcaption></figure>")
        }
        out.append("</div></div></body></html>")
        return out.joined(separator: "\n") + "\n"
    }
}
