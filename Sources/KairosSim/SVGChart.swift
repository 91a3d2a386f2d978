/// How one series is drawn: colour, dash pattern and stroke width.
public struct SeriesStyle: Sendable, Equatable {
    /// A CSS colour, e.g. "#0072B2".
    public var color: String
    /// An SVG `stroke-dasharray`, or nil for a solid line.
    public var dash: String?
    /// Stroke width in px.
    public var widthPx: Double

    /// Creates a style.
    public init(color: String, dash: String? = nil, widthPx: Double = 2) {
        self.color = color
        self.dash = dash
        self.widthPx = widthPx
    }
}

/// One named line of a line chart.
public struct LineSeries: Sendable, Equatable {
    /// The legend label.
    public var name: String
    /// How it is drawn.
    public var style: SeriesStyle
    /// (x, y) points in data units, drawn in order.
    public var points: [(x: Double, y: Double)]

    /// Creates a series.
    public init(name: String, style: SeriesStyle, points: [(x: Double, y: Double)]) {
        self.name = name
        self.style = style
        self.points = points
    }

    /// Compares names, styles and points.
    public static func == (lhs: LineSeries, rhs: LineSeries) -> Bool {
        lhs.name == rhs.name && lhs.style == rhs.style && lhs.points.count == rhs.points.count
            && zip(lhs.points, rhs.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }
}

/// One named set of bars of a grouped bar chart: one value per category.
public struct BarSeries: Sendable, Equatable {
    /// The legend label.
    public var name: String
    /// Fill colour.
    public var color: String
    /// One value per category, in data units.
    public var values: [Double]

    /// Creates a bar series.
    public init(name: String, color: String, values: [Double]) {
        self.name = name
        self.color = color
        self.values = values
    }
}

/// A vertical reference line with a short label, e.g. a threshold of the LSTM rule.
public struct Marker: Sendable, Equatable {
    /// Position on the x axis, in data units.
    public var x: Double
    /// Text drawn beside the line.
    public var label: String

    /// Creates a marker.
    public init(x: Double, label: String) {
        self.x = x
        self.label = label
    }
}

/// The frame every chart shares: size, title, axis labels (with units) and the legend row under the title.
struct ChartFrame {
    static let widthPx = 760.0
    static let heightPx = 460.0
    static let left = 78.0
    static let right = 24.0
    static let top = 78.0
    static let bottom = 58.0
    static var plotWidth: Double { widthPx - left - right }
    static var plotHeight: Double { heightPx - top - bottom }

    var title: String
    var xLabel: String
    var yLabel: String

    /// Opening of the document: background, title and axis titles.
    func open(id: String) -> [String] {
        let w = fmt(Self.widthPx), h = fmt(Self.heightPx)
        return [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(escapeXML(id))\" width=\"\(w)\" height=\"\(h)\" "
                + "viewBox=\"0 0 \(w) \(h)\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">",
            "<title>\(escapeXML(title))</title>",
            "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>",
            text(Self.widthPx / 2, 24, title, size: 16, anchor: "middle", weight: "bold"),
            text(Self.left + Self.plotWidth / 2, Self.heightPx - 14, xLabel, size: 13, anchor: "middle"),
            "<text x=\"18\" y=\"\(fmt(Self.top + Self.plotHeight / 2))\" font-size=\"13\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 18 \(fmt(Self.top + Self.plotHeight / 2)))\">\(escapeXML(yLabel))</text>",
        ]
    }

    /// A legend row centred under the title; items are (label, swatch markup at the origin).
    func legend(_ items: [(label: String, swatch: String)]) -> [String] {
        let itemWidths = items.map { 34 + 7.0 * Double($0.label.count) + 22 }
        let total = itemWidths.reduce(0, +)
        var x = max(Self.left, (Self.widthPx - total) / 2)
        var lines = ["<g class=\"legend\">"]
        for (item, width) in zip(items, itemWidths) {
            lines.append("<g class=\"legend-item\" transform=\"translate(\(fmt(x)) 44)\">\(item.swatch)"
                + text(34, 4.5, item.label, size: 12.5) + "</g>")
            x += width
        }
        lines.append("</g>")
        return lines
    }

