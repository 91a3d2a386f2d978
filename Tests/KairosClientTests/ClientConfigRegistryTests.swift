import KairosClient
import KairosConfig
import XCTest

/// The producer and consumer registries: defaults that parse and agree with the typed configs, bad values
/// that name their property, and the keys accepted without being acted on.
final class ClientConfigRegistryTests: XCTestCase {
    func testDefaultsParseAndMatchTheTypedDefaults() throws {
        try check(ProducerConfig.registry, typed: ProducerConfig())
        try check(ConsumerConfig.registry, typed: ConsumerConfig())
        try check(ClientConfig.registry, typed: ClientConfig())
    }

    func testBadValuesNameTheProperty() {
        var checked = 0
        for p in ProducerConfig.registry.properties {
            for bad in badValues(p) {
                XCTAssertThrowsError(try ProducerConfig(properties: [p.name: bad]), "\(p.name)=\(bad)") { error in
                    XCTAssertTrue("\(error)".contains(p.name), "\(p.name)=\(bad): \(error)")
                }
                checked += 1
            }
        }
        for p in ConsumerConfig.registry.properties {
            for bad in badValues(p) {
                XCTAssertThrowsError(try ConsumerConfig(properties: [p.name: bad]), "\(p.name)=\(bad)") { error in
                    XCTAssertTrue("\(error)".contains(p.name), "\(p.name)=\(bad): \(error)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 30)
    }

    func testIgnoredAndUnknownKeysAreReported() throws {
        let producer = try ProducerConfig(properties: [
            "key.serializer": "org.apache.kafka.common.serialization.StringSerializer", "no.such.thing": "1", "linger.ms": "2",
        ])
        XCTAssertEqual(producer.ignoredKeys, ["key.serializer"])
        XCTAssertEqual(producer.unknownKeys, ["no.such.thing"])
        XCTAssertEqual(producer.lingerMs, 2)
        let consumer = try ConsumerConfig(properties: ["value.deserializer": "x", "security.protocol": "plaintext"])
        XCTAssertEqual(consumer.ignoredKeys, ["security.protocol", "value.deserializer"])
        XCTAssertThrowsError(try ConsumerConfig(properties: ["security.protocol": "SSL"])) { error in
            XCTAssertTrue("\(error)".contains("security.protocol"), "\(error)")
        }
    }

    // MARK: - Helpers

    private func check<C>(_ registry: ConfigRegistry<C>, typed: C) throws {
        for p in registry.properties {
            guard let text = p.defaultValue else { continue }
            var scratch = typed
            XCTAssertNoThrow(try p.apply(text, to: &scratch), "\(registry.scope) \(p.name) default \(text)")
            if let current = p.currentValue(in: typed) {
                XCTAssertEqual(current, text, "\(registry.scope) \(p.name): the registry's default is the typed default")
            }
        }
    }

    private func badValues<C>(_ p: ConfigProperty<C>) -> [String] {
        switch p.type {
        case .int, .long, .short, .double: return ["not-a-number", "-99999999999999999999"]
        case .boolean: return ["maybe"]
        case .string where p.validValues.hasPrefix("["): return ["no-such-choice"]
        case .list where p.validValues.hasPrefix("["): return ["no-such-choice"]
        default: return []
        }
    }
}
