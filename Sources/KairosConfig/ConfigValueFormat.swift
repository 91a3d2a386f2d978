/// How one property's text becomes a typed value and back, and which values are valid.
///
/// The parse closure throws `InvalidConfigValue`; the registry adds the property's name. Formats are
/// values, so a registry entry is built from one (`.long(0...)`, `.boolean`, `.choice(...)`).
public struct ConfigValueFormat<Value: Sendable>: Sendable {
    /// Kafka's type of the property (DescribeConfigs reports it).
    public let type: ConfigValueType
    /// The valid values as Kafka's docs write them: `[1,...]`, `[0,...,1]`, `[CreateTime, LogAppendTime]`.
    public let validValues: String
    private let parser: @Sendable (String) throws -> Value
    private let formatter: @Sendable (Value) -> String

    /// A format from its parts; `parse` gets the text without surrounding spaces and throws `InvalidConfigValue`.
    public init(
        type: ConfigValueType, validValues: String, parse: @escaping @Sendable (String) throws -> Value,
        format: @escaping @Sendable (Value) -> String
    ) {
        self.type = type
        self.validValues = validValues
        self.parser = parse
        self.formatter = format
    }

    /// The typed value of `text` (surrounding spaces ignored); throws `InvalidConfigValue`.
    public func parse(_ text: String) throws -> Value {
        do {
            return try parser(text.trimmingConfigSpaces())
        } catch let error as InvalidConfigValue {
            throw error
        } catch {
            throw InvalidConfigValue("\(error)")
        }
    }

    /// The text of `value` as DescribeConfigs and the docs show it.
    public func format(_ value: Value) -> String { formatter(value) }

    /// The same text, read as another type (a unit conversion, an enum over a string).
    public func map<T: Sendable>(
        _ forward: @escaping @Sendable (Value) throws -> T, back: @escaping @Sendable (T) -> Value
    ) -> ConfigValueFormat<T> {
        let parser = self.parser
        let formatter = self.formatter
        return ConfigValueFormat<T>(
            type: type, validValues: validValues, parse: { try forward(parser($0)) }, format: { formatter(back($0)) })
    }
}

// MARK: - Numbers

extension ConfigValueFormat where Value == Int64 {
    /// A Kafka LONG within `range`.
    public static func long(_ range: ClosedRange<Int64> = Int64.min...Int64.max) -> Self {
        Self(type: .long, validValues: describeRange(range), parse: { try parseInteger($0, range) }, format: { String($0) })
    }

    /// A duration in `unit` (the unit its name ends in), held in milliseconds (so a default is given in
    /// milliseconds too). A negative value (Kafka's -1, "unlimited") stays -1 rather than being scaled.
    public static func duration(_ unit: ConfigTimeUnit, _ range: ClosedRange<Int64>) -> Self {
        let scale = unit.milliseconds
        return Self(
            type: unit == .milliseconds ? .long : .int, validValues: describeRange(range),
            parse: { text in
                let v = try parseInteger(text, range)
                if v < 0 { return -1 }
                let (ms, overflow) = v.multipliedReportingOverflow(by: scale)
                if overflow { throw InvalidConfigValue("\(v) is too large") }
                return ms
            },
            format: { $0 < 0 ? String($0) : String($0 / scale) })
    }
}

extension ConfigValueFormat where Value == Int {
    /// A Kafka INT within `range` (the upper bound may pass Int32.max for byte sizes Kairos keeps as Int).
    public static func int(_ range: ClosedRange<Int>) -> Self {
        let wide = Int64(range.lowerBound)...Int64(range.upperBound)
        return Self(type: .int, validValues: describeRange(wide), parse: { Int(try parseInteger($0, wide)) }, format: { String($0) })
    }
}

extension ConfigValueFormat where Value == Int32 {
    /// A Kafka INT within `range`.
    public static func int32(_ range: ClosedRange<Int32> = Int32.min...Int32.max) -> Self {
        let wide = Int64(range.lowerBound)...Int64(range.upperBound)
        return Self(type: .int, validValues: describeRange(wide), parse: { Int32(try parseInteger($0, wide)) }, format: { String($0) })
    }
}

extension ConfigValueFormat where Value == Double {
    /// A Kafka DOUBLE within `range`.
    public static func double(_ range: ClosedRange<Double>) -> Self {
        Self(
            type: .double, validValues: "[\(formatDouble(range.lowerBound)),...,\(formatDouble(range.upperBound))]",
            parse: { text in
                guard let v = Double(text), v.isFinite else { throw InvalidConfigValue("'\(text)' is not a number") }
                guard range.contains(v) else {
                    throw InvalidConfigValue("\(text) is outside \(formatDouble(range.lowerBound))...\(formatDouble(range.upperBound))")
                }
                return v
            },
            format: formatDouble)
    }
}

