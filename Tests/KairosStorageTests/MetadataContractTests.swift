import Dispatch
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import KairosStorage

/// The metadata contract, run against every engine: `DiskMetadataStore` (in a temporary directory) and
/// `MemoryMetadataStore`; then what only the disk engine has (crash safety, bad files, the existing format).
final class MetadataContractTests: XCTestCase {
    private var directories: [String] = []

    override func tearDown() {
        for directory in directories { removeTree(directory) }
        directories = []
        super.tearDown()
    }

    private func newDirectory() -> String {
        let directory = makeTemporaryDirectory()
        directories.append(directory)
        return directory
    }

    /// Runs `body` once per engine with a fresh store and a way to open it again (a new `DiskMetadataStore` on the
    /// same directory, as after a restart; the same instance for memory, which lives as long as it is held).
    private func forEachEngine(_ body: (_ engine: String, _ store: any MetadataStore, _ reopen: () throws -> any MetadataStore) throws -> Void) throws {
        let directory = newDirectory()
        let disk = try DiskMetadataStore(directory: directory, logger: testLogger())
        try body("DiskMetadataStore", disk, { try DiskMetadataStore(directory: directory, logger: testLogger()) })
        let memory = MemoryMetadataStore()
        try body("MemoryMetadataStore", memory, { memory })
    }

    private let orders = TopicRecord(
        name: "orders", idHigh: 0x5BB3_0E3F_1C2D_4A68, idLow: UInt64.max, partitions: 3,
        configOverrides: ["retention.ms": "3600000", "max.message.bytes": "65536"])
    private let events = TopicRecord(name: "events.v1", idHigh: 1 << 63, idLow: 0, partitions: 1)

    // MARK: Contract

    func testANewStoreHoldsAnEmptyBrokersMetadata() throws {
        try forEachEngine { engine, store, reopen in
            XCTAssertEqual(store.current, BrokerMetadata(), engine)
            XCTAssertEqual(try reopen().current, BrokerMetadata(), engine)
        }
    }

    func testUpdatesAreKeptSortedAndSurviveReopening() throws {
        try forEachEngine { engine, store, reopen in
            try store.update { $0.topics = [orders, events] }
            try store.update { $0.producerIdLimit = 2_000 }
            let expected = BrokerMetadata(topics: [events, orders], producerIdLimit: 2_000)
            XCTAssertEqual(store.current, expected, "\(engine): topics sorted by name, both kinds kept")
            XCTAssertEqual(try reopen().current, expected, "\(engine): ids with the top bit set and overrides round-trip")

            try store.update { $0.topics.removeAll { $0.name == "orders" } }
            try store.update { $0.topics[0].partitions = 4 }
            let reopened = try reopen()
            XCTAssertEqual(reopened.current.topics.map(\.name), ["events.v1"], engine)
            XCTAssertEqual(reopened.current.topic(named: "events.v1")?.partitions, 4, engine)
            XCTAssertNil(reopened.current.topic(named: "orders"), engine)
            XCTAssertEqual(reopened.current.producerIdLimit, 2_000, engine)
        }
    }

    func testDynamicBrokerConfigsSurviveReopeningAndEmptySetsAreDropped() throws {
        try forEachEngine { engine, store, reopen in
            try store.update { $0.topics = [orders] }
            try store.update {
                $0.dynamicBrokerConfigs[""] = ["log.retention.ms": "60000"]
                $0.dynamicBrokerConfigs["1"] = ["message.max.bytes": "2000000", "log.roll.ms": "1000"]
            }
            XCTAssertEqual(try reopen().current.dynamicBrokerConfigs,
                           ["": ["log.retention.ms": "60000"], "1": ["message.max.bytes": "2000000", "log.roll.ms": "1000"]],
                           engine)
            XCTAssertEqual(try reopen().current.topics, [orders], "\(engine): the other kinds are kept beside it")
            try store.update { $0.dynamicBrokerConfigs[""] = [:] }
            XCTAssertEqual(try reopen().current.dynamicBrokerConfigs, ["1": ["message.max.bytes": "2000000", "log.roll.ms": "1000"]],
                           "\(engine): a resource left with no configs is dropped")
        }
    }

