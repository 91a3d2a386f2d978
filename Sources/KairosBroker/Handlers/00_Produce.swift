// Produce (key 0), v0-9. Each partition's records are checked (size against max.message.bytes,
// then length, magic, CRC-32C, record count) and stored exactly as they came, compressed batches
// included; the broker only assigns offsets. v3+ carries exactly one RecordBatch v2 per partition.
// Idempotent batches (producer id >= 0) pass the partition's sequence check: a retried duplicate is
// acknowledged with its first offset and not written again; a gap gets OUT_OF_ORDER_SEQUENCE_NUMBER.
// acks must be -1, 0 or 1; acks=0 gets no response. One node is the whole ISR, so acks=all means
// "written to the log", as acks=1 does. Transactional batches need the request's transactional id, its
// producer's current epoch and the partition added to the open transaction (checks in Transactions/).
// Producers may not write control batches (INVALID_RECORD).
import KafkaProtocol
import KairosStorage
import NIOCore

extension ApiHandler {
    /// Produce: no response at all for acks=0.
    static let produce = ApiHandler(ProduceRequest.self) { broker, request, header, context in
        guard let response = broker.handleProduce(request, version: header.apiVersion, context: context) else { return .noResponse }
        return broker.reply(response, header)
    }
}

extension Broker {
    func handleProduce(_ request: ProduceRequest, version: Int16, context: RequestContext) -> ProduceResponse? {
        let now = clock()
        let acksValid = request.acks == -1 || request.acks == 0 || request.acks == 1
        var results: [ProduceResponse.TopicProduceResponse] = []
        results.reserveCapacity(request.topicData.count)
        for topicData in request.topicData {
            let topic = topics.topic(topicData.name)
            var partitions: [ProduceResponse.PartitionProduceResponse] = []
            partitions.reserveCapacity(topicData.partitionData.count)
            for data in topicData.partitionData {
                var result = ProduceResponse.PartitionProduceResponse(index: data.index, errorCode: 0, baseOffset: -1)
                if !acksValid {
                    result.errorCode = ErrorCode.invalidRequiredAcks.rawValue
                } else if let topic, let partition = topic.partition(data.index) {
                    produce(
                        data.records, to: partition, topic: topic, transactionalId: request.transactionalId, version: version,
                        now: now, context: context, into: &result)
                } else {
                    result.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                }
                if result.errorCode != 0 {
                    logger.debug(
                        "produce refused",
                        metadata: ["topic": "\(topicData.name)", "partition": "\(data.index)", "error": "\(ErrorCode(rawValue: result.errorCode))"])
                }
                partitions.append(result)
            }
            results.append(.init(name: topicData.name, partitionResponses: partitions))
        }
        if request.acks == 0 { return nil }
        return ProduceResponse(responses: results, throttleTimeMs: 0)
    }

    private func produce(
        _ records: ByteBuffer?, to partition: Partition, topic: Topic, transactionalId: String?, version: Int16, now: Int64,
        context: RequestContext, into result: inout ProduceResponse.PartitionProduceResponse
    ) {
        guard let records, records.readableBytes > 0 else {
            result.errorCode = ErrorCode.corruptMessage.rawValue
            result.errorMessage = "empty record set"
            return
        }
        let maxBytes = topic.config.maxMessageBytes(broker: config)
        // The magic byte sits at the same place (offset 16) in every message format.
        guard records.readableBytes > 16, let magic = records.getInteger(at: records.readerIndex + 16, as: Int8.self) else {
            result.errorCode = ErrorCode.corruptMessage.rawValue
            return
        }
        var batch = records
        if magic < 2 {
            guard version <= 2 else {
                result.errorCode = ErrorCode.unsupportedForMessageFormat.rawValue
                return
            }
            do {
                batch = try LegacyMessageSet.upConvert(records, maxDecompressedBytes: Limits.decompressedBytesMax, allocator: allocator)
            } catch let error as RecordBatchError {
                result.errorCode = error.errorCode
                result.errorMessage = "\(error)"
                return
            } catch {
                result.errorCode = ErrorCode.corruptMessage.rawValue
                return
            }
        }
        if batch.readableBytes > maxBytes {
            result.errorCode = ErrorCode.messageTooLarge.rawValue
            result.errorMessage = "batch of \(batch.readableBytes) bytes exceeds max.message.bytes \(maxBytes)"
            return
        }
        let header: RecordBatchHeader
        do {
            header = try RecordBatchValidator.validate(batch)
        } catch let error as RecordBatchError {
            result.errorCode = error.errorCode
            result.errorMessage = "\(error)"
            logger.warning(
                "rejected a produced batch",
                metadata: ["topic": "\(topic.name)", "partition": "\(partition.index)", "peer": "\(context.peer)", "error": "\(error)"])
            return
        } catch {
            result.errorCode = ErrorCode.corruptMessage.rawValue
            return
        }
        if let refusal = checkTransactionalWrite(header, transactionalId: transactionalId, topic: topic.name, partition: partition) {
            result.errorCode = refusal.code.rawValue
            result.errorMessage = refusal.message
            return
        }
        let stamp: Int64? = topic.config.usesLogAppendTime(broker: config) ? now : nil
        do {
            switch try partition.append(batch, header: header, stampTimeMs: stamp, nowMs: now, connection: context.connectionId) {
            case .appended(let baseOffset):
                result.baseOffset = baseOffset
                result.logAppendTimeMs = stamp ?? -1
            case .duplicate(let baseOffset):
                result.baseOffset = baseOffset
                result.logAppendTimeMs = stamp ?? -1
            case .rejected(let code):
                result.errorCode = code
            }
            result.logStartOffset = partition.log.logStartOffset
        } catch {
            logger.error(
                "append failed", metadata: ["topic": "\(topic.name)", "partition": "\(partition.index)", "error": "\(error)"])
            result.errorCode = ErrorCode.kafkaStorageError.rawValue
        }
    }
}
