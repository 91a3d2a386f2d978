// Fetch (key 1), v0-12. Reads whole batches from each partition's log, starting at the batch that
// holds the fetch offset, within partition_max_bytes and (v3+) the response's max_bytes; the first
// batch of the first non-empty partition is returned even when larger, so a big batch never stalls
// a consumer. Record sets from segment files go out with zero copy (the transport sends them with
// sendfile). Long polling: with fewer than min_bytes available the fetch waits up to max_wait_ms and
// answers as soon as an append to one of its partitions gives it enough. Fetch sessions (v7+) are
// declined (session id 0), so clients send full requests. v0-3 get their batches down-converted to
// the old message formats, from memory. read_committed (isolation level 1, v4+) stops at the last stable
// offset (the first offset of the earliest open transaction) and lists the aborted transactions in range.
import KafkaProtocol
import KairosStorage
import NIOCore

extension ApiHandler {
    /// Fetch: may wait for data, and sends record sets from segment files with zero copy, so it makes its own reply.
    /// Held at v12 whatever the codec learns: v13+ names topics by id only.
    static let fetch = ApiHandler(FetchRequest.self, versions: 0...12) { broker, request, header, context in
        broker.handleFetch(request, header: header, context: context)
    }
}

extension Broker {
    func handleFetch(_ request: FetchRequest, header: RequestHeader, context: RequestContext) -> BrokerReply {
        let version = header.apiVersion
        if version >= 7 && request.sessionId != 0 {
            let response = FetchResponse(errorCode: ErrorCode.fetchSessionIdNotFound.rawValue, sessionId: 0, responses: [])
            return reply(response, header)
        }
        let first = readFetch(request, version: version, clientId: header.clientId ?? "")
        let waitMs = min(Int64(request.maxWaitMs), Limits.fetchWaitMsMax)
        if waitMs <= 0 || first.isSatisfied(minBytes: request.minBytes) {
            return encodeFetch(first, header: header, connection: context.connectionId)
        }
        first.release()
        let wait = PendingFetch(broker: self, request: request, header: header, context: context)
        return .deferred(wait.start(waitMs: waitMs))
    }

    /// Reads every requested partition once. Under a consumer_byte_rate quota a response holds at most what the
    /// quota allows in its windows (as in Kafka), so one large fetch can never stay over the quota for good.
    func readFetch(_ request: FetchRequest, version: Int16, clientId: String) -> FetchAttempt {
        var attempt = FetchAttempt()
        var remaining = version >= 3 ? Int(max(request.maxBytes, 0)) : Int.max
        remaining = min(remaining, config.fetchMaxBytes, clientQuotas.maxBytesInWindow(.consumerByteRate, clientId: clientId))
        var gotData = false
        for topicRequest in request.topics {
            let topic = topics.topic(topicRequest.topic)
            var partitions: [FetchResponse.PartitionData] = []
            for p in topicRequest.partitions {
                var data = FetchResponse.PartitionData(partitionIndex: p.partition, errorCode: 0, highWatermark: -1)
                data.abortedTransactions = version >= 4 ? [] : nil
                var records: LogReadData = .empty
                if let topic, let partition = topic.partition(p.partition) {
                    let log = partition.log
                    let end = log.logEndOffset
                    let stable = lastStableOffset(topic: topicRequest.topic, partition: p.partition, highWatermark: end)
                    let readCommitted = version >= 4 && request.isolationLevel == 1
                    data.highWatermark = end
                    data.lastStableOffset = stable
                    data.logStartOffset = log.logStartOffset
                    if p.fetchOffset < log.logStartOffset || p.fetchOffset > end {
                        data.errorCode = ErrorCode.offsetOutOfRange.rawValue
                        attempt.hasError = true
                    } else if p.fetchOffset < (readCommitted ? stable : end) && remaining > 0 {
                        let limit = min(Int(max(p.partitionMaxBytes, 0)), remaining)
                        do {
                            var result = try log.read(
                                from: p.fetchOffset, maxBytes: limit, minOneBatch: version >= 3 && !gotData)
                            if readCommitted {
                                (result.data, result.nextOffset) = try committedPart(of: result, lastStable: stable)
                                data.abortedTransactions = abortedTransactions(
                                    topic: topicRequest.topic, partition: p.partition, from: p.fetchOffset, upTo: result.nextOffset)
                            }
                            records = result.data
                            if records.length > 0 {
                                gotData = true
                                remaining -= records.length
                                attempt.sent.append((partition, max(result.nextOffset - p.fetchOffset, 0), Int64(records.length)))
                            }
                        } catch let error as StorageError where error.isOffsetOutOfRange {
                            data.errorCode = ErrorCode.offsetOutOfRange.rawValue
                            attempt.hasError = true
                        } catch {
                            logger.error(
                                "fetch read failed",
                                metadata: ["topic": "\(topicRequest.topic)", "partition": "\(p.partition)", "error": "\(error)"])
                            data.errorCode = ErrorCode.kafkaStorageError.rawValue
                            attempt.hasError = true
                        }
                    }
                } else {
                    data.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    attempt.hasError = true
                }
                if version < 4 && records.length > 0 {
                    records = downConvert(records, toMagic: version < 2 ? 0 : 1)
                }
                attempt.bytes += records.length
                attempt.records.append(records)
                partitions.append(data)
            }
            attempt.topics.append(.init(topic: topicRequest.topic, partitions: partitions))
        }
        return attempt
    }

