import Foundation
import NIOCore

/// How a key or value is carried inside the JSON of a request: REST Proxy's embedded formats that need no schema
/// registry.
enum EmbeddedFormat: String, Sendable {
    /// Any JSON value, written to Kafka as its compact JSON text.
    case json = "JSON"
    /// A base64 string, written as the bytes it encodes.
    case binary = "BINARY"
    /// A string, written as its UTF-8 bytes (v3 only).
    case string = "STRING"

    /// Reads one key or value at the reader's cursor: nil for JSON `null`. `invalid` builds the error for a
    /// value this format cannot take.
    func read(_ reader: inout JSONReader, what: String, invalid: (String) -> RestError) throws -> ByteBuffer? {
        if try reader.readNullIfPresent() { return nil }
        switch self {
        case .json:
            return ByteBuffer(bytes: try reader.readCompactValue())
        case .binary:
            guard try reader.peekKind() == .string else {
                try reader.skipValue()
                throw invalid("\(what) must be a base64 string or null in the binary format")
            }
            let text = try reader.readString()
            guard let data = Data(base64Encoded: text) else {
                throw invalid("\(what) is not valid base64")
            }
            return ByteBuffer(bytes: data)
        case .string:
            guard try reader.peekKind() == .string else {
                try reader.skipValue()
                throw invalid("\(what) must be a string or null for type STRING")
            }
            return ByteBuffer(string: try reader.readString())
        }
    }
}

/// Turns the reader's errors into REST Proxy's answers: broken JSON is a 400, a JSON shape that is not a request
/// a 422.
func restError(from error: Error) -> RestError {
    switch error {
    case let error as RestError: return error
    case let error as JSONReader.SyntaxError: return .malformed(error.description)
    case let error as JSONReader.ShapeError: return .unprocessable(error.description)
    default: return .malformed("\(error)")
    }
}
