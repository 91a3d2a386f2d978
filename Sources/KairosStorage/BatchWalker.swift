import CCRC32C

/// A growable read buffer for walking segment files. One log owns one and uses it only under its lock,
/// so walks allocate nothing in the steady state.
final class ScanBuffer {
    private(set) var storage: UnsafeMutableRawBufferPointer

    init(capacity: Int = 16 * 1024) {
        storage = .allocate(byteCount: capacity, alignment: 8)
    }

    deinit { storage.deallocate() }

    /// Grows to at least `bytes` (contents are not kept).
    func reserve(_ bytes: Int) {
        guard bytes > storage.count else { return }
        storage.deallocate()
        storage = .allocate(byteCount: max(bytes, storage.count * 2), alignment: 8)
    }
}

/// Walks the batches of one segment file forward from a batch boundary. It reads ahead in windows, so walking many
/// small batches costs few preads, and checks each header's structure (and CRC-32C when asked).
struct BatchWalker {
    /// One step of the walk.
    enum Step {
        case batch(BatchHeader, position: Int)
        case end
        /// The bytes at `position` are not a whole valid batch.
        case invalid(position: Int, reason: String)
    }

    private let fd: CInt
    private let end: Int
    private let buffer: ScanBuffer
    private let readAheadBytes: Int
    private let path: String
    private(set) var position: Int
    private var windowStart = 0
    private var windowCount = 0

    /// Walks `fd` from `position` up to `end` (the segment's size).
    init(fd: CInt, path: String, from position: Int, end: Int, buffer: ScanBuffer, readAheadBytes: Int = 16 * 1024) {
        self.fd = fd
        self.path = path
        self.position = position
        self.end = end
        self.buffer = buffer
        self.readAheadBytes = readAheadBytes
    }

    /// Continues the walk at another batch boundary.
    mutating func seek(to newPosition: Int) {
        position = newPosition
    }

    /// The next batch, `.end` exactly at the end, or `.invalid` (the walk then stays at the invalid position).
    mutating func next(verifyingCRC: Bool = false) throws -> Step {
        if position >= end { return .end }
        let available = end - position
        guard available >= BatchHeader.Layout.headerBytes else {
            return .invalid(position: position, reason: "\(available) trailing bytes, too few for a batch header")
        }
        guard let headerBytes = try window(position, BatchHeader.Layout.headerBytes) else {
            return .invalid(position: position, reason: "file ends inside a batch header")
        }
        let header = BatchHeader(parsing: headerBytes)
        if let problem = header.structuralProblem(bytesAvailable: available) {
            return .invalid(position: position, reason: problem)
        }
        if verifyingCRC {
            let covered = header.totalBytes - BatchHeader.Layout.crcStart
            guard let crc = try crc32c(from: position + BatchHeader.Layout.crcStart, count: covered) else {
                return .invalid(position: position, reason: "file ends inside a batch")
            }
            guard crc == header.crc else {
                return .invalid(position: position, reason: "CRC-32C mismatch (stored \(header.crc), computed \(crc))")
            }
        }
        let at = position
        position += header.totalBytes
        return .batch(header, position: at)
    }

    /// CRC-32C of a byte range, read in windows so a large (or lying) batch length never needs one huge buffer.
    private mutating func crc32c(from start: Int, count: Int) throws -> UInt32? {
        var crc: UInt32 = 0
        var at = start
        let stop = start + count
        let chunkMax = max(readAheadBytes, 64 * 1024)
        while at < stop {
            let chunk = min(stop - at, chunkMax)
            guard let bytes = try window(at, chunk) else { return nil }
            crc = kairos_crc32c_extend(crc, bytes.baseAddress, chunk)
            at += chunk
        }
        return crc
    }

    /// Makes bytes [start, start + count) resident and returns them, nil when the file is shorter.
    private mutating func window(_ start: Int, _ count: Int) throws -> UnsafeRawBufferPointer? {
        if start >= windowStart && start + count <= windowStart + windowCount {
            return UnsafeRawBufferPointer(rebasing: buffer.storage[(start - windowStart)..<(start - windowStart + count)])
        }
        let want = max(count, min(readAheadBytes, end - start))
        windowCount = 0
        buffer.reserve(want)
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer.storage[0..<want])
        let got = try Posix.preadFully(fd, target, at: start, path)
        windowStart = start
        windowCount = got
        guard got >= count else { return nil }
        return UnsafeRawBufferPointer(rebasing: buffer.storage[0..<count])
    }
}
