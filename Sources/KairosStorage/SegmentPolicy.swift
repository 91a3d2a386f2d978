/// The roll and retention rules, shared by `SegmentedLog` and `MemoryLog` so both engines decide alike.
enum SegmentPolicy {
    /// What the policy needs to know about the active segment.
    struct ActiveSegment {
        var baseOffset: Int64
        var sizeBytes: Int
        var isEmpty: Bool
        /// Wall time of the segment's first append (or its first batch's timestamp after a restart).
        var rollReferenceMs: Int64?
        var offsetIndexEntries: Int
        var timeIndexEntries: Int
    }

    /// What retention needs to know about each segment, oldest first.
    struct SegmentSummary {
        var baseOffset: Int64
        var sizeBytes: Int
        /// Newest batch timestamp in the segment, nil when it is empty.
        var largestTimestamp: Int64?
    }

    /// Whether a batch of `batchBytes` ending at `lastOffset` must go to a new segment.
    static func shouldRoll(_ active: ActiveSegment, batchBytes: Int, lastOffset: Int64, now: Int64, config: LogConfig) -> Bool {
        guard !active.isEmpty else { return false }
        if active.sizeBytes + batchBytes > config.effectiveSegmentBytes { return true }
        if isDueByAge(active, now: now, config: config) { return true }
        if active.offsetIndexEntries >= config.offsetIndexEntriesMax || active.timeIndexEntries >= config.timeIndexEntriesMax {
            return true
        }
        // Index entries hold offsets relative to the segment base in an int32.
        return lastOffset - active.baseOffset > Int64(Int32.max)
    }

    /// Whether the active segment is older than `segmentMs` (log.roll.ms).
    static func isDueByAge(_ active: ActiveSegment, now: Int64, config: LogConfig) -> Bool {
        guard !active.isEmpty, let reference = active.rollReferenceMs else { return false }
        return elapsedMs(from: reference, to: now) > config.segmentMs
    }

    /// How many of the oldest segments retention deletes. The last segment (the active one) is never counted.
    /// Passes run as Kafka's do: time (`retentionMs` against each segment's newest timestamp), then size
    /// (`retentionBytes`: drop whole segments while the log stays at or above the limit without them), then whole
    /// segments below `logStartOffset`. Each pass deletes a prefix, so the result is one prefix length.
    static func segmentsToDelete(_ segments: [SegmentSummary], logStartOffset: Int64, now: Int64, config: LogConfig) -> Int {
        let deletable = segments.count - 1
        var deleted = 0
        if config.retentionMs >= 0 {
            while deleted < deletable {
                // An empty inactive segment holds nothing worth keeping.
                let newest = segments[deleted].largestTimestamp ?? Int64.min
                guard elapsedMs(from: newest, to: now) > config.retentionMs else { break }
                deleted += 1
            }
        }
        if config.retentionBytes >= 0 {
            var excess = segments[deleted...].reduce(Int64(0)) { $0 + Int64($1.sizeBytes) } - config.retentionBytes
            while deleted < deletable, excess - Int64(segments[deleted].sizeBytes) >= 0 {
                excess -= Int64(segments[deleted].sizeBytes)
                deleted += 1
            }
        }
        while deleted < deletable, segments[deleted + 1].baseOffset <= logStartOffset {
            deleted += 1
        }
        return deleted
    }

    /// `now - then` without overflow traps (timestamps come from clients and may be anything).
    static func elapsedMs(from then: Int64, to now: Int64) -> Int64 {
        let (difference, overflow) = now.subtractingReportingOverflow(then)
        if overflow { return now > then ? Int64.max : Int64.min }
        return difference
    }
}
