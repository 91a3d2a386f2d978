import KairosForecast
import KairosConfig

/// How the autopilot chooses the producer count from the upper forecast.
public enum ProducerCountPolicy: Sendable, Equatable {
    /// The paper's eq 28 on the upper forecast, through `ProducerPolicy` (default 50/100 -> 1/2/3).
    case paper(ProducerPolicy)
    /// k = ceil(upper / what one producer sends in an interval); the per-producer rate is the
    /// configured one (records per second), else measured from saturated members.
    case capacity(recordsPerSecond: Double?)

    /// `paper` or `capacity`.
    public var name: String {
        switch self {
        case .paper: "paper"
        case .capacity: "capacity"
        }
    }
}

/// Where the season lengths of the model come from.
public enum SeasonSetting: Sendable, Equatable {
    /// Detected from the autocorrelation of the history at every refit.
    case auto
    /// No seasons (seasonal models fall back to `ar`).
    case none
    /// These lengths, in intervals, most important first.
    case lengths([Int])
}

/// The autopilot's settings, read from `autopilot.*` properties. Every field documents its
/// property and default; `init(properties:)` rejects a bad value with the property's name.
public struct AutopilotConfig: Sendable, Equatable {
    /// `autopilot.interval.ms` (default 10000): the length of one observation interval.
    public var intervalMs: Int64 = 10_000
    /// `autopilot.producers.min` (default 1): never fewer producers.
    public var producersMin: Int = 1
    /// `autopilot.producers.max` (default 3, the paper's largest k): never more producers.
    public var producersMax: Int = 3
    /// `autopilot.policy` (`paper`, default, or `capacity`) with `autopilot.thresholds`
    /// (default `50,100`) or `autopilot.capacity.records` (records per second one producer sends;
    /// default: measured from saturated members).
    public var policy: ProducerCountPolicy = .paper(.paper)
    /// `autopilot.target.underprovision` (default 0.01): the share of intervals allowed to run
    /// short of producers; the upper forecast is the 1 − target quantile.
    public var underProvisionTarget: Double = 0.01
    /// `autopilot.target.gain` (default 0.05; 0 keeps the level at 1 − target): how fast the
    /// quantile level follows the share of intervals that actually ran short (see `ServiceLevelTracker`).
    public var underProvisionGain: Double = 0.05
    /// `autopilot.quantile.min` (default 0.5, the median): the lowest quantile level the feedback may reach.
    public var quantileFloor: Double = 0.5
    /// `autopilot.cooldown.ms` (default 3 intervals, 30000 at the default interval): after any
    /// change, no scale-down for this long.
    public var cooldownMs: Int64 = 30_000
    /// `autopilot.dwell.ms` (default 2 intervals, 20000 at the default interval): a lower count
    /// must be wanted this long, without a break, before the autopilot scales down.
    public var dwellMs: Int64 = 20_000
    /// `autopilot.hysteresis` (default 0.1): a scale-down must still hold with the upper
    /// forecast raised by this fraction, so a load hovering at a threshold does not flap.
    public var hysteresis: Double = 0.1
    /// `autopilot.model` (default `auto`): the forecasting model (`auto`, `lstm`, `hw`, `ar`,
    /// `naive`, `snaive`, `ma`, `ses`).
    public var model: String = "auto"
    /// `autopilot.seasons` (default `auto`): season lengths in intervals, `auto` or `none`.
    public var seasons: SeasonSetting = .auto
    /// `autopilot.startup.ms` (default 0): how long a new producer takes to be ready, before any
    /// is measured; the larger of this and the recent measurements sets the lead time.
    public var startupMs: Double = 0
    /// `autopilot.lead.max.intervals` (default 12): the longest lead time, in intervals.
    public var leadMaxIntervals: Int = 12
    /// `autopilot.warmup.intervals` (default 48): history needed before the first model fit;
    /// until a model is installed the reactive rule decides.
    public var warmupIntervals: Int = 48
    /// `autopilot.refit.intervals` (default 288): intervals between refits.
    public var refitIntervals: Int = 288
    /// `autopilot.history.intervals` (default 4032): the longest history kept and fitted on.
    public var historyIntervals: Int = 4032
    /// `autopilot.calibration.window` (default 200): residuals kept per forecast step.
    public var calibrationWindow: Int = 200
    /// `autopilot.calibration.min` (default 20): residuals needed before the calibrated upper is
    /// trusted; until then the upper is the reactive one (the recent maximum) if that is higher.
    public var calibrationMinimum: Int = 20
    /// `autopilot.reactive.window` (default 6): intervals whose maximum is the reactive upper.
    public var reactiveWindow: Int = 6
    /// `autopilot.capacity.window` (default 20): saturated-rate samples the measured capacity uses.
    public var capacityWindow: Int = 20

