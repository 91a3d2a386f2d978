import Atomics

/// One member's record counts, kept for the pool's whole life (across the member's producers): updated per record
/// without a lock, read by snapshots. `sent` = `acked` + `failed` + `inFlight` once every update has landed.
final class PoolMemberCounters: Sendable {
    /// Records routed to the member.
    let sent = ManagedAtomic(0)
    /// Records the broker acknowledged.
    let acked = ManagedAtomic(0)
    /// Records that failed: a failed delivery report, or refused by the member's `send` or `trySend`.
    let failed = ManagedAtomic(0)
    /// Records routed but not finished yet; a draining member is closed when this reaches 0.
    let inFlight = ManagedAtomic(0)
    /// Uptime nanoseconds at which the member's current producer was started.
    let activatedAtNanos = ManagedAtomic<UInt64>(0)
    /// True from a start until the first acknowledgement after it.
    let awaitingFirstAck = ManagedAtomic(false)
    /// The latest start-up time (start to first acknowledgement) in nanoseconds; 0 before the first.
    let lastStartupNanos = ManagedAtomic<UInt64>(0)
    /// How many times the member was started with a new producer.
    let starts = ManagedAtomic(0)

    /// Counts a record routed here.
    func routed() {
        sent.wrappingIncrement(ordering: .relaxed)
        inFlight.wrappingIncrement(ordering: .relaxed)
    }

    /// Counts a record finished; returns the start-up time when this is the first acknowledgement since a start.
    func finished(success: Bool, nowNanos: @autoclosure () -> UInt64) -> UInt64? {
        (success ? acked : failed).wrappingIncrement(ordering: .relaxed)
        inFlight.wrappingDecrement(ordering: .releasing)
        guard success, awaitingFirstAck.load(ordering: .relaxed),
              awaitingFirstAck.exchange(false, ordering: .acquiringAndReleasing) else { return nil }
        let started = activatedAtNanos.load(ordering: .relaxed)
        let now = nowNanos()
        let startup = now > started ? now - started : 0
        lastStartupNanos.store(startup, ordering: .relaxed)
        return startup
    }

    /// Marks a new producer started at `nowNanos`: the next acknowledgement measures its start-up time.
    func started(nowNanos: UInt64) {
        activatedAtNanos.store(nowNanos, ordering: .relaxed)
        starts.wrappingIncrement(ordering: .relaxed)
        awaitingFirstAck.store(true, ordering: .releasing)
    }
}
