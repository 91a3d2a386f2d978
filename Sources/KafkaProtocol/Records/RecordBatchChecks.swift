import NIOCore

/// The checks every reader of a whole v2 batch makes before trusting its header: magic, length, CRC, codec.
enum RecordBatchChecks {
    /// Reads and checks the header of the batch at the reader index of `buffer`, which must hold at least the
    /// whole batch; returns the header. Does not move the reader index. `verifyCRC: false` skips only the CRC
    /// (a consumer's `check.crcs=false`); the other checks always run.
    static func checkedHeader(_ buffer: ByteBuffer, verifyCRC: Bool = true) throws -> RecordBatchHeader {
        let readable = buffer.readableBytes
        guard readable > RecordBatchHeader.magicOffset else {
            throw RecordBatchError.corrupt("\(readable) bytes are too few for a record batch")
        }
        let magic = buffer.getInteger(at: buffer.readerIndex + RecordBatchHeader.magicOffset, as: Int8.self)!
        guard magic == 2 else { throw RecordBatchError.invalidRecord("magic \(magic) where a v2 batch was expected") }
        let header: RecordBatchHeader
        do {
            header = try RecordBatchHeader(peeking: buffer)
        } catch let error as KafkaProtocolError {
            throw RecordBatchError(error)
        }
        guard readable >= header.totalBytes else {
            throw RecordBatchError.corrupt("batch length \(header.batchLength) exceeds the \(readable) bytes present")
        }
        if verifyCRC {
            let covered = header.totalBytes - RecordBatchHeader.attributesOffset
            let crc = CRC32C.checksum(buffer, at: buffer.readerIndex + RecordBatchHeader.attributesOffset, length: covered)
            guard crc == header.crc else {
                throw RecordBatchError.corrupt("CRC mismatch: header says \(header.crc), bytes give \(crc)")
            }
        }
        guard header.compression != nil else {
            throw RecordBatchError.unsupportedCompression(Int8(header.attributes & RecordBatchHeader.compressionMask))
        }
        return header
    }

    /// The records section of a checked batch, decompressed (at most `maxDecompressedBytes`), after checking that
    /// the header's record count can fit in it. Uncompressed sections share storage with `buffer`.
    static func recordsSection(
        of buffer: ByteBuffer, header: RecordBatchHeader, maxDecompressedBytes: Int, allocator: ByteBufferAllocator
    ) throws -> ByteBuffer {
        let section = buffer.getSlice(at: buffer.readerIndex + RecordBatchHeader.size,
                                      length: header.totalBytes - RecordBatchHeader.size)!
        var records = section
        if let codec = header.compression, codec != .none {
            do {
                records = try codec.decompress(section, maxBytes: maxDecompressedBytes, allocator: allocator)
            } catch let error as CompressionError {
                throw RecordBatchError(error)
            }
        }
        guard header.recordCount >= 0 else { throw RecordBatchError.corrupt("record count \(header.recordCount)") }
        guard Int(header.recordCount) <= records.readableBytes / Record.minimumEncodedBytes else {
            throw RecordBatchError.corrupt("record count \(header.recordCount) cannot fit in \(records.readableBytes) bytes")
        }
        return records
    }
}
