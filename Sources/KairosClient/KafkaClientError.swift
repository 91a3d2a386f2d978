import KafkaProtocol

/// Every error the Kairos client throws: what went wrong, the Kafka `ErrorCode` when the broker named one, and
/// whether trying again may succeed.
public struct KafkaClientError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Kind: Sendable, Equatable {
        case broker(ErrorCode, String?)
        case connection(String)
        case timedOut(String)
        case bufferExhausted(Int)
        case invalidConfiguration(String)
        case unsupportedVersion(ApiKey)
        case recordTooLarge(Int, Int)
        case closed
        case protocolViolation(String)
        case invalidArgument(String)
    }

    private let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    /// The broker answered with `code` (and an optional message).
    public static func broker(_ code: ErrorCode, message: String? = nil) -> KafkaClientError {
        KafkaClientError(.broker(code, message))
    }
    /// A connection could not be opened or was lost.
    public static func connection(_ reason: String) -> KafkaClientError { KafkaClientError(.connection(reason)) }
    /// A request or a delivery did not complete within its deadline.
    public static func timedOut(_ what: String) -> KafkaClientError { KafkaClientError(.timedOut(what)) }
    /// `buffer.memory` stayed full for `max.block.ms`.
    public static func bufferExhausted(maxBlockMs: Int) -> KafkaClientError {
        KafkaClientError(.bufferExhausted(maxBlockMs))
    }
    /// A configuration property is missing or has a bad value.
    public static func invalidConfiguration(_ reason: String) -> KafkaClientError {
        KafkaClientError(.invalidConfiguration(reason))
    }
    /// The broker offers no version of `api` that this client speaks.
    public static func unsupportedVersion(_ api: ApiKey) -> KafkaClientError { KafkaClientError(.unsupportedVersion(api)) }
    /// A record is larger than `max.request.size` or `buffer.memory`.
    public static func recordTooLarge(bytes: Int, limitBytes: Int) -> KafkaClientError {
        KafkaClientError(.recordTooLarge(bytes, limitBytes))
    }
    /// The client was closed.
    public static let closed = KafkaClientError(.closed)
    /// The broker sent something this client cannot understand.
    public static func protocolViolation(_ reason: String) -> KafkaClientError {
        KafkaClientError(.protocolViolation(reason))
    }
    /// A call was made with an argument that can never succeed (an unknown topic's partition, a bad offset).
    public static func invalidArgument(_ reason: String) -> KafkaClientError { KafkaClientError(.invalidArgument(reason)) }

    /// The Kafka error code the broker answered with, if this error came from one.
    public var errorCode: ErrorCode? {
        if case .broker(let code, _) = kind { return code }
        return nil
    }

    /// True when the same operation may succeed later: retriable broker codes, lost connections and timeouts.
    public var isRetriable: Bool {
        switch kind {
        case .broker(let code, _): return code.isRetriable
        case .connection, .timedOut: return true
        default: return false
        }
    }

    /// True when this is the buffer-exhausted error of a full `buffer.memory`.
    public var isBufferExhausted: Bool {
        if case .bufferExhausted = kind { return true }
        return false
    }

    /// True when the client was closed.
    public var isClosed: Bool { kind == .closed }

    public var description: String {
        switch kind {
        case .broker(let code, let message):
            if let message, !message.isEmpty { return "\(code): \(message)" }
            return "\(code)"
        case .connection(let reason): return "connection error: \(reason)"
        case .timedOut(let what): return "timed out: \(what)"
        case .bufferExhausted(let ms): return "buffer exhausted: buffer.memory stayed full for max.block.ms=\(ms)"
        case .invalidConfiguration(let reason): return "invalid configuration: \(reason)"
        case .unsupportedVersion(let api): return "the broker supports no version of \(api.name) this client speaks"
        case .recordTooLarge(let bytes, let limit): return "record of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .closed: return "the client is closed"
        case .protocolViolation(let reason): return "protocol violation: \(reason)"
        case .invalidArgument(let reason): return "invalid argument: \(reason)"
        }
    }
}
