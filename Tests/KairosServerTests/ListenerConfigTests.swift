import KairosConfig
import XCTest

@testable import KairosServer

/// `listeners`, `advertised.listeners` and `listener.security.protocol.map` resolved into the listeners to bind.
final class ListenerConfigTests: XCTestCase {
    func testSeveralListenersEachWithItsOwnPortAndAdvertisedAddress() throws {
        let c = try ServerConfig(properties: [
            "listeners": "PLAINTEXT://127.0.0.1:9092,CLIENT://:9093,INTERNAL://[::1]:0",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT",
            "advertised.listeners": "CLIENT://broker.example:19093",
        ])
        XCTAssertEqual(c.listeners.map(\.name), ["PLAINTEXT", "CLIENT", "INTERNAL"])
        XCTAssertEqual(c.listeners.map(\.port), [9092, 9093, 0])
        XCTAssertEqual(c.listeners[1].host, "0.0.0.0")
        XCTAssertEqual(c.listeners[2].host, "::1")
        XCTAssertEqual(c.listeners[0].advertised, ListenerAddress(host: "127.0.0.1", port: 9092))
        XCTAssertEqual(c.listeners[1].advertised, ListenerAddress(host: "broker.example", port: 19093))
        XCTAssertEqual(c.listeners[2].advertised, ListenerAddress(host: "::1", port: 0))
        XCTAssertEqual(c.host, "127.0.0.1")
        XCTAssertEqual(c.port, 9092)
        XCTAssertEqual(c.broker.advertisedHost, "127.0.0.1")
    }

    func testKafkaDefaultMapAndControllerListenersSkipped() throws {
        let c = try ServerConfig(properties: [
            "listeners": "PLAINTEXT://:9092,CONTROLLER://:9093",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
        ])
        XCTAssertEqual(c.listeners.map(\.name), ["PLAINTEXT"])
        XCTAssertEqual(c.listeners[0].securityProtocol, .plaintext)
    }

    func testOldPlaintextNamesStillWorkWithoutAMap() throws {
        let c = try ServerConfig(properties: ["listeners": "client://127.0.0.1:9092"])
        XCTAssertEqual(c.listeners.map(\.name), ["CLIENT"])
        XCTAssertEqual(c.listeners[0].securityProtocol, .plaintext)
    }

    func testTheMapIsReadWhateverTheOrder() throws {
        let map = try SecurityProtocolMap.format.parse("client:sasl_ssl, EXTERNAL:SSL")
        XCTAssertEqual(map.protocols, ["CLIENT": .saslSsl, "EXTERNAL": .ssl])
    }

    func testBadListenerSettingsNameTheProperty() {
        let cases: [([String: String], String)] = [
            (["listeners": "FOO://127.0.0.1:9092"], "listeners"),
            (["listeners": "FOO://127.0.0.1:9092", "listener.security.protocol.map": "BAR:PLAINTEXT"], "listener.security.protocol.map"),
            (["listener.security.protocol.map": "PLAINTEXT:TLS"], "listener.security.protocol.map"),
            (["listener.security.protocol.map": "PLAINTEXT"], "listener.security.protocol.map"),
            (["listener.security.protocol.map": "A:SSL,a:SSL"], "listener.security.protocol.map"),
            (["listeners": "PLAINTEXT://h:9092,PLAINTEXT://h:9093"], "listeners"),
            (["listeners": "PLAINTEXT://h:9092,CLIENT://h:9092"], "listeners"),
            (["listeners": ""], "listeners"),
            (["listeners": "PLAIN TEXT://h:1"], "listeners"),
            (["listeners": "PLAINTEXT://h:9092", "advertised.listeners": "PLAINTEXT://h:1,OTHER://h:2"], "advertised.listeners"),
            (["listeners": "PLAINTEXT://h:9092,CLIENT://h:9093", "advertised.listeners": "OTHER://h:2"], "advertised.listeners"),
            (["listeners": "CONTROLLER://h:9093", "controller.listener.names": "CONTROLLER"], "listeners"),
            // A SASL listener without users for PLAIN names the listener's own JAAS property.
            (["listeners": "SASL_SSL://h:9093"], "listener.name.sasl_ssl.plain.sasl.jaas.config"),
            (["listeners": "PLAINTEXT://h:9092,CLIENT://h:9093", "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CLIENT:SASL_PLAINTEXT"],
             "listener.name.client.plain.sasl.jaas.config"),
            // A TLS listener without a key names the key store property, prefixed when the listener has its own.
            (["listeners": "SSL://h:9093"], "ssl.keystore.location"),
            (["listeners": "CLIENT://h:9093", "listener.security.protocol.map": "CLIENT:SSL",
              "listener.name.client.ssl.keystore.location": "/nonexistent/kairos.pem"], "listener.name.client.ssl.keystore.location"),
            (["listeners": "SSL://h:9093", "ssl.keystore.type": "PKCS12"], "ssl.keystore.type"),
        ]
        for (properties, key) in cases {
            XCTAssertThrowsError(try ServerConfig(properties: properties), "\(properties)") { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(properties): \(error)")
            }
        }
    }

    func testAListenersOwnSSLPropertiesOverrideTheUnprefixedOnes() {
        var base = SSLSettings()
        base.keystoreLocation = "/shared.pem"
        base.clientAuth = "none"
        let properties = [
            "ssl.keystore.location": "/shared.pem", "ssl.client.auth": "none",
            "listener.name.internal.ssl.client.auth": "required", "listener.name.other.ssl.client.auth": "requested",
        ]
        let resolved = SSLSettings.forListener("INTERNAL", base: base, properties: properties)
        XCTAssertEqual(resolved.clientAuth, "required")
        XCTAssertEqual(resolved.keystoreLocation, "/shared.pem")
        XCTAssertEqual(SSLSettings.key("client.auth", listener: "INTERNAL", properties: properties), "listener.name.internal.ssl.client.auth")
        XCTAssertEqual(SSLSettings.key("keystore.location", listener: "INTERNAL", properties: properties), "ssl.keystore.location")
    }

    func testAListenersOwnSSLPropertiesAreNotUnknownKeys() throws {
        let c = try ServerConfig(properties: [
            "listeners": "PLAINTEXT://127.0.0.1:9092", "listener.name.plaintext.ssl.client.auth": "none",
            "listener.name.plaintext.ssl.bogus": "x",
        ])
        XCTAssertEqual(c.unknownKeys, ["listener.name.plaintext.ssl.bogus"])
    }
}