    /// Horizontal grid lines and y tick labels for ticks `ticks` on the range `yRange`.
    func yAxis(ticks: [Double], yRange: ClosedRange<Double>, decimals: Int) -> [String] {
        var lines: [String] = []
        for tick in ticks {
            let y = Self.yPixel(tick, yRange)
            lines.append("<line x1=\"\(fmt(Self.left))\" y1=\"\(fmt(y))\" x2=\"\(fmt(Self.left + Self.plotWidth))\" "
                + "y2=\"\(fmt(y))\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>")
            lines.append(text(Self.left - 8, y + 4, formatNumber(tick, decimals: decimals), size: 12, anchor: "end"))
        }
        return lines
    }

    /// The two axis lines.
    func axisLines() -> [String] {
        let x0 = fmt(Self.left), y0 = fmt(Self.top + Self.plotHeight)
        return [
            "<line x1=\"\(x0)\" y1=\"\(y0)\" x2=\"\(fmt(Self.left + Self.plotWidth))\" y2=\"\(y0)\" stroke=\"#333\"/>",
            "<line x1=\"\(x0)\" y1=\"\(fmt(Self.top))\" x2=\"\(x0)\" y2=\"\(y0)\" stroke=\"#333\"/>",
        ]
    }

    static func xPixel(_ x: Double, _ range: ClosedRange<Double>) -> Double {
        left + (x - range.lowerBound) / (range.upperBound - range.lowerBound) * plotWidth
    }

