// Produce (key 0), v0-9. Each partition's records are checked (size against max.message.bytes,
// then length, magic, CRC-32C, record count) and stored exactly as they came, compressed batches
// included; the broker only assigns offsets. v3+ carries exactly one RecordBatch v2 per partition.
// Idempotent batches (producer id >= 0) pass the partition's sequence check: a retried duplicate is
// acknowledged with its first offset and not written again; a gap gets OUT_OF_ORDER_SEQUENCE_NUMBER.
// acks must be -1, 0 or 1; acks=0 gets no response. One node is the whole ISR, so acks=all means
// "written to the log", as acks=1 does. In fsync-per-ack mode (log.flush.interval.messages=1) the reply is
// deferred until the log directory's group commit has synced every partition written: one fsync round covers all
// batches that arrived meanwhile. Transactional batches need the request's transactional id, its producer's
// current epoch and the partition added to the open transaction (checks in Transactions/). Producers may not
// write control batches (INVALID_RECORD).
import KafkaProtocol
import KairosStorage
import NIOConcurrencyHelpers
import NIOCore

extension ApiHandler {
    /// Produce: no response at all for acks=0; one after the sync while written partitions wait for their fsync.
    /// Bytes produced count against the client's producer_byte_rate; over it, the answer carries the throttle
    /// time and the connection is muted for it (acks=0 too: muted without an answer).
    static let produce = ApiHandler(ProduceRequest.self) { broker, request, header, context in
        let bytes = request.topicData.reduce(0) { $0 + $1.partitionData.reduce(0) { $0 + ($1.records?.readableBytes ?? 0) } }
        let throttle = broker.clientQuotas.record(
            .producerByteRate, amount: bytes, clientId: header.clientId ?? "", nowMs: broker.clock())
        let answer = broker.answerProduce(request, header: header, context: context, throttleTimeMs: throttle)
        return throttle > 0 ? .muted(answer, milliseconds: throttle) : answer
    }
}

extension Broker {
    /// Where in a produce response a partition sits whose acknowledgement waits for its log's sync.
    private struct AwaitingSync {
        var topic: Int
        var partition: Int
        var log: any LogStore
    }

    /// The reply to a produce request: at once in page-cache mode, deferred in fsync-per-ack mode until every
    /// partition it wrote was synced (a partition whose sync failed is answered with KAFKA_STORAGE_ERROR).
    func answerProduce(
        _ request: ProduceRequest, header: RequestHeader, context: RequestContext, throttleTimeMs: Int64 = 0
    ) -> BrokerReply {
        var awaiting: [AwaitingSync] = []
        let response = handleProduce(request, version: header.apiVersion, context: context) { topic, partition, log in
            if log.syncsBeforeAcknowledging { awaiting.append(AwaitingSync(topic: topic, partition: partition, log: log)) }
        }
        guard var response else {
            // acks=0: nobody waits, but the data must still reach the disk in fsync-per-ack mode.
            for entry in awaiting { entry.log.whenSynced { _ in } }
            return .noResponse
        }
        if throttleTimeMs > 0 { response.throttleTimeMs = Int32(clamping: throttleTimeMs) }
        if awaiting.isEmpty { return reply(response, header) }
        let promise = context.eventLoop.makePromise(of: BrokerReply.self)
        let pending = NIOLockedValueBox((response: response, remaining: awaiting.count))
        for entry in awaiting {
            entry.log.whenSynced { [self] error in
                let finished: ProduceResponse? = pending.withLockedValue { state in
                    if let error {
                        let topic = state.response.responses[entry.topic].name
                        var result = state.response.responses[entry.topic].partitionResponses[entry.partition]
                        logger.error(
                            "log sync failed", metadata: ["topic": "\(topic)", "partition": "\(result.index)", "error": "\(error)"])
                        result.errorCode = ErrorCode.kafkaStorageError.rawValue
                        result.baseOffset = -1
                        state.response.responses[entry.topic].partitionResponses[entry.partition] = result
                    }
                    state.remaining -= 1
                    return state.remaining == 0 ? state.response : nil
                }
                if let finished { promise.succeed(reply(finished, header)) }
            }
        }
        return .afterSync(promise.futureResult)
    }

    /// Answers a produce request (nil for acks=0). `written(topic, partition, log)` hears about every partition
    /// that stored (or recognised as a duplicate) its batch, by its place in the response.
    func handleProduce(
        _ request: ProduceRequest, version: Int16, context: RequestContext,
        written: (_ topic: Int, _ partition: Int, _ log: any LogStore) -> Void = { _, _, _ in }
    ) -> ProduceResponse? {
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
                    if result.errorCode == 0 { written(results.count, partitions.count, partition.log) }
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
