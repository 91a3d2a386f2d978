import KafkaProtocol
import KairosClient
import KairosControl
import NIOCore
import XCTest

/// `partitioner=ipooa` against a running Kairos broker: the load comes over the wire (KairosPartitionLoad), hot
/// partitions are made by many producing connections, growth by CreatePartitions.
final class IPOOAProducerTests: XCTestCase {
    private func config(_ broker: TestBroker, _ properties: [String: String] = [:]) throws -> ProducerConfig {
        var props = ["bootstrap.servers": broker.address.description, "client.id": "ipooa-test", "retry.backoff.ms": "20",
                     "request.timeout.ms": "10000", "linger.ms": "0"]
        props.merge(properties) { $1 }
        return try ProducerConfig(properties: props)
    }

    /// Opens `count` producers, each on its own connection, and has each send one record to every partition in
    /// `partitions`: the broker then counts `count` producing connections on each of them.
    private func crowd(_ broker: TestBroker, topic: String, partitions: [Int32], count: Int) async throws -> [KafkaProducer] {
        var producers: [KafkaProducer] = []
        for i in 0..<count {
            let producer = try KafkaProducer(config: config(broker, ["client.id": "crowd-\(i)"]))
            for p in partitions { _ = try await producer.send(ProducerRecord(topic: topic, partition: p, value: "crowd")) }
            producers.append(producer)
        }
        return producers
    }

    private func partitionCount(_ admin: KafkaAdmin, _ topic: String) async throws -> Int {
        try await admin.describeTopics([topic]).first?.partitions.count ?? 0
    }

