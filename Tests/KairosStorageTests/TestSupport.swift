import CCRC32C
import Logging
import NIOCore
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import KairosStorage

/// A RecordBatch v2 built for tests: a valid header with CRC-32C; the "records" are arbitrary bytes, which is all
/// storage looks at.
struct TestBatch {
    var bytes: ByteBuffer
    var info: BatchInfo

    /// A batch of `recordCount` records whose payload is `payloadBytes` bytes from `seed`.
    /// `producer` sets the idempotent-producer fields (id, epoch, base sequence); without it they are -1.
    init(recordCount: Int32 = 1, payloadBytes: Int = 20, maxTimestamp: Int64 = 1_000, seed: UInt64 = 1, baseOffset: Int64 = 0,
         producer: (id: Int64, epoch: Int16, sequence: Int32)? = nil) {
        precondition(recordCount >= 1)
        var buffer = ByteBufferAllocator().buffer(capacity: 61 + payloadBytes)
        buffer.writeInteger(baseOffset)                           // baseOffset (storage overwrites it)
        buffer.writeInteger(Int32(49 + payloadBytes))             // batchLength
        buffer.writeInteger(Int32(-1))                            // partitionLeaderEpoch
        buffer.writeInteger(Int8(2))                              // magic
        buffer.writeInteger(UInt32(0))                            // crc, filled below
        buffer.writeInteger(Int16(0))                             // attributes
        buffer.writeInteger(recordCount - 1)                      // lastOffsetDelta
        buffer.writeInteger(maxTimestamp)                         // baseTimestamp
        buffer.writeInteger(maxTimestamp)                         // maxTimestamp
        buffer.writeInteger(producer?.id ?? -1)                   // producerId
        buffer.writeInteger(producer?.epoch ?? -1)                // producerEpoch
        buffer.writeInteger(producer?.sequence ?? -1)             // baseSequence
        buffer.writeInteger(recordCount)                          // recordCount
        var generator = SplitMix64(seed: seed)
        for _ in 0..<payloadBytes { buffer.writeInteger(UInt8(truncatingIfNeeded: generator.next())) }
        let crc = buffer.withUnsafeReadableBytes { bytes in
            kairos_crc32c_extend(0, bytes.baseAddress! + 21, bytes.count - 21)
        }
        buffer.setInteger(crc, at: 17)
        self.bytes = buffer
        self.info = BatchInfo(recordCount: recordCount, lastOffsetDelta: recordCount - 1, maxTimestamp: maxTimestamp)
    }

    var totalBytes: Int { bytes.readableBytes }

    /// The bytes storage should hold once it assigned `offset`.
    func stored(at offset: Int64) -> [UInt8] {
        var copy = bytes
        copy.setInteger(offset, at: copy.readerIndex)
        return Array(copy.readableBytesView)
    }
}

/// A small seeded generator so tests replay exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What a test expects the log to hold: each appended batch with its assigned offsets.
struct ExpectedBatch {
    var baseOffset: Int64
    var lastOffset: Int64
    var maxTimestamp: Int64
    var bytes: [UInt8]
}

/// The bytes of a read result, reading `.file` ranges back through the handle with pread (and closing it).
func bytesOf(_ data: LogReadData, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
    switch data {
    case .empty:
        return []
    case .bytes(let buffer):
        return Array(buffer.readableBytesView)
    case .file(let handle, let offset, let length):
        defer { try? handle.close() }
        var bytes = [UInt8](repeating: 0, count: length)
        let got = try handle.withUnsafeFileDescriptor { fd in
            bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, length, off_t(offset)) }
        }
        XCTAssertEqual(got, length, "short pread from the returned handle", file: file, line: line)
        return bytes
    }
}

/// Splits concatenated batches into (baseOffset, bytes) using the batchLength field.
func splitBatches(_ bytes: [UInt8]) -> [(baseOffset: Int64, bytes: [UInt8])] {
    var result: [(Int64, [UInt8])] = []
    var at = 0
    while at + 12 <= bytes.count {
        let base = bytes[at..<at + 8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let length = Int(bytes[at + 8..<at + 12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        let end = at + 12 + length
        guard end <= bytes.count else { break }
        result.append((base, Array(bytes[at..<end])))
        at = end
    }
    return result
}

/// A fresh directory under the system temp directory.
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/kairos-storage-test-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(path != nil, "mkdtemp failed")
    return String(cString: path!)
}

/// Removes a directory tree (test cleanup only).
func removeTree(_ path: String) {
    guard let names = try? Posix.listDirectory(path) else { return }
    for name in names {
        let child = path + "/" + name
        if Posix.isDirectory(child) { removeTree(child) } else { unlink(child) }
    }
    rmdir(path)
}

/// A logger that discards everything below warning, so recovery warnings still show in test output.
func testLogger() -> Logger {
    var logger = Logger(label: "kairos.storage.test")
    logger.logLevel = .warning
    return logger
}
