import KafkaProtocol
import KairosClient
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Where the gateway sends records: a producer, or anything with a producer's delivery semantics (a pool of
/// producers). `send` returns only when every record has its final fate, so the gateway never answers a record
/// as written before the broker acknowledged it as `acks` asks.
public protocol RecordSink: Sendable {
    /// Sends `records` in order and returns one report per record, in the same order, once each is acknowledged
    /// or has failed for good. A record that cannot be buffered (the buffer stayed full for `max.block.ms`)
    /// fails, and so do the records after it in the batch, unsent, so that what is written is always a prefix
    /// of the batch in order.
    func send(_ records: [ProducerRecord]) async -> [DeliveryReport]

    /// The largest record (key, value and headers, with the record's framing) the sink can ever take, in bytes.
    var recordBytesLimit: Int { get }

    /// Sends what is buffered and stops taking records.
    func close() async
}

/// Collects the delivery reports of one batch and resumes one waiter when the last has come: a single
/// continuation per batch rather than one per record.
final class DeliveryCollector: Sendable {
    private struct State {
        var reports: [DeliveryReport?]
        var remaining: Int
        var waiter: CheckedContinuation<[DeliveryReport], Never>?
    }

    private let state: NIOLockedValueBox<State>

    /// Expects `count` reports.
    init(count: Int) {
        state = NIOLockedValueBox(State(reports: Array(repeating: nil, count: count), remaining: count))
    }

    /// Records the fate of record `index`; the first report for an index wins.
    func complete(_ index: Int, _ report: DeliveryReport) {
        let finished: (CheckedContinuation<[DeliveryReport], Never>, [DeliveryReport])? = state.withLockedValue { state in
            guard state.reports[index] == nil else { return nil }
            state.reports[index] = report
            state.remaining -= 1
            guard state.remaining == 0, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.reports.map { $0! })
        }
        if let (waiter, reports) = finished { waiter.resume(returning: reports) }
    }

    /// Fails every record from `index` on that has no report yet.
    func fail(from index: Int, with error: KafkaClientError) {
        let count = state.withLockedValue { $0.reports.count }
        for i in index..<count { complete(i, .failure(error)) }
    }

    /// Waits until every record has its report.
    func reports() async -> [DeliveryReport] {
        await withCheckedContinuation { continuation in
            let ready: [DeliveryReport]? = state.withLockedValue { state in
                if state.remaining == 0 { return state.reports.map { $0! } }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// A `RecordSink` over one `KafkaProducer`, replaced by a fresh one when it can no longer send.
public final class KafkaProducerSink: RecordSink {
    private let current: NIOLockedValueBox<KafkaProducer>
    private let makeProducer: (@Sendable () throws -> KafkaProducer)?
    public let recordBytesLimit: Int

    /// The producer records go through now.
    public var producer: KafkaProducer { current.withLockedValue { $0 } }

    /// Sends through `producer` (which the sink closes on `close()`). With `remake`, a producer whose send throws
    /// a retriable error before buffering anything (its producer-id request gave up while the cluster was
    /// unreachable, which `KafkaProducer` keeps for good) is closed and replaced by `remake()`'s. Producers
    /// made for a sink must not own a cluster they share, since closing one would close it for the next.
    public init(producer: KafkaProducer, remake: (@Sendable () throws -> KafkaProducer)? = nil) {
        self.current = NIOLockedValueBox(producer)
        self.makeProducer = remake
        // The producer refuses a record larger than max.request.size or buffer.memory, batch framing included.
        self.recordBytesLimit = min(producer.config.maxRequestSizeBytes, producer.config.bufferMemoryBytes)
            - RecordBatchHeader.size
    }

    public func send(_ records: [ProducerRecord]) async -> [DeliveryReport] {
        let producer = self.producer
        let collector = DeliveryCollector(count: records.count)
        for (index, record) in records.enumerated() {
            do {
                try await producer.send(record) { report in collector.complete(index, report) }
            } catch {
                // Not buffered (buffer full past max.block.ms, closed...): this record and the rest fail unsent.
                let clientError = error as? KafkaClientError ?? .connection("\(error)")
                collector.fail(from: index, with: clientError)
                if clientError.isRetriable && !clientError.isBufferExhausted { replace(producer) }
                break
            }
        }
        return await collector.reports()
    }

    /// Swaps `failed` for a fresh producer (once, however many requests saw it fail) and closes it; records it
    /// still holds are delivered or failed by its close.
    private func replace(_ failed: KafkaProducer) {
        guard let makeProducer, let fresh = try? makeProducer() else { return }
        let swapped = current.withLockedValue { producer in
            guard producer === failed else { return false }
            producer = fresh
            return true
        }
        let retired = swapped ? failed : fresh
        Task { await retired.close() }
    }

    public func close() async {
        await producer.close()
    }
}

/// Closes a sink once the process shuts down gracefully: listed before the HTTP server in a `ServiceGroup`, it
/// is shut down after the server, so requests in progress have their answers before the sink drains and closes.
public struct RecordSinkService: Service {
    /// The sink to close.
    public let sink: any RecordSink

    /// A service closing `sink`.
    public init(sink: any RecordSink) {
        self.sink = sink
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await sink.close()
    }
}
