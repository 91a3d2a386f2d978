import KafkaProtocol
import KairosBroker
import KairosStorage
import Logging
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The broker's topics and producer ids go through the storage's metadata store: they survive a restart, a data
/// directory written before the store existed opens unchanged, and a damaged catalog stops the start with a clear
/// error.
final class BrokerMetadataTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = "/tmp/kairos-metadata-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    override func tearDownWithError() throws {
        _ = try? FileManagerLite.removeTree(directory)
    }

    private var logger: Logger {
        var logger = Logger(label: "metadata-test")
        logger.logLevel = .critical
        return logger
    }

    private func openDisk() throws -> BrokerHarness {
        try BrokerHarness(logFactory: try DiskLogFactory(directory: directory, defaultConfig: LogConfig(), logger: logger))
    }

    private func writeCatalog(_ text: String) throws {
        XCTAssertEqual(mkdir(directory, 0o755), 0)
        let path = directory + "/kairos-catalog.json"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let bytes = Array(text.utf8)
        XCTAssertEqual(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, bytes.count)
        close(fd)
    }

    private func initProducerId(_ h: BrokerHarness) throws -> Int64 {
        let response = try h.call(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 60_000), version: 4)
        XCTAssertEqual(response.errorCode, 0)
        return response.producerId
    }

    /// `kairos-catalog.json` as the broker wrote it before the metadata store existed (a data directory made by that
    /// build: two topics, one with overrides, and one idempotent producer). The storage tests hold the same text.
    private static let catalogWrittenByTheOldBroker = """
        {
          "producerIdLimit" : 1000,
          "topics" : [
            {
              "config" : {
                "overrides" : {

                }
              },
              "idHigh" : 4858989617923640551,
              "idLow" : 10043036953525739512,
              "name" : "events.v1",
              "partitions" : 1
            },
            {
              "config" : {
                "overrides" : {
                  "max.message.bytes" : "65536",
                  "retention.ms" : "3600000"
                }
              },
              "idHigh" : 6607884981932736616,
              "idLow" : 10124567926763253899,
              "name" : "orders",
              "partitions" : 3
            }
          ],
          "version" : 1
        }
        """

    func testADataDirectoryWrittenByTheOldBrokerOpens() throws {
        try writeCatalog(Self.catalogWrittenByTheOldBroker)
        let h = try openDisk()
        defer { h.broker.shutdown() }

        let topics = try h.call(MetadataRequest(topics: nil), version: 12).topics.sorted { ($0.name ?? "") < ($1.name ?? "") }
        XCTAssertEqual(topics.map(\.name), ["events.v1", "orders"])
        XCTAssertEqual(topics.map(\.topicId), [
            KafkaUUID(high: 4_858_989_617_923_640_551, low: 10_043_036_953_525_739_512),
            KafkaUUID(high: 6_607_884_981_932_736_616, low: 10_124_567_926_763_253_899),
        ])
        XCTAssertEqual(topics.map(\.partitions.count), [1, 3])

        // The overrides are in force: orders takes batches up to 65536 bytes, events.v1 the broker's 1 MiB.
        let big = TestBatch.make([(key: nil, value: String(repeating: "x", count: 70_000))])
        XCTAssertEqual(try h.produce("orders", partition: 2, batch: big).errorCode, ErrorCode.messageTooLarge.rawValue)
        XCTAssertEqual(try h.produce("events.v1", batch: big).errorCode, 0)

        // Ids below the stored limit may have been handed out before: the first new one is the limit.
        XCTAssertEqual(try initProducerId(h), 1_000)
    }

    func testTopicsAndProducerIdsSurviveARestart() throws {
        let first = try openDisk()
        try first.createTopic("kept", partitions: 2, configs: ["max.message.bytes": "1000"])
        try first.createTopic("dropped")
        XCTAssertEqual(try first.call(DeleteTopicsRequest(topicNames: ["dropped"], timeoutMs: 1000), version: 5).responses[0].errorCode, 0)
        let ids = try (0..<3).map { _ in try initProducerId(first) }
        XCTAssertEqual(ids, [0, 1, 2])
        let keptId = try first.call(MetadataRequest(topics: nil), version: 12).topics.first { $0.name == "kept" }?.topicId
        first.broker.shutdown()

        let second = try openDisk()
        defer { second.broker.shutdown() }
        let topics = try second.call(MetadataRequest(topics: nil), version: 12).topics
        XCTAssertEqual(topics.map(\.name), ["kept"])
        XCTAssertEqual(topics.first?.topicId, keptId)
        XCTAssertEqual(topics.first?.partitions.count, 2)
        let batch = TestBatch.make([(key: nil, value: String(repeating: "y", count: 2_000))])
        XCTAssertEqual(try second.produce("kept", partition: 1, batch: batch).errorCode, ErrorCode.messageTooLarge.rawValue)
        XCTAssertEqual(try initProducerId(second), Limits.producerIdBlock, "a restart skips the rest of the reserved block")
    }

    func testTheBrokerKeepsItsMetadataInTheStoreItIsGiven() throws {
        let store = MemoryMetadataStore(BrokerMetadata(producerIdLimit: 5_000))
        let h = try BrokerHarness(metadata: store)
        try h.createTopic("t", partitions: 4, configs: ["retention.ms": "1000"])
        XCTAssertEqual(store.current.topics.map(\.name), ["t"])
        XCTAssertEqual(store.current.topics.first?.partitions, 4)
        XCTAssertEqual(store.current.topics.first?.configOverrides, ["retention.ms": "1000"])

        XCTAssertEqual(try initProducerId(h), 5_000)
        XCTAssertEqual(store.current.producerIdLimit, 5_000 + Limits.producerIdBlock, "a block is reserved before an id is handed out")
        let grow = CreatePartitionsRequest(topics: [.init(name: "t", count: 6, assignments: nil)], timeoutMs: 1000, validateOnly: false)
        XCTAssertEqual(try h.call(grow, version: 3).results.first?.errorCode, 0)
        XCTAssertEqual(store.current.topics.first?.partitions, 6)
    }

    func testADamagedCatalogStopsTheStartNamingTheFile() throws {
        try writeCatalog(String(Self.catalogWrittenByTheOldBroker.prefix(200)))
        XCTAssertThrowsError(try openDisk()) { error in
            XCTAssertTrue("\(error)".contains(directory + "/kairos-catalog.json"), "\(error)")
            XCTAssertEqual((error as? StorageError)?.isCorruptMetadata, true, "\(error)")
        }
    }
}