    static func yPixel(_ y: Double, _ range: ClosedRange<Double>) -> Double {
        top + plotHeight - (y - range.lowerBound) / (range.upperBound - range.lowerBound) * plotHeight
    }
}

/// Renders a line chart as a standalone SVG document.
public func renderLineChart(id: String, title: String, xLabel: String, yLabel: String, series: [LineSeries],
                            xRange: ClosedRange<Double>? = nil, markers: [Marker] = []) -> String {
    let frame = ChartFrame(title: title, xLabel: xLabel, yLabel: yLabel)
    let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
    let xr = xRange ?? ((xs.min() ?? 0)...max((xs.max() ?? 1), (xs.min() ?? 0) + 1))
    let yTicks = niceTicks(upTo: max(ys.max() ?? 1, 1e-9))
    let yr = 0...(yTicks.last ?? 1)
    let xTicks = niceTicks(from: xr.lowerBound, upTo: xr.upperBound, target: 6)
    var out = frame.open(id: id)
    out += frame.yAxis(ticks: yTicks, yRange: yr, decimals: tickDecimals(yTicks))
    let baseY = ChartFrame.top + ChartFrame.plotHeight
    for tick in xTicks where tick >= xr.lowerBound && tick <= xr.upperBound {
        let x = ChartFrame.xPixel(tick, xr)
        out.append("<line x1=\"\(fmt(x))\" y1=\"\(fmt(baseY))\" x2=\"\(fmt(x))\" y2=\"\(fmt(baseY + 5))\" stroke=\"#333\"/>")
        out.append(text(x, baseY + 19, formatNumber(tick, decimals: tickDecimals(xTicks)), size: 12, anchor: "middle"))
    }
    for marker in markers where xr.contains(marker.x) {
        let x = ChartFrame.xPixel(marker.x, xr)
        out.append("<line class=\"marker\" x1=\"\(fmt(x))\" y1=\"\(fmt(ChartFrame.top))\" x2=\"\(fmt(x))\" "
            + "y2=\"\(fmt(baseY))\" stroke=\"#888\" stroke-dasharray=\"3 3\" stroke-width=\"1\"/>")
        // Labels sit above the plot area, where no curve can hide them.
        out.append(text(x, ChartFrame.top - 6, marker.label, size: 11, anchor: "middle", fill: "#555"))
    }
    out += frame.axisLines()
    // Solid lines first so dashed ones stay visible where curves coincide.
    for line in series.sorted(by: { ($0.style.dash == nil ? 0 : 1) < ($1.style.dash == nil ? 0 : 1) }) {
        let path = line.points.map { "\(fmt(ChartFrame.xPixel($0.x, xr))),\(fmt(ChartFrame.yPixel($0.y, yr)))" }
        out.append("<polyline class=\"series\" data-name=\"\(escapeXML(line.name))\" fill=\"none\" "
            + "stroke=\"\(line.style.color)\" stroke-width=\"\(fmt(line.style.widthPx))\""
            + (line.style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
            + " stroke-linejoin=\"round\" points=\"\(path.joined(separator: " "))\"/>")
    }
    out += frame.legend(series.map { line in
        (line.name, "<line x1=\"0\" y1=\"0\" x2=\"28\" y2=\"0\" stroke=\"\(line.style.color)\" "
            + "stroke-width=\"\(fmt(max(line.style.widthPx, 2.5)))\""
            + (line.style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>")
    })
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
}

/// Renders a grouped bar chart (one group per category, one bar per series) as a standalone SVG document.
public func renderBarChart(id: String, title: String, xLabel: String, yLabel: String, categories: [String],
                           series: [BarSeries], valueDecimals: Int? = nil) -> String {
    precondition(series.allSatisfy { $0.values.count == categories.count }, "one value per category per series")
    let frame = ChartFrame(title: title, xLabel: xLabel, yLabel: yLabel)
    let top = series.flatMap(\.values).max() ?? 1
    let yTicks = niceTicks(upTo: max(top * (valueDecimals == nil ? 1 : 1.08), 1e-9))
    let yr = 0...(yTicks.last ?? 1)
    var out = frame.open(id: id)
    out += frame.yAxis(ticks: yTicks, yRange: yr, decimals: tickDecimals(yTicks))
    let groupWidth = ChartFrame.plotWidth / Double(max(categories.count, 1))
    let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
    let baseY = ChartFrame.top + ChartFrame.plotHeight
    for (c, category) in categories.enumerated() {
        let groupX = ChartFrame.left + Double(c) * groupWidth
        out.append(text(groupX + groupWidth / 2, baseY + 19, category, size: 12, anchor: "middle"))
        for (s, bars) in series.enumerated() {
            let value = bars.values[c]
            let x = groupX + groupWidth * 0.1 + Double(s) * barWidth
            let y = ChartFrame.yPixel(value, yr)
            out.append("<rect class=\"bar\" data-series=\"\(escapeXML(bars.name))\" "
                + "data-category=\"\(escapeXML(category))\" data-value=\"\(formatNumber(value, decimals: 6))\" "
                + "x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(barWidth * 0.92))\" "
                + "height=\"\(fmt(baseY - y))\" fill=\"\(bars.color)\"/>")
            if let decimals = valueDecimals {
                out.append(text(x + barWidth * 0.46, y - 5, formatNumber(value, decimals: decimals), size: 11,
                                anchor: "middle"))
            }
        }
    }
    out += frame.axisLines()
    out += frame.legend(series.map { bars in
        (bars.name, "<rect x=\"0\" y=\"-6\" width=\"28\" height=\"12\" fill=\"\(bars.color)\"/>")
    })
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
}

/// Round tick values from 0 (or `from`) up to at least `upTo`, about `target` of them, spaced 1, 2, 2.5 or 5 × 10^k.
func niceTicks(from lower: Double = 0, upTo upper: Double, target: Int = 6) -> [Double] {
    let span = max(upper - lower, 1e-12)
    let raw = span / Double(max(target, 1))
    var magnitude = 1.0
    while magnitude * 10 <= raw { magnitude *= 10 }
    while magnitude > raw { magnitude /= 10 }
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    let first = (lower / step).rounded(.down) * step
    var ticks: [Double] = []
    var i = 0.0
    while true {
        let tick = first + i * step
        ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
        if tick >= upper - step * 1e-9 { break }
        i += 1
    }
    return ticks
}

/// Decimals needed to print every tick exactly (0, 1 or 2).
func tickDecimals(_ ticks: [Double]) -> Int {
    for decimals in 0...2 {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        if ticks.allSatisfy({ abs(($0 * scale).rounded() - $0 * scale) < 1e-6 }) { return decimals }
    }
    return 3
}

/// A `<text>` element with escaped content.
func text(_ x: Double, _ y: Double, _ content: String, size: Double, anchor: String = "start",
          weight: String? = nil, fill: String = "#222") -> String {
    "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"\(fmt(size))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\""
        + (weight.map { " font-weight=\"\($0)\"" } ?? "") + ">\(escapeXML(content))</text>"
}

/// Two-decimal coordinates keep files small and exact enough for the screen.
func fmt(_ value: Double) -> String {
    formatNumber(value, decimals: 2, trimZeros: true)
}

/// Escapes the five XML special characters.
public func escapeXML(_ raw: String) -> String {
    var out = ""
    out.reserveCapacity(raw.count)
    for ch in raw {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(ch)
        }
    }
    return out
}