    /// The defaults.
    public init() {}

    /// The starting quantile level of the upper forecast (the feedback moves it from there).
    public var quantile: Double { 1 - underProvisionTarget }

    /// Every property this type reads, for messages and docs.
    public static let propertyNames = [
        "autopilot.interval.ms", "autopilot.producers.min", "autopilot.producers.max", "autopilot.policy",
        "autopilot.thresholds", "autopilot.capacity.records", "autopilot.target.underprovision",
        "autopilot.target.gain", "autopilot.quantile.min",
        "autopilot.cooldown.ms", "autopilot.dwell.ms", "autopilot.hysteresis", "autopilot.model",
        "autopilot.seasons", "autopilot.startup.ms", "autopilot.lead.max.intervals", "autopilot.warmup.intervals",
        "autopilot.refit.intervals", "autopilot.history.intervals", "autopilot.calibration.window",
        "autopilot.calibration.min", "autopilot.reactive.window", "autopilot.capacity.window",
    ]

    /// Reads the `autopilot.*` entries of `properties` over the defaults; other keys (producer
    /// properties sharing the map) are ignored, an unknown `autopilot.*` key is an error (a typo
    /// must not silently keep a default).
    public init(properties: [String: String]) throws {
        self.init()
        for key in properties.keys.sorted() where key.hasPrefix("autopilot.") && !Self.propertyNames.contains(key) {
            throw ConfigError(key: key, reason: "unknown property (known: \(Self.propertyNames.joined(separator: ", ")))")
        }
        let reader = PropertyReader(properties: properties)
        intervalMs = try reader.integer("autopilot.interval.ms", default: intervalMs, in: 1...86_400_000)
        producersMin = try reader.integer("autopilot.producers.min", default: producersMin, in: 1...10_000)
        producersMax = try reader.integer("autopilot.producers.max", default: max(producersMax, producersMin), in: 1...10_000)
        guard producersMax >= producersMin else {
            throw ConfigError(key: "autopilot.producers.max",
                                       reason: "\(producersMax) is below autopilot.producers.min (\(producersMin))")
        }
        let policyName = reader.string("autopilot.policy") ?? "paper"
        switch policyName {
        case "paper":
            let thresholds = try reader.numberList("autopilot.thresholds") ?? ProducerPolicy.paper.thresholds
            guard !thresholds.isEmpty, thresholds.allSatisfy({ $0 > 0 }),
                  zip(thresholds, thresholds.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw ConfigError(key: "autopilot.thresholds", reason: "needs positive, strictly ascending numbers such as 50,100")
            }
            policy = .paper(ProducerPolicy(thresholds: thresholds))
        case "capacity":
            policy = .capacity(recordsPerSecond: try reader.optionalPositive("autopilot.capacity.records"))
        default:
            throw ConfigError(key: "autopilot.policy", reason: "'\(policyName)' is not a policy (paper, capacity)")
        }
        underProvisionTarget = try reader.fraction("autopilot.target.underprovision", default: underProvisionTarget, open: 0, closed: 0.5)
        underProvisionGain = try reader.fraction("autopilot.target.gain", default: underProvisionGain, open: nil, closed: 1)
        quantileFloor = try reader.fraction("autopilot.quantile.min", default: quantileFloor, open: 0, closed: 0.999)
        // In intervals by default, so a time-compressed replay (200 ms intervals) keeps the same rules.
        cooldownMs = try reader.integer("autopilot.cooldown.ms", default: 3 * intervalMs, in: 0...86_400_000)
        dwellMs = try reader.integer("autopilot.dwell.ms", default: 2 * intervalMs, in: 0...86_400_000)
        hysteresis = try reader.fraction("autopilot.hysteresis", default: hysteresis, open: nil, closed: 1)
        model = reader.string("autopilot.model") ?? model
        guard ModelCatalog.names.contains(model) else {
            throw ConfigError(key: "autopilot.model",
                                       reason: "'\(model)' is not a model (\(ModelCatalog.names.joined(separator: ", ")))")
        }
        if let seasonText = reader.string("autopilot.seasons") {
            switch seasonText {
            case "auto": seasons = .auto
            case "none": seasons = .none
            default:
                let lengths = try reader.numberList("autopilot.seasons") ?? []
                guard !lengths.isEmpty, lengths.allSatisfy({ $0 >= 2 && $0 == $0.rounded() && $0 <= 100_000 }) else {
                    throw ConfigError(key: "autopilot.seasons", reason: "needs auto, none or whole numbers of intervals >= 2, such as 24,168")
                }
                seasons = .lengths(lengths.map { Int($0) })
            }
        }
        startupMs = Double(try reader.integer("autopilot.startup.ms", default: Int64(startupMs), in: 0...86_400_000))
        leadMaxIntervals = try reader.integer("autopilot.lead.max.intervals", default: leadMaxIntervals, in: 0...1000)
        warmupIntervals = try reader.integer("autopilot.warmup.intervals", default: warmupIntervals, in: 2...1_000_000)
        refitIntervals = try reader.integer("autopilot.refit.intervals", default: refitIntervals, in: 1...10_000_000)
        historyIntervals = try reader.integer("autopilot.history.intervals", default: max(historyIntervals, warmupIntervals), in: 2...1_000_000)
        guard historyIntervals >= warmupIntervals else {
            throw ConfigError(key: "autopilot.history.intervals",
                                       reason: "\(historyIntervals) is below autopilot.warmup.intervals (\(warmupIntervals))")
        }
        calibrationWindow = try reader.integer("autopilot.calibration.window", default: calibrationWindow, in: 1...100_000)
        calibrationMinimum = try reader.integer("autopilot.calibration.min", default: min(calibrationMinimum, calibrationWindow), in: 1...100_000)
        guard calibrationMinimum <= calibrationWindow else {
            throw ConfigError(key: "autopilot.calibration.min",
                                       reason: "\(calibrationMinimum) is above autopilot.calibration.window (\(calibrationWindow))")
        }
        reactiveWindow = try reader.integer("autopilot.reactive.window", default: reactiveWindow, in: 1...100_000)
        capacityWindow = try reader.integer("autopilot.capacity.window", default: capacityWindow, in: 1...100_000)
    }
}

