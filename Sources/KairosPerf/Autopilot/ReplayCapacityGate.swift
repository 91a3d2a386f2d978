/// The stand-in for a broker's per-producer quota in `autopilot replay`: each active pool member may send at most
/// `recordsPerSecond` records per second, so that one producer really is overloaded at a trace's peaks and more
/// producers really help. Kept in the replay driver until broker client quotas throttle producers themselves; with
/// a quota on the broker, leave `autopilot.capacity.records` unset and the gate is open.
///
/// The members' buckets are pooled: tokens refill at k × rate for the k active members, and the bucket holds at
/// most `burstSeconds` of that. The pool sends keyless records to its least-loaded member, so k separate buckets
/// of one rate let through what one bucket of k times the rate does. Time comes in as a parameter.
struct ReplayCapacityGate: Sendable {
    /// Records per second one member may send; nil: no limit.
    let recordsPerSecond: Double?
    /// How much unused capacity a bucket keeps, in seconds of its rate (a short burst, as a quota window allows).
    let burstSeconds: Double
    private var tokens: Double = 0
    private var lastNanos: UInt64?

    /// A gate for members of `recordsPerSecond` each (nil: open).
    init(recordsPerSecond: Double?, burstSeconds: Double = 0.02) {
        self.recordsPerSecond = recordsPerSecond
        self.burstSeconds = burstSeconds
    }

    /// How many of `wanted` records `activeMembers` may send at `nowNanos`; the caller sends them and they are
    /// taken from the bucket.
    mutating func take(wanted: Int, activeMembers: Int, nowNanos: UInt64) -> Int {
        guard let rate = recordsPerSecond else { return wanted }
        let perSecond = rate * Double(max(activeMembers, 0))
        let limit = max(perSecond * burstSeconds, 1)
        if let last = lastNanos, nowNanos > last {
            tokens = min(tokens + perSecond * Double(nowNanos - last) / 1e9, limit)
        } else if lastNanos == nil {
            tokens = limit
        }
        lastNanos = nowNanos
        let granted = min(wanted, Int(tokens.rounded(.down)))
        tokens -= Double(granted)
        return max(granted, 0)
    }
}