    func testAHotPartitionMakesKeylessRecordsGoElsewhereWhileKeyedOnesStay() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("hot", partitions: 4)
        // Eight connections on partition 0, one on each of the others: ISC(0) = 0.25 + 0.5·8/10.75 = 0.62.
        let crowded = try await self.crowd(broker, topic: "hot", partitions: [0], count: 8)
        let others = try await self.crowd(broker, topic: "hot", partitions: [1, 2, 3], count: 1)
        let producer = try KafkaProducer(config: config(broker, [
            "partitioner": "ipooa", "ipooa.threshold": "0.55", "ipooa.load.refresh.ms": "100", "batch.size": "64"]))
        // The first record starts the load read; give it time to arrive.
        _ = try await producer.send(ProducerRecord(topic: "hot", value: "warm-up"))
        try await Task.sleep(nanoseconds: 400_000_000)
        var keyless: [Int32: Int] = [:]
        for i in 0..<200 {
            let metadata = try await producer.send(ProducerRecord(topic: "hot", value: "keyless \(i) padding padding"))
            keyless[metadata.partition, default: 0] += 1
        }
        XCTAssertNil(keyless[0], "keyless records avoid the hot partition: \(keyless)")
        XCTAssertEqual(keyless.values.reduce(0, +), 200)
        XCTAssertGreaterThanOrEqual(keyless.count, 2, "the sticky start still spreads them: \(keyless)")
        // Keyed records keep their murmur2 partition under the default ipooa.keyed=strict.
        let hash = KeyHash.murmur2
        var keyedOnHot = 0
        for i in 0..<40 {
            let key = "k\(i)"
            let expected = Array(key.utf8).withUnsafeBytes { hash.partition(of: $0, partitionCount: 4) }
            let metadata = try await producer.send(ProducerRecord(topic: "hot", key: key, value: "keyed"))
            XCTAssertEqual(metadata.partition, expected, key)
            if expected == 0 { keyedOnHot += 1 }
        }
        XCTAssertGreaterThan(keyedOnHot, 0, "some keys hash to the hot partition and stay there")
        let finalHot = try await partitionCount(admin, "hot")
        XCTAssertEqual(finalHot, 4, "one hot partition is diverted around, not grown")
        await producer.close()
        for p in crowded + others { await p.close() }
        await admin.close()
        await broker.stop()
    }

    func testAnEvenLoadAddsNoPartition() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("even", partitions: 4)
        let others = try await self.crowd(broker, topic: "even", partitions: [0, 1, 2, 3], count: 3)
        let producer = try KafkaProducer(config: config(broker, [
            "partitioner": "ipooa", "ipooa.threshold": "0.5", "ipooa.load.refresh.ms": "50", "ipooa.grow.cooldown.ms": "0",
            "batch.size": "64"]))
        var spread: [Int32: Int] = [:]
        for i in 0..<300 {
            let metadata = try await producer.send(ProducerRecord(topic: "even", value: "even \(i) padding padding"))
            spread[metadata.partition, default: 0] += 1
            if i % 50 == 0 { try await Task.sleep(nanoseconds: 60_000_000) }
        }
        XCTAssertEqual(spread.values.reduce(0, +), 300)
        let finalEven = try await partitionCount(admin, "even")
        XCTAssertEqual(finalEven, 4)
        await producer.close()
        for p in others { await p.close() }
        await admin.close()
        await broker.stop()
    }

    func testTwoProducersRacingToGrowTheTopicGrowItOnce() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("race", partitions: 4)
        // Three partitions crowded alike, one nearly idle: from 0, 1 or 2 the similar candidates are the crowded ones,
        // so three of four are tried in vain (Θ 0.5, each well above the average) and both producers ask for growth.
        let crowded = try await self.crowd(broker, topic: "race", partitions: [0, 1, 2], count: 6)
        let props = ["partitioner": "ipooa", "ipooa.threshold": "0.5", "ipooa.load.refresh.ms": "50",
                     "ipooa.grow.cooldown.ms": "60000", "batch.size": "64"]
        let first = try KafkaProducer(config: config(broker, props.merging(["client.id": "racer-1"]) { $1 }))
        let second = try KafkaProducer(config: config(broker, props.merging(["client.id": "racer-2"]) { $1 }))
        _ = try await first.send(ProducerRecord(topic: "race", partition: 3, value: "warm-up"))
        _ = try await second.send(ProducerRecord(topic: "race", partition: 3, value: "warm-up"))
        // Keyless sends start the load reads; after them, starts on 0-2 ask for growth, from both producers at once.
        _ = try await first.send(ProducerRecord(topic: "race", value: "x"))
        _ = try await second.send(ProducerRecord(topic: "race", value: "x"))
        try await Task.sleep(nanoseconds: 500_000_000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in [first, second] {
                group.addTask {
                    for i in 0..<100 { _ = try await producer.send(ProducerRecord(topic: "race", value: "race \(i) padding")) }
                }
            }
            try await group.waitForAll()
        }
        var count = 0
        for _ in 0..<50 {
            count = try await partitionCount(admin, "race")
            if count > 4 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTAssertEqual(count, 5, "grown to exactly N + 1")
        // Let any request still in flight land, then check again: no second growth.
        try await Task.sleep(nanoseconds: 500_000_000)
        let finalRace = try await partitionCount(admin, "race")
        XCTAssertEqual(finalRace, 5)
        // Both producers were refreshed by the shared growth service and send to the new partition too.
        XCTAssertEqual(first.cluster.partitionCount(topic: "race"), 5)
        XCTAssertEqual(second.cluster.partitionCount(topic: "race"), 5)
        await first.close()
        await second.close()
        for p in crowded { await p.close() }
        await admin.close()
        await broker.stop()
    }

    func testGrowthServicesOnTwoClusterViewsRacingGrowOnceAndTheLoserRefreshes() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("duel", partitions: 2)
        let views = [KafkaCluster(config: broker.clientConfig), KafkaCluster(config: broker.clientConfig)]
        let services = views.map { PartitionGrowthService(cluster: $0, maxPartitions: 10, cooldownMs: 60_000) }
        await withTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { await service.requestAndWait(topic: "duel", partitions: 2) } }
        }
        let count = try await partitionCount(admin, "duel")
        XCTAssertEqual(count, 3)
        let reasons = services.flatMap(\.decisionReasons)
        XCTAssertEqual(reasons.filter { $0.hasPrefix("grew duel to 3") }.count, 1, "\(reasons)")
        XCTAssertEqual(reasons.filter { $0.contains("grown by someone else") }.count, 1, "\(reasons)")
        // Both views now know 3 partitions; within the cooldown neither grows again.
        for (service, view) in zip(services, views) {
            XCTAssertEqual(view.partitionCount(topic: "duel"), 3)
            await service.requestAndWait(topic: "duel", partitions: 3)
        }
        let after = try await partitionCount(admin, "duel")
        XCTAssertEqual(after, 3)
        for view in views { await view.close() }
        await admin.close()
        await broker.stop()
    }

    func testPropertiesAreReadAndOutOfRangeValuesNamed() throws {
        let base = ["bootstrap.servers": "127.0.0.1:9092", "partitioner": "ipooa"]
        let config = try ProducerConfig(properties: base.merging([
            "ipooa.lambda": "0.4", "ipooa.threshold": "0.65", "ipooa.minkowski.p": "1", "ipooa.weights": "1, 1, 0, 0, 2",
            "ipooa.max.partitions": "12", "ipooa.grow.cooldown.ms": "500", "ipooa.load.refresh.ms": "250", "ipooa.keyed": "divert",
        ]) { $1 })
        guard case .ipooa = config.partitioner else { return XCTFail("partitioner=ipooa not read") }
        let parameters = try config.ipooa.parameters()
        XCTAssertEqual(parameters.lambda, 0.4)
        XCTAssertEqual(parameters.threshold, 0.65)
        XCTAssertEqual(parameters.minkowskiP, 1)
        XCTAssertEqual(parameters.weights, [0.25, 0.25, 0, 0, 0.5])
        XCTAssertEqual(parameters.maxPartitions, 12)
        XCTAssertEqual(parameters.growCooldownMs, 500)
        XCTAssertEqual(parameters.keyed, .divert)
        XCTAssertEqual(config.ipooa.loadRefreshMs, 250)
        for (key, value) in [("ipooa.threshold", "0.7"), ("ipooa.minkowski.p", "3"), ("ipooa.keyed", "loose"), ("ipooa.lambda", "0.9")] {
            XCTAssertThrowsError(try ProducerConfig(properties: base.merging([key: value]) { $1 })) {
                XCTAssertTrue("\($0)".contains(key), "\($0)")
            }
        }
        // The open ends of λ's range and a wrong number of weights pass the property's format but not the method's.
        for (key, value) in [("ipooa.lambda", "0.35"), ("ipooa.weights", "1,1")] {
            let edge = try ProducerConfig(properties: base.merging([key: value]) { $1 })
            XCTAssertThrowsError(try edge.ipooa.parameters()) { XCTAssertTrue("\($0)".contains(key), "\($0)") }
            XCTAssertThrowsError(try KafkaProducer(config: edge)) { XCTAssertTrue("\($0)".contains(key), "\($0)") }
        }
    }

    func testTheStandardProtocolGivesTheSameSubscriptionsAndLagAsTheLoadApi() async throws {
        let broker = try await TestBroker.start(properties: ["group.initial.rebalance.delay.ms": "0"])
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("std", partitions: 3)
        let producer = try KafkaProducer(config: config(broker))
        for i in 0..<14 { _ = try await producer.send(ProducerRecord(topic: "std", partition: i < 10 ? 0 : 1, value: "r\(i)")) }
        await producer.close()
        let consumer = KafkaConsumer(config: try ConsumerConfig(properties: [
            "bootstrap.servers": broker.address.description, "group.id": "slow", "auto.offset.reset": "earliest",
            "enable.auto.commit": "false", "heartbeat.interval.ms": "100", "fetch.max.wait.ms": "20", "retry.backoff.ms": "20"]))
        try await consumer.subscribe(["std"])
        var assigned = 0
        for _ in 0..<200 where assigned < 3 {
            _ = try await consumer.poll(timeoutMs: 20)
            assigned = await consumer.assignedPartitions.count
        }
        XCTAssertEqual(assigned, 3)
        try await consumer.commit([TopicPartition(topic: "std", partition: 0): 2])

        let view = KafkaCluster(config: broker.clientConfig)
        let standard = await IPOOALoadFeed(cluster: view, refreshMs: 100, useKairosApi: false).refresh(topic: "std")
        let kairos = await IPOOALoadFeed(cluster: view, refreshMs: 100).refresh(topic: "std")
        let s = try XCTUnwrap(standard), k = try XCTUnwrap(kairos)
        XCTAssertFalse(s.hasConnections)
        XCTAssertTrue(k.hasConnections)
        XCTAssertEqual(s.loads.map(\.subscriptions), [1, 1, 1])
        XCTAssertEqual(k.loads.map(\.subscriptions), [1, 1, 1])
        // 10 − 2 committed; 4 owed from the log start; nothing on the empty partition.
        XCTAssertEqual(s.loads.map(\.lag), [8, 4, 0])
        XCTAssertEqual(k.loads.map(\.lag), [8, 4, 0])
        await consumer.close(autoCommit: false)
        await view.close()
        await admin.close()
        await broker.stop()
    }

    /// The producer's own counts, as the accumulator would give them.
    private struct OwnLoads: PartitionLoadSource {
        var inFlight: [Int]
        func loads(topic: String, partitionCount: Int) -> [PartitionLoad] {
            (0..<partitionCount).map { PartitionLoad(partition: Int32($0), inFlightBatches: inFlight[$0]) }
        }
    }

    func testWithoutBrokerLoadTheProducersOwnInFlightBatchesStandForConnections() throws {
        // In flight 10, 0, 0, 0: ISC(0) = 0.25 + 0.5·10/12.5 = 0.65 > 0.6; the others 0.25.
        let own = OwnLoads(inFlight: [10, 0, 0, 0])
        let key = (0..<1000).map { "key-\($0)" }.first { k in
            Array(k.utf8).withUnsafeBytes { KeyHash.murmur2.partition(of: $0, partitionCount: 4) } == 0
        }!
        let strict = IPOOAPartitioner(parameters: try IPOOAParameters(), loadRefreshMs: 1000, batchSizeBytes: 100, feed: nil, growth: nil)
        XCTAssertEqual(strict.partition(topic: "t", key: ByteBuffer(string: key), partitionCount: 4, loads: own), 0)
        let divert = IPOOAPartitioner(parameters: try IPOOAParameters(keyed: .divert), loadRefreshMs: 1000, batchSizeBytes: 100,
                                      feed: nil, growth: nil)
        // From 0 all others are equally similar: the lowest index wins the tie.
        XCTAssertEqual(divert.partition(topic: "t", key: ByteBuffer(string: key), partitionCount: 4, loads: own), 1)
        XCTAssertEqual(divert.outcomeCounts[.diverted], 1)
        for _ in 0..<100 {
            XCTAssertNotEqual(divert.partition(topic: "t", key: nil, partitionCount: 4, loads: own), 0)
            divert.recordAppended(topic: "t", partition: 1, bytes: 30)
        }
    }
}
