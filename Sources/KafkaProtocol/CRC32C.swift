import CCRC32C
import NIOCore

/// CRC-32C (Castagnoli), the checksum of RecordBatch v2; hardware-accelerated where the CPU allows.
public enum CRC32C {
    /// The CRC-32C of `bytes`, continuing from `seed` (0 for a fresh checksum; pass a previous result to extend it).
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return seed }
        return kairos_crc32c_extend(seed, base, bytes.count)
    }

    /// The CRC-32C of the readable bytes of `buffer`.
    @inlinable
    public static func checksum(_ buffer: ByteBuffer) -> UInt32 {
        buffer.withUnsafeReadableBytes { checksum($0) }
    }

    /// The CRC-32C of `length` bytes of `buffer` starting at absolute index `index`.
    /// - Precondition: the range lies within the buffer's written bytes.
    @inlinable
    public static func checksum(_ buffer: ByteBuffer, at index: Int, length: Int) -> UInt32 {
        precondition(index >= 0 && length >= 0 && index + length <= buffer.writerIndex, "CRC range outside the buffer")
        return buffer.withVeryUnsafeBytes { storage in
            checksum(UnsafeRawBufferPointer(rebasing: storage[index..<(index + length)]))
        }
    }
}