    func testAFileWithoutDynamicBrokerConfigsIsWrittenWithoutTheKey() throws {
        let empty = String(decoding: try MetadataFile.encode(BrokerMetadata(topics: [orders])), as: UTF8.self)
        XCTAssertFalse(empty.contains("dynamicBrokerConfigs"), empty)
        let withConfigs = try MetadataFile.encode(BrokerMetadata(dynamicBrokerConfigs: ["": ["log.retention.ms": "5"]]))
        XCTAssertTrue(String(decoding: withConfigs, as: UTF8.self).contains("\"dynamicBrokerConfigs\""))
        XCTAssertEqual(try MetadataFile.decode(withConfigs, path: "x").dynamicBrokerConfigs, ["": ["log.retention.ms": "5"]])
    }

    func testUpdateReturnsWhatTheChangeReturned() throws {
        try forEachEngine { engine, store, _ in
            let previous = try store.update { metadata -> Int64 in
                defer { metadata.producerIdLimit = 1_000 }
                return metadata.producerIdLimit
            }
            XCTAssertEqual(previous, 0, engine)
            XCTAssertEqual(store.current.producerIdLimit, 1_000, engine)
        }
    }

    func testAChangeThatThrowsLeavesTheMetadataAsItWas() throws {
        struct Refused: Error {}
        try forEachEngine { engine, store, reopen in
            try store.update { $0.topics = [orders] }
            let before = store.current
            XCTAssertThrowsError(try store.update { metadata in
                metadata.topics.append(events)
                metadata.producerIdLimit = 5_000
                throw Refused()
            }) { XCTAssertTrue($0 is Refused, "\(engine): the change's own error comes back") }
            XCTAssertEqual(store.current, before, engine)
            XCTAssertEqual(try reopen().current, before, engine)
        }
    }

    func testTransactionalProducersAreKeptSortedAndSurviveReopening() throws {
        try forEachEngine { engine, store, reopen in
            let b = TransactionalProducerRecord(transactionalId: "b", producerId: 7, producerEpoch: 2, transactionTimeoutMs: 60_000)
            let a = TransactionalProducerRecord(transactionalId: "a", producerId: Int64.max, producerEpoch: 0, transactionTimeoutMs: 1)
            try store.update { $0.transactionalProducers = [b, a] }
            XCTAssertEqual(store.current.transactionalProducers, [a, b], engine)
            XCTAssertEqual(try reopen().current.transactionalProducers, [a, b], engine)
            try store.update { $0.transactionalProducers[1].producerEpoch = 3 }
            XCTAssertEqual(try reopen().current.transactionalProducers.map(\.producerEpoch), [0, 3], engine)
            for (reason, breakage) in [
                ("listed twice", { (m: inout BrokerMetadata) in m.transactionalProducers.append(a) }),
                ("empty transactional id", { (m: inout BrokerMetadata) in m.transactionalProducers[0].transactionalId = "" }),
                ("epoch -1", { (m: inout BrokerMetadata) in m.transactionalProducers[0].producerEpoch = -1 }),
            ] {
                XCTAssertThrowsError(try store.update(breakage), "\(engine): \(reason)") { error in
                    XCTAssertTrue("\(error)".contains(reason), "\(engine): \(error) should say \(reason)")
                }
            }
        }
    }

