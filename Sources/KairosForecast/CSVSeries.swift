/// Reads a series from CSV text: an optional header row, then one row per interval. The target
/// is the column named `column`, or else the last column that is numeric on every row.
public enum CSVSeries {
    /// Parses `text`; `covariateColumns` are extra numeric columns to carry as covariates.
    public static func parse(_ text: String, name: String = "series", column: String? = nil, covariateColumns: [String] = []) throws -> SeriesData {
        var rows = text.split(whereSeparator: \.isNewline).map { splitRow(String($0)) }.filter { !($0.count == 1 && $0[0].isEmpty) }
        guard !rows.isEmpty else { throw ForecastError.invalidInput("the CSV has no rows") }
        let hasHeader = rows[0].contains { !$0.isEmpty && Double($0) == nil }
        let header = hasHeader ? rows.removeFirst() : (0..<rows[0].count).map { "column\($0 + 1)" }
        guard !rows.isEmpty else { throw ForecastError.invalidInput("the CSV has a header but no data rows") }
        let width = header.count
        for (i, row) in rows.enumerated() where row.count != width {
            throw ForecastError.invalidInput("row \(i + 1 + (hasHeader ? 1 : 0)) has \(row.count) fields, expected \(width)")
        }
        func index(of wanted: String) throws -> Int {
            if let i = header.firstIndex(of: wanted) { return i }
            if !hasHeader, let n = Int(wanted), n >= 1, n <= width { return n - 1 }
            throw ForecastError.invalidInput("no column named '\(wanted)' (columns: \(header.joined(separator: ", ")))")
        }
        let targetIndex: Int
        if let column {
            targetIndex = try index(of: column)
        } else {
            guard let last = (0..<width).last(where: { c in rows.allSatisfy { Double($0[c]) != nil } }) else {
                throw ForecastError.invalidInput("the CSV has no column that is numeric on every row")
            }
            targetIndex = last
        }
        func numbers(_ c: Int) throws -> [Double] {
            try rows.enumerated().map { i, row in
                guard let v = Double(row[c]), v.isFinite else {
                    throw ForecastError.invalidInput("row \(i + 1 + (hasHeader ? 1 : 0)), column '\(header[c])': '\(row[c])' is not a number")
                }
                return v
            }
        }
        let covariateIndices = try covariateColumns.map(index(of:))
        return SeriesData(name: name, target: try numbers(targetIndex), covariates: try covariateIndices.map(numbers),
                          covariateNames: covariateIndices.map { header[$0] })
    }

    /// Splits one row on commas, honouring double quotes.
    static func splitRow(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var previous: Character?
        for ch in line {
            if ch == "\"" {
                if quoted && previous == "\"" { current.append("\"") }
                quoted.toggle()
            } else if ch == "," && !quoted {
                fields.append(current.trimmingSpaces())
                current = ""
            } else {
                current.append(ch)
            }
            previous = ch
        }
        fields.append(current.trimmingSpaces())
        return fields
    }

    /// CSV text for a series: a header `index,<covariates...>,value` and one row per point.
    public static func format(_ data: SeriesData) -> String {
        var out = (["index"] + data.covariateNames + ["value"]).joined(separator: ",") + "\n"
        for t in 0..<data.count {
            out += ([String(t)] + data.covariates.map { "\($0[t])" } + ["\(data.target[t])"]).joined(separator: ",") + "\n"
        }
        return out
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
