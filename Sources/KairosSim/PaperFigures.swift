/// One of the paper's figures, redrawn from the model.
public struct PaperFigure: Sendable, Equatable {
    /// The paper's figure number (10 … 20).
    public var number: Int
    /// File stem, e.g. "fig12".
    public var id: String { "fig\(number)" }
    /// The title drawn on the chart.
    public var title: String
    /// One or two sentences for the report: what the figure shows and how it relates to the paper's.
    public var caption: String
    /// Names of the series drawn, in legend order.
    public var seriesNames: [String]
    /// The standalone SVG document.
    public var svg: String
}

extension StrategyKey {
    /// Colour-blind-safe (Okabe–Ito) colours and dashes; coinciding curves (original/IPOOA latency,
    /// sampling/LSTM above n = 100) stay distinguishable because one of each pair is dashed.
    public var style: SeriesStyle {
        switch self {
        case .original: return SeriesStyle(color: "#E69F00", widthPx: 5)
        case .ipooa: return SeriesStyle(color: "#56B4E9", dash: "9 5", widthPx: 2.5)
        case .sampling: return SeriesStyle(color: "#009E73", dash: "3 4", widthPx: 2.5)
        case .lstm: return SeriesStyle(color: "#0072B2", widthPx: 2)
        }
    }
}

extension PaperModel {
    /// Figures 10 to 20 of the paper, drawn from this model (docs/paper-model.md §5).
    public func figures() -> [PaperFigure] {
        let results = evaluateAll()
        return [figure10or11(10), figure10or11(11)] + (12...18).map { loadFigure($0, results) }
            + [barFigure(19, results), barFigure(20, results)]
    }

    /// Figs 10 and 11: the sweep over S = 0…110 kB for k = 1, 2, 3 at the base partitions, eq 8's buffer-only rule.
    func figure10or11(_ number: Int) -> PaperFigure {
        precondition(number == 10 || number == 11, "only figures 10 and 11 sweep S")
        let colors = ["#E69F00", "#009E73", "#0072B2"]
        let dashes: [String?] = [nil, "9 5", "3 4"]
        let p = parameters.basePartitions
        let samples = (0...220).map { Double($0) * 0.5 }
        let series = (1...3).map { k -> LineSeries in
            var frozen = 0.0
            let points = samples.map { s -> (x: Double, y: Double) in
                let point = evaluate(dataKB: s, producers: k, partitions: p, rule: .bufferOnly)
                if point.up { frozen = point.latencyS }
                return (s, number == 10 ? (point.up ? point.latencyS : frozen) : point.throughputKBps)
            }
            return LineSeries(name: "k = \(k)", style: SeriesStyle(color: colors[k - 1], dash: dashes[k - 1],
                                                                   widthPx: 2.5), points: points)
        }
        let markers = (1...3).map { k in
            Marker(x: Double(k) * parameters.bufferKB,
                   label: (k == 1 ? "M" : "\(k)M") + " = " + formatNumber(Double(k) * parameters.bufferKB, decimals: 1, trimZeros: true) + " kB")
        }
        let isLatency = number == 10
        let title = isLatency ? "Fig 10. Data to handle vs latency (P = \(p))"
            : "Fig 11. Data to handle vs total throughput (P = \(p))"
        let svg = renderLineChart(
            id: "fig\(number)", title: title, xLabel: "data to handle per second, S (kB)",
            yLabel: isLatency ? "latency Td (s)" : "total throughput T_T (kB/s)", series: series,
            xRange: 0...110, markers: markers)
        let caption = isLatency
            ? "Td = c·S/(Vmax·k) until the buffers k·M are exceeded (eq 8 read literally, the only rule that fits "
                + "this sweep); the curve then stops changing, as the paper says."
            : "Throughput is flat while up (\(throughputMode)) and drops to zero once S > k·M, at 32, 64 and 96 kB."
        return PaperFigure(number: number, title: title, caption: caption, seriesNames: series.map(\.name), svg: svg)
    }

