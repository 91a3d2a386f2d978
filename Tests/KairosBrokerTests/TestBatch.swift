import KafkaProtocol
import NIOCore

/// Builds RecordBatch v2 bytes by hand, independently of the codec's own builder, so broker tests
/// do not trust the code they test. Uncompressed; keys and values as UTF-8 strings.
enum TestBatch {
    static func make(
        _ records: [(key: String?, value: String?)], timestamp: Int64 = 1_700_000_000_000,
        producerId: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1, attributes: Int16 = 0
    ) -> ByteBuffer {
        var body = ByteBuffer()
        for (i, r) in records.enumerated() {
            var rec = ByteBuffer()
            rec.writeInteger(Int8(0))  // attributes
            rec.writeVarLong(Int64(i))  // timestamp delta
            rec.writeVarInt(Int32(i))  // offset delta
            if let k = r.key { rec.writeVarInt(Int32(k.utf8.count)); rec.writeString(k) } else { rec.writeVarInt(-1) }
            if let v = r.value { rec.writeVarInt(Int32(v.utf8.count)); rec.writeString(v) } else { rec.writeVarInt(-1) }
            rec.writeVarInt(0)  // headers
            body.writeVarInt(Int32(rec.readableBytes))
            body.writeBuffer(&rec)
        }
        var batch = ByteBuffer()
        batch.writeInteger(Int64(0))  // base offset
        batch.writeInteger(Int32(0))  // length, patched
        batch.writeInteger(Int32(-1))  // partition leader epoch
        batch.writeInteger(Int8(2))  // magic
        batch.writeInteger(UInt32(0))  // crc, patched
        batch.writeInteger(attributes)
        batch.writeInteger(Int32(records.count - 1))  // last offset delta
        batch.writeInteger(timestamp)
        batch.writeInteger(timestamp + Int64(records.count - 1))
        batch.writeInteger(producerId)
        batch.writeInteger(producerEpoch)
        batch.writeInteger(baseSequence)
        batch.writeInteger(Int32(records.count))
        batch.writeBuffer(&body)
        batch.setInteger(Int32(batch.readableBytes - 12), at: 8)
        let crc = batch.withUnsafeReadableBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[21...])) }
        batch.setInteger(crc, at: 17)
        return batch
    }
}
