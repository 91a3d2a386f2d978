import KafkaProtocol
import KairosStorage
import Logging
import NIOCore
import NIOEmbedded
import XCTest

@testable import KairosBroker

/// Committed offsets on disk: they survive a clean restart and an abandoned (never closed) broker,
/// and snapshots keep the log short.
final class GroupOffsetLogTests: XCTestCase {
    private var directory = ""
    private let clock = VirtualClock()
    private let loop = EmbeddedEventLoop()
    private var logger: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    override func setUpWithError() throws {
        directory = "/tmp/kairos-group-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    override func tearDownWithError() throws {
        _ = try? FileManagerLite.removeTree(directory)
    }

    private func openBroker() throws -> Broker {
        var config = BrokerConfig()
        config.logDir = directory
        let factory = try DiskLogFactory(directory: directory, defaultConfig: config.log, logger: logger)
        return try Broker(config: config, logFactory: factory, logger: logger, clock: { [clock] in clock.nowMs },
                          randomId: sequentialTopicIds(high: 7))
    }

    private func call<R: KafkaRequestMessage>(_ broker: Broker, _ request: R, version: Int16) throws -> R.Response {
        var frame = ByteBuffer()
        RequestHeader(apiKey: R.apiKey.rawValue, apiVersion: version, correlationId: 1, clientId: "t").write(into: &frame)
        request.write(into: &frame, version: version)
        var bytes: ByteBuffer
        switch broker.handle(frame: frame, context: RequestContext(connectionId: 1, eventLoop: loop, peer: "t")) {
        case .frame(let b): bytes = b
        case .deferred(let f):
            loop.run()
            guard case .frame(let b) = try f.wait() else { throw HarnessError() }
            bytes = b
        default: throw HarnessError()
        }
        _ = try bytes.readInt32()
        _ = try ResponseHeader.read(from: &bytes, headerVersion: R.apiKey.responseHeaderVersion(version))
        return try R.Response(from: &bytes, version: version)
    }

    private func commit(_ broker: Broker, group: String, _ offsets: [Int32: Int64]) throws {
        let request = OffsetCommitRequest(
            groupId: group,
            topics: [.init(name: "t", partitions: offsets.sorted { $0.key < $1.key }.map {
                .init(partitionIndex: $0.key, committedOffset: $0.value, committedLeaderEpoch: 2, committedMetadata: "md-\($0.value)")
            })])
        let response = try call(broker, request, version: 8)
        XCTAssertTrue(response.topics.allSatisfy { $0.partitions.allSatisfy { $0.errorCode == 0 } })
    }

    private func fetch(_ broker: Broker, group: String) throws -> [Int32: (Int64, String?)] {
        let response = try call(broker, OffsetFetchRequest(groupId: group, topics: nil), version: 7)
        var out: [Int32: (Int64, String?)] = [:]
        for t in response.topics { for p in t.partitions { out[p.partitionIndex] = (p.committedOffset, p.metadata) } }
        return out
    }

    private func createTopic(_ broker: Broker) throws {
        let request = CreateTopicsRequest(topics: [.init(name: "t", numPartitions: 4, replicationFactor: 1)], timeoutMs: 1000)
        XCTAssertEqual(try call(broker, request, version: 7).topics.first?.errorCode, 0)
    }

    func testOffsetsSurviveACleanRestart() throws {
        let broker = try openBroker()
        try createTopic(broker)
        try commit(broker, group: "g", [0: 10, 1: 20])
        try commit(broker, group: "g", [1: 25])
        broker.shutdown()
        let reopened = try openBroker()
        defer { reopened.shutdown() }
        let offsets = try fetch(reopened, group: "g")
        XCTAssertEqual(offsets[0]?.0, 10)
        XCTAssertEqual(offsets[1]?.0, 25)
        XCTAssertEqual(offsets[1]?.1, "md-25")
        let topics = try call(reopened, MetadataRequest(topics: nil), version: 12).topics.map(\.name)
        XCTAssertEqual(topics, ["t"], "the offsets log was not adopted as a topic")
    }

    func testAcknowledgedOffsetsSurviveABrokerThatNeverClosed() throws {
        let broker = try openBroker()
        try createTopic(broker)
        try commit(broker, group: "g", [2: 7])
        // No shutdown: the process "dies"; what the commit wrote is in the files (page cache).
        let second = try openBroker()
        defer {
            second.shutdown()
            broker.shutdown()
        }
        XCTAssertEqual(try fetch(second, group: "g")[2]?.0, 7)
    }

    func testSnapshotsKeepTheLogShortAndReplayTheSameState() throws {
        var config = GroupConfig.testing
        config.snapshotMinRecords = 50
        config.offsetsSegmentBytes = 4_096
        var brokerConfig = BrokerConfig()
        brokerConfig.logDir = directory
        let factory = try DiskLogFactory(directory: directory, defaultConfig: brokerConfig.log, logger: logger)
        let service = try GroupService(config: config, broker: brokerConfig, factory: factory, logger: logger, now: clock.nowMs,
                                       randomId: { KafkaUUID(high: 1, low: 1) })
        for round in 0..<400 {
            let partition = Int32(round % 8)
            _ = service.submit(now: clock.nowMs, eventLoop: loop, encode: { _ in .noResponse }) { token in
                .commit(OffsetCommitInput(
                    token: token, groupId: "g\(round % 3)", generationId: -1, memberId: "", groupInstanceId: nil, retentionTimeMs: -1,
                    partitions: [.init(partition: GroupTopicPartition(topic: "t", partition: partition), exists: true,
                                       offset: Int64(round), leaderEpoch: -1, metadata: "x", commitTimestampMs: -1)]))
            }
            service.tick(now: clock.nowMs)
        }
        let expected = service.read { $0.snapshotRecords }
        service.shutdown()
        let logDir = directory + "/__consumer_offsets-0"
        let logBytes = try FileManagerLite.listFiles(logDir).filter { $0.hasSuffix(".log") }.reduce(0) { $0 + (try FileManagerLite.size(logDir + "/" + $1)) }
        XCTAssertLessThan(logBytes, 3 * 4_096 + 8_192, "400 commits, but the log keeps little more than a snapshot")
        let replayed = try GroupService(config: config, broker: brokerConfig, factory: factory, logger: logger, now: clock.nowMs,
                                        randomId: { KafkaUUID(high: 1, low: 1) })
        defer { replayed.shutdown() }
        XCTAssertEqual(replayed.read { $0.snapshotRecords }, expected)
        XCTAssertEqual(expected.count, 3 + 3 * 8 - 0, "three groups, each with its record and eight offsets")
    }
}

/// The few file operations the tests need, without Foundation.
enum FileManagerLite {
    static func listFiles(_ dir: String) throws -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(cString: raw.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func size(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { return 0 }
        return Int(st.st_size)
    }

    static func removeTree(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try listFiles(path) { try removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
