/// One replayed interval as the replay's timeline shows it.
public struct ReplayTimelineEntry: Sendable, Equatable, Codable {
    /// Seconds from the start of the replay to the start of this interval.
    public var t: Double
    /// Records the interval carried.
    public var actual: Double
    /// The point forecast made for it (nil if no decision preceded it).
    public var forecast: Double?
    /// The upper forecast made for it.
    public var upper: Double?
    /// Producers running during it.
    public var k: Int
    /// Producers its volume needed, known afterwards (nil if the policy could not tell yet).
    public var neededK: Int?
    /// Why `k` was what it was (the reason of the decision that set it).
    public var reason: String

    /// Creates an entry.
    public init(t: Double, actual: Double, forecast: Double?, upper: Double?, k: Int, neededK: Int?, reason: String) {
        self.t = t
        self.actual = actual
        self.forecast = forecast
        self.upper = upper
        self.k = k
        self.neededK = neededK
        self.reason = reason
    }
}

/// How a replay went on the producer side: how often it ran short and what it paid against the
/// oracle, which runs exactly the k each interval needed (known only afterwards).
public struct ReplayScore: Sendable, Equatable, Codable {
    /// Intervals scored.
    public var intervals: Int
    /// Intervals whose k was below the k they needed.
    public var underProvisionedIntervals: Int
    /// Intervals whose k was above it.
    public var overProvisionedIntervals: Int
    /// Intervals whose needed k was unknown (capacity policy before any capacity), left out of the
    /// two counts above and of the oracle.
    public var unscoredIntervals: Int
    /// Σ k × interval length, in seconds.
    public var producerSeconds: Double
    /// Σ needed k × interval length, in seconds.
    public var oracleProducerSeconds: Double
    /// The timeline the numbers come from.
    public var timeline: [ReplayTimelineEntry]

    /// `underProvisionedIntervals / intervals` (0 for an empty replay).
    public var underProvisionRate: Double { intervals > 0 ? Double(underProvisionedIntervals) / Double(intervals) : 0 }
    /// `producerSeconds / oracleProducerSeconds` (nil if the oracle is 0).
    public var producerSecondsRatio: Double? { oracleProducerSeconds > 0 ? producerSeconds / oracleProducerSeconds : nil }

    /// Scores a timeline whose intervals are `intervalMs` long.
    public init(timeline: [ReplayTimelineEntry], intervalMs: Int64) {
        let seconds = Double(intervalMs) / 1000
        self.timeline = timeline
        intervals = timeline.count
        underProvisionedIntervals = timeline.filter { e in e.neededK.map { e.k < $0 } ?? false }.count
        overProvisionedIntervals = timeline.filter { e in e.neededK.map { e.k > $0 } ?? false }.count
        unscoredIntervals = timeline.filter { $0.neededK == nil }.count
        producerSeconds = timeline.reduce(0) { $0 + Double($1.k) * seconds }
        oracleProducerSeconds = timeline.reduce(0) { $0 + Double($1.neededK ?? 0) * seconds }
    }

    /// Scores the intervals from `firstInterval` on, as the decisions saw them.
    public init(decisions: [AutopilotDecision], firstInterval: Int, intervalMs: Int64) {
        self.init(timeline: Self.timeline(decisions: decisions, firstInterval: firstInterval, intervalMs: intervalMs), intervalMs: intervalMs)
    }

    /// The timeline of intervals `firstInterval...` from the decisions: the decision made at the
    /// end of interval j gives its actual, its needed k and the k that ran in it (`kBefore`); the
    /// decision at the end of j − 1 gives the forecast, the upper and the reason for that k.
    /// A live replay whose producers start late builds its entries itself with the k it measured.
    public static func timeline(decisions: [AutopilotDecision], firstInterval: Int, intervalMs: Int64) -> [ReplayTimelineEntry] {
        let byInterval = Dictionary(decisions.map { ($0.interval, $0) }, uniquingKeysWith: { _, later in later })
        return byInterval.keys.filter { $0 >= firstInterval }.sorted().map { j in
            let ended = byInterval[j]!, before = byInterval[j - 1]
            return ReplayTimelineEntry(
                t: Double(j - firstInterval) * Double(intervalMs) / 1000, actual: ended.actual,
                forecast: before?.forecast, upper: before?.upper, k: ended.kBefore, neededK: ended.neededK,
                reason: before?.reason ?? "no earlier decision: the starting count")
        }
    }
}
