import CCRC32C
import NIOCore

/// The producer-state snapshot file of a partition, as Kafka keeps `<offset>.snapshot` beside the segments: the
/// last batches of every idempotent producer, as they stood when the log ended at `<offset>`. Recovery replays it
/// and scans only the log after that offset.
///
/// Layout (big-endian): version Int16 (1), CRC-32C UInt32 of everything after it, the covered offset Int64, the
/// batch count Int32, then per batch producerId Int64, epoch Int16, firstSequence Int32, lastSequence Int32,
/// baseOffset Int64, lastOffset Int64. The file is written to a temporary name, fsynced and renamed, so a crash
/// leaves either the old or the new file; a file that fails any check is ignored (the log scan covers for it).
enum ProducerSnapshotFile {
    static let suffix = ".snapshot"
    static let version: Int16 = 1
    private static let headerBytes = 2 + 4 + 8 + 4
    private static let batchBytes = 8 + 2 + 4 + 4 + 8 + 8

    /// Why a snapshot file was not used.
    struct Unusable: Error, CustomStringConvertible {
        var description: String
    }

    /// "<dir>/00000000000000000042.snapshot" for offset 42.
    static func path(_ directory: String, offset: Int64) -> String {
        SegmentFiles.path(directory, offset, suffix)
    }

    /// The offset named by a snapshot file name, nil for any other name (temporary files included).
    static func offset(ofFile name: String) -> Int64? {
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return Int64(stem)
    }

    /// The file's bytes for `batches`, covering the log below `offset`.
    static func encode(_ batches: [ProducerBatch], offset: Int64) -> [UInt8] {
        var body = ByteBuffer()
        body.reserveCapacity(12 + batches.count * batchBytes)
        body.writeInteger(offset)
        body.writeInteger(Int32(batches.count))
        for b in batches {
            body.writeInteger(b.producerId)
            body.writeInteger(b.epoch)
            body.writeInteger(b.firstSequence)
            body.writeInteger(b.lastSequence)
            body.writeInteger(b.baseOffset)
            body.writeInteger(b.lastOffset)
        }
        let crc = body.withUnsafeReadableBytes { kairos_crc32c_extend(0, $0.baseAddress, $0.count) }
        var file = ByteBuffer()
        file.writeInteger(version)
        file.writeInteger(crc)
        file.writeBuffer(&body)
        return Array(file.readableBytesView)
    }

    /// The batches in a snapshot file and the offset it covers; throws `Unusable` naming what is wrong.
    static func decode(_ bytes: [UInt8]) throws -> (batches: [ProducerBatch], offset: Int64) {
        guard bytes.count >= headerBytes else { throw Unusable(description: "\(bytes.count) bytes, shorter than a header") }
        var buffer = ByteBuffer(bytes: bytes)
        let version = buffer.readInteger(as: Int16.self)!
        guard version == Self.version else { throw Unusable(description: "version \(version), expected \(Self.version)") }
        let stored = buffer.readInteger(as: UInt32.self)!
        let crc = buffer.withUnsafeReadableBytes { kairos_crc32c_extend(0, $0.baseAddress, $0.count) }
        guard crc == stored else { throw Unusable(description: "CRC-32C mismatch (stored \(stored), computed \(crc))") }
        let offset = buffer.readInteger(as: Int64.self)!
        let count = buffer.readInteger(as: Int32.self)!
        guard count >= 0, buffer.readableBytes == Int(count) * batchBytes else {
            throw Unusable(description: "\(count) batches do not fill \(buffer.readableBytes) bytes")
        }
        var batches: [ProducerBatch] = []
        batches.reserveCapacity(Int(count))
        for _ in 0..<count {
            batches.append(ProducerBatch(
                producerId: buffer.readInteger()!, epoch: buffer.readInteger()!, firstSequence: buffer.readInteger()!,
                lastSequence: buffer.readInteger()!, baseOffset: buffer.readInteger()!, lastOffset: buffer.readInteger()!))
        }
        return (batches, offset)
    }
}
