/// Settings of one partition log; Kafka's names and defaults.
public struct LogConfig: Sendable, Equatable {
    /// `log.segment.bytes`: roll a new segment before the active one would grow past this (capped at 2 GiB - 1,
    /// because index positions are int32 as in Kafka). Default 1 GiB.
    public var segmentBytes: Int = 1_073_741_824
    /// `log.roll.ms`: roll when the active segment's first batch was appended longer ago than this. Default 7 days.
    public var segmentMs: Int64 = 604_800_000
    /// `log.retention.ms`: delete old segments whose newest batch timestamp is older than this; -1 = unlimited. Default 7 days.
    public var retentionMs: Int64 = 604_800_000
    /// `log.retention.bytes`: delete old segments while the log is larger than this; -1 = unlimited (default).
    public var retentionBytes: Int64 = -1
    /// `log.flush.interval.messages`: fsync after this many records. Default never (the page cache and close do it).
    public var flushIntervalMessages: Int64 = Int64.max
    /// `log.flush.interval.ms`: fsync when the last fsync is older than this at an append. Default never.
    public var flushIntervalMs: Int64 = Int64.max
    /// `log.index.interval.bytes`: add a sparse index entry after this many log bytes. Default 4096.
    public var indexIntervalBytes: Int = 4096
    /// `log.index.size.max.bytes`: roll when a segment's index would exceed this. Default 10 MiB.
    public var segmentIndexBytes: Int = 10_485_760

    /// Kafka's defaults.
    /// Reads of at most this many bytes are copied into memory with one pread instead of going out by
    /// sendfile: for a consumer at the tail that saves the dup, the separate send and the close, which
    /// cost more than copying a few kilobytes. Not a Kafka setting. Default 16384; 0 always uses sendfile.
    public var inlineReadMaxBytes: Int = 16_384
    public init() {}

    /// `segmentBytes` limited to what int32 file positions can address.
    var effectiveSegmentBytes: Int { min(max(segmentBytes, 1), Int(Int32.max)) }
    /// Entries the offset index may hold (8 bytes each).
    var offsetIndexEntriesMax: Int { max(segmentIndexBytes / OffsetIndex.entryBytes, 1) }
    /// Entries the time index may hold (12 bytes each).
    var timeIndexEntriesMax: Int { max(segmentIndexBytes / TimeIndex.entryBytes, 1) }
}
