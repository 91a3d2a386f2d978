// DeleteRecords (key 21), v0-2. Moves a partition's log start offset forward; offset -1 means the
// high watermark. Offsets beyond the high watermark get OFFSET_OUT_OF_RANGE. Whole segments below
// the new start are deleted by the log.
import KafkaProtocol

extension ApiHandler {
    /// DeleteRecords.
    static let deleteRecords = ApiHandler.responding(to: DeleteRecordsRequest.self) { broker, request, _ in
        broker.handleDeleteRecords(request)
    }
}

extension Broker {
    func handleDeleteRecords(_ request: DeleteRecordsRequest) -> DeleteRecordsResponse {
        var results: [DeleteRecordsResponse.DeleteRecordsTopicResult] = []
        for t in request.topics {
            let topic = topics.topic(t.name)
            var partitions: [DeleteRecordsResponse.DeleteRecordsPartitionResult] = []
            for p in t.partitions {
                var r = DeleteRecordsResponse.DeleteRecordsPartitionResult(partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: 0)
                if let partition = topic?.partition(p.partitionIndex) {
                    let end = partition.log.logEndOffset
                    let target = p.offset == -1 ? end : p.offset
                    if target < 0 || target > end {
                        r.errorCode = ErrorCode.offsetOutOfRange.rawValue
                    } else {
                        do {
                            if target > partition.log.logStartOffset { try partition.log.truncatePrefix(to: target) }
                            r.lowWatermark = partition.log.logStartOffset
                        } catch {
                            logger.error("delete records failed", metadata: ["topic": "\(t.name)", "error": "\(error)"])
                            r.errorCode = ErrorCode.kafkaStorageError.rawValue
                        }
                    }
                } else {
                    r.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                }
                partitions.append(r)
            }
            results.append(.init(name: t.name, partitions: partitions))
        }
        return DeleteRecordsResponse(throttleTimeMs: 0, topics: results)
    }
}
