import KairosBroker
import KairosConfig
import XCTest

@testable import KairosServer

/// The JAAS property in Kafka's form and a SASL listener's settings.
final class SaslConfigTests: XCTestCase {
    func testJaasOptionsQuotedAndBare() throws {
        let jaas = try JaasConfig.parse(
            #"org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a b;c" user_admin="a b;c" user_bob=plain user_q="say \"hi\"";"#)
        XCTAssertEqual(jaas.loginModule, "org.apache.kafka.common.security.plain.PlainLoginModule")
        XCTAssertEqual(jaas.flag, "required")
        XCTAssertEqual(jaas.plainUsers, ["admin": "a b;c", "bob": "plain", "q": #"say "hi""#])
    }

    func testBadJaasIsRefusedWithoutQuotingSecrets() {
        for text in [
            #"PlainLoginModule user_a="secret";"#, #"M required user_a="secret""#, #"M required user_a="secret;"#,
            #"M required user_a="secret"; M required user_b="secret";"#,
        ] {
            XCTAssertThrowsError(try JaasConfig.parse(text), text) { error in
                XCTAssertFalse("\(error)".contains("secret"), "\(error)")
            }
        }
    }

    func testListenerSettingsPreferTheListenersOwnProperties() throws {
        let properties = [
            "sasl.jaas.config": #"org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a";"#,
            "listener.name.client.plain.sasl.jaas.config":
                #"org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="b";"#,
        ]
        XCTAssertEqual(try ListenerSasl.settings(listener: "SASL_PLAINTEXT", properties: properties).plainUsers, ["alice": "a"])
        let client = try ListenerSasl.settings(listener: "CLIENT", properties: properties)
        XCTAssertEqual(client.plainUsers, ["bob": "b"])
        XCTAssertEqual(client.enabledMechanisms, [.plain])
    }

    func testSaslListenerConfig() throws {
        let c = try ServerConfig(properties: [
            "listeners": "SASL_PLAINTEXT://127.0.0.1:9092",
            "sasl.jaas.config": #"org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a";"#,
        ])
        XCTAssertEqual(c.saslSettings["SASL_PLAINTEXT"]?.plainUsers, ["alice": "a"])
        XCTAssertEqual(c.unknownKeys, [])
    }

    func testBadSaslSettingsNameTheProperty() {
        let cases: [([String: String], String)] = [
            (["listeners": "SASL_PLAINTEXT://h:1"], "listener.name.sasl_plaintext.plain.sasl.jaas.config"),
            (["listeners": "SASL_PLAINTEXT://h:1", "sasl.enabled.mechanisms": "GSSAPI"], "sasl.enabled.mechanisms"),
            (["listeners": "SASL_PLAINTEXT://h:1", "sasl.enabled.mechanisms": " , "], "sasl.enabled.mechanisms"),
            (["listeners": "SASL_PLAINTEXT://h:1", "sasl.jaas.config": #"other.Module required user_a="x";"#], "sasl.jaas.config"),
            (["listeners": "SASL_PLAINTEXT://h:1", "sasl.jaas.config": #"org.apache.kafka.common.security.plain.PlainLoginModule required username="x";"#], "sasl.jaas.config"),
        ]
        for (properties, key) in cases {
            XCTAssertThrowsError(try ServerConfig(properties: properties), "\(properties)") { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(properties): \(error)")
            }
        }
    }
}
