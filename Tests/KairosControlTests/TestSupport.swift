import KairosControl
import KairosForecast

/// Builds a config from properties, failing the test loudly on a bad fixture.
func config(_ properties: [String: String]) -> AutopilotConfig {
    do { return try AutopilotConfig(properties: properties) } catch { preconditionFailure("fixture properties: \(error)") }
}

/// Feeds `volumes` to `autopilot` on a virtual clock (one interval apart, starting after `start`
/// intervals), running each due refit at once, and returns the decisions.
@discardableResult
func drive(_ autopilot: inout Autopilot, _ volumes: [Double], start: Int = 0, refit: Bool = true,
           startupMs: [Int: Double] = [:], saturated: [Int: [Double]] = [:]) -> [AutopilotDecision] {
    var decisions: [AutopilotDecision] = []
    for (offset, volume) in volumes.enumerated() {
        let i = start + offset
        let now = ControlInstant(milliseconds: Int64(i + 1) * autopilot.config.intervalMs)
        _ = autopilot.observe(LoadObservation(total: volume, saturatedSendRates: saturated[i] ?? [], producerStartupMs: startupMs[i]), now: now)
        decisions.append(autopilot.lastDecision!)
        if refit, let job = autopilot.refitRequest() { autopilot.install(job.run()) }
    }
    return decisions
}

/// How many times the producer count changed after the first decision.
func changes(_ decisions: [AutopilotDecision]) -> Int {
    decisions.dropFirst().filter { $0.kAfter != $0.kBefore }.count
}

/// Uniform noise from a seeded generator.
func noisy(_ base: [Double], amplitude: Double, seed: UInt64) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    return base.map { max(0, $0 + generator.uniform(-amplitude, amplitude)) }
}
