import NIOCore

extension FetchResponse {
    /// Encodes the response except the bytes of record sets supplied from outside. For each partition with
    /// `externalRecordsLengths[i] != nil` (in order of appearance, flattened across topics), the records field's
    /// length prefix is written for that many bytes and the bytes themselves are left out; the returned buffers
    /// must be sent with those record sets between them: buffers[0], records#0, buffers[1], records#1, ...,
    /// buffers[n]. Partitions without an external length write `records` as usual.
    public func writeSplit(
        version: Int16, externalRecordsLengths: [Int?], allocator: ByteBufferAllocator
    ) -> [ByteBuffer] {
        precondition(Self.versions.contains(version), "FetchResponse has no version \(version)")
        let splitter = RecordsSplitter(externalLengths: externalRecordsLengths, allocator: allocator)
        var buffer = allocator.buffer(capacity: 256)
        write(into: &buffer, version: version, splitter: splitter)
        precondition(
            externalRecordsLengths.count <= splitter.visitedCount,
            "\(externalRecordsLengths.count) external lengths for \(splitter.visitedCount) partitions")
        return splitter.parts + [buffer]
    }
}
