import KairosBroker
import KairosConfig
import KairosServer
import XCTest

/// The broker-scope and topic registries: defaults that parse and agree with the typed configs, bad values
/// that name their property, reports of unknown and ignored keys, synonyms, and the generated reference.
final class ConfigRegistryTests: XCTestCase {
    func testEveryDefaultParsesAndLiesInItsRange() throws {
        try assertDefaultsParse(ServerConfig.registry, on: ServerConfig(properties: [:]))
        try assertDefaultsParse(TopicConfig.registry, on: TopicConfig())
    }

    /// A registry's default text and the typed config's own default are the same value.
    func testRegistryDefaultsMatchTheTypedDefaults() throws {
        let server = try ServerConfig(properties: [:])
        for p in ServerConfig.registry.properties {
            guard let current = p.currentValue(in: server), let registryDefault = p.defaultValue else { continue }
            XCTAssertEqual(current, registryDefault, p.name)
        }
    }

    func testTopicDefaultsComeFromBrokerPropertiesWithTheSameDefault() {
        for p in TopicConfig.registry.properties {
            guard let from = p.defaultFrom else { continue }
            guard let broker = BrokerConfig.registry[from] else {
                XCTFail("\(p.name) takes its default from \(from), which the broker registry lacks")
                continue
            }
            XCTAssertEqual(p.defaultValue, broker.defaultValue, "\(p.name) vs \(from)")
            XCTAssertEqual(p.kind.isIgnored, broker.kind.isIgnored, "\(p.name) and \(from) are acted on alike")
        }
    }

