import NIOCore

/// A Kafka request or response body, decoded and encoded at any version it supports.
///
/// Fields absent at a version are skipped when writing and keep their defaults when reading; the version decides
/// whether strings, bytes and arrays use classic or compact lengths and whether tagged fields follow.
public protocol KafkaMessage: Sendable {
    /// The API this message belongs to.
    static var apiKey: ApiKey { get }
    /// The versions this codec reads and writes.
    static var versions: ClosedRange<Int16> { get }
    /// The versions that use compact encodings and tagged fields; nil if the message is never flexible.
    static var flexibleVersions: PartialRangeFrom<Int16>? { get }
    /// Decodes a body written at `version`; throws `.unsupportedVersion` outside `versions`, `.truncated` when the
    /// input ends early and `.invalid` for impossible values.
    init(from buffer: inout ByteBuffer, version: Int16) throws
    /// Encodes the body at `version`, which must be in `versions`.
    func write(into buffer: inout ByteBuffer, version: Int16)
}

/// A request body, tied to the type of its response.
public protocol KafkaRequestMessage: KafkaMessage {
    /// The message that answers this request.
    associatedtype Response: KafkaMessage
}

extension KafkaMessage {
    /// True when `version` uses the compact encodings and tagged fields.
    @inlinable public static func isFlexible(_ version: Int16) -> Bool {
        flexibleVersions?.contains(version) ?? false
    }
}
