/// Decides when a segment adds sparse index entries, shared by the file and memory logs so they roll alike.
/// Kafka's rule: once more than `indexIntervalBytes` of log were written since the last entry, the next batch gets
/// an offset entry, and a time entry if the segment's max timestamp grew since the last time entry.
struct IndexCadence {
    /// What one batch adds to the indexes.
    struct Entries {
        var offsetEntry: Bool
        var timeEntry: (timestamp: Int64, offset: Int64)?
    }

    private(set) var bytesSinceLastEntry = 0
    /// The largest batch maxTimestamp in the segment (Int64.min while empty).
    private(set) var maxTimestamp = Int64.min
    /// Base offset of the first batch that reached `maxTimestamp`.
    private(set) var offsetOfMaxTimestamp: Int64 = -1
    private(set) var lastTimeEntryTimestamp = Int64.min

    /// Accounts one appended batch and says which index entries it gets.
    mutating func record(baseOffset: Int64, maxTimestamp batchMaxTimestamp: Int64, batchBytes: Int, indexIntervalBytes: Int) -> Entries {
        if batchMaxTimestamp > maxTimestamp {
            maxTimestamp = batchMaxTimestamp
            offsetOfMaxTimestamp = baseOffset
        }
        var entries = Entries(offsetEntry: false, timeEntry: nil)
        if bytesSinceLastEntry > indexIntervalBytes {
            entries.offsetEntry = true
            entries.timeEntry = takeTimeEntry()
            bytesSinceLastEntry = 0
        }
        bytesSinceLastEntry += batchBytes
        return entries
    }

    /// The time entry that makes the time index end at the segment's max timestamp, taken when the segment is sealed,
    /// so an inactive segment's newest timestamp is the last entry of its time index.
    mutating func sealingTimeEntry() -> (timestamp: Int64, offset: Int64)? {
        takeTimeEntry()
    }

    private mutating func takeTimeEntry() -> (timestamp: Int64, offset: Int64)? {
        guard offsetOfMaxTimestamp >= 0, maxTimestamp > lastTimeEntryTimestamp else { return nil }
        lastTimeEntryTimestamp = maxTimestamp
        return (maxTimestamp, offsetOfMaxTimestamp)
    }
}
