import KairosBroker
import KairosServer
import XCTest

final class ConfigTests: XCTestCase {
    func testPropertiesFileParsing() throws {
        let text = """
            # a comment
            ! another
            listeners=PLAINTEXT://127.0.0.1:19092
            log.dirs : /tmp/kairos-data
            num.partitions 3
            long.value=first \\
                second
            escaped=a\\=b\\tc\\u0041

            """
        let p = try PropertiesFile.parse(text)
        XCTAssertEqual(p["listeners"], "PLAINTEXT://127.0.0.1:19092")
        XCTAssertEqual(p["log.dirs"], "/tmp/kairos-data")
        XCTAssertEqual(p["num.partitions"], "3")
        XCTAssertEqual(p["long.value"], "first second")
        XCTAssertEqual(p["escaped"], "a=b\tcA")
        XCTAssertEqual(p.count, 5)
        XCTAssertThrowsError(try PropertiesFile.parse("bad=\\u12"))
    }

    func testServerConfigFromProperties() throws {
        let c = try ServerConfig(properties: [
            "listeners": "PLAINTEXT://0.0.0.0:19092",
            "advertised.listeners": "PLAINTEXT://broker.example:29092",
            "log.dirs": "/data/a,/data/b",
            "num.partitions": "8",
            "log.retention.hours": "2",
            "log.segment.bytes": "1048576",
            "socket.request.max.bytes": "1000",
            "auto.create.topics.enable": "false",
            "some.unknown.key": "x",
        ])
        XCTAssertEqual(c.host, "0.0.0.0")
        XCTAssertEqual(c.port, 19092)
        XCTAssertEqual(c.broker.advertisedHost, "broker.example")
        XCTAssertEqual(c.broker.advertisedPort, 29092)
        XCTAssertEqual(c.broker.logDir, "/data/a")
        XCTAssertEqual(c.broker.numPartitions, 8)
        XCTAssertEqual(c.broker.log.retentionMs, 7_200_000)
        XCTAssertEqual(c.broker.log.segmentBytes, 1_048_576)
        XCTAssertEqual(c.socketRequestMaxBytes, 1000)
        XCTAssertFalse(c.broker.autoCreateTopicsEnable)
        XCTAssertEqual(c.unknownKeys, ["some.unknown.key"])
    }

    func testDefaults() throws {
        let c = try ServerConfig(properties: [:])
        XCTAssertEqual(c.host, "127.0.0.1")
        XCTAssertEqual(c.port, 9092)
        XCTAssertEqual(c.broker.numPartitions, 1)
        XCTAssertTrue(c.broker.autoCreateTopicsEnable)
        XCTAssertEqual(c.broker.messageMaxBytes, 1_048_588)
        XCTAssertEqual(c.socketRequestMaxBytes, 104_857_600)
    }

    func testBadValuesNameTheKey() {
        let cases: [(String, String)] = [
            ("num.partitions", "zero"), ("num.partitions", "0"), ("auto.create.topics.enable", "maybe"),
            ("listeners", "127.0.0.1:9092"), ("listeners", "FOO://127.0.0.1:9092"), ("listeners", "PLAINTEXT://h:99999"),
            ("log.retention.ms", "-5"), ("message.max.bytes", "-1"), ("socket.request.max.bytes", "0"),
            ("log.message.timestamp.type", "Sometimes"),
        ]
        for (key, value) in cases {
            XCTAssertThrowsError(try ServerConfig(properties: [key: value]), "\(key)=\(value)") { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(key)=\(value)")
            }
        }
    }
}
