// ListOffsets (key 2), v0-9. Timestamp -1 asks for the latest offset (the log end), -2 for the
// earliest (the log start), -3 (v7+, KIP-734) for the first record holding the largest timestamp, -4 (v8+,
// KIP-405) for the earliest local offset, which is the log start here (no tiered storage), and -5 (v9+) for the
// latest tiered offset, which is none (-1) without tiered storage. Any other value asks for the first record
// whose timestamp is at or after it (offset -1 when there is none). v0 answers in OldStyleOffsets. With one
// node the high watermark is the log end; latest with read_committed (isolation level 1, v2+) answers the last
// stable offset instead.
import KafkaProtocol
import KairosStorage

extension ApiHandler {
    /// ListOffsets v0-9.
    static let listOffsets = ApiHandler.responding(to: ListOffsetsRequest.self, versions: 0...9) { broker, request, version in
        broker.handleListOffsets(request, version: version)
    }
}

extension Broker {
    func handleListOffsets(_ request: ListOffsetsRequest, version: Int16) -> ListOffsetsResponse {
        var topicResults: [ListOffsetsResponse.ListOffsetsTopicResponse] = []
        for t in request.topics {
            let topic = topics.topic(t.name)
            var results: [ListOffsetsResponse.ListOffsetsPartitionResponse] = []
            for p in t.partitions {
                var r = ListOffsetsResponse.ListOffsetsPartitionResponse(partitionIndex: p.partitionIndex, errorCode: 0)
                guard let partition = topic?.partition(p.partitionIndex) else {
                    r.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    results.append(r)
                    continue
                }
                var (offset, timestamp, error) = lookUpOffset(partition.log, timestamp: p.timestamp, version: version)
                if p.timestamp == -1 && version >= 2 && request.isolationLevel == 1 {
                    offset = lastStableOffset(topic: t.name, partition: p.partitionIndex, highWatermark: offset)
                }
                r.errorCode = error.rawValue
                if error == .none {
                    r.offset = offset
                    r.timestamp = timestamp
                    r.leaderEpoch = offset >= 0 ? 0 : -1
                    if version == 0 { r.oldStyleOffsets = offset >= 0 ? [offset] : [] }
                }
                results.append(r)
            }
            topicResults.append(.init(name: t.name, partitions: results))
        }
        return ListOffsetsResponse(throttleTimeMs: 0, topics: topicResults)
    }

    private func lookUpOffset(_ log: any LogStore, timestamp: Int64, version: Int16) -> (Int64, Int64, ErrorCode) {
        switch timestamp {
        case -1: return (log.logEndOffset, -1, .none)
        case -2: return (log.logStartOffset, -1, .none)
        case -4 where version >= 8: return (log.logStartOffset, -1, .none)
        case -5 where version >= 9: return (-1, -1, .none)
        default:
            guard timestamp >= 0 || (timestamp == -3 && version >= 7) else { return (-1, -1, .invalidRequest) }
            do {
                let lookup = timestamp == -3
                    ? try maxTimestampOffset(in: log) : try recordOffset(in: log, forTimestamp: timestamp)
                guard let found = lookup else { return (-1, -1, .none) }
                return (found.offset, found.timestamp, .none)
            } catch {
                logger.error("offset lookup by time failed", metadata: ["error": "\(error)"])
                return (-1, -1, .kafkaStorageError)
            }
        }
    }
}
