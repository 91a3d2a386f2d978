import KafkaProtocol
import Logging
import NIOCore

/// Takes ready batches from the accumulator and sends them: one Produce request per leader broker per pass,
/// at most `max.in.flight.requests.per.connection` unanswered per broker. Retriable failures go back to the
/// accumulator after `retry.backoff.ms` (and mark the topic's metadata stale); the rest fail their records.
///
/// The sender lives on one event loop (the one its connections use when the producer owns its cluster): passes,
/// request writes, answers and the wake-ups between them happen on that thread, so a busy producer costs no thread
/// hand-offs beyond the application's appends. Only connecting and metadata refreshes run as tasks, and they come
/// back to the loop with their results.
final class ProducerSender: @unchecked Sendable {
    // @unchecked: every mutable field is touched only on `eventLoop`.
    private var inFlight: [Int32: Int] = [:]
    private var staleTopics: Set<String> = []
    private var refreshing = false
    private var nextRefreshNanos: UInt64 = 0
    private var stopping = false
    private var stopped = false
    private var fetchingProducerId = false
    /// Open connections by leader; a missing or closed one is opened by a task.
    private var connections: [Int32: BrokerConnection] = [:]
    /// Requests built while their leader's connection opens, in order.
    private var waitingForConnection: [Int32: [(request: ProduceRequest, batches: [ProducerBatch])]] = [:]

    private let accumulator: RecordAccumulator
    private let cluster: KafkaCluster
    private let config: ProducerConfig
    private let metrics: ProducerMetrics
    private let wakeup: SenderWakeup
    private let logger: Logger
    private let now: @Sendable () -> UInt64
    private let eventLoop: EventLoop
    private let stoppedPromise: EventLoopPromise<Void>

    init(accumulator: RecordAccumulator, cluster: KafkaCluster, config: ProducerConfig, metrics: ProducerMetrics,
         wakeup: SenderWakeup, logger: Logger, now: @escaping @Sendable () -> UInt64) {
        self.accumulator = accumulator
        self.cluster = cluster
        self.config = config
        self.metrics = metrics
        self.wakeup = wakeup
        self.logger = logger
        self.now = now
        self.eventLoop = wakeup.eventLoop
        self.stoppedPromise = wakeup.eventLoop.makePromise(of: Void.self)
    }

    /// Starts the passes.
    func start() {
        wakeup.start { [self] in pass() }
    }

    /// Asks the sender to end once everything buffered is done.
    func stop() {
        eventLoop.execute {
            self.stopping = true
            self.wakeup.signal()
        }
    }

    /// Returns once the sender has ended after `stop()`.
    func waitUntilStopped() async {
        try? await stoppedPromise.futureResult.get()
    }

    /// Drains and sends until nothing more can go out, then arms the timer for the next linger or retry deadline.
    private func pass() {
        while true {
            if stopping && accumulator.isEmpty {
                if !stopped {
                    stopped = true
                    wakeup.cancelTimer()
                    stoppedPromise.succeed()
                }
                return
            }
            let metadata = cluster.cachedMetadata
            let stale = staleTopics
            let drained = accumulator.drain(
                leaderOf: { tp in stale.contains(tp.topic) ? nil : metadata.leader(topic: tp.topic, partition: tp.partition) },
                partitionCountOf: { metadata.partitionCount(topic: $0) },
                inFlightPerBroker: inFlight)
            for batch in drained.expired {
                let last = batch.lastError.map { "; last error: \($0)" } ?? ""
                fail(batch, .timedOut("delivery.timeout.ms=\(config.deliveryTimeoutMs) passed before \(batch.topicPartition) was delivered\(last)"),
                     wasInFlight: false)
            }
            if drained.fetchProducerId { fetchNewProducerId() }
            var nextCheck = drained.nextCheckNanos
            if !drained.topicsNeedingMetadata.isEmpty {
                if let retryAt = refreshMetadata(drained.topicsNeedingMetadata) {
                    nextCheck = min(nextCheck ?? .max, retryAt)
                }
            }
            // Requests are written in drain order, so batches of a partition reach the broker in sequence.
            for (leader, batches) in drained.byLeader {
                inFlight[leader, default: 0] += 1
                produce(to: leader, batches: batches)
            }
            if drained.byLeader.isEmpty {
                if let nextCheck { wakeup.wake(atNanos: nextCheck) }
                return
            }
        }
    }