/// Typed reads of string properties, each failure naming the property.
private struct PropertyReader {
    var properties: [String: String]

    func string(_ key: String) -> String? {
        properties[key].map { $0.trimmingCharacters() }
    }

    func integer<T: FixedWidthInteger>(_ key: String, default value: T, in range: ClosedRange<T>) throws -> T {
        guard let text = string(key) else { return value }
        guard let parsed = T(text) else { throw ConfigError(key: key, reason: "'\(text)' is not an integer") }
        guard range.contains(parsed) else {
            throw ConfigError(key: key, reason: "\(parsed) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }

    /// A number in (open, closed] (or [0, closed] when `open` is nil).
    func fraction(_ key: String, default value: Double, open: Double?, closed: Double) throws -> Double {
        guard let text = string(key) else { return value }
        guard let parsed = Double(text), parsed.isFinite else { throw ConfigError(key: key, reason: "'\(text)' is not a number") }
        if let open, !(parsed > open && parsed <= closed) {
            throw ConfigError(key: key, reason: "\(text) is outside (\(open), \(closed)]")
        }
        if open == nil, !(parsed >= 0 && parsed < closed) {
            throw ConfigError(key: key, reason: "\(text) is outside [0, \(closed))")
        }
        return parsed
    }

    func optionalPositive(_ key: String) throws -> Double? {
        guard let text = string(key) else { return nil }
        guard let parsed = Double(text), parsed.isFinite, parsed > 0 else {
            throw ConfigError(key: key, reason: "'\(text)' is not a positive number")
        }
        return parsed
    }

    func numberList(_ key: String) throws -> [Double]? {
        guard let text = string(key) else { return nil }
        return try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let item = String(part).trimmingCharacters()
            guard let v = Double(item), v.isFinite else {
                throw ConfigError(key: key, reason: "'\(item)' in '\(text)' is not a number")
            }
            return v
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (Foundation-free).
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
