import KairosConfig
import NIOSSL

/// Builds the TLS context of an SSL or SASL_SSL listener from its `ssl.*` settings. Every failure is a
/// `ConfigError` naming the property at fault (prefixed when the listener has its own), so a bad certificate stops
/// the start instead of failing each handshake later.
enum ListenerTLS {
    static func makeContext(listener: String, settings s: SSLSettings, properties: [String: String]) throws -> NIOSSLContext {
        func key(_ field: String) -> String { SSLSettings.key(field, listener: listener, properties: properties) }
        for (field, value) in [("keystore.type", s.keystoreType), ("truststore.type", s.truststoreType)] {
            if let value, value.uppercased() != "PEM" {
                throw ConfigError(key: key(field), reason: "'\(value)' is not read by Kairos: use PEM")
            }
        }
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        let password = s.keyPassword.map { Array($0.utf8) }
        if let location = s.keystoreLocation {
            chain = try load(key("keystore.location"), "certificate chain") { try NIOSSLCertificate.fromPEMFile(location) }
            privateKey = try load(key("keystore.location"), "private key") {
                if let password { return try NIOSSLPrivateKey(file: location, format: .pem) { $0(password) } }
                return try NIOSSLPrivateKey(file: location, format: .pem)
            }
        } else if let chainText = s.keystoreCertificateChain, let keyText = s.keystoreKey {
            chain = try load(key("keystore.certificate.chain"), "certificate chain") {
                try NIOSSLCertificate.fromPEMBytes(Array(chainText.utf8))
            }
            privateKey = try load(key("keystore.key"), "private key") {
                if let password { return try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem) { $0(password) } }
                return try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem)
            }
        } else {
            throw ConfigError(
                key: key("keystore.location"),
                reason: "listener '\(listener)' speaks TLS and needs a key: ssl.keystore.location, or "
                    + "ssl.keystore.certificate.chain with ssl.keystore.key")
        }
        guard !chain.isEmpty else {
            throw ConfigError(key: key(s.keystoreLocation != nil ? "keystore.location" : "keystore.certificate.chain"),
                              reason: "no certificate in it")
        }
        var trust: [NIOSSLCertificate]?
        if let location = s.truststoreLocation {
            trust = try load(key("truststore.location"), "certificates") { try NIOSSLCertificate.fromPEMFile(location) }
        } else if let text = s.truststoreCertificates {
            trust = try load(key("truststore.certificates"), "certificates") { try NIOSSLCertificate.fromPEMBytes(Array(text.utf8)) }
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        if let trust { configuration.trustRoots = .certificates(trust) }
        switch (s.clientAuth ?? "none").lowercased() {
        case "none": configuration.certificateVerification = .none
        case "requested", "required":
            guard trust != nil else {
                throw ConfigError(key: key("client.auth"), reason: "checking client certificates needs ssl.truststore.location or ssl.truststore.certificates")
            }
            configuration.certificateVerification =
                s.clientAuth?.lowercased() == "required" ? .noHostnameVerification : .optionalVerification
        default:
            throw ConfigError(key: key("client.auth"), reason: "'\(s.clientAuth ?? "")' is not required, requested or none")
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigError(key: key("keystore.location"), reason: "the TLS context could not be built: \(error)")
        }
    }

    /// Runs `body`, turning its error into a `ConfigError` for `property`.
    private static func load<T>(_ property: String, _ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw ConfigError(key: property, reason: "cannot read the \(what): \(error)")
        }
    }
}
