import NIOCore

/// Cuts an encoding into parts around record sets that are sent from elsewhere (files, by sendfile).
///
/// The generated encoder of a split-capable message asks it, at each records field in order of appearance,
/// whether that record set is external; if so it writes only the length prefix and starts a new part.
final class RecordsSplitter {
    private let externalLengths: [Int?]
    private var nextIndex = 0
    private let allocator: ByteBufferAllocator
    /// The finished parts, in order.
    private(set) var parts: [ByteBuffer] = []

    init(externalLengths: [Int?], allocator: ByteBufferAllocator) {
        self.externalLengths = externalLengths
        self.allocator = allocator
    }

    /// The external length of the next records field, or nil when it is written inline.
    func nextExternalLength() -> Int? {
        defer { nextIndex += 1 }
        return nextIndex < externalLengths.count ? externalLengths[nextIndex] : nil
    }

    /// Writes the records length prefix, then closes the current part and starts an empty one.
    func writeExternalPrefix(length: Int, compact: Bool, into buffer: inout ByteBuffer) {
        precondition(length >= 0 && length <= Int(Int32.max), "external record set length \(length) out of range")
        buffer.writeLength(length, compact: compact, classicIsInt16: false)
        parts.append(buffer)
        buffer = allocator.buffer(capacity: 256)
    }

    /// How many records fields the encoder visited.
    var visitedCount: Int { nextIndex }
}
