/// Runs a replay plan through an autopilot on a virtual clock, with every refit run at once
/// where a live loop would run it elsewhere: the offline half of `autopilot replay`, and what the
/// tests judge policies with. The warm-up part trains (its decisions are not scored), the rest is
/// scored.
public enum VirtualReplay {
    /// The decisions for every interval of the plan and the score of the replayed part.
    public static func run(_ plan: ReplayPlan, config: AutopilotConfig) -> (decisions: [AutopilotDecision], score: ReplayScore) {
        var autopilot = Autopilot(config: config)
        var decisions: [AutopilotDecision] = []
        let volumes = plan.warmup + plan.replay
        decisions.reserveCapacity(volumes.count)
        for (i, volume) in volumes.enumerated() {
            let now = ControlInstant(milliseconds: Int64(i + 1) * config.intervalMs)
            _ = autopilot.observe(LoadObservation(total: volume), now: now)
            decisions.append(autopilot.lastDecision!)
            if let job = autopilot.refitRequest() { autopilot.install(job.run()) }
        }
        return (decisions, ReplayScore(decisions: decisions, firstInterval: plan.warmup.count, intervalMs: config.intervalMs))
    }
}
