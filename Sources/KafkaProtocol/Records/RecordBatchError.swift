/// A record batch (or legacy message set) that a broker must refuse, with the Kafka error code to answer with.
///
/// A struct over a private enum, so cases can be added without breaking callers.
public struct RecordBatchError: Error, Hashable, CustomStringConvertible, Sendable {
    private enum Kind: Hashable, Sendable {
        case corrupt(String)
        case invalidRecord(String)
        case unsupportedCompression(Int8)
        case tooLarge(Int)
    }

    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// Bytes that do not form the batch they claim to be: a CRC mismatch, a length that disagrees with the
    /// bytes present, records that do not parse, compressed data that does not decompress (CORRUPT_MESSAGE).
    public static func corrupt(_ reason: String) -> RecordBatchError { RecordBatchError(.corrupt(reason)) }

    /// A well-formed batch that breaks a rule for what may be stored: wrong magic, a record count that
    /// disagrees with the offsets, a control batch from a client (INVALID_RECORD).
    public static func invalidRecord(_ reason: String) -> RecordBatchError { RecordBatchError(.invalidRecord(reason)) }

    /// Compression bits naming no codec we know (UNSUPPORTED_COMPRESSION_TYPE).
    public static func unsupportedCompression(_ bits: Int8) -> RecordBatchError {
        RecordBatchError(.unsupportedCompression(bits))
    }

    /// Records that decompress to more than the allowed bound (MESSAGE_TOO_LARGE).
    public static func tooLarge(maxBytes: Int) -> RecordBatchError { RecordBatchError(.tooLarge(maxBytes)) }

    /// The Kafka error code a broker answers with for this error.
    public var errorCode: Int16 {
        switch kind {
        case .corrupt: return 2  // CORRUPT_MESSAGE
        case .invalidRecord: return 87  // INVALID_RECORD
        case .unsupportedCompression: return 76  // UNSUPPORTED_COMPRESSION_TYPE
        case .tooLarge: return 10  // MESSAGE_TOO_LARGE
        }
    }

    public var description: String {
        switch kind {
        case .corrupt(let reason): return "corrupt record batch: \(reason)"
        case .invalidRecord(let reason): return "invalid record batch: \(reason)"
        case .unsupportedCompression(let bits): return "unsupported compression type \(bits)"
        case .tooLarge(let maxBytes): return "records decompress to more than \(maxBytes) bytes"
        }
    }

    /// Maps a codec failure: an exceeded bound stays a size error, anything else is corruption.
    init(_ error: CompressionError) {
        if let maxBytes = error.maxBytes {
            self = .tooLarge(maxBytes: maxBytes)
        } else {
            self = .corrupt(error.description)
        }
    }

    /// Maps a short or malformed read inside a batch to corruption.
    init(_ error: KafkaProtocolError) {
        self = .corrupt(error.description)
    }
}