    /// Starts one metadata refresh at a time; returns when to look again if one is running or was too recent.
    private func refreshMetadata(_ topics: Set<String>) -> UInt64? {
        let nowNanos = now()
        let backoffNanos = UInt64(max(config.client.retryBackoffMs, 1)) * 1_000_000
        guard !refreshing, nowNanos >= nextRefreshNanos else { return nowNanos + backoffNanos }
        refreshing = true
        let cluster = self.cluster, logger = self.logger
        Task {
            do {
                try await cluster.refreshMetadata(topics: Array(topics), allowAutoTopicCreation: true)
            } catch {
                logger.debug("metadata refresh for \(topics.sorted()) failed: \(error)")
            }
            self.eventLoop.execute {
                self.refreshing = false
                self.staleTopics.subtract(topics)
                self.nextRefreshNanos = self.now() + backoffNanos
                self.wakeup.signal()
            }
        }
        return nowNanos + backoffNanos
    }

    private func finishedRequest(to leader: Int32) {
        inFlight[leader, default: 1] -= 1
        wakeup.signal()
    }

    /// Seals the batches into one Produce request for `leader` and writes it (or queues it while connecting).
    private func produce(to leader: Int32, batches: [ProducerBatch]) {
        var topicData: [String: [ProduceRequest.PartitionProduceData]] = [:]
        var sending: [ProducerBatch] = []
        let nowNanos = now()
        for batch in batches {
            do {
                // Sealed already when the appending thread compressed it: count its first send by attempts.
                let firstAttempt = batch.attempts == 0
                let bytes = try batch.finish(compression: config.compression)
                if firstAttempt {
                    metrics.recordBatchSent(wireBytes: bytes.readableBytes, uncompressedBytes: batch.uncompressedBytes,
                                            records: batch.recordCount, queueTimeNanos: RecordAccumulator.elapsed(from: batch.createdNanos, to: nowNanos))
                }
                batch.attempts += 1
                topicData[batch.topicPartition.topic, default: []].append(
                    .init(index: batch.topicPartition.partition, records: bytes))
                sending.append(batch)
            } catch {
                fail(batch, .invalidArgument("cannot compress with \(config.compression.name): \(error)"), wasInFlight: true)
            }
        }
        guard !sending.isEmpty else { return finishedRequest(to: leader) }
        let request = ProduceRequest(
            transactionalId: nil, acks: config.acks.rawValue, timeoutMs: Int32(clamping: config.client.requestTimeoutMs),
            topicData: topicData.map { .init(name: $0.key, partitionData: $0.value) })
        if let connection = connections[leader], connection.isActive {
            return write(request, batches: sending, to: leader, on: connection)
        }
        connections[leader] = nil
        if waitingForConnection[leader] != nil {
            waitingForConnection[leader]!.append((request, sending))
            return
        }
        waitingForConnection[leader] = [(request, sending)]
        let cluster = self.cluster
        Task {
            let result: Result<BrokerConnection, Error>
            do { result = .success(try await cluster.connection(to: leader)) } catch { result = .failure(error) }
            self.eventLoop.execute { self.connected(to: leader, result) }
        }
    }

    /// A connection attempt ended: the requests that waited for it go out in order, or fail.
    private func connected(to leader: Int32, _ result: Result<BrokerConnection, Error>) {
        let waiting = waitingForConnection.removeValue(forKey: leader) ?? []
        switch result {
        case .success(let connection):
            connections[leader] = connection
            for entry in waiting { write(entry.request, batches: entry.batches, to: leader, on: connection) }
        case .failure(let error):
            for entry in waiting {
                failed(entry.batches, leader: leader, error: error)
                finishedRequest(to: leader)
            }
        }
    }

