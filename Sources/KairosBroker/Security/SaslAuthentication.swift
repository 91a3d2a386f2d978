import NIOConcurrencyHelpers

/// The SASL mechanisms Kairos can serve.
public enum SaslMechanism: String, Sendable, CaseIterable {
    case plain = "PLAIN"
}

/// What a SASL listener accepts: its enabled mechanisms and, for PLAIN, its users and their passwords (from the
/// listener's JAAS property).
public struct SaslSettings: Sendable, Equatable {
    /// `sasl.enabled.mechanisms`, in the order given (SaslHandshake lists them so).
    public var enabledMechanisms: [SaslMechanism]
    /// PLAIN's users: name to password.
    public var plainUsers: [String: String]

    /// Makes settings.
    public init(enabledMechanisms: [SaslMechanism], plainUsers: [String: String]) {
        self.enabledMechanisms = enabledMechanisms
        self.plainUsers = plainUsers
    }
}

/// The SASL state of one connection on a SASL listener: handshake, then authenticate, then authenticated (or
/// failed). Until authenticated the broker answers only ApiVersions and the SASL APIs, as Kafka does; after a
/// failure it answers nothing more (the client has been told, and the connection is closed at its next request).
public final class ConnectionAuthentication: Sendable {
    /// Where the exchange stands.
    public enum State: Sendable, Equatable {
        /// No SaslHandshake yet.
        case awaitingHandshake
        /// SaslHandshake chose this mechanism; SaslAuthenticate comes next.
        case awaitingAuthenticate(SaslMechanism)
        /// Authenticated as this principal (`User:name`).
        case authenticated(principal: String)
        /// The credentials were refused.
        case failed
    }

    /// The listener's settings.
    public let settings: SaslSettings
    private let current = NIOLockedValueBox(State.awaitingHandshake)

    /// Makes the state of a new connection.
    public init(settings: SaslSettings) {
        self.settings = settings
    }

    /// Where the exchange stands.
    public var state: State { current.withLockedValue { $0 } }

    /// The authenticated principal, or nil before (or without) authentication.
    public var principal: String? {
        if case .authenticated(let principal) = state { return principal }
        return nil
    }

    func move(to state: State) { current.withLockedValue { $0 = state } }
}

/// Checks a PLAIN exchange (RFC 4616): `authzid NUL authcid NUL password`, in UTF-8.
enum PlainMechanism {
    /// The outcome: the user authenticated, or why not (never containing the password).
    enum Outcome: Equatable {
        case authenticated(user: String)
        case refused(user: String?, reason: String)
    }

    static func check(_ message: [UInt8], users: [String: String]) -> Outcome {
        let parts = message.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let authzid = String(validating: parts[0], as: UTF8.self),
              let user = String(validating: parts[1], as: UTF8.self), let password = String(validating: parts[2], as: UTF8.self)
        else { return .refused(user: nil, reason: "malformed PLAIN message") }
        guard !user.isEmpty else { return .refused(user: nil, reason: "empty user name") }
        guard authzid.isEmpty || authzid == user else {
            return .refused(user: user, reason: "authorization id differs from the user name")
        }
        guard let expected = users[user], constantTimeEqual(Array(expected.utf8), Array(password.utf8)) else {
            return .refused(user: user, reason: "invalid user name or password")
        }
        return .authenticated(user: user)
    }

    /// Compares without stopping at the first difference, so timing does not tell how much of a password was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
