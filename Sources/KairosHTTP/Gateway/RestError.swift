import KafkaProtocol
import KairosClient

/// An error answered as Confluent REST Proxy answers it: an HTTP status and a body
/// `{"error_code": N, "message": "..."}`, where N is REST Proxy's code (the status times 100 plus a sub-code, or
/// the bare status for plain HTTP errors).
public struct RestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// REST Proxy's `error_code`.
    public var errorCode: Int
    /// What went wrong, for a person.
    public var message: String
    /// Seconds after which a retry may succeed (sent as `Retry-After`), for 429 and 503.
    public var retryAfterSeconds: Int?

    /// An error with these parts.
    public init(status: Int, errorCode: Int, message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.errorCode = errorCode
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status) \(errorCode): \(message)" }

    // MARK: REST Proxy's codes

    /// 400: the body is not JSON, or not the JSON of a produce request.
    static func malformed(_ message: String) -> RestError { RestError(status: 400, errorCode: 400, message: message) }
    /// 422 / 42201: a record's key cannot be turned into bytes as the embedded format says.
    static func invalidKey(_ message: String) -> RestError { RestError(status: 422, errorCode: 42201, message: message) }
    /// 422 / 42202: a record's value cannot be turned into bytes as the embedded format says.
    static func invalidValue(_ message: String) -> RestError { RestError(status: 422, errorCode: 42202, message: message) }
    /// 422: well-formed JSON that is not a usable request (no records, a field of the wrong type).
    static func unprocessable(_ message: String) -> RestError { RestError(status: 422, errorCode: 422, message: message) }
    /// 404 / 40401.
    static func topicNotFound(_ topic: String) -> RestError {
        RestError(status: 404, errorCode: 40401, message: "Topic \(topic) not found.")
    }
    /// 404 / 40402.
    static func partitionNotFound(_ topic: String, _ partition: Int64, count: Int) -> RestError {
        RestError(status: 404, errorCode: 40402,
                  message: "Partition \(partition) of topic \(topic) not found (the topic has \(count) partitions).")
    }
    /// 404 for a cluster id that is not this cluster's.
    static func clusterNotFound(_ id: String) -> RestError {
        RestError(status: 404, errorCode: 404, message: "Cluster \(id) not found.")
    }
    /// 413: the body, or a record in it, is larger than the gateway or the producer takes.
    static func tooLarge(_ message: String) -> RestError { RestError(status: 413, errorCode: 413, message: message) }
    /// 415: a content type the endpoint does not take.
    static func unsupportedMediaType(_ got: String?, expected: [String]) -> RestError {
        RestError(status: 415, errorCode: 415,
                  message: "HTTP 415 Unsupported Media Type: got \(got.map { "'\($0)'" } ?? "no Content-Type"), "
                      + "expected \(expected.joined(separator: " or "))")
    }
    /// 429 / 42901: the producer's buffer is full (`buffer.memory` stayed full for `max.block.ms`).
    static func bufferFull(_ message: String, retryAfterSeconds: Int) -> RestError {
        RestError(status: 429, errorCode: 42901, message: message, retryAfterSeconds: retryAfterSeconds)
    }
    /// 503 / 50302: no broker could be reached.
    static func brokerUnavailable(_ message: String, retryAfterSeconds: Int) -> RestError {
        RestError(status: 503, errorCode: 50302, message: message, retryAfterSeconds: retryAfterSeconds)
    }
    /// 500 / 50002: a Kafka error that fits nothing above.
    static func kafka(_ message: String) -> RestError { RestError(status: 500, errorCode: 50002, message: message) }
}

/// What became of a record that was not written, in the classes the gateway answers differently.
enum DeliveryFailure: Equatable {
    /// `buffer.memory` stayed full for `max.block.ms`.
    case bufferFull
    /// No broker answered (connection refused or lost, timeouts, no leader).
    case brokerUnavailable
    /// The broker or the producer refused the record's size.
    case tooLarge
    /// The topic or partition is gone.
    case topicNotFound
    /// Any other Kafka error.
    case kafka(retriable: Bool)

    /// Sorts a producer error into its class.
    init(_ error: KafkaClientError) {
        if error.isBufferExhausted {
            self = .bufferFull
        } else if let code = error.errorCode {
            switch code {
            case .messageTooLarge, .recordListTooLarge: self = .tooLarge
            case .unknownTopicOrPartition: self = .topicNotFound
            case .leaderNotAvailable, .notLeaderOrFollower, .brokerNotAvailable, .requestTimedOut, .networkException:
                self = .brokerUnavailable
            default: self = .kafka(retriable: code.isRetriable)
            }
        } else if error.isRetriable {
            self = .brokerUnavailable  // connection errors and timeouts
        } else {
            self = .kafka(retriable: false)
        }
    }

    /// The `error_code` REST Proxy puts on one record's entry: 50003 for Kafka's retriable errors, 50002 for the
    /// others, and the topic-not-found code when the topic went away.
    var recordErrorCode: Int {
        switch self {
        case .bufferFull, .brokerUnavailable: return 50003
        case .tooLarge: return 50002
        case .topicNotFound: return 40401
        case .kafka(let retriable): return retriable ? 50003 : 50002
        }
    }

    /// The whole request's answer when every record failed this way, or nil when per-record entries say it best.
    func requestError(_ error: KafkaClientError, topic: String, retryAfterSeconds: Int) -> RestError? {
        switch self {
        case .bufferFull: return .bufferFull("Producer buffer full: \(error)", retryAfterSeconds: retryAfterSeconds)
        case .brokerUnavailable:
            return .brokerUnavailable("Broker unavailable: \(error)", retryAfterSeconds: retryAfterSeconds)
        case .tooLarge: return .tooLarge("Record too large for the broker: \(error)")
        case .topicNotFound: return .topicNotFound(topic)
        case .kafka: return nil
        }
    }
}

/// The answer to a request whose records were all refused for one reason, or nil when some record was written or
/// the reasons differ (then each record's entry tells its own fate).
func wholeRequestFailure(_ reports: [DeliveryReport], topic: String, retryAfterSeconds: Int) -> RestError? {
    var first: (DeliveryFailure, KafkaClientError)?
    for report in reports {
        guard case .failure(let error) = report else { return nil }
        let failure = DeliveryFailure(error)
        if let (seen, _) = first {
            if seen != failure { return nil }
        } else {
            first = (failure, error)
        }
    }
    guard let (failure, error) = first else { return nil }
    return failure.requestError(error, topic: topic, retryAfterSeconds: retryAfterSeconds)
}
