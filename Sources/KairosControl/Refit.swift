import KairosForecast

/// A model fit the caller runs away from the decision path (another task, thread or process):
/// `Autopilot.refitRequest()` hands it out, `run()` does the work, `Autopilot.install(_:)` takes
/// the result. The autopilot keeps deciding with the model it has (or the reactive rule) meanwhile.
public struct RefitJob: Sendable {
    /// Which request this is; a result from an older request than the last installed one is dropped.
    public let generation: Int
    /// The totals to fit on, oldest first.
    public let history: [Double]
    /// Absolute interval index of `history[0]`.
    public let historyStart: Int
    /// The model name from `autopilot.model`.
    public let model: String
    /// Where the season lengths come from.
    public let seasons: SeasonSetting
    /// Forecast steps the decisions need (1 + the longest lead).
    public let horizon: Int

    /// Creates a job (the autopilot does this; tests may too).
    public init(generation: Int, history: [Double], historyStart: Int, model: String, seasons: SeasonSetting, horizon: Int) {
        self.generation = generation
        self.history = history
        self.historyStart = historyStart
        self.model = model
        self.seasons = seasons
        self.horizon = horizon
    }

    /// Fits the model; never throws: a failure comes back as a result without a model, with the
    /// reason, and the autopilot keeps what it had.
    public func run() -> RefitResult {
        let data = SeriesData(name: "autopilot", target: history)
        var lengths: [Int]
        switch seasons {
        case .none: lengths = []
        case .lengths(let given): lengths = given
        case .auto: lengths = SeasonDetection.detect(history)
        }
        // A season the history cannot hold twice cannot be estimated; leave it out.
        lengths = lengths.filter { $0 >= 2 && 2 * $0 + 2 <= history.count }
        var name = model
        var notes: [String] = []
        if ModelCatalog.needsSeason(name) && lengths.isEmpty {
            notes.append("\(name) needs a season and none fits the history; fitted ar instead")
            name = "ar"
        }
        var settings = ModelSettings()
        settings.seasonLengths = lengths
        settings.horizon = max(horizon, 1)
        do {
            var fitted = try ModelCatalog.make(name, settings: settings)
            try fitted.fit(data)
            if case .auto(let auto) = fitted { notes.append("auto chose \(auto.choice)") }
            return RefitResult(generation: generation, historyStart: historyStart, trainedPoints: history.count,
                               model: fitted, seasonLengths: lengths, note: notes.joined(separator: "; "))
        } catch {
            notes.append("fit of \(name) on \(history.count) intervals failed: \(error)")
            return RefitResult(generation: generation, historyStart: historyStart, trainedPoints: history.count,
                               model: nil, seasonLengths: lengths, note: notes.joined(separator: "; "))
        }
    }
}

/// What a `RefitJob` produced, to hand to `Autopilot.install(_:)`.
public struct RefitResult: Sendable {
    /// The job's generation.
    public let generation: Int
    /// Absolute interval index of the first point fitted on (the phase origin of calendar features).
    public let historyStart: Int
    /// Points fitted on.
    public let trainedPoints: Int
    /// The fitted model, or nil if the fit failed.
    public let model: AnyForecaster?
    /// Season lengths used.
    public let seasonLengths: [Int]
    /// What happened, in words (fallbacks, `auto`'s choice, the failure).
    public let note: String

    /// Creates a result.
    public init(generation: Int, historyStart: Int, trainedPoints: Int, model: AnyForecaster?, seasonLengths: [Int], note: String) {
        self.generation = generation
        self.historyStart = historyStart
        self.trainedPoints = trainedPoints
        self.model = model
        self.seasonLengths = seasonLengths
        self.note = note
    }
}
