import KafkaProtocol
import KairosClient
import NIOCore
import NIOPosix

/// A record read back from a broker, for checking what producers wrote.
struct ReadRecord: Equatable {
    var offset: Int64
    var key: String?
    var value: String?
    var timestamp: Int64
}

/// Reads every record of one partition with plain Fetch requests (independent of the client's consumer).
func readAll(topic: String, partition: Int32 = 0, from address: BrokerAddress, config: ClientConfig) async throws -> [ReadRecord] {
    let connection = try await BrokerConnection.connect(to: address, config: config, group: MultiThreadedEventLoopGroup.singleton)
    defer { connection.close() }
    var records: [ReadRecord] = []
    var offset: Int64 = 0
    while true {
        let request = FetchRequest(
            replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 64 << 20, sessionEpoch: -1,
            topics: [.init(topic: topic, partitions: [.init(partition: partition, currentLeaderEpoch: -1, fetchOffset: offset,
                                                             logStartOffset: -1, partitionMaxBytes: 16 << 20)])])
        let response = try await connection.send(request, version: min(try connection.version(of: .fetch), 11))
        guard let data = response.responses.first?.partitions.first else { return records }
        if data.errorCode != 0 { throw KafkaClientError.broker(ErrorCode(data.errorCode)) }
        guard var bytes = data.records, bytes.readableBytes > 0 else { return records }
        var progressed = false
        for var entry in RecordBatchIterator(bytes) {
            let batch = try RecordBatch.decode(from: &entry, maxDecompressedBytes: 64 << 20)
            for record in batch.records where batch.offset(of: record) >= offset {
                records.append(ReadRecord(
                    offset: batch.offset(of: record),
                    key: record.key.map { String(buffer: $0) }, value: record.value.map { String(buffer: $0) },
                    timestamp: batch.timestamp(of: record)))
            }
            offset = batch.baseOffset + Int64(batch.lastOffsetDelta) + 1
            progressed = true
        }
        bytes.clear()
        if !progressed { return records }
        if offset >= data.highWatermark { return records }
    }
}
