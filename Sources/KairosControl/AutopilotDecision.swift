/// One decision with everything it was made from: the line the decision log, the metrics, the
/// replay's timeline and later the dashboard all read (one feed, many readers).
public struct AutopilotDecision: Sendable, Equatable, Codable {
    /// When the decision was made (the caller's clock, milliseconds).
    public var t: Int64
    /// Absolute index of the interval that just ended (0 = the first observed).
    public var interval: Int
    /// Its volume: the sum over sources, in records.
    public var actual: Double
    /// Sources that reported in it.
    public var sources: Int
    /// The k that interval needed, known now that its volume is (nil under the capacity policy
    /// before any capacity is known).
    public var neededK: Int?
    /// Point forecast of the next interval.
    public var forecast: Double
    /// Upper forecast of the next interval at `quantile`.
    public var upper: Double
    /// The largest upper forecast over the next `leadIntervals + 1` intervals: what k was sized for.
    public var sizedFor: Double
    /// The quantile level the upper was sized at (1 − `autopilot.target.underprovision` at the
    /// start, then moved by the service-level feedback).
    public var quantile: Double
    /// Where `upper` came from: `additive` or `multiplicative` calibration on recent residuals,
    /// or `reactive` (the recent maximum, while there are too few residuals or no model).
    public var upperSource: String
    /// Intervals a new producer needs to start, which the decision looked past.
    public var leadIntervals: Int
    /// The model that forecast (`reactive` during the cold start).
    public var model: String
    /// `paper` or `capacity`.
    public var policy: String
    /// Records one producer handles per interval under the capacity policy, when known.
    public var capacityPerProducer: Double?
    /// The k the forecast asked for, before clamping and the anti-flapping rules.
    public var wantedK: Int
    /// Producers before the decision.
    public var kBefore: Int
    /// Producers after it.
    public var kAfter: Int
    /// `initial`, `up`, `down` or `hold`.
    public var move: ScalingGovernor.Move
    /// Why, in words.
    public var reason: String

    /// A decision with every field given (the autopilot builds these; tests and replays may too).
    public init(t: Int64, interval: Int, actual: Double, sources: Int, neededK: Int?, forecast: Double, upper: Double,
                sizedFor: Double, quantile: Double, upperSource: String, leadIntervals: Int, model: String, policy: String,
                capacityPerProducer: Double?, wantedK: Int, kBefore: Int, kAfter: Int, move: ScalingGovernor.Move, reason: String) {
        self.t = t
        self.interval = interval
        self.actual = actual
        self.sources = sources
        self.neededK = neededK
        self.forecast = forecast
        self.upper = upper
        self.sizedFor = sizedFor
        self.quantile = quantile
        self.upperSource = upperSource
        self.leadIntervals = leadIntervals
        self.model = model
        self.policy = policy
        self.capacityPerProducer = capacityPerProducer
        self.wantedK = wantedK
        self.kBefore = kBefore
        self.kAfter = kAfter
        self.move = move
        self.reason = reason
    }
}