    func testAFileWithoutTransactionalProducersHasNone() throws {
        let bytes = try MetadataFile.encode(BrokerMetadata(topics: [orders], producerIdLimit: 1_000))
        XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("transactionalProducers"), "the older form is kept")
        XCTAssertEqual(try MetadataFile.decode(bytes, path: "x").transactionalProducers, [])
    }

    func testAnInconsistentUpdateIsRefusedAndChangesNothing() throws {
        try forEachEngine { engine, store, reopen in
            try store.update { $0.topics = [orders] }
            let before = store.current
            let breakages: [(String, (inout BrokerMetadata) -> Void)] = [
                ("listed twice", { $0.topics.append(self.orders) }),
                ("partitions", { $0.topics[0].partitions = 0 }),
                ("empty name", { $0.topics.append(TopicRecord(name: "", idHigh: 1, idLow: 1, partitions: 1)) }),
                ("negative", { $0.producerIdLimit = -1 }),
            ]
            for (reason, breakage) in breakages {
                XCTAssertThrowsError(try store.update(breakage)) { error in
                    let error = error as? StorageError
                    XCTAssertEqual(error?.isInvalidMetadata, true, "\(engine): \(String(describing: error))")
                    XCTAssertTrue("\(error.map { "\($0)" } ?? "")".contains(reason), "\(engine): \(String(describing: error)) should say \(reason)")
                }
                XCTAssertEqual(store.current, before, "\(engine) after \(reason)")
            }
            XCTAssertEqual(try reopen().current, before, engine)
        }
    }

    func testConcurrentUpdatesOfDifferentKindsAreAllKept() throws {
        try forEachEngine { engine, store, reopen in
            // Half the workers add topics (as the topic manager does), half raise the producer-id limit (as the
            // producer-id allocator does): read-modify-write under the store's lock loses neither.
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                for i in 0..<10 {
                    if worker % 2 == 0 {
                        let record = TopicRecord(name: "t\(worker)-\(i)", idHigh: UInt64(worker), idLow: UInt64(i), partitions: 1)
                        try! store.update { $0.topics.append(record) }
                    } else {
                        try! store.update { $0.producerIdLimit = max($0.producerIdLimit, Int64(worker * 1_000 + i)) }
                    }
                }
            }
            for metadata in [store.current, try reopen().current] {
                XCTAssertEqual(metadata.topics.count, 40, engine)
                XCTAssertEqual(Set(metadata.topics.map(\.name)).count, 40, engine)
                XCTAssertEqual(metadata.producerIdLimit, 7_009, engine)
            }
        }
    }

    private let aliceQuota = ClientQuotaRecord(
        entity: [.init(type: "user", name: "alice"), .init(type: "client-id", name: nil)],
        values: ["producer_byte_rate": 1_048_576, "request_percentage": 12.5])
    private let defaultClientQuota = ClientQuotaRecord(
        entity: [.init(type: "client-id", name: nil)], values: ["consumer_byte_rate": 2_000])

    func testClientQuotasAreKeptSortedBesideTopicsAndSurviveReopening() throws {
        try forEachEngine { engine, store, reopen in
            try store.update { $0.topics = [orders] }
            try store.update { $0.clientQuotas = [aliceQuota, defaultClientQuota] }
            let current = store.current
            XCTAssertEqual(current.topics, [orders], "\(engine): topics untouched by a quota update")
            XCTAssertEqual(current.clientQuotas.map(\.sortKey), ["client-id=<default>", "client-id=<default>,user=alice"], engine)
            XCTAssertEqual(current.clientQuotas[1].entity.map(\.type), ["client-id", "user"], "\(engine): parts sorted by type")
            XCTAssertEqual(current.clientQuotas[1].values["request_percentage"], 12.5, engine)
            XCTAssertNil(current.clientQuotas[0].entity[0].name, "\(engine): the default entity stays nil")
            XCTAssertEqual(try reopen().current, current, engine)

            try store.update { $0.clientQuotas.removeAll { $0.sortKey == "client-id=<default>" } }
            XCTAssertEqual(try reopen().current.clientQuotas.map(\.sortKey), ["client-id=<default>,user=alice"], engine)
        }
    }

    func testInconsistentClientQuotasAreRefused() throws {
        try forEachEngine { engine, store, _ in
            let breakages: [(String, (inout BrokerMetadata) -> Void)] = [
                ("listed twice", { $0.clientQuotas = [self.defaultClientQuota, self.defaultClientQuota] }),
                ("no entity", { $0.clientQuotas = [ClientQuotaRecord(entity: [], values: ["producer_byte_rate": 1])] }),
                ("no values", { $0.clientQuotas = [ClientQuotaRecord(entity: [.init(type: "user", name: "a")], values: [:])] }),
                ("repeats a type", {
                    $0.clientQuotas = [ClientQuotaRecord(
                        entity: [.init(type: "user", name: "a"), .init(type: "user", name: "b")], values: ["producer_byte_rate": 1])]
                }),
                ("finite", {
                    $0.clientQuotas = [ClientQuotaRecord(entity: [.init(type: "user", name: "a")], values: ["producer_byte_rate": .nan])]
                }),
            ]
            for (reason, breakage) in breakages {
                XCTAssertThrowsError(try store.update(breakage)) { error in
                    XCTAssertTrue("\(error)".contains(reason), "\(engine): \(error) should say \(reason)")
                }
                XCTAssertEqual(store.current.clientQuotas, [], "\(engine) after \(reason)")
            }
        }
    }

    // MARK: Disk: crash safety

    /// Writes `text` to `path`, replacing it (test setup only; the store never writes this way).
    private func writeFile(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "open \(path)")
        let bytes = Array(text.utf8)
        precondition(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        close(fd)
    }

    private func read(_ path: String) throws -> String? {
        try Posix.readFile(path).map { String(decoding: $0, as: UTF8.self) }
    }

    func testAnUpdateLeavesOnlyTheFinishedFile() throws {
        let directory = newDirectory()
        let store = try DiskMetadataStore(directory: directory, logger: testLogger())
        try store.update { $0.topics = [orders] }
        XCTAssertEqual(try Posix.listDirectory(directory), [DiskMetadataStore.fileName])
        XCTAssertEqual(store.path, directory + "/kairos-catalog.json")
    }

    func testATornTemporaryFileIsIgnoredAtLoad() throws {
        let directory = newDirectory()
        let store = try DiskMetadataStore(directory: directory, logger: testLogger())
        try store.update { $0.topics = [orders, events]; $0.producerIdLimit = 1_000 }
        let saved = store.current
        let complete = try XCTUnwrap(try read(store.path))

        // A crash in the middle of writing the next version: half a file under the temporary name.
        writeFile(String(complete.prefix(complete.count / 2)), to: store.path + ".tmp")
        let afterTornWrite = try DiskMetadataStore(directory: directory, logger: testLogger())
        XCTAssertEqual(afterTornWrite.current, saved)
        XCTAssertNil(try read(store.path + ".tmp"), "the unfinished write is discarded")

        // A crash after the temporary file was complete but before the rename: that update never returned, so
        // the version before it is the one that counts.
        writeFile(complete.replacingOccurrences(of: "1000", with: "9000"), to: store.path + ".tmp")
        XCTAssertEqual(try DiskMetadataStore(directory: directory, logger: testLogger()).current, saved)

        // A crash before the first version was renamed into place: still an empty broker.
        let fresh = newDirectory()
        writeFile("{\"produc", to: fresh + "/kairos-catalog.json.tmp")
        XCTAssertEqual(try DiskMetadataStore(directory: fresh, logger: testLogger()).current, BrokerMetadata())
    }

    func testAFailedWriteChangesNothing() throws {
        let directory = newDirectory()
        let store = try DiskMetadataStore(directory: directory, logger: testLogger())
        try store.update { $0.topics = [orders] }
        let before = store.current
        // The directory goes away under the store: the temporary file cannot be created.
        removeTree(directory)
        XCTAssertThrowsError(try store.update { $0.producerIdLimit = 1_000 }) { error in
            XCTAssertNotNil((error as? StorageError)?.errno, "\(error)")
            XCTAssertTrue("\(error)".contains("kairos-catalog.json.tmp"), "\(error)")
        }
        XCTAssertEqual(store.current, before)
    }

    // MARK: Disk: bad content

    func testACorruptCatalogGivesAnErrorNamingTheFileAndTheProblem() throws {
        let valid = String(decoding: try MetadataFile.encode(BrokerMetadata(topics: [orders], producerIdLimit: 1_000)), as: UTF8.self)
        let cases: [(content: String, says: String)] = [
            ("", "not readable JSON"),
            (String(valid.prefix(valid.count - 20)), "not readable JSON"),
            ("[1, 2]", "wrong value: Expected to decode Dictionary"),
            (valid.replacingOccurrences(of: "\"partitions\" : 3", with: "\"partitions\" : \"three\""), "topics[0].partitions"),
            (valid.replacingOccurrences(of: "\"producerIdLimit\"", with: "\"producerIdLimitX\""), "missing key \"producerIdLimit\""),
            (valid.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2"), "format version 2; this Kairos reads version 1"),
            (valid.replacingOccurrences(of: "\"partitions\" : 3", with: "\"partitions\" : 0"), "orders has 0 partitions"),
            (valid.replacingOccurrences(of: "\"partitions\" : 3", with: "\"partitions\" : -2"), "orders has -2 partitions"),
            (valid.replacingOccurrences(of: "\"producerIdLimit\" : 1000", with: "\"producerIdLimit\" : -5"), "producerIdLimit is negative"),
        ]
        for (content, says) in cases {
            let directory = newDirectory()
            writeFile(content, to: directory + "/kairos-catalog.json")
            XCTAssertThrowsError(try DiskMetadataStore(directory: directory, logger: testLogger()), says) { error in
                let error = error as? StorageError
                XCTAssertEqual(error?.isCorruptMetadata, true, "\(String(describing: error))")
                let text = error.map { "\($0)" } ?? ""
                XCTAssertTrue(text.contains(directory + "/kairos-catalog.json"), "names the file: \(text)")
                XCTAssertTrue(text.contains(says), "says \(says): \(text)")
            }
        }
        let directory = newDirectory()
        let twice = valid.replacingOccurrences(of: "\"topics\" : [", with: "\"topics\" : [" + topicJSON(name: "orders") + ",")
        writeFile(twice, to: directory + "/kairos-catalog.json")
        XCTAssertThrowsError(try DiskMetadataStore(directory: directory, logger: testLogger())) { error in
            XCTAssertTrue("\(error)".contains("topic orders is listed twice"), "\(error)")
        }
    }

    private func topicJSON(name: String) -> String {
        #"{ "config" : { "overrides" : { } }, "idHigh" : 1, "idLow" : 2, "name" : "\#(name)", "partitions" : 1 }"#
    }

    // MARK: Disk: the format the broker wrote before storage owned it

    /// `kairos-catalog.json` exactly as the broker wrote it when the catalog was its own file (before the metadata
    /// store): taken from a data directory made by that build with two topics (one with overrides) and an
    /// idempotent producer. No newline at the end, as that encoder wrote it.
    static let catalogWrittenByTheOldBroker = """
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

    static let metadataInTheOldCatalog = BrokerMetadata(
        topics: [
            TopicRecord(name: "events.v1", idHigh: 4_858_989_617_923_640_551, idLow: 10_043_036_953_525_739_512, partitions: 1),
            TopicRecord(
                name: "orders", idHigh: 6_607_884_981_932_736_616, idLow: 10_124_567_926_763_253_899, partitions: 3,
                configOverrides: ["max.message.bytes": "65536", "retention.ms": "3600000"]),
        ],
        producerIdLimit: 1_000)

    func testACatalogWrittenByTheOldBrokerOpensAndIsWrittenBackInTheSameForm() throws {
        let directory = newDirectory()
        writeFile(Self.catalogWrittenByTheOldBroker, to: directory + "/kairos-catalog.json")
        let store = try DiskMetadataStore(directory: directory, logger: testLogger())
        XCTAssertEqual(store.current, Self.metadataInTheOldCatalog)

        // What this store writes is byte for byte what the old broker wrote, so an older Kairos reads it too.
        XCTAssertEqual(String(decoding: try MetadataFile.encode(store.current), as: UTF8.self), Self.catalogWrittenByTheOldBroker)
        try store.update { $0.producerIdLimit = 2_000 }
        try store.update { $0.producerIdLimit = 1_000 }
        XCTAssertEqual(try read(store.path), Self.catalogWrittenByTheOldBroker)
    }
}
