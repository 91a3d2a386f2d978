/// A request or response that cannot be decoded, or cannot be encoded at the version asked for.
///
/// A struct over a private enum, so cases can be added without breaking callers.
public struct KafkaProtocolError: Error, Hashable, CustomStringConvertible, Sendable {
    private enum Kind: Hashable, Sendable {
        case truncated
        case invalid(String)
        case unsupportedVersion(apiKey: Int16, version: Int16)
        case frameTooLarge(size: Int, max: Int)
    }

    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// The input ended inside a value (a short read within a body or frame).
    public static let truncated = KafkaProtocolError(.truncated)

    /// The input holds a value that no valid encoding produces (negative lengths, bad UTF-8, ...).
    public static func invalid(_ reason: String) -> KafkaProtocolError { KafkaProtocolError(.invalid(reason)) }

    /// The API key or version is not one this codec speaks.
    public static func unsupportedVersion(apiKey: Int16, version: Int16) -> KafkaProtocolError {
        KafkaProtocolError(.unsupportedVersion(apiKey: apiKey, version: version))
    }

    /// A frame announces more bytes than the configured maximum.
    public static func frameTooLarge(size: Int, max: Int) -> KafkaProtocolError {
        KafkaProtocolError(.frameTooLarge(size: size, max: max))
    }

    /// True for `.truncated`.
    public var isTruncated: Bool { kind == .truncated }

    /// True for `.unsupportedVersion`.
    public var isUnsupportedVersion: Bool {
        if case .unsupportedVersion = kind { return true }
        return false
    }

    /// True for `.frameTooLarge`.
    public var isFrameTooLarge: Bool {
        if case .frameTooLarge = kind { return true }
        return false
    }

    public var description: String {
        switch kind {
        case .truncated: return "truncated input"
        case .invalid(let reason): return "invalid input: \(reason)"
        case .unsupportedVersion(let key, let version): return "unsupported version \(version) of API key \(key)"
        case .frameTooLarge(let size, let max): return "frame of \(size) bytes exceeds the maximum of \(max)"
        }
    }
}
