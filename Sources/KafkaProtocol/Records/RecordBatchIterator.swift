import NIOCore

/// Splits a records blob (a Produce partition's `records`, a Fetch response's, a log segment's bytes) into whole
/// log entries without copying: each element is one v2 batch, or one v0/v1 message (a wrapper message, for a
/// compressed legacy set). Every format starts with INT64 offset and INT32 length, and has its magic at byte 16.
///
/// A partial entry at the end (Fetch responses may stop mid-batch) ends the iteration and is reported in
/// `partialTrailingBytes`, not thrown; a length no valid entry can have ends it and is reported in `malformed`.
public struct RecordBatchIterator: Sequence, IteratorProtocol, Sendable {
    /// The bytes not yet returned.
    public private(set) var remaining: ByteBuffer
    /// Bytes of an incomplete entry left at the end; 0 while iterating and when the input ended cleanly.
    public private(set) var partialTrailingBytes = 0
    /// Why iteration stopped early at a malformed entry; nil otherwise.
    public private(set) var malformed: RecordBatchError?

    /// The smallest v0 message after offset and length: CRC, magic, attributes, two null lengths.
    static let smallestLegacyLength = 14

    /// Iterates over the readable bytes of `records`.
    public init(_ records: ByteBuffer) {
        self.remaining = records
    }

    /// The next whole entry, sharing storage with the input; nil at the end, at a partial entry, or at a malformed one.
    public mutating func next() -> ByteBuffer? {
        guard malformed == nil, remaining.readableBytes > 0 else { return nil }
        let start = remaining.readerIndex
        guard remaining.readableBytes >= RecordBatchHeader.logOverheadBytes else {
            partialTrailingBytes = remaining.readableBytes
            return nil
        }
        let length = Int(remaining.getInteger(at: start + RecordBatchHeader.batchLengthOffset, endianness: .big, as: Int32.self)!)
        guard length >= Self.smallestLegacyLength else {
            malformed = .corrupt("entry length \(length) at byte \(start) is too small")
            return nil
        }
        let total = RecordBatchHeader.logOverheadBytes + length
        guard remaining.readableBytes >= total else {
            partialTrailingBytes = remaining.readableBytes
            return nil
        }
        let magic = remaining.getInteger(at: start + RecordBatchHeader.magicOffset, as: Int8.self)!
        switch magic {
        case 0, 1:
            break
        case 2 where total >= RecordBatchHeader.size:
            break
        case 2:
            malformed = .corrupt("batch length \(length) at byte \(start) is shorter than a v2 header")
            return nil
        default:
            malformed = .corrupt("unknown magic \(magic) at byte \(start)")
            return nil
        }
        return remaining.readSlice(length: total)
    }

    /// The magic byte (format version) of a whole entry returned by the iterator, nil if it is too short.
    public static func magic(of entry: ByteBuffer) -> Int8? {
        entry.getInteger(at: entry.readerIndex + RecordBatchHeader.magicOffset, as: Int8.self)
    }
}
