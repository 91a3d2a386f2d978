/// One member of a `ProducerPool` at one moment: what the autopilot and the metrics read.
public struct PoolMemberSnapshot: Sendable, Hashable {
    /// The member's index (its producer sends as `client.id` + "-index").
    public var index: Int
    /// Active, draining or closed.
    public var state: PoolMemberState
    /// Records routed to it since the pool started (all its producers).
    public var recordsSent: Int
    /// Records acknowledged.
    public var recordsAcked: Int
    /// Records failed.
    public var recordsFailed: Int
    /// Records routed to it and not finished yet.
    public var inFlight: Int
    /// Its producer's `buffer-available-bytes`; nil while it has no producer.
    public var bufferAvailableBytes: Int?
    /// Its latest start-up time (start to first acknowledgement), in nanoseconds; nil before the first.
    public var lastStartupNanos: UInt64?
    /// How many producers it has started.
    public var starts: Int
}

/// A `ProducerPool` at one moment. Counts are cumulative; `interval(since:)` gives what happened between two
/// snapshots (the autopilot's per-interval volume).
public struct ProducerPoolSnapshot: Sendable, Hashable {
    /// Uptime nanoseconds when it was taken.
    public var timeNanos: UInt64
    /// Members taking new records.
    public var activeCount: Int
    /// Members retired but still finishing records.
    public var drainingCount: Int
    /// Every member, active or not, by index.
    public var members: [PoolMemberSnapshot]

    /// Records routed to any member.
    public var recordsSent: Int { members.reduce(0) { $0 + $1.recordsSent } }
    /// Records acknowledged by any member.
    public var recordsAcked: Int { members.reduce(0) { $0 + $1.recordsAcked } }
    /// Records failed in any member.
    public var recordsFailed: Int { members.reduce(0) { $0 + $1.recordsFailed } }
    /// Records not finished yet.
    public var inFlight: Int { members.reduce(0) { $0 + $1.inFlight } }

    /// What happened between `previous` and this snapshot.
    public func interval(since previous: ProducerPoolSnapshot) -> ProducerPoolInterval {
        ProducerPoolInterval(
            durationNanos: timeNanos > previous.timeNanos ? timeNanos - previous.timeNanos : 0,
            recordsSent: recordsSent - previous.recordsSent,
            recordsAcked: recordsAcked - previous.recordsAcked,
            recordsFailed: recordsFailed - previous.recordsFailed,
            activeCount: activeCount)
    }
}

/// Records sent, acknowledged and failed by a pool between two snapshots.
public struct ProducerPoolInterval: Sendable, Hashable {
    /// The interval's length in nanoseconds.
    public var durationNanos: UInt64
    /// Records routed to members in the interval.
    public var recordsSent: Int
    /// Records acknowledged in the interval.
    public var recordsAcked: Int
    /// Records failed in the interval.
    public var recordsFailed: Int
    /// Active members at its end.
    public var activeCount: Int

    /// Acknowledged records per second over the interval; 0 for an empty interval.
    public var ackedPerSecond: Double {
        durationNanos > 0 ? Double(recordsAcked) * 1e9 / Double(durationNanos) : 0
    }
}

/// A member's start-up, reported once per start: the time from its activation to its first acknowledgement
/// (connections, metadata, producer id and the first round trip). The autopilot's lead time covers it.
public struct PoolMemberStartup: Sendable, Hashable {
    /// The member's index.
    public var member: Int
    /// Activation to first acknowledgement, in nanoseconds.
    public var nanoseconds: UInt64
}
