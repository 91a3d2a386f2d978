/// A segment's sparse offset index in memory: (offset relative to the segment base, file position of the batch
/// that starts there), both strictly increasing. On disk (`.index`) each entry is two big-endian int32, as in Kafka,
/// except that the offset is the batch's base offset, so every entry points exactly at a batch header.
struct OffsetIndex {
    static let entryBytes = 8

    private(set) var relativeOffsets: [Int32] = []
    private(set) var positions: [Int32] = []

    var count: Int { positions.count }

    mutating func append(relativeOffset: Int32, position: Int32) {
        precondition(count == 0 || (relativeOffset > relativeOffsets[count - 1] && position > positions[count - 1]),
                     "offset index entries must increase")
        relativeOffsets.append(relativeOffset)
        positions.append(position)
    }

    /// The entry with the largest offset <= `relativeOffset`, or (0, 0): where to start scanning for that offset.
    func floor(relativeOffset: Int32) -> (relativeOffset: Int32, position: Int) {
        let index = Self.lastIndex(in: relativeOffsets, notAbove: relativeOffset)
        guard index >= 0 else { return (0, 0) }
        return (relativeOffsets[index], Int(positions[index]))
    }

    /// The entry with the largest position <= `position`, or nil: a batch boundary to resume scanning from.
    func floor(position: Int) -> (relativeOffset: Int32, position: Int)? {
        let index = Self.lastIndex(in: positions, notAbove: Int32(clamping: position))
        return index >= 0 ? (relativeOffsets[index], Int(positions[index])) : nil
    }

    /// Index of the last element <= `value` in a sorted array, -1 when none.
    static func lastIndex<T: Comparable>(in sorted: [T], notAbove value: T) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }

    /// The big-endian bytes of the entries from `start` on.
    func encode(from start: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity((count - start) * Self.entryBytes)
        for i in start..<count {
            appendBigEndian(relativeOffsets[i], to: &bytes)
            appendBigEndian(positions[i], to: &bytes)
        }
        return bytes
    }

    /// Decodes an `.index` file; nil when it is malformed or does not fit a segment of `segmentBytes`.
    static func decode(_ bytes: [UInt8], segmentBytes: Int) -> OffsetIndex? {
        guard bytes.count % entryBytes == 0 else { return nil }
        var index = OffsetIndex()
        index.relativeOffsets.reserveCapacity(bytes.count / entryBytes)
        index.positions.reserveCapacity(bytes.count / entryBytes)
        var at = 0
        while at < bytes.count {
            let offset = readBigEndian(Int32.self, bytes, at)
            let position = readBigEndian(Int32.self, bytes, at + 4)
            at += entryBytes
            let ordered = index.count == 0
                ? offset >= 0 && position >= 0
                : offset > index.relativeOffsets[index.count - 1] && position > index.positions[index.count - 1]
            guard ordered, Int(position) < segmentBytes else { return nil }
            index.relativeOffsets.append(offset)
            index.positions.append(position)
        }
        return index
    }
}

/// A segment's time index in memory: (max timestamp so far, relative base offset of the batch that first reached it),
/// both non-decreasing. On disk (`.timeindex`) each entry is a big-endian int64 and int32, as in Kafka.
struct TimeIndex {
    static let entryBytes = 12

    private(set) var timestamps: [Int64] = []
    private(set) var relativeOffsets: [Int32] = []

    var count: Int { timestamps.count }
    var lastTimestamp: Int64? { timestamps.last }

    mutating func append(timestamp: Int64, relativeOffset: Int32) {
        precondition(count == 0 || (timestamp > timestamps[count - 1] && relativeOffset >= relativeOffsets[count - 1]),
                     "time index entries must increase")
        timestamps.append(timestamp)
        relativeOffsets.append(relativeOffset)
    }

    /// The relative offset to start searching from for the first batch with maxTimestamp >= `timestamp`:
    /// every batch before the entry with the largest timestamp <= `timestamp` is older than that timestamp.
    func searchStart(forTimestamp timestamp: Int64) -> Int32 {
        let index = OffsetIndex.lastIndex(in: timestamps, notAbove: timestamp)
        return index >= 0 ? relativeOffsets[index] : 0
    }

    /// The big-endian bytes of the entries from `start` on.
    func encode(from start: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity((count - start) * Self.entryBytes)
        for i in start..<count {
            appendBigEndian(timestamps[i], to: &bytes)
            appendBigEndian(relativeOffsets[i], to: &bytes)
        }
        return bytes
    }

    /// Decodes a `.timeindex` file; nil when it is malformed or points past `offsetSpan` (offsets in the segment).
    static func decode(_ bytes: [UInt8], offsetSpan: Int64) -> TimeIndex? {
        guard bytes.count % entryBytes == 0 else { return nil }
        var index = TimeIndex()
        var at = 0
        while at < bytes.count {
            let timestamp = readBigEndian(Int64.self, bytes, at)
            let offset = readBigEndian(Int32.self, bytes, at + 8)
            at += entryBytes
            let ordered = index.count == 0
                ? offset >= 0
                : timestamp > index.timestamps[index.count - 1] && offset >= index.relativeOffsets[index.count - 1]
            guard ordered, Int64(offset) < offsetSpan else { return nil }
            index.timestamps.append(timestamp)
            index.relativeOffsets.append(offset)
        }
        return index
    }
}

@inline(__always)
func appendBigEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
}

@inline(__always)
func readBigEndian<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ at: Int) -> T {
    bytes.withUnsafeBytes { T(bigEndian: $0.loadUnaligned(fromByteOffset: at, as: T.self)) }
}
