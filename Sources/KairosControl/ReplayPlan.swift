import KairosForecast

/// A bad replay input (trace, warm-up, scale, thresholds), with what and where.
public struct ReplayPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The explanation, naming the trace and, for bad cells, the line.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }

    /// The trace file does not exist or cannot be read (the caller reads files; this keeps the wording in one place).
    public static func missingTrace(_ path: String, _ why: String) -> ReplayPlanError {
        ReplayPlanError("trace \(path) cannot be read: \(why)")
    }
}

/// What a replay sends and how it is judged, before anything runs: the trace's per-interval
/// volumes scaled by the rate scale, split into a warm-up part that trains the autopilot and is
/// not replayed and the replayed part, plus the thresholds of the paper policy (by default the
/// tertiles of the warm-up part, as `forecast backtest` takes them from its training part).
public struct ReplayPlan: Sendable, Equatable {
    /// The trace's name for messages (its path).
    public var traceName: String
    /// Scaled volumes that train the model, in records per interval.
    public var warmup: [Double]
    /// Scaled volumes replayed and scored, in records per interval.
    public var replay: [Double]
    /// The factor applied to the trace's values.
    public var rateScale: Double
    /// The share of the trace used as warm-up.
    public var warmupFraction: Double
    /// The paper policy's thresholds (given, or the warm-up's tertiles).
    public var policy: ProducerPolicy

    /// Builds a plan from CSV text (`column` as `forecast backtest` reads it: the named column, else
    /// the last numeric one). Throws a `ReplayPlanError` naming the line for an empty trace, a
    /// non-numeric cell or a negative volume, and naming the option for a bad fraction or scale.
    public init(traceText: String, traceName: String, column: String? = nil, warmupFraction: Double = 0.5,
                rateScale: Double = 1, thresholds: [Double]? = nil) throws {
        guard warmupFraction >= 0 && warmupFraction < 1 else {
            throw ReplayPlanError("warm-up fraction \(warmupFraction) is outside [0, 1)")
        }
        guard rateScale.isFinite && rateScale > 0 else { throw ReplayPlanError("rate scale \(rateScale) must be a positive number") }
        guard traceText.contains(where: { !$0.isWhitespace }) else { throw ReplayPlanError("trace \(traceName) is empty") }
        let series: SeriesData
        do {
            series = try CSVSeries.parse(traceText, name: traceName, column: column)
        } catch {
            throw ReplayPlanError("trace \(traceName): " + (TraceLines.firstProblem(in: traceText, column: column) ?? "\(error)"))
        }
        if let bad = series.target.firstIndex(where: { $0 < 0 }) {
            let line = TraceLines.dataLineNumbers(in: traceText)[safe: bad].map { "line \($0)" } ?? "row \(bad + 1)"
            throw ReplayPlanError("trace \(traceName), \(line): volume \(series.target[bad]) is negative")
        }
        let values = series.target.map { $0 * rateScale }
        let warmupCount = Int((Double(values.count) * warmupFraction).rounded(.down))
        guard warmupCount < values.count else { throw ReplayPlanError("trace \(traceName) leaves nothing to replay after the warm-up") }
        self.traceName = traceName
        self.rateScale = rateScale
        self.warmupFraction = warmupFraction
        warmup = Array(values[..<warmupCount])
        replay = Array(values[warmupCount...])
        if let thresholds {
            guard !thresholds.isEmpty, thresholds.allSatisfy({ $0 > 0 && $0.isFinite }),
                  zip(thresholds, thresholds.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw ReplayPlanError("thresholds \(thresholds) must be positive and strictly ascending")
            }
            policy = ProducerPolicy(thresholds: thresholds)
        } else {
            guard !warmup.isEmpty else { throw ReplayPlanError("with no warm-up part the thresholds must be given") }
            policy = ProducerPolicy.tertiles(of: warmup)
        }
    }

    /// Whole records to send in replayed interval `index` (the scaled volume, rounded).
    public func records(at index: Int) -> Int {
        Int(replay[index].rounded())
    }

    /// `properties` with the plan's thresholds as `autopilot.thresholds` unless already set.
    public func autopilotProperties(_ properties: [String: String] = [:]) -> [String: String] {
        var out = properties
        if out["autopilot.thresholds"] == nil {
            out["autopilot.thresholds"] = policy.thresholds.map { String($0) }.joined(separator: ",")
        }
        return out
    }
}

/// Line-level diagnosis of a CSV trace, so an error names the line a user sees in an editor
/// (blank lines included), which the row count of the parser does not.
enum TraceLines {
    /// 1-based line numbers of the data rows (non-blank lines after the header, if any).
    static func dataLineNumbers(in text: String) -> [Int] {
        let lines = numberedLines(text)
        guard let first = lines.first else { return [] }
        let headerPresent = fields(first.text).contains { !$0.isEmpty && Double($0) == nil }
        return (headerPresent ? lines.dropFirst() : lines[...]).map(\.number)
    }

    /// The first data line whose field count differs from the header's or whose target cell is
    /// not a number, described; nil if none is found.
    static func firstProblem(in text: String, column: String?) -> String? {
        let lines = numberedLines(text)
        guard let first = lines.first else { return "no rows" }
        let header = fields(first.text)
        let headerPresent = header.contains { !$0.isEmpty && Double($0) == nil }
        let rows = headerPresent ? Array(lines.dropFirst()) : lines
        guard !rows.isEmpty else { return "line \(first.number) is a header and no data rows follow" }
        let width = header.count
        // Without a named column the parser takes the last column numeric on every row; when it
        // failed, no column is, and the last one (where traces keep the value) shows the culprit.
        var target = width - 1
        if let column {
            guard let t = header.firstIndex(of: column) ?? (!headerPresent ? Int(column).map({ $0 - 1 }) : nil), t >= 0, t < width else {
                return nil  // the parser's message lists the columns
            }
            target = t
        }
        for row in rows {
            let cells = fields(row.text)
            if cells.count != width { return "line \(row.number) has \(cells.count) fields, expected \(width)" }
            if Double(cells[target]).map({ !$0.isFinite }) ?? true {
                return "line \(row.number), column '\(headerPresent ? header[target] : String(target + 1))': '\(cells[target])' is not a number"
            }
        }
        return nil
    }

    private static func numberedLines(_ text: String) -> [(number: Int, text: String)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { ($0.offset + 1, String($0.element).replacingCarriageReturn()) }
            .filter { $0.1.contains { !$0.isWhitespace } }
    }

    /// Comma-separated fields, trimmed (quotes are rare in traces and not needed to find the line).
    private static func fields(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { part in
            var s = Substring(part)
            while let f = s.first, f == " " || f == "\t" || f == "\"" { s.removeFirst() }
            while let l = s.last, l == " " || l == "\t" || l == "\"" { s.removeLast() }
            return String(s)
        }
    }
}

extension String {
    fileprivate func replacingCarriageReturn() -> String {
        hasSuffix("\r") ? String(dropLast()) : self
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