    /// Encodes a fetch answer, leaving file-backed record sets out of the buffers for zero copy.
    func encodeFetch(_ attempt: FetchAttempt, header: RequestHeader, connection: UInt64) -> BrokerReply {
        let now = clock()
        // consumer_byte_rate. A client within its quota gets what it asked for, and when that takes it over, the
        // throttle time with it and a muted connection. A client over its quota already (a fetch on another of its
        // connections) is answered at once with no records and the throttle time, and those bytes are not counted,
        // as Kafka does. (Kafka answers empty whenever the fetch goes over; a single batch larger than the quota's
        // window would then never be delivered.)
        let clientId = header.clientId ?? ""
        let overAlready = clientQuotas.pendingThrottleMs(.consumerByteRate, clientId: clientId, nowMs: now) > 0
        let throttle = clientQuotas.record(.consumerByteRate, amount: attempt.bytes, clientId: clientId, nowMs: now)
        if throttle > 0 && overAlready {
            clientQuotas.unrecord(.consumerByteRate, amount: attempt.bytes, clientId: clientId, nowMs: now)
            attempt.release()
            var empty = FetchResponse(
                throttleTimeMs: Int32(clamping: throttle), errorCode: 0, sessionId: 0, responses: attempt.topics)
            for t in empty.responses.indices {
                for p in empty.responses[t].partitions.indices { empty.responses[t].partitions[p].records = ByteBuffer() }
            }
            return .muted(reply(empty, header), milliseconds: throttle)
        }
        let answer = encodeFetchRecords(attempt, header: header, connection: connection, now: now, throttleMs: throttle)
        return throttle > 0 ? .muted(answer, milliseconds: throttle) : answer
    }

    private func encodeFetchRecords(
        _ attempt: FetchAttempt, header: RequestHeader, connection: UInt64, now: Int64, throttleMs: Int64
    ) -> BrokerReply {
        for (partition, records, bytes) in attempt.sent {
            partition.counters.recordFetch(records: records, bytes: bytes, connection: connection, nowMs: now)
        }
        var response = FetchResponse(
            throttleTimeMs: Int32(clamping: throttleMs), errorCode: 0, sessionId: 0, responses: attempt.topics)
        var external: [Int?] = []
        var files: [LogReadData] = []
        var index = 0
        for t in response.responses.indices {
            for p in response.responses[t].partitions.indices {
                let records = attempt.records[index]
                index += 1
                switch records {
                case .file:
                    external.append(records.length)
                    files.append(records)
                case .bytes(let buffer):
                    external.append(nil)
                    response.responses[t].partitions[p].records = buffer
                case .empty:
                    external.append(nil)
                    response.responses[t].partitions[p].records = ByteBuffer()
                }
            }
        }
        if files.isEmpty { return reply(response, header) }
        var parts = response.writeSplit(version: header.apiVersion, externalRecordsLengths: external, allocator: allocator)
        var head = allocator.buffer(capacity: 16 + parts[0].readableBytes)
        head.writeInteger(Int32(0))
        ResponseEncoding.writeResponseHeader(into: &head, header: header)
        head.writeImmutableBuffer(parts[0])
        parts[0] = head
        let total = parts.reduce(0) { $0 + $1.readableBytes } + files.reduce(0) { $0 + $1.length } - 4
        parts[0].setInteger(Int32(total), at: parts[0].readerIndex)
        return .frameWithRecords(parts: parts, records: files)
    }