// MARK: - Booleans, strings, choices, lists

extension ConfigValueFormat where Value == Bool {
    /// `true` or `false`, in any case, as Kafka reads booleans.
    public static var boolean: Self {
        Self(
            type: .boolean, validValues: "[true, false]",
            parse: { text in
                switch text.lowercased() {
                case "true": return true
                case "false": return false
                default: throw InvalidConfigValue("'\(text)' is not true or false")
                }
            },
            format: { String($0) })
    }
}

extension ConfigValueFormat where Value == String {
    /// Any text; with `nonEmpty`, not the empty string.
    public static func string(nonEmpty: Bool = false) -> Self {
        Self(
            type: .string, validValues: nonEmpty ? "non-empty string" : "",
            parse: { text in
                if nonEmpty && text.isEmpty { throw InvalidConfigValue("empty") }
                return text
            },
            format: { $0 })
    }

    /// One of `names` (compared without case when `caseInsensitive`), kept as given.
    public static func oneOf(_ names: [String], caseInsensitive: Bool = false) -> Self {
        choice(names.map { ($0, $0) }, caseInsensitive: caseInsensitive)
    }
}

extension ConfigValueFormat {
    /// One of a fixed set of names, each standing for a typed value; the first name of a value is how it is shown.
    public static func choice(_ cases: [(name: String, value: Value)], caseInsensitive: Bool = true) -> Self
    where Value: Equatable {
        let names = cases.map(\.name)
        return Self(
            type: .string, validValues: "[" + names.joined(separator: ", ") + "]",
            parse: { text in
                let wanted = caseInsensitive ? text.lowercased() : text
                for c in cases where (caseInsensitive ? c.name.lowercased() : c.name) == wanted { return c.value }
                throw InvalidConfigValue("'\(text)' is not one of " + names.joined(separator: ", "))
            },
            format: { value in cases.first { $0.value == value }?.name ?? "\(value)" })
    }

    /// A comma-separated list whose items each read with `element`; spaces around items are dropped.
    public static func list<Element: Sendable>(_ element: ConfigValueFormat<Element>, nonEmpty: Bool = false) -> Self
    where Value == [Element] {
        Self(
            type: .list, validValues: element.validValues,
            parse: { text in
                let items = text.split(separator: ",", omittingEmptySubsequences: true)
                    .map { String($0).trimmingConfigSpaces() }.filter { !$0.isEmpty }
                if nonEmpty && items.isEmpty { throw InvalidConfigValue("empty list") }
                return try items.map { try element.parse($0) }
            },
            format: { $0.map { element.format($0) }.joined(separator: ",") })
    }
}

// MARK: - Helpers

/// Reads a decimal integer and checks it against `range`.
func parseInteger(_ text: String, _ range: ClosedRange<Int64>) throws -> Int64 {
    guard let v = Int64(text) else {
        let digits = text.drop { $0 == "-" || $0 == "+" }
        if !digits.isEmpty && digits.allSatisfy(\.isNumber) { throw InvalidConfigValue("\(text) is too large") }
        throw InvalidConfigValue("'\(text)' is not an integer")
    }
    if v < range.lowerBound { throw InvalidConfigValue("\(v) is below the minimum \(range.lowerBound)") }
    if v > range.upperBound { throw InvalidConfigValue("\(v) is above the maximum \(range.upperBound)") }
    return v
}

/// Kafka's way of writing a range: `[1,...]` when unbounded above, `[0,...,1]` otherwise.
func describeRange(_ range: ClosedRange<Int64>) -> String {
    let low = range.lowerBound == Int64.min || range.lowerBound == Int64(Int32.min) ? "..." : String(range.lowerBound)
    if range.upperBound == Int64.max || range.upperBound == Int64(Int32.max) { return low == "..." ? "" : "[\(low),...]" }
    return "[\(low),...,\(range.upperBound)]"
}

/// A double without a needless ".0" (0.5 stays 0.5, 1.0 becomes 1).
func formatDouble(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
}

extension String {
    /// The text without leading and trailing spaces, tabs and carriage returns (no Foundation here).
    public func trimmingConfigSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeLast() }
        return String(s)
    }
}
