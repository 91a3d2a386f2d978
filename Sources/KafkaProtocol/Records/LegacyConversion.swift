import NIOCore

/// Conversions between the legacy formats and v2, as a Kafka 3.x broker makes them: Produce v0-2 brings
/// legacy sets to be stored as v2 batches; Fetch v0-3 must answer old consumers in the format they read.
extension LegacyMessageSet {
    /// Converts a produced legacy set into one v2 batch: offsets deltas 0..n-1 (the broker assigns the base),
    /// timestamps kept for magic 1 and -1 (no timestamp) for magic 0, no producer id. Also returns the set's
    /// codec, which Kafka keeps when the topic's `compression.type` is `producer`. Throws `RecordBatchError`.
    public static func convertToRecordBatch(
        _ set: ByteBuffer, maxDecompressedBytes: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws -> (batch: RecordBatch, compression: CompressionCodec) {
        let (messages, codec) = try decodeWithCodec(
            set, maxDecompressedBytes: maxDecompressedBytes, allowsPartialTail: false, allocator: allocator)
        guard let first = messages.first else { throw RecordBatchError.invalidRecord("empty message set") }
        guard messages.count <= Int(Int32.max) else { throw RecordBatchError.invalidRecord("too many messages") }
        let noTimestamp: Int64 = -1
        let baseTimestamp = first.timestamp ?? noTimestamp
        var maxTimestamp = noTimestamp
        var records: [Record] = []
        records.reserveCapacity(messages.count)
        for (index, message) in messages.enumerated() {
            let timestamp = message.timestamp ?? noTimestamp
            maxTimestamp = max(maxTimestamp, timestamp)
            records.append(Record(
                timestampDelta: timestamp &- baseTimestamp, offsetDelta: Int32(index), key: message.key,
                value: message.value))
        }
        let batch = RecordBatch(
            baseOffset: 0, partitionLeaderEpoch: -1, attributes: 0, lastOffsetDelta: Int32(messages.count - 1),
            baseTimestamp: baseTimestamp, maxTimestamp: maxTimestamp, records: records)
        return (batch, codec)
    }

    /// `convertToRecordBatch`, encoded with the set's own codec: bytes ready to append to a v2 log.
    public static func upConvert(
        _ set: ByteBuffer, maxDecompressedBytes: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws -> ByteBuffer {
        let (batch, codec) = try convertToRecordBatch(set, maxDecompressedBytes: maxDecompressedBytes, allocator: allocator)
        var output = allocator.buffer(capacity: set.readableBytes + RecordBatchHeader.size)
        do {
            try batch.encode(into: &output, compression: codec, allocator: allocator)
        } catch let error as CompressionError {
            throw RecordBatchError(error)
        }
        return output
    }

    /// Down-converts a records blob (v2 batches as stored, possibly legacy entries) into a message set of
    /// `magic` 0 or 1 for Fetch v0-3. Control batches are left out and headers dropped, as Kafka does; each
    /// compressed batch becomes one wrapper with the same codec (zstd, which old clients cannot read, becomes
    /// plain messages). A partial batch at the end is left out. Throws `RecordBatchError` for corrupt batches.
    public static func downConvert(
        _ records: ByteBuffer, toMagic magic: Int8, maxDecompressedBytes: Int,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws -> ByteBuffer {
        precondition(magic == 0 || magic == 1, "legacy magic is 0 or 1")
        var output = allocator.buffer(capacity: records.readableBytes)
        var entries = RecordBatchIterator(records)
        var budget = maxDecompressedBytes
        while let entry = entries.next() {
            let entryMagic = RecordBatchIterator.magic(of: entry) ?? 0
            if entryMagic <= magic {
                // Already readable by the client: pass it through untouched.
                var copy = entry
                output.writeBuffer(&copy)
                continue
            }
            var converted: ByteBuffer
            if entryMagic == 2 {
                var cursor = entry
                let batch = try RecordBatch.decode(from: &cursor, maxDecompressedBytes: max(budget, 0), allocator: allocator)
                budget -= batch.records.reduce(0) { $0 + $1.bodyBytes }
                if batch.isControl { continue }
                converted = try legacySet(of: batch, magic: magic, allocator: allocator)
            } else {
                let (messages, codec) = try decodeWithCodec(
                    entry, maxDecompressedBytes: max(budget, 0), allowsPartialTail: false, allocator: allocator)
                let plain = messages.map { message in
                    LegacyMessage(offset: message.offset, magic: magic, timestamp: magic == 1 ? message.timestamp : nil,
                                  key: message.key, value: message.value)
                }
                converted = try encode(plain, magic: magic, compression: codec == .zstd ? .none : codec, allocator: allocator)
            }
            output.writeBuffer(&converted)
        }
        if let malformed = entries.malformed { throw malformed }
        return output
    }

    /// One v2 batch as a legacy set.
    private static func legacySet(of batch: RecordBatch, magic: Int8, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let messages = batch.records.map { record in
            LegacyMessage(
                offset: batch.offset(of: record), magic: magic, timestamp: magic == 1 ? batch.timestamp(of: record) : nil,
                key: record.key, value: record.value)
        }
        guard !messages.isEmpty else { return ByteBuffer() }
        var codec = batch.compression ?? .none
        if codec == .zstd { codec = .none }
        return try encode(messages, magic: magic, compression: codec, timestampType: batch.timestampType, allocator: allocator)
    }
}
