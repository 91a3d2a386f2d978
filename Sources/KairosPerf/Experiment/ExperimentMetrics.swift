import KairosSim

/// The paper's per-strategy numbers computed from what a live run measured (docs/paper-model.md defines them):
/// energy at E joules per second per active producer, efficiency `W = r·T / (E·k)` and waste. Pure functions.
enum ExperimentMetrics {
    /// The paper's E: joules one active producer uses per second (65), taken from the model's parameters.
    static var joulesPerProducerSecond: Double { PaperParameters().energyJPerS }

    /// Energy in joules of `producerSeconds` at `joulesPerSecond` per producer.
    static func energyJoules(producerSeconds: Double, joulesPerSecond: Double = joulesPerProducerSecond) -> Double {
        producerSeconds * joulesPerSecond
    }

    /// `W = r·T / (E·k)` in kB per joule: `upShare` is r (the share of intervals that ran at least the producers
    /// they needed), `throughputKBps` is T (acked kB per second), `meanProducers` is k averaged over the run.
    /// Nil when no producer ran.
    static func efficiency(upShare: Double, throughputKBps: Double, meanProducers: Double,
                           joulesPerSecond: Double = joulesPerProducerSecond) -> Double? {
        guard meanProducers > 0, joulesPerSecond > 0 else { return nil }
        return upShare * throughputKBps / (joulesPerSecond * meanProducers)
    }

    /// Waste as the paper counts it: the share of the run (here: of its intervals) on which more producers ran than
    /// the fewest that would have carried the load.
    static func waste(overProvisionedIntervals: Int, intervals: Int) -> Double {
        intervals > 0 ? Double(overProvisionedIntervals) / Double(intervals) : 0
    }

    /// The share of intervals that were not under-provisioned (the paper's r, "up").
    static func upShare(underProvisionedIntervals: Int, intervals: Int) -> Double {
        intervals > 0 ? Double(intervals - underProvisionedIntervals) / Double(intervals) : 0
    }
}