    func testBadValuesNameTheProperty() {
        var checked = 0
        for p in ServerConfig.registry.properties {
            for bad in badValues(p) {
                XCTAssertThrowsError(try ServerConfig(properties: [p.name: bad]), "\(p.name)=\(bad)") { error in
                    XCTAssertEqual((error as? ConfigError)?.key, p.name, "\(p.name)=\(bad): \(error)")
                }
                checked += 1
            }
        }
        for p in TopicConfig.registry.properties {
            for bad in badValues(p) {
                XCTAssertThrowsError(try TopicConfig(overrides: [p.name: bad]), "\(p.name)=\(bad)") { error in
                    XCTAssertEqual((error as? ConfigError)?.key, p.name, "\(p.name)=\(bad): \(error)")
                }
                XCTAssertNotNil(TopicConfig.validate(name: p.name, value: bad), "\(p.name)=\(bad)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100, "the bad-value sweep reached most entries")
    }

    func testUnknownAndIgnoredKeysAreReported() throws {
        let c = try ServerConfig(properties: [
            "zookeeper.connect": "zk:2181", "log.cleaner.enable": "false", "not.a.kafka.key": "1", "num.partitions": "2",
        ])
        XCTAssertEqual(c.unknownKeys, ["not.a.kafka.key"])
        XCTAssertEqual(c.ignoredKeys, ["log.cleaner.enable", "zookeeper.connect"])
        XCTAssertEqual(c.ignoredKeyNotes.first, "log.cleaner.enable (no log cleaner yet)")
        XCTAssertEqual(c.broker.numPartitions, 2)
    }

    /// A KRaft server.properties of the usual shape loads without an unknown key.
    func testAKafkaKRaftServerPropertiesLoadsCleanly() throws {
        let text = """
            process.roles=broker,controller
            node.id=1
            controller.quorum.bootstrap.servers=localhost:9093
            listeners=PLAINTEXT://:9092,CONTROLLER://:9093
            inter.broker.listener.name=PLAINTEXT
            advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
            controller.listener.names=CONTROLLER
            listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
            num.network.threads=3
            num.io.threads=8
            socket.send.buffer.bytes=102400
            socket.receive.buffer.bytes=102400
            socket.request.max.bytes=104857600
            log.dirs=/tmp/kraft-combined-logs
            num.partitions=1
            num.recovery.threads.per.data.dir=1
            offsets.topic.replication.factor=1
            share.coordinator.state.topic.replication.factor=1
            share.coordinator.state.topic.min.isr=1
            transaction.state.log.replication.factor=1
            transaction.state.log.min.isr=1
            log.retention.hours=168
            log.segment.bytes=1073741824
            log.retention.check.interval.ms=300000
            """
        let c = try ServerConfig(properties: try PropertiesFile.parse(text))
        XCTAssertEqual(c.unknownKeys, [])
        XCTAssertEqual(c.host, "0.0.0.0")
        XCTAssertEqual(c.port, 9092)
        XCTAssertEqual(c.broker.advertisedHost, "localhost")
        XCTAssertEqual(c.networkThreads, 3)
        XCTAssertEqual(c.broker.logDir, "/tmp/kraft-combined-logs")
        XCTAssertTrue(c.ignoredKeys.contains("process.roles"))
    }

    func testSynonymsYieldToTheMainProperty() throws {
        XCTAssertEqual(try ServerConfig(properties: ["log.retention.hours": "2"]).broker.log.retentionMs, 7_200_000)
        XCTAssertEqual(try ServerConfig(properties: ["log.retention.hours": "2", "log.retention.minutes": "3"]).broker.log.retentionMs, 180_000)
        XCTAssertEqual(try ServerConfig(properties: ["log.retention.minutes": "3", "log.retention.ms": "7"]).broker.log.retentionMs, 7)
        XCTAssertEqual(try ServerConfig(properties: ["log.retention.hours": "-1"]).broker.log.retentionMs, -1)
        XCTAssertEqual(try ServerConfig(properties: ["broker.id": "3", "node.id": "4"]).broker.nodeId, 4)
        XCTAssertEqual(try ServerConfig(properties: ["broker.id": "3"]).broker.nodeId, 3)
        XCTAssertEqual(try ServerConfig(properties: ["log.dir": "/a", "log.dirs": "/b,/c"]).broker.logDir, "/b")
        let described = try ServerConfig(properties: ["broker.id": "3"]).broker.describedProperties()
        XCTAssertEqual(described.first { $0.name == "node.id" }?.isSet, true, "set through its synonym")
    }

    func testGroupSettingsComeFromTheBrokerRegistry() throws {
        let c = try ServerConfig(properties: ["group.max.size": "7", "offsets.retention.minutes": "2"])
        let group = try GroupConfig(broker: c.broker)
        XCTAssertEqual(group.maxGroupSize, 7)
        XCTAssertEqual(group.offsetsRetentionMs, 120_000)
        XCTAssertThrowsError(try ServerConfig(properties: ["group.min.session.timeout.ms": "10", "group.max.session.timeout.ms": "5"])) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "group.max.session.timeout.ms")
        }
    }

    func testReferenceHasARowPerEntry() {
        let markdown = TopicConfig.registry.markdownReference
        for p in TopicConfig.registry.properties { XCTAssertTrue(markdown.contains("| `\(p.name)` |"), p.name) }
        let rows = ServerConfig.registry.referenceRows
        XCTAssertEqual(rows.count, ServerConfig.registry.properties.count)
        XCTAssertEqual(rows.first { $0.name == "zookeeper.connect" }?.actedOn, "no: no ZooKeeper")
        XCTAssertEqual(rows.first { $0.name == "log.retention.ms" }?.live, "yes")
    }

    func testFormats() throws {
        XCTAssertEqual(try ConfigValueFormat<Int64>.duration(.hours, -1...Int64.max).parse(" 2 "), 7_200_000)
        XCTAssertEqual(try ConfigValueFormat<Int64>.duration(.minutes, -1...Int64.max).parse("-1"), -1)
        XCTAssertThrowsError(try ConfigValueFormat<Int64>.duration(.hours, 1...Int64.max).parse("9223372036854775807"))
        XCTAssertEqual(ConfigValueFormat<Int64>.long(1...Int64.max).validValues, "[1,...]")
        XCTAssertEqual(ConfigValueFormat<Int>.int(1...17).validValues, "[1,...,17]")
        XCTAssertEqual(try ConfigValueFormat<[String]>.list(.oneOf(["a", "b"])).parse("b, a,"), ["b", "a"])
        XCTAssertThrowsError(try ConfigValueFormat<[String]>.list(.oneOf(["a", "b"]), nonEmpty: true).parse(" , "))
        XCTAssertEqual(try ConfigValueFormat<Bool>.boolean.parse("TRUE"), true)
        XCTAssertThrowsError(try ConfigValueFormat<Int>.int(0...10).parse("99999999999999999999")) { error in
            XCTAssertEqual((error as? InvalidConfigValue)?.reason, "99999999999999999999 is too large")
        }
        XCTAssertThrowsError(try ConfigValueFormat<Double>.double(0...1).parse("1.5"))
        XCTAssertEqual(CleanupPolicy.format.format(try CleanupPolicy.format.parse("delete,compact")), "compact,delete")
    }

    // MARK: - Helpers

    private func assertDefaultsParse<C>(_ registry: ConfigRegistry<C>, on base: C) throws {
        for p in registry.properties {
            guard let text = p.defaultValue else { continue }
            var scratch = base
            XCTAssertNoThrow(try p.apply(text, to: &scratch), "\(registry.scope) \(p.name) default \(text)")
        }
    }

    /// Texts that must fail for `p`: not a value of its type, and one below its lower bound.
    private func badValues<C>(_ p: ConfigProperty<C>) -> [String] {
        var bad: [String] = []
        switch p.type {
        case .int, .long, .short, .double: bad.append("not-a-number")
        case .boolean: bad.append("maybe")
        case .string where p.validValues.hasPrefix("["): bad.append("no-such-choice")
        case .list where p.validValues.hasPrefix("["): bad.append("no-such-choice")
        default: break
        }
        if p.type == .int || p.type == .long || p.type == .short,
           p.validValues.hasPrefix("["), let comma = p.validValues.firstIndex(of: ","),
           let low = Int64(p.validValues[p.validValues.index(after: p.validValues.startIndex)..<comma]), low > Int64(Int32.min) {
            bad.append(String(low - 1))
        }
        return bad
    }
}
