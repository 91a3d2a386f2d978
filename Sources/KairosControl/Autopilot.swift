import KairosForecast

/// Forecast-driven producer scaling as a value: at the end of every interval the caller passes
/// what was observed and the time, and gets back the actions to perform. The autopilot never does
/// I/O, never reads a clock and never waits for a model fit.
///
/// Per interval: the per-source volumes are summed (the paper's `sum_t`), the forecasting state
/// advances (O(model): the fitted model forecasts from a bounded tail of the history), the upper
/// forecast comes from the online residual calibrator at a quantile level that the realised share
/// of short intervals keeps at the service-level target (`ServiceLevelTracker`), the policy
/// turns it into a producer count for the intervals up to the lead time, and the governor applies
/// the bounds, hysteresis, dwell and cooldown. Until a model is installed (cold start) a reactive
/// rule decides: forecast = the last value, upper = the recent maximum.
public struct Autopilot: Sendable {
    /// The settings.
    public let config: AutopilotConfig
    /// The producer count running now.
    public var producers: Int { governor.current }
    /// The last decision made, as the log writes it.
    public private(set) var lastDecision: AutopilotDecision?
    /// What the last refit said (fallbacks, `auto`'s choice, a failure).
    public private(set) var lastRefitNote: String?
    /// The model in use, nil during the cold start.
    public private(set) var model: AnyForecaster?

    private var history: LoadHistory
    private var calibrator: ResidualCalibrator
    private var capacity: ProducerCapacityEstimator
    private var startup: StartupTimeEstimator
    private var governor: ScalingGovernor
    private var serviceLevel: ServiceLevelTracker
    /// Forecasts not yet met by their actuals: those made after interval `origin − 1` ended, for
    /// intervals `origin, origin + 1, ...`.
    private var pending: [(origin: Int, points: [Double])] = []
    private var modelLabel = "reactive"
    private var phaseAnchor = 0
    private var seasonQuantum = 1
    private var nextGeneration = 1
    private var installedGeneration = 0
    private var refitInFlight: (generation: Int, requestedAt: Int)?
    private var lastFitRequestIndex: Int?

    /// An autopilot starting at `producers.min` producers with no history.
    public init(config: AutopilotConfig) {
        self.config = config
        history = LoadHistory(capacity: config.historyIntervals)
        calibrator = ResidualCalibrator(quantile: config.quantile, window: config.calibrationWindow, steps: config.leadMaxIntervals + 1)
        capacity = ProducerCapacityEstimator(window: config.capacityWindow)
        startup = StartupTimeEstimator(configuredMs: config.startupMs)
        governor = ScalingGovernor(minimum: config.producersMin, maximum: config.producersMax,
                                   dwellMs: config.dwellMs, cooldownMs: config.cooldownMs)
        serviceLevel = ServiceLevelTracker(target: config.underProvisionTarget, gain: config.underProvisionGain, floor: config.quantileFloor)
    }

    /// The quantile level the next upper forecast is sized at (1 − target, moved by the
    /// service-level feedback once a model decides).
    public var quantileLevel: Double { serviceLevel.level }

    /// Intervals observed so far.
    public var intervalsObserved: Int { history.endIndex }

    /// Records one producer handles per interval under the capacity policy (configured, else
    /// measured), nil if unknown or under the paper policy.
    public var capacityPerProducer: Double? {
        guard case .capacity(let configured) = config.policy else { return nil }
        guard let perSecond = configured ?? capacity.recordsPerSecond else { return nil }
        return perSecond * Double(config.intervalMs) / 1000
    }

    /// Intervals the next decision looks past for a producer to start.
    public var leadIntervals: Int {
        startup.leadIntervals(intervalMs: config.intervalMs, maximum: config.leadMaxIntervals)
    }

    /// The producers `volume` records in one interval need under the policy (nil if the capacity
    /// is not known yet).
    public func producersNeeded(for volume: Double) -> Int? {
        switch config.policy {
        case .paper(let policy):
            return policy.producers(for: volume)
        case .capacity:
            guard let perProducer = capacityPerProducer, perProducer > 0 else { return nil }
            return max(1, Int((volume / perProducer).rounded(.up)))
        }
    }

