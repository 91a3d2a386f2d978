import NIOConcurrencyHelpers

/// Records and bytes that one source (the paper's "user": the `X-Kairos-Source` header, else the topic)
/// offered to the gateway.
public struct SourceVolume: Sendable, Hashable, Codable {
    /// Records of requests that passed the gateway's checks (whatever became of them afterwards).
    public var records: Int64
    /// Key and value bytes of those records.
    public var bytes: Int64
    /// Of those records, the ones that were not written (refused or failed).
    public var failedRecords: Int64

    /// A volume.
    public init(records: Int64 = 0, bytes: Int64 = 0, failedRecords: Int64 = 0) {
        self.records = records
        self.bytes = bytes
        self.failedRecords = failedRecords
    }

    mutating func add(_ other: SourceVolume) {
        records += other.records
        bytes += other.bytes
        failedRecords += other.failedRecords
    }
}

/// What the gateway received per source: the completed intervals (oldest first), the interval in progress, and
/// totals since the gateway started. The autopilot reads the per-interval series; `GET /v1/sources` shows it.
public struct SourceVolumes: Sendable, Codable {
    /// One interval's volumes.
    public struct Interval: Sendable, Codable {
        /// Start, in ms since the epoch (inclusive).
        public var startMs: Int64
        /// End, in ms since the epoch (exclusive).
        public var endMs: Int64
        /// Volume per source; a source that sent nothing in the interval is absent.
        public var sources: [String: SourceVolume]
    }

    /// The interval length in ms.
    public var intervalMs: Int64
    /// Completed intervals, oldest first, at most the tracker's `historyCount`; intervals in which nothing came
    /// are present, with no sources.
    public var intervals: [Interval]
    /// The interval in progress (its `endMs` is where it will close).
    public var current: Interval
    /// Totals per source since the gateway started.
    public var totals: [String: SourceVolume]
}

/// Counts records and bytes per source in fixed intervals on a clock passed in. One lock per request, not per
/// record: the gateway adds a request's volume in one call.
public final class SourceVolumeTracker: Sendable {
    private struct State {
        var current: SourceVolumes.Interval
        var completed: [SourceVolumes.Interval] = []
        var totals: [String: SourceVolume] = [:]
    }

    /// The interval length in ms.
    public let intervalMs: Int64
    /// How many completed intervals are kept.
    public let historyCount: Int
    private let now: @Sendable () -> Int64
    private let state: NIOLockedValueBox<State>

    /// Intervals of `intervalMs` aligned to multiples of it since the epoch, `historyCount` of them kept; `now`
    /// gives ms since the epoch.
    public init(intervalMs: Int64 = 1000, historyCount: Int = 300, now: @escaping @Sendable () -> Int64) {
        precondition(intervalMs > 0 && historyCount > 0, "interval and history must be positive")
        self.intervalMs = intervalMs
        self.historyCount = historyCount
        self.now = now
        let start = now() / intervalMs * intervalMs
        state = NIOLockedValueBox(State(current: .init(startMs: start, endMs: start + intervalMs, sources: [:])))
    }

    /// Adds `volume` to `source` in the interval that holds now.
    public func add(source: String, _ volume: SourceVolume) {
        let at = now()
        state.withLockedValue { state in
            roll(&state, to: at)
            state.current.sources[source, default: SourceVolume()].add(volume)
            state.totals[source, default: SourceVolume()].add(volume)
        }
    }

    /// Counts `failedRecords` more failures for `source` (in the interval that holds now, and in the totals).
    public func addFailures(source: String, _ failedRecords: Int64) {
        guard failedRecords > 0 else { return }
        add(source: source, SourceVolume(failedRecords: failedRecords))
    }

    /// The volumes as of now.
    public func snapshot() -> SourceVolumes {
        let at = now()
        return state.withLockedValue { state in
            roll(&state, to: at)
            return SourceVolumes(intervalMs: intervalMs, intervals: state.completed, current: state.current,
                                 totals: state.totals)
        }
    }

    /// Closes every interval that ended by `at` (empty ones included, so the series has no gaps), keeping the
    /// last `historyCount`.
    private func roll(_ state: inout State, to at: Int64) {
        guard at >= state.current.endMs else { return }
        let elapsed = (at - state.current.endMs) / intervalMs
        state.completed.append(state.current)
        // After a long quiet spell only the empty intervals that can still be kept are materialised.
        let emptyCount = Int(min(elapsed, Int64(historyCount)))
        var start = state.current.endMs + (elapsed - Int64(emptyCount)) * intervalMs
        for _ in 0..<emptyCount {
            state.completed.append(.init(startMs: start, endMs: start + intervalMs, sources: [:]))
            start += intervalMs
        }
        state.current = .init(startMs: start, endMs: start + intervalMs, sources: [:])
        if state.completed.count > historyCount { state.completed.removeFirst(state.completed.count - historyCount) }
    }
}
