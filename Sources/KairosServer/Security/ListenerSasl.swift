import KairosBroker
import KairosConfig

/// Resolves a SASL listener's settings from Kafka's properties: `sasl.enabled.mechanisms` (or
/// `listener.name.<listener>.sasl.enabled.mechanisms`) and PLAIN's users from
/// `listener.name.<listener>.plain.sasl.jaas.config`, else `sasl.jaas.config`. Throws `ConfigError` naming the
/// property at fault.
enum ListenerSasl {
    /// The PLAIN login module's class, which the JAAS property must name.
    static let plainLoginModule = "org.apache.kafka.common.security.plain.PlainLoginModule"

    static func settings(listener: String, properties: [String: String]) throws -> SaslSettings {
        let prefix = SSLSettings.listenerPrefix(listener)
        let mechanismsKey = properties[prefix + "sasl.enabled.mechanisms"] != nil ? prefix + "sasl.enabled.mechanisms" : "sasl.enabled.mechanisms"
        let names = (properties[mechanismsKey] ?? "PLAIN").split(separator: ",").map { String($0).trimmingConfigSpaces() }
            .filter { !$0.isEmpty }
        var mechanisms: [SaslMechanism] = []
        for name in names {
            guard let mechanism = SaslMechanism(rawValue: name.uppercased()) else {
                throw ConfigError(
                    key: mechanismsKey,
                    reason: "mechanism '\(name)' is not served (\(SaslMechanism.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !mechanisms.contains(mechanism) { mechanisms.append(mechanism) }
        }
        guard !mechanisms.isEmpty else { throw ConfigError(key: mechanismsKey, reason: "no mechanism enabled") }
        var users: [String: String] = [:]
        if mechanisms.contains(.plain) {
            let jaasKey = properties[prefix + "plain.sasl.jaas.config"] != nil ? prefix + "plain.sasl.jaas.config" : "sasl.jaas.config"
            guard let text = properties[jaasKey] else {
                throw ConfigError(
                    key: prefix + "plain.sasl.jaas.config",
                    reason: "listener '\(listener)' enables PLAIN but names no users: give \(prefix)plain.sasl.jaas.config "
                        + "(or sasl.jaas.config) as \(plainLoginModule) required user_<name>=\"<password>\";")
            }
            let jaas: JaasConfig
            do {
                jaas = try JaasConfig.parse(text)
            } catch let error as InvalidConfigValue {
                throw ConfigError(key: jaasKey, reason: error.reason)
            }
            guard jaas.loginModule == plainLoginModule else {
                throw ConfigError(key: jaasKey, reason: "PLAIN needs \(plainLoginModule), not \(jaas.loginModule)")
            }
            users = jaas.plainUsers
            guard !users.isEmpty else { throw ConfigError(key: jaasKey, reason: "no user_<name>=\"<password>\" option") }
        }
        return SaslSettings(enabledMechanisms: mechanisms, plainUsers: users)
    }
}