    /// Takes the interval that just ended and returns what to do: a new producer count when it
    /// changes (always on the first call), and the forecast to publish.
    public mutating func observe(_ observation: LoadObservation, now: ControlInstant) -> [ControlAction] {
        let total = observation.total
        capacity.record(observation.saturatedSendRates)
        if let ms = observation.producerStartupMs { startup.record(ms) }

        let interval = history.endIndex
        meetPendingForecasts(interval: interval, actual: total)
        let neededK = producersNeeded(for: total)
        // The feedback judges the model's decisions only: the cold start's are the reactive rule's.
        if model != nil, let neededK { serviceLevel.record(short: governor.current < neededK) }
        history.append(total)
        let level = serviceLevel.level

        let lead = leadIntervals
        let steps = lead + 1
        let (points, modelName) = pointForecasts(steps: steps)
        pending.append((interval + 1, points))
        let reactiveUpper = history.values.suffix(config.reactiveWindow).max() ?? total
        var uppers: [Double] = [], source = "reactive"
        for (i, point) in points.enumerated() {
            if model != nil, calibrator.count(step: i + 1) >= config.calibrationMinimum,
               let calibrated = calibrator.upper(point: point, step: i + 1, level: level) {
                uppers.append(calibrated.value)
                if i == 0 { source = calibrated.mode.rawValue }
            } else {
                uppers.append(max(point, reactiveUpper))
            }
        }
        let sizedFor = uppers.max()!

        let kBefore = governor.current
        var wanted = kBefore, wantedGuarded = kBefore
        var prefix = ""
        if let k = producersNeeded(for: sizedFor), let kGuarded = producersNeeded(for: sizedFor * (1 + config.hysteresis)) {
            wanted = k
            wantedGuarded = kGuarded
        } else {
            prefix = "capacity per producer not known yet (no saturated member, no autopilot.capacity.records); "
        }
        let (move, why) = governor.step(wanted: wanted, wantedWithHysteresis: wantedGuarded, now: now)
        let reason = prefix + why + "; sized for \(formatted(sizedFor)) records over \(steps) interval\(steps == 1 ? "" : "s") ("
            + (source == "reactive" ? "reactive upper, recent maximum" : "P\(formatted(level * 100)) \(source) upper") + ", \(modelName))"

        lastDecision = AutopilotDecision(
            t: now.milliseconds, interval: interval, actual: total, sources: observation.volumes.count, neededK: neededK,
            forecast: points[0], upper: uppers[0], sizedFor: sizedFor, quantile: level, upperSource: source,
            leadIntervals: lead, model: modelName, policy: config.policy.name, capacityPerProducer: capacityPerProducer,
            wantedK: wanted, kBefore: kBefore, kAfter: governor.current, move: move, reason: reason)

        var actions: [ControlAction] = []
        if move != .hold { actions.append(.setProducers(count: governor.current, reason: reason)) }
        actions.append(.publishForecast(ForecastPublication(interval: interval + 1, forecast: points[0], upper: uppers[0],
                                                            quantile: level, desiredProducers: governor.current)))
        return actions
    }

    /// A model fit to run elsewhere, when one is due: the first once `autopilot.warmup.intervals`
    /// are held, then every `autopilot.refit.intervals`. Nil when none is due or one is still out
    /// (a job not returned within a refit period is given up and asked again). While no fit has
    /// succeeded, a failed one is retried after min(warm-up, refit) intervals, not at once.
    public mutating func refitRequest() -> RefitJob? {
        let now = history.endIndex
        if let inFlight = refitInFlight, now - inFlight.requestedAt < config.refitIntervals { return nil }
        guard history.values.count >= config.warmupIntervals else { return nil }
        let spacing = model != nil ? config.refitIntervals : min(config.warmupIntervals, config.refitIntervals)
        if let last = lastFitRequestIndex, now - last < spacing { return nil }
        let generation = nextGeneration
        nextGeneration += 1
        refitInFlight = (generation, now)
        lastFitRequestIndex = now
        return RefitJob(generation: generation, history: history.values, historyStart: history.startIndex,
                        model: config.model, seasons: config.seasons, horizon: leadIntervals + 1)
    }

    /// Installs a refit's model (from the next decision on). Returns false, keeping the current
    /// model, when the fit failed or a newer result was installed already.
    @discardableResult
    public mutating func install(_ result: RefitResult) -> Bool {
        if refitInFlight?.generation == result.generation { refitInFlight = nil }
        guard result.generation > installedGeneration else { return false }
        lastRefitNote = result.note.isEmpty ? nil : result.note
        guard let fitted = result.model else { return false }
        if model == nil {
            // The reactive rule's errors say nothing about a model's: start its residuals afresh
            // (the reactive upper covers the steps until enough are in). A later refit keeps the
            // window, the old model's errors being the best guess at the new one's.
            calibrator = ResidualCalibrator(quantile: config.quantile, window: config.calibrationWindow, steps: config.leadMaxIntervals + 1)
            pending.removeAll()
        }
        installedGeneration = result.generation
        model = fitted
        phaseAnchor = result.historyStart
        seasonQuantum = max(result.seasonLengths.max() ?? 1, 1)
        if case .auto(let auto) = fitted { modelLabel = "auto \(auto.choice)" } else { modelLabel = fitted.name }
        return true
    }

    /// Point forecasts for the next `steps` intervals and the name of what made them.
    private func pointForecasts(steps: Int) -> ([Double], String) {
        let last = history.values.last ?? 0
        guard let model, history.values.count >= model.minimumHistory else {
            return (Array(repeating: last, count: steps), "reactive")
        }
        // A bounded tail keeps the cost per interval independent of how long the autopilot ran;
        // a few times the model's own history is enough for recursive states to settle.
        let tail = history.tail(max(4 * model.minimumHistory, 256), phaseAnchor: phaseAnchor, quantum: seasonQuantum)
        guard tail.count >= model.minimumHistory else { return (Array(repeating: last, count: steps), "reactive") }
        let data = SeriesData(name: "autopilot", target: Array(tail))
        let points = model.forecast(data, origin: data.count, horizon: steps).map { $0.isFinite ? max($0, 0) : last }
        return (points, modelLabel)
    }

    /// Feeds the calibrator with the errors of every earlier forecast aimed at `interval`.
    private mutating func meetPendingForecasts(interval: Int, actual: Double) {
        for entry in pending {
            let step = interval - entry.origin + 1
            if step >= 1 && step <= entry.points.count {
                calibrator.record(step: step, forecast: entry.points[step - 1], actual: actual)
            }
        }
        pending.removeAll { $0.origin + $0.points.count - 1 <= interval }
    }
}

/// A number for a reason string: integers without decimals, others with up to two.
func formatted(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
    return String(Double(Int64((value * 100).rounded())) / 100)
}