    /// Figs 12–18: one metric over the load axis n = 0…nMax, one line per strategy (bars for Fig 17).
    func loadFigure(_ number: Int, _ results: [StrategyKey: StrategyEvaluation]) -> PaperFigure {
        let keys = StrategyKey.allCases
        let xLabel = "transactions per second, n (tx)"
        let markers = parameters.thresholdsTx.map { Marker(x: $0, label: "n = " + formatNumber($0, decimals: 0)) }
        let xRange = 0...Double(parameters.loadMaxTx)
        func lines(_ metric: (PointMetrics) -> Double, freezeWhenDown: Bool = false) -> [LineSeries] {
            keys.map { key in
                var frozen = 0.0
                let points = results[key]!.grid.map { point -> (x: Double, y: Double) in
                    if point.up { frozen = metric(point) }
                    return (point.loadTx, freezeWhenDown && !point.up ? frozen : metric(point))
                }
                return LineSeries(name: key.displayName, style: key.style, points: points)
            }
        }
        let title: String, yLabel: String, caption: String, series: [LineSeries]
        switch number {
        case 12:
            title = "Fig 12. Latency"; yLabel = "latency Td (s)"
            series = lines(\.latencyS, freezeWhenDown: true)
            caption = "Original and IPOOA coincide (Td does not depend on P) until the original crashes at n = "
                + "\(results[.original]!.summary.capacityTx); past a crash the curve is frozen, as the paper draws it."
        case 13:
            title = "Fig 13. Total throughput"; yLabel = "total throughput T_T (kB/s)"
            series = lines(\.throughputKBps)
            caption = "Throughput is constant while up and zero once down; the LSTM steps up with k at the thresholds."
        case 14:
            title = "Fig 14. Average remaining buffer per producer"; yLabel = "remaining buffer Ml (kB)"
            series = lines(\.remainingPerProducerKB)
            caption = "Ml = M until S exceeds T_T, then falls linearly; zero once down (eq 9)."
        case 15:
            title = "Fig 15. Data processed per joule"; yLabel = "data per joule, Et (kB/J)"
            series = lines(\.kbPerJoule)
            caption = "Et = S/(E·k): the LSTM equals the original at low load and the sampling tuner at high load."
        case 16:
            title = "Fig 16. System usage"; yLabel = "usage 100·Mt (%)"
            series = lines { 100 * $0.usage }
            caption = "Mt = S/(k·M + T_T) (eq 12); the LSTM's usage drops each time it adds a producer."
        case 17:
            return energyFigure(results)
        default:
            precondition(number == 18, "load figures are 12 to 18")
            title = "Fig 18. Usage-to-energy ratio"; yLabel = "usage / energy (% per J)"
            series = lines(\.usagePctPerJoule)
            caption = "100·Mt/(E·k): the LSTM beats the sampling tuner below n = 100 and equals it above."
        }
        let svg = renderLineChart(id: "fig\(number)", title: title, xLabel: xLabel, yLabel: yLabel, series: series,
                                  xRange: xRange, markers: markers)
        return PaperFigure(number: number, title: title, caption: caption, seriesNames: series.map(\.name), svg: svg)
    }

    /// Fig 17: energy per second as bars every tenth of the load axis, one bar per strategy.
    func energyFigure(_ results: [StrategyKey: StrategyEvaluation]) -> PaperFigure {
        let nMax = parameters.loadMaxTx
        let step = max(1, nMax / 15)
        let loads = Array(stride(from: 0, through: nMax, by: step))
        let series = StrategyKey.allCases.map { key in
            BarSeries(name: key.displayName, color: key.style.color,
                      values: loads.map { results[key]!.grid[$0].energyJ })
        }
        let title = "Fig 17. Energy per second"
        let svg = renderBarChart(id: "fig17", title: title, xLabel: "transactions per second, n (tx)",
                                 yLabel: "energy (J per s)", categories: loads.map(String.init), series: series)
        let caption = "E·k while up; the bars return to zero past each strategy's capacity (every \(step) tx shown)."
        return PaperFigure(number: 17, title: title, caption: caption, seriesNames: series.map(\.name), svg: svg)
    }

    /// Figs 19 (efficiency W) and 20 (waste ratio): the model's value beside the paper's, per strategy.
    func barFigure(_ number: Int, _ results: [StrategyKey: StrategyEvaluation]) -> PaperFigure {
        let keys = StrategyKey.allCases
        let isEfficiency = number == 19
        let value: (StrategySummary) -> Double = isEfficiency ? { $0.efficiencyPct } : { $0.wastePct }
        let series = [
            BarSeries(name: "Kairos model (\(throughputMode))", color: "#0072B2",
                      values: keys.map { value(results[$0]!.summary) }),
            BarSeries(name: "paper (reported)", color: "#B0B0B0",
                      values: keys.map { value(PaperReference.summaries[$0]!) }),
        ]
        let title = isEfficiency ? "Fig 19. System efficiency W" : "Fig 20. Resource-waste ratio"
        let svg = renderBarChart(
            id: "fig\(number)", title: title, xLabel: "strategy",
            yLabel: isEfficiency ? "efficiency W (\"%\", really kB/J × 100)" : "waste ratio (% of load axis)",
            categories: keys.map(\.displayName), series: series, valueDecimals: 2)
        let caption = isEfficiency
            ? "W = r·T/(E·k) (eq 13), the LSTM averaged over its three regimes; the paper's 80.32 % needs "
                + "T(2) = 108.58 (docs/paper-model.md §7.6)."
            : "Share of the load axis where more producers run than needed; the paper's 71.3 % and 6.66 % need "
                + "slightly different crash boundaries (docs/paper-model.md §7.7)."
        return PaperFigure(number: number, title: title, caption: caption, seriesNames: series.map(\.name), svg: svg)
    }

    private var throughputMode: String { parameters.throughputMode.name }
}