    /// Writes one request; its answer is handled where the future completes (this loop, for our own connections).
    private func write(_ request: ProduceRequest, batches sending: [ProducerBatch], to leader: Int32,
                       on connection: BrokerConnection) {
        let version: Int16
        do {
            version = try connection.version(of: .produce)
            guard version >= 3 else { throw KafkaClientError.unsupportedVersion(.produce) }
        } catch {
            failed(sending, leader: leader, error: error)
            return finishedRequest(to: leader)
        }
        let started = now()
        // Room for the record sets plus the request's own fields (topic names, header, client id).
        let sizeHint = sending.reduce(512) { $0 + ($1.encoded?.readableBytes ?? 0) + 64 }
        if config.acks == .none {
            connection.enqueueWithoutResponse(request, version: version, sizeHintBytes: sizeHint).hop(to: eventLoop)
                .whenComplete { result in
                    switch result {
                    case .success: for batch in sending { self.succeed(batch, baseOffset: -1, logAppendTimeMs: -1) }
                    case .failure(let error): self.failed(sending, leader: leader, error: error)
                    }
                    self.finishedRequest(to: leader)
                }
            return
        }
        connection.enqueue(request, version: version, timeoutMs: config.client.requestTimeoutMs, sizeHintBytes: sizeHint)
            .hop(to: eventLoop)
            .whenComplete { result in
                do {
                    var body = try result.get()
                    let response: ProduceResponse
                    do {
                        response = try ProduceResponse(from: &body, version: version)
                    } catch {
                        throw KafkaClientError.protocolViolation("cannot decode Produce v\(version): \(error)")
                    }
                    self.metrics.recordRequestLatency(nanos: RecordAccumulator.elapsed(from: started, to: self.now()))
                    self.handle(response, for: sending)
                } catch {
                    self.failed(sending, leader: leader, error: error)
                }
                self.finishedRequest(to: leader)
            }
    }

    private func handle(_ response: ProduceResponse, for sending: [ProducerBatch]) {
        var answers: [TopicPartition: ProduceResponse.PartitionProduceResponse] = [:]
        for topic in response.responses {
            for partition in topic.partitionResponses {
                answers[TopicPartition(topic: topic.name, partition: partition.index)] = partition
            }
        }
        for batch in sending {
            guard let answer = answers[batch.topicPartition] else {
                retryOrFail(batch, .protocolViolation("no Produce answer for \(batch.topicPartition)"))
                continue
            }
            let code = ErrorCode(answer.errorCode)
            if code == .none {
                succeed(batch, baseOffset: answer.baseOffset, logAppendTimeMs: answer.logAppendTimeMs)
            } else if code == .duplicateSequenceNumber {
                // The broker already has this batch from an earlier attempt: delivered, offset unknown.
                succeed(batch, baseOffset: -1, logAppendTimeMs: -1)
            } else {
                retryOrFail(batch, .broker(code, message: answer.errorMessage ?? "\(batch.topicPartition)"))
            }
        }
    }

    private func failed(_ sending: [ProducerBatch], leader: Int32, error: Error) {
        let clientError = error as? KafkaClientError ?? .connection("\(error)")
        if clientError.errorCode == nil && clientError.isRetriable {
            cluster.dropConnection(to: leader)
            connections[leader] = nil
        }
        for batch in sending { retryOrFail(batch, clientError) }
    }

    private func succeed(_ batch: ProducerBatch, baseOffset: Int64, logAppendTimeMs: Int64) {
        metrics.recordsDelivered(batch.recordCount)
        batch.complete(baseOffset: baseOffset, logAppendTimeMs: logAppendTimeMs)
        accumulator.batchDone(batch, wasInFlight: true)
    }

    private func fail(_ batch: ProducerBatch, _ error: KafkaClientError, wasInFlight: Bool) {
        metrics.recordErrors(batch.recordCount)
        batch.fail(error)
        accumulator.batchDone(batch, wasInFlight: wasInFlight)
        // Its sequence numbers will never reach the broker: later batches of its partition would meet a gap.
        if config.enableIdempotence && !stopping { accumulator.requireNewProducerId() }
    }

