import KairosConfig

/// Kafka's `ssl.*` listener properties in their PEM form, as given (un-prefixed, or for one listener under
/// `listener.name.<listener>.ssl.*`). Only PEM key and trust stores are read; JKS and PKCS12 are refused.
public struct SSLSettings: Sendable, Equatable {
    /// `ssl.keystore.type` (PEM).
    public var keystoreType: String?
    /// `ssl.keystore.location`: one PEM file holding the private key and the certificate chain.
    public var keystoreLocation: String?
    /// `ssl.keystore.certificate.chain`: the certificate chain as PEM text.
    public var keystoreCertificateChain: String?
    /// `ssl.keystore.key`: the private key as PEM text.
    public var keystoreKey: String?
    /// `ssl.key.password`: the password of an encrypted private key.
    public var keyPassword: String?
    /// `ssl.truststore.type` (PEM).
    public var truststoreType: String?
    /// `ssl.truststore.location`: a PEM file of the certificates client certificates are checked against.
    public var truststoreLocation: String?
    /// `ssl.truststore.certificates`: those certificates as PEM text.
    public var truststoreCertificates: String?
    /// `ssl.client.auth`: required, requested or none.
    public var clientAuth: String?

    /// Makes empty settings.
    public init() {}

    /// Each property's name after `ssl.` and where it goes.
    static let fields: [(name: String, keyPath: WritableKeyPath<SSLSettings, String?> & Sendable, doc: String)] = [
        ("keystore.type", \.keystoreType, "The key store's format: PEM (the only one Kairos reads)."),
        ("keystore.location", \.keystoreLocation, "A PEM file holding the private key and the certificate chain."),
        ("keystore.certificate.chain", \.keystoreCertificateChain, "The certificate chain as PEM text (with ssl.keystore.key)."),
        ("keystore.key", \.keystoreKey, "The private key as PEM text (with ssl.keystore.certificate.chain)."),
        ("key.password", \.keyPassword, "The password of an encrypted private key."),
        ("truststore.type", \.truststoreType, "The trust store's format: PEM (the only one Kairos reads)."),
        ("truststore.location", \.truststoreLocation, "A PEM file of the CA certificates client certificates must chain to."),
        ("truststore.certificates", \.truststoreCertificates, "The trusted CA certificates as PEM text."),
        ("client.auth", \.clientAuth, "Client certificates: required, requested or none (default none)."),
    ]

    /// The registry entries of the un-prefixed properties, which every SSL listener reads unless it has its own.
    static func registryProperties() -> [ConfigProperty<ServerConfig>] {
        fields.map { field in
            let path = field.keyPath
            return ConfigProperty(
                name: "ssl." + field.name, kind: .actedOn, type: field.name == "key.password" ? .password : .string, validValues: "", defaultValue: nil,
                isDynamic: false, doc: field.doc + " Per listener: listener.name.<listener>.ssl." + field.name + ".",
                apply: { config, text in config.ssl[keyPath: path] = text },
                read: { $0.ssl[keyPath: path] })
        }
    }

    /// The settings of `listener`: each `listener.name.<listener>.ssl.X` in `properties` overrides `ssl.X` of `base`
    /// (Kafka matches the listener name in lower case).
    static func forListener(_ listener: String, base: SSLSettings, properties: [String: String]) -> SSLSettings {
        var settings = base
        let prefix = listenerPrefix(listener)
        for field in fields {
            if let value = properties[prefix + "ssl." + field.name] { settings[keyPath: field.keyPath] = value }
        }
        return settings
    }

    /// `listener.name.<listener>.`, the prefix of a listener's own properties.
    static func listenerPrefix(_ listener: String) -> String { "listener.name.\(listener.lowercased())." }

    /// The property name `ssl.<field>` as `listener` reads it: prefixed when that listener has its own value.
    static func key(_ field: String, listener: String, properties: [String: String]) -> String {
        let prefixed = listenerPrefix(listener) + "ssl." + field
        return properties[prefixed] != nil ? prefixed : "ssl." + field
    }
}
