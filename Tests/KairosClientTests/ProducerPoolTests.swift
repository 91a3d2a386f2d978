import Atomics
import KafkaProtocol
import KairosClient
import NIOConcurrencyHelpers
import NIOCore
import XCTest

/// `ProducerPool` against a real Kairos broker: resizing under load, delivery errors, close, start-up times.
final class ProducerPoolTests: XCTestCase {
    private func poolProperties(_ broker: TestBroker, _ properties: [String: String] = [:]) -> [String: String] {
        var props = ["bootstrap.servers": broker.address.description, "client.id": "pool-test",
                     "retry.backoff.ms": "20", "request.timeout.ms": "10000", "linger.ms": "2"]
        props.merge(properties) { $1 }
        return props
    }

    /// Every delivery report, by record value.
    private final class Reports: Sendable {
        let byValue = NIOLockedValueBox<[String: [DeliveryReport]]>([:])
        func add(_ value: String, _ report: DeliveryReport) { byValue.withLockedValue { $0[value, default: []].append(report) } }
        var all: [String: [DeliveryReport]] { byValue.withLockedValue { $0 } }
    }

    private func waitUntil(_ what: String, timeoutSeconds: Double = 20, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        while !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func testResizeUnderLoadLosesNothingDuplicatesNothingAndKeepsKeyOrder() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("pooled", partitions: 4)
        let startups = NIOLockedValueBox<[PoolMemberStartup]>([])
        let pool = try ProducerPool(properties: poolProperties(broker, [
            "producers.min": "1", "producers.max": "3", "producers.initial": "1"])) { startup in
            startups.withLockedValue { $0.append(startup) }
        }
        let reports = Reports()
        let stop = ManagedAtomic(false)
        // Four tasks send keyed records without waiting for acknowledgements (each task owns its keys, so the send
        // order of a key is that task's order); a fifth sends keyless records and waits for each one's metadata.
        let keyed = (0..<4).map { task in
            Task { () -> [String: Int] in
                var next: [String: Int] = [:]
                var i = 0
                while !stop.load(ordering: .relaxed) {
                    let key = "t\(task)-k\(i % 6)"
                    let seq = next[key, default: 0]
                    next[key] = seq + 1
                    let value = "\(key)|\(seq)"
                    try await pool.send(ProducerRecord(topic: "pooled", key: key, value: value)) { reports.add(value, $0) }
                    i += 1
                    if i % 20 == 0 { try await Task.sleep(for: .milliseconds(1)) }
                }
                return next
            }
        }
        let keylessGo = ManagedAtomic(false)
        let keyless = Task { () -> [String: RecordMetadata] in
            var written: [String: RecordMetadata] = [:]
            var seq = 0
            // Starts late, so the first growth is carried by keyed records alone.
            while !keylessGo.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(1)) }
            while !stop.load(ordering: .relaxed) {
                let value = "free|\(seq)"
                written[value] = try await pool.send(ProducerRecord(topic: "pooled", value: value))
                seq += 1
            }
            return written
        }

        try await Task.sleep(for: .milliseconds(300))
        try pool.resize(to: 3)
        XCTAssertEqual(pool.activeCount, 3)
        try await waitUntil("every member to take keyed records") {
            pool.snapshot().members.allSatisfy { $0.recordsAcked > 50 }
        }
        try pool.resize(to: 1)
        XCTAssertEqual(pool.activeCount, 1)
        await pool.waitForRetiredMembers()
        var snapshot = pool.snapshot()
        XCTAssertEqual(snapshot.members.map(\.state), [.active, .closed, .closed], "retired members drain, then close")
        XCTAssertEqual(snapshot.members[1].inFlight, 0)
        XCTAssertEqual(snapshot.members[2].inFlight, 0)
        let retiredSent = snapshot.members[1].recordsSent + snapshot.members[2].recordsSent
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(pool.snapshot().members[1].recordsSent + pool.snapshot().members[2].recordsSent, retiredSent,
                       "closed members take no records")
        try pool.resize(to: 2)
        keylessGo.store(true, ordering: .relaxed)
        try await waitUntil("the re-activated member to take records") {
            pool.snapshot().members[1].recordsAcked > snapshot.members[1].recordsAcked + 50
        }
        // Quick cycles: each retirement catches keys with records still lingering in the retired members.
        for _ in 0..<6 {
            try pool.resize(to: 3)
            try await Task.sleep(for: .milliseconds(60))
            try pool.resize(to: 1)
            try await Task.sleep(for: .milliseconds(30))
        }
        try pool.resize(to: 2)
        try await Task.sleep(for: .milliseconds(200))
        stop.store(true, ordering: .relaxed)
        var sentPerKey: [String: Int] = [:]
        for task in keyed { sentPerKey.merge(try await task.value) { $1 } }
        let keylessWritten = try await keyless.value
        await pool.flush()
        snapshot = pool.snapshot()
        await pool.close()

        // Every record was acknowledged exactly once, through the pool's counts and the delivery reports.
        let keyedTotal = sentPerKey.values.reduce(0, +)
        XCTAssertGreaterThan(keyedTotal, 1000, "the load must be real")
        XCTAssertEqual(snapshot.recordsSent, keyedTotal + keylessWritten.count)
        XCTAssertEqual(snapshot.recordsAcked, snapshot.recordsSent)
        XCTAssertEqual(snapshot.recordsFailed, 0)
        XCTAssertEqual(snapshot.inFlight, 0)
        XCTAssertGreaterThanOrEqual(snapshot.members[1].starts, 2, "member 1 was closed and started again")
        let all = reports.all
        XCTAssertEqual(all.count, keyedTotal)
        for (value, delivered) in all {
            XCTAssertEqual(delivered.count, 1, "\(value) reported \(delivered.count) times")
            if case .failure(let error) = delivered[0] { XCTFail("\(value): \(error)") }
        }
        XCTAssertEqual(Set(startups.withLockedValue { $0.map(\.member) }), [0, 1, 2])

        // What the broker holds: every record once, each key's records in send order on one partition.
        var seqsPerKey: [String: [Int]] = [:]
        var partitionOfKey: [String: Int32] = [:]
        var keylessRead: [String: Int64] = [:]
        for partition in Int32(0)..<4 {
            for record in try await readAll(topic: "pooled", partition: partition, from: broker.address,
                                            config: broker.clientConfig) {
                let parts = record.value!.split(separator: "|")
                if parts[0] == "free" {
                    XCTAssertNil(keylessRead[record.value!], "\(record.value!) written twice")
                    keylessRead[record.value!] = record.offset
                    XCTAssertEqual(keylessWritten[record.value!]?.partition, partition)
                    continue
                }
                let key = String(parts[0])
                XCTAssertEqual(record.key, key)
                if let known = partitionOfKey[key] { XCTAssertEqual(known, partition, key) } else { partitionOfKey[key] = partition }
                seqsPerKey[key, default: []].append(Int(parts[1])!)
            }
        }
        XCTAssertEqual(Set(seqsPerKey.keys), Set(sentPerKey.keys))
        for (key, count) in sentPerKey {
            XCTAssertEqual(seqsPerKey[key], Array(0..<count), "key \(key): lost, duplicated or reordered")
        }
        XCTAssertEqual(keylessRead.count, keylessWritten.count)
        for (value, metadata) in keylessWritten { XCTAssertEqual(keylessRead[value], metadata.offset, value) }
        await admin.close()
        await broker.stop()
    }

    func testDeliveryErrorsSurfacePerRecord() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("small", partitions: 1, configs: ["max.message.bytes": "1000"])
        let pool = try ProducerPool(properties: poolProperties(broker, ["producers.initial": "2", "linger.ms": "20"]))
        let reports = Reports()
        let big = String(repeating: "b", count: 2000)
        for i in 0..<40 {
            let value = i % 4 == 3 ? "\(i)|" + big : "\(i)|small"
            try await pool.send(ProducerRecord(topic: "small", key: "k\(i % 8)", value: value)) { reports.add(value, $0) }
        }
        await pool.flush()
        do {
            _ = try await pool.send(ProducerRecord(topic: "small", value: "awaited|" + big))
            XCTFail("a record the broker refuses must throw")
        } catch let error as KafkaClientError {
            XCTAssertEqual(error.errorCode, .messageTooLarge, "\(error)")
        }
        let metadata = try await pool.send(ProducerRecord(topic: "small", value: "awaited|small"))
        XCTAssertEqual(metadata.partition, 0)
        let all = reports.all
        XCTAssertEqual(all.count, 40)
        for (value, delivered) in all {
            XCTAssertEqual(delivered.count, 1)
            switch delivered[0] {
            case .success: XCTAssertFalse(value.hasSuffix(big), "\(value.prefix(8)) must fail")
            case .failure(let error):
                XCTAssertTrue(value.hasSuffix(big), "\(value) failed: \(error)")
                XCTAssertEqual(error.errorCode, .messageTooLarge)
            }
        }
        let snapshot = pool.snapshot()
        XCTAssertEqual(snapshot.recordsFailed, 11)
        XCTAssertEqual(snapshot.recordsAcked, 31)
        await pool.close()
        let read = try await readAll(topic: "small", from: broker.address, config: broker.clientConfig)
        XCTAssertEqual(read.count, 31)
        XCTAssertTrue(read.allSatisfy { $0.value!.hasSuffix("small") })
        await admin.close()
        await broker.stop()
    }

    func testCloseDrainsEveryMemberAndThenRefusesRecords() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("drained", partitions: 3)
        // A long linger: the records are still buffered when close is called.
        let pool = try ProducerPool(properties: poolProperties(broker, [
            "producers.initial": "3", "linger.ms": "30000"]))
        let reports = Reports()
        for i in 0..<300 {
            try await pool.send(ProducerRecord(topic: "drained", key: "k\(i % 30)", value: "\(i)")) { reports.add("\(i)", $0) }
        }
        XCTAssertEqual(pool.snapshot().members.filter { $0.recordsSent > 0 }.count, 3, "keys spread over the members")
        XCTAssertEqual(reports.all.count, 0, "nothing acknowledged before close")
        await pool.close()
        let all = reports.all
        XCTAssertEqual(all.count, 300)
        XCTAssertTrue(all.values.allSatisfy { $0.count == 1 && (try? $0[0].get()) != nil })
        var read = 0
        for partition in Int32(0)..<3 {
            read += try await readAll(topic: "drained", partition: partition, from: broker.address,
                                      config: broker.clientConfig).count
        }
        XCTAssertEqual(read, 300)
        do {
            try await pool.send(ProducerRecord(topic: "drained", value: "late"), onDelivery: nil)
            XCTFail("a closed pool takes no records")
        } catch let error as KafkaClientError {
            XCTAssertTrue(error.isClosed, "\(error)")
        }
        XCTAssertThrowsError(try pool.resize(to: 2)) { XCTAssertTrue(($0 as? KafkaClientError)?.isClosed ?? false) }
        XCTAssertEqual(pool.snapshot().members.map(\.state), [.active, .active, .active])
        await admin.close()
        await broker.stop()
    }

    func testTrySendReachesMembersStartedAfterPartitionCount() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("quick", partitions: 3)
        let pool = try ProducerPool(properties: poolProperties(broker, ["producers.max": "2"]))
        let count = try await pool.partitionCount(of: "quick")
        XCTAssertEqual(count, 3)
        _ = try await pool.send(ProducerRecord(topic: "quick", value: "first"))
        try pool.resize(to: 2)
        // The new member fetches the known topic's metadata by itself; until it has it (and its producer id),
        // trySend there throws a retriable error, never anything else.
        let reports = Reports()
        var accepted = 1
        var refused = 0
        try await waitUntil("both members to take records through trySend") {
            do {
                try pool.trySend(ProducerRecord(topic: "quick", value: "v\(accepted)")) { reports.add("v", $0) }
                accepted += 1
            } catch let error as KafkaClientError {
                XCTAssertTrue(error.isRetriable, "\(error)")
                refused += 1
            } catch {
                XCTFail("\(error)")
            }
            return pool.snapshot().members.allSatisfy { $0.recordsAcked > 0 }
        }
        await pool.flush()
        let snapshot = pool.snapshot()
        XCTAssertEqual(snapshot.recordsAcked, accepted)
        XCTAssertEqual(snapshot.recordsFailed, refused, "a refused trySend counts as failed in its member")
        await pool.close()
        var read = 0
        for partition in Int32(0)..<3 {
            read += try await readAll(topic: "quick", partition: partition, from: broker.address,
                                      config: broker.clientConfig).count
        }
        XCTAssertEqual(read, accepted)
        await admin.close()
        await broker.stop()
    }

    func testResizeOutsideTheLimitsIsRefusedNamingTheProperty() async throws {
        // No broker needed: members connect on first use.
        let pool = try ProducerPool(properties: [
            "bootstrap.servers": "127.0.0.1:1", "acks": "1", "producers.min": "2", "producers.max": "4"])
        XCTAssertEqual(pool.activeCount, 2)
        XCTAssertThrowsError(try pool.resize(to: 1)) { XCTAssertTrue("\($0)".contains("producers.min"), "\($0)") }
        XCTAssertThrowsError(try pool.resize(to: 5)) { XCTAssertTrue("\($0)".contains("producers.max"), "\($0)") }
        try pool.resize(to: 4)
        XCTAssertEqual(pool.snapshot().members.map(\.state), [.active, .active, .active, .active])
        XCTAssertThrowsError(try ProducerPool(properties: ["producers.max": "x"])) {
            XCTAssertTrue("\($0)".contains("producers.max"), "\($0)")
        }
        await pool.close()
    }

    func testStartupTimesAndIntervalCounts() async throws {
        let broker = try await TestBroker.start()
        let admin = KafkaAdmin(config: broker.clientConfig)
        try await admin.createTopic("observed", partitions: 2)
        let startups = NIOLockedValueBox<[PoolMemberStartup]>([])
        let pool = try ProducerPool(properties: poolProperties(broker, ["producers.max": "2", "buffer.memory": "1048576"])) {
            startup in startups.withLockedValue { $0.append(startup) }
        }
        let before = pool.snapshot()
        for i in 0..<50 { _ = try await pool.send(ProducerRecord(topic: "observed", value: "\(i)")) }
        let first = startups.withLockedValue { $0 }
        XCTAssertEqual(first.map(\.member), [0])
        XCTAssertGreaterThan(first[0].nanoseconds, 0)
        try pool.resize(to: 2)
        let middle = pool.snapshot()
        // Concurrent senders keep both members busy, so the second one is used and measured.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask { for i in 0..<100 { _ = try await pool.send(ProducerRecord(topic: "observed", value: "\(t)-\(i)")) } }
            }
            try await group.waitForAll()
        }
        await pool.flush()
        let after = pool.snapshot()
        XCTAssertEqual(startups.withLockedValue { $0.map(\.member) }, [0, 1], "one report per start")
        XCTAssertEqual(middle.interval(since: before).recordsAcked, 50)
        let interval = after.interval(since: middle)
        XCTAssertEqual(interval.recordsAcked, 400)
        XCTAssertEqual(interval.recordsSent, 400)
        XCTAssertEqual(interval.activeCount, 2)
        XCTAssertGreaterThan(interval.ackedPerSecond, 0)
        XCTAssertNotNil(after.members[1].lastStartupNanos)
        XCTAssertEqual(after.members.map(\.bufferAvailableBytes), [1_048_576, 1_048_576], "everything acknowledged")
        XCTAssertEqual(pool.memberMetrics(1)?["record-error-rate"], 0)
        await pool.close()
        await admin.close()
        await broker.stop()
    }
}
