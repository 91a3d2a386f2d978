/// Keeps the share of intervals that run short of producers at the target, by moving the
/// quantile level of the upper forecast: after every interval the level's complement α moves by
/// `gain · (target − short)`, where `short` is 1 if the interval ran with fewer producers than it
/// needed (the adaptive conformal update of Gibbs and Candès, 2021, on the decision's own miss).
///
/// Why: most forecast misses change no producer count (the load stays inside a regime), so the
/// 1 − target quantile of the residuals alone buys far fewer short intervals than the target
/// allows, and pays for it in producers. With `gain` 0 the level stays at 1 − target.
public struct ServiceLevelTracker: Sendable, Equatable {
    /// The share of short intervals aimed at.
    public let target: Double
    /// How far one interval moves α.
    public let gain: Double
    /// The lowest level allowed (the highest α is 1 − this).
    public let floor: Double
    /// The current complement of the level.
    public private(set) var alpha: Double

    /// A tracker starting at level 1 − `target`.
    public init(target: Double, gain: Double, floor: Double) {
        precondition(target > 0 && target < 1 && gain >= 0 && floor > 0 && floor < 1)
        self.target = target
        self.gain = gain
        self.floor = min(floor, 1 - target)
        alpha = target
    }

    /// The quantile level to size the next decision with.
    public var level: Double { 1 - alpha }

    /// Takes the outcome of one interval: whether it ran short of producers.
    public mutating func record(short: Bool) {
        alpha += gain * (target - (short ? 1 : 0))
        // Never above 1 − floor (too few producers for too long); never so low that the level
        // leaves the data (a tenth of the target keeps it inside any window of residuals).
        alpha = min(max(alpha, target / 10), 1 - floor)
    }
}
