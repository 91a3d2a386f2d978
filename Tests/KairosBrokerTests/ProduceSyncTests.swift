import Dispatch
import KafkaProtocol
import KairosBroker
import KairosStorage
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// fsync-per-ack mode (`log.flush.interval.messages=1`): produce replies wait for the log directory's group commit,
/// and one round syncs every partition written while the previous round ran. The default mode answers at once.
final class ProduceSyncTests: XCTestCase {
    private var directory = ""
    private var group: MultiThreadedEventLoopGroup!

    override func setUpWithError() throws {
        directory = "/tmp/kairos-produce-sync-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    override func tearDownWithError() throws {
        try group.syncShutdownGracefully()
        _ = try? FileManagerLite.removeTree(directory)
    }

    private func openDisk(fsyncPerAck: Bool, observer: HeldRounds) throws -> BrokerHarness {
        var logger = Logger(label: "produce-sync-test")
        logger.logLevel = .critical
        let factory = try DiskLogFactory(directory: directory, defaultConfig: LogConfig(), logger: logger, flushObserver: observer)
        return try BrokerHarness(logFactory: factory) { config in
            if fsyncPerAck { config.log.flushIntervalMessages = 1 }
        }
    }

    private var context: RequestContext {
        RequestContext(connectionId: 7, eventLoop: group.next(), peer: "test")
    }

    private func produceFrame(_ h: BrokerHarness, _ topic: String, partitions: [Int32], acks: Int16 = -1) -> ByteBuffer {
        let request = ProduceRequest(
            transactionalId: nil, acks: acks, timeoutMs: 1000,
            topicData: [.init(name: topic, partitionData: partitions.map { .init(index: $0, records: TestBatch.make([("k", "v")])) })])
        return h.frame(request, version: 9)
    }

    private func decodeProduce(_ h: BrokerHarness, _ reply: BrokerReply) throws -> ProduceResponse {
        guard case .frame(var bytes) = reply else {
            XCTFail("expected a frame, got \(reply)")
            throw HarnessError()
        }
        _ = try bytes.readInt32()
        _ = try ResponseHeader.read(from: &bytes, headerVersion: ApiKey.produce.responseHeaderVersion(9))
        return try ProduceResponse(from: &bytes, version: 9)
    }

    func testRepliesWaitForTheGroupCommitAndOneRoundCoversEveryPartition() throws {
        let observer = HeldRounds()
        let h = try openDisk(fsyncPerAck: true, observer: observer)
        try h.createTopic("t", partitions: 3)
        observer.holdFirstRound()

        guard case .afterSync(let first) = h.broker.handle(frame: produceFrame(h, "t", partitions: [0]), context: context) else {
            return XCTFail("in fsync-per-ack mode the reply waits for the sync")
        }
        XCTAssertTrue(observer.waitForFirstRound())
        var later: [EventLoopFuture<BrokerReply>] = []
        for partitions in [[0], [1], [2], [0, 1, 2], [2]] as [[Int32]] {
            guard case .afterSync(let future) = h.broker.handle(frame: produceFrame(h, "t", partitions: partitions), context: context) else {
                return XCTFail("deferred reply expected")
            }
            later.append(future)
        }
        let answered = NIOLockedValueBox(0)
        for future in [first] + later { future.whenComplete { _ in answered.withLockedValue { $0 += 1 } } }
        usleep(100_000)
        XCTAssertEqual(answered.withLockedValue { $0 }, 0, "no reply before its data is synced")

        observer.releaseFirstRound()
        let firstResponse = try decodeProduce(h, try first.wait())
        XCTAssertEqual(firstResponse.responses[0].partitionResponses.map(\.errorCode), [0])
        XCTAssertEqual(firstResponse.responses[0].partitionResponses.map(\.baseOffset), [0])
        var offsets: [Int32: [Int64]] = [:]
        for future in later {
            for p in try decodeProduce(h, try future.wait()).responses[0].partitionResponses {
                XCTAssertEqual(p.errorCode, 0)
                offsets[p.index, default: []].append(p.baseOffset)
            }
        }
        XCTAssertEqual(offsets, [0: [1, 2], 1: [0, 1], 2: [0, 1, 2]])
        let rounds = observer.rounds
        XCTAssertEqual(rounds.count, 2, "one round for the first batch, one for the seven that queued behind it: \(rounds)")
        XCTAssertEqual(rounds.last?.logs, 3, "the second round synced all three partitions at once")
        XCTAssertEqual(rounds.last?.waiters, 7)
        XCTAssertEqual(observer.logFlushes, 4, "one fsync per partition per round, not one per batch")

        // acks=0 gets no reply, but its batch still reaches the disk in a round of its own.
        XCTAssertTrue(isNoResponse(h.broker.handle(frame: produceFrame(h, "t", partitions: [1], acks: 0), context: context)))
        let deadline = DispatchTime.now() + 10
        while observer.rounds.count < 3 && DispatchTime.now() < deadline { usleep(10_000) }
        XCTAssertEqual(observer.rounds.count, 3)
        h.broker.shutdown()
    }

    func testThePageCacheModeAnswersAtOnceWithoutARound() throws {
        let observer = HeldRounds()
        let h = try openDisk(fsyncPerAck: false, observer: observer)
        try h.createTopic("t", partitions: 2)
        let reply = h.broker.handle(frame: produceFrame(h, "t", partitions: [0, 1]), context: context)
        let response = try decodeProduce(h, reply)
        XCTAssertEqual(response.responses[0].partitionResponses.map(\.errorCode), [0, 0])
        XCTAssertEqual(observer.rounds.count, 0)
        XCTAssertEqual(observer.logFlushes, 0, "the page-cache mode does not fsync before a reply")
        h.broker.shutdown()
    }

    private func isNoResponse(_ reply: BrokerReply) -> Bool {
        if case .noResponse = reply { return true }
        return false
    }
}

/// Counts log flushes and group-commit rounds; can hold the first round until released.
private final class HeldRounds: LogFlushObserver, @unchecked Sendable {
    private let state = NIOLockedValueBox((flushes: 0, rounds: [(logs: Int, waiters: Int)](), holding: false))
    private let firstRoundStarted = DispatchSemaphore(value: 0)
    private let release = DispatchSemaphore(value: 0)

    var logFlushes: Int { state.withLockedValue { $0.flushes } }
    var rounds: [(logs: Int, waiters: Int)] { state.withLockedValue { $0.rounds } }

    func holdFirstRound() { state.withLockedValue { $0.holding = true } }
    func waitForFirstRound() -> Bool { firstRoundStarted.wait(timeout: .now() + 10) == .success }
    func releaseFirstRound() { release.signal() }

    func logFlushed(nanos: Int64) { state.withLockedValue { $0.flushes += 1 } }

    func groupCommitted(logs: Int, waiters: Int, nanos: Int64) {
        let hold: Bool = state.withLockedValue { s in
            s.rounds.append((logs, waiters))
            defer { s.holding = false }
            return s.holding
        }
        if hold {
            firstRoundStarted.signal()
            _ = release.wait(timeout: .now() + 10)
        }
    }
}