    /// Rewrites v2 batches in an old message format for Fetch v0-3 clients.
    private func downConvert(_ records: LogReadData, toMagic magic: Int8) -> LogReadData {
        do {
            let bytes = try records.readAllBytes()
            return .bytes(try LegacyMessageSet.downConvert(
                bytes, toMagic: magic, maxDecompressedBytes: Limits.decompressedBytesMax, allocator: allocator))
        } catch {
            logger.error("down-conversion failed", metadata: ["error": "\(error)"])
            return .empty
        }
    }
}

/// One pass over a fetch's partitions: the response so far and the record sets it would send.
struct FetchAttempt {
    var topics: [FetchResponse.FetchableTopicResponse] = []
    /// One entry per partition, in response order.
    var records: [LogReadData] = []
    /// What each partition would send: for the load counters, recorded only when sent.
    var sent: [(Partition, Int64, Int64)] = []
    var bytes = 0
    var hasError = false

    func isSatisfied(minBytes: Int32) -> Bool {
        hasError || bytes >= Int(max(minBytes, 1))
    }

    /// Closes the file handles of an attempt that will not be sent.
    func release() {
        for r in records {
            if case .file(let handle, _, _) = r { try? handle.close() }
        }
    }
}

/// A fetch waiting for data: re-reads on every append to its partitions, answers when satisfied or
/// at its deadline. Lives on its connection's event loop.
final class PendingFetch: @unchecked Sendable {
    // @unchecked: every mutable field is touched only on `context.eventLoop`.
    private let broker: Broker
    private let request: FetchRequest
    private let header: RequestHeader
    private let context: RequestContext
    private let promise: EventLoopPromise<BrokerReply>
    private var waiter: FetchWaiter?
    private var timer: Scheduled<Void>?
    private var partitions: [Partition] = []
    private var done = false

    init(broker: Broker, request: FetchRequest, header: RequestHeader, context: RequestContext) {
        self.broker = broker
        self.request = request
        self.header = header
        self.context = context
        self.promise = context.eventLoop.makePromise(of: BrokerReply.self)
    }

    func start(waitMs: Int64) -> EventLoopFuture<BrokerReply> {
        context.eventLoop.execute {
            let waiter = FetchWaiter(eventLoop: self.context.eventLoop) { [self] in self.recheck(final: false) }
            self.waiter = waiter
            self.timer = self.context.eventLoop.scheduleTask(in: .milliseconds(waitMs)) { self.recheck(final: true) }
            // Register first, then read: an append between the two still wakes us.
            self.partitions = self.broker.fetchPartitions(self.request)
            for p in self.partitions { p.waiters.add(waiter) }
            self.recheck(final: false)
        }
        return promise.futureResult
    }

    private func recheck(final: Bool) {
        guard !done else { return }
        let attempt = broker.readFetch(request, version: header.apiVersion, clientId: header.clientId ?? "")
        if final || attempt.isSatisfied(minBytes: request.minBytes) {
            done = true
            timer?.cancel()
            if let waiter { for p in partitions { p.waiters.remove(waiter) } }
            promise.succeed(broker.encodeFetch(attempt, header: header, connection: context.connectionId))
            return
        }
        attempt.release()
        if let waiter {
            waiter.rearm()
            for p in partitions { p.waiters.add(waiter) }
        }
    }
}

extension Broker {
    /// The partitions a fetch reads, for registering a waiter on them.
    func fetchPartitions(_ request: FetchRequest) -> [Partition] {
        request.topics.flatMap { t -> [Partition] in
            guard let topic = topics.topic(t.topic) else { return [] }
            return t.partitions.compactMap { topic.partition($0.partition) }
        }
    }
}