    /// Retries while the error allows it, `retries` are left and `delivery.timeout.ms` has room for the backoff.
    private func retryOrFail(_ batch: ProducerBatch, _ error: KafkaClientError) {
        let nowNanos = now()
        let backoffNanos = UInt64(config.client.retryBackoffMs) * 1_000_000
        let deadline = batch.createdNanos &+ UInt64(config.deliveryTimeoutMs) * 1_000_000
        let inTime = batch.attempts <= config.client.retries && nowNanos &+ backoffNanos < deadline
        let code = error.errorCode
        // Too large for the broker: sent again in halves (Kafka's producer does the same); one record cannot be split.
        if inTime, code == .messageTooLarge || code == .recordListTooLarge, batch.recordCount > 1 {
            do {
                let parts = try batch.split(maxBytes: min(config.batchSizeBytes, batch.sizeBytes / 2),
                                            compression: config.compression)
                logger.debug("\(batch.topicPartition): batch of \(batch.recordCount) records too large, split in \(parts.count)")
                accumulator.requeue(batch, splitInto: parts, notBeforeNanos: nowNanos)
                // The parts need sequence numbers of their own: renumber everything under a new producer id.
                accumulator.requireNewProducerId()
                return
            } catch {
                return fail(batch, .protocolViolation("cannot split \(batch.topicPartition)'s batch: \(error)"), wasInFlight: true)
            }
        }
        var retriable = error.isRetriable
        if config.enableIdempotence {
            if code == .outOfOrderSequenceNumber {
                // Expected after an earlier batch failed or while the producer renews its id; alone, the broker and
                // this producer disagree about the sequence: a new producer id restarts the sequences at 0.
                if !accumulator.hasEarlierUnacknowledged(than: batch) && !accumulator.isWaitingForNewProducerId {
                    accumulator.requireNewProducerId()
                }
                retriable = true
            } else if code == .unknownProducerId || code == .invalidProducerEpoch {
                // The broker forgot this producer (its records were deleted) or it was fenced: renew the id and resend.
                accumulator.requireNewProducerId()
                retriable = true
            }
        }
        guard retriable, inTime else {
            fail(batch, error, wasInFlight: true)
            return
        }
        logger.debug("retrying \(batch.topicPartition) after \(error)")
        batch.lastError = error
        if code != .outOfOrderSequenceNumber && code != .unknownProducerId && code != .invalidProducerEpoch {
            // Leaders move, topics appear: look again before the retry goes out.
            cluster.invalidateMetadataAge()
            staleTopics.insert(batch.topicPartition.topic)
        }
        accumulator.requeue(batch, notBeforeNanos: nowNanos &+ backoffNanos)
    }

    /// Asks the cluster for a new producer id (one request at a time, retried after `retry.backoff.ms`); the
    /// accumulator then renumbers what is queued and sending resumes.
    private func fetchNewProducerId() {
        guard !fetchingProducerId else { return }
        fetchingProducerId = true
        let cluster = self.cluster, config = self.config, logger = self.logger
        Task {
            let outcome: Result<InitProducerIdResponse, Error>
            do {
                let connection = try await cluster.anyConnection()
                let response = try await connection.send(InitProducerIdRequest(
                    transactionalId: nil, transactionTimeoutMs: Int32(clamping: config.deliveryTimeoutMs),
                    producerId: -1, producerEpoch: -1))
                if response.errorCode != 0 { throw KafkaClientError.broker(ErrorCode(response.errorCode)) }
                outcome = .success(response)
            } catch {
                outcome = .failure(error)
            }
            self.eventLoop.execute {
                self.fetchingProducerId = false
                switch outcome {
                case .success(let response):
                    logger.debug("new producer id \(response.producerId), epoch \(response.producerEpoch)")
                    self.accumulator.setNewProducerId(response.producerId, epoch: response.producerEpoch)
                case .failure(let error):
                    logger.debug("InitProducerId failed: \(error); retrying")
                    self.wakeup.wake(atNanos: self.now() &+ UInt64(max(config.client.retryBackoffMs, 1)) * 1_000_000)
                }
            }
        }
    }
}
