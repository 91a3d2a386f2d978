/// Turns the producer count each decision wants into the count that runs, without flapping:
/// scale up at once (running short fills buffers), scale down only when even the upper forecast
/// raised by the hysteresis wants fewer, has wanted fewer without a break for the dwell time, and
/// the cooldown since the last change has passed. A state machine as a value; time is passed in.
public struct ScalingGovernor: Sendable, Equatable {
    /// What a step did.
    public enum Move: String, Sendable, Codable {
        /// The first count, set on the first decision.
        case initial
        /// More producers.
        case up
        /// Fewer producers.
        case down
        /// No change.
        case hold
    }

    /// The count running now.
    public private(set) var current: Int
    /// Bounds from `autopilot.producers.min` / `.max`.
    public let minimum: Int, maximum: Int
    /// Milliseconds a lower count must be wanted before scaling down.
    public let dwellMs: Int64
    /// Milliseconds after any change during which no scale-down happens.
    public let cooldownMs: Int64

    private var started = false
    private var lastChange: ControlInstant?
    private var lowerWantedSince: ControlInstant?
    private var highestLowerWanted = 0

    /// A governor starting at `minimum` producers.
    public init(minimum: Int, maximum: Int, dwellMs: Int64, cooldownMs: Int64) {
        precondition(minimum >= 1 && maximum >= minimum && dwellMs >= 0 && cooldownMs >= 0)
        self.minimum = minimum
        self.maximum = maximum
        self.dwellMs = dwellMs
        self.cooldownMs = cooldownMs
        current = minimum
    }

    /// One decision: `wanted` is the count the upper forecast needs, `wantedWithHysteresis` the
    /// count the raised upper forecast needs (at least `wanted`). Returns the move and its reason.
    public mutating func step(wanted: Int, wantedWithHysteresis: Int, now: ControlInstant) -> (move: Move, reason: String) {
        let target = clamp(wanted), guarded = max(clamp(wantedWithHysteresis), target)
        let clampNote = wanted != target ? " (clamped from \(wanted) to producers \(minimum)...\(maximum))" : ""
        if !started {
            started = true
            change(to: target, now: now)
            return (.initial, "initial count \(target)\(clampNote)")
        }
        if target > current {
            let from = current
            change(to: target, now: now)
            return (.up, "scale up from \(from) to \(target)\(clampNote)")
        }
        guard guarded < current else {
            lowerWantedSince = nil
            if target < current {
                return (.hold, "hold \(current): \(target) would do, but not with the hysteresis margin")
            }
            return (.hold, "hold \(current)\(clampNote)")
        }
        if lowerWantedSince != nil {
            // Scale down to the most the dwell period wanted, not to its last wish.
            highestLowerWanted = max(highestLowerWanted, guarded)
        } else {
            lowerWantedSince = now
            highestLowerWanted = guarded
        }
        let waited = now.millisecondsSince(lowerWantedSince!)
        let sinceChange = lastChange.map { now.millisecondsSince($0) } ?? .max
        if waited >= dwellMs && sinceChange >= cooldownMs {
            let from = current, to = highestLowerWanted
            change(to: to, now: now)
            return (.down, "scale down from \(from) to \(to): fewer wanted for \(waited) ms")
        }
        if waited < dwellMs {
            return (.hold, "hold \(current): \(highestLowerWanted) wanted for \(waited) of \(dwellMs) ms dwell")
        }
        return (.hold, "hold \(current): cooldown, \(sinceChange) of \(cooldownMs) ms since the last change")
    }

    private func clamp(_ k: Int) -> Int { min(max(k, minimum), maximum) }

    private mutating func change(to k: Int, now: ControlInstant) {
        current = k
        lastChange = now
        lowerWantedSince = nil
        highestLowerWanted = 0
    }
}
