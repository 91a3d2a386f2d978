import KairosClient
import NIOCore

/// REST Proxy v2's produce request and answer: `POST /topics/{topic}` with
/// `{"records":[{"key":..,"value":..,"partition":..}]}` in the JSON or binary embedded format, answered with
/// `{"key_schema_id":null,"value_schema_id":null,"offsets":[{"partition":p,"offset":o,"error_code":null,"error":null}]}`,
/// one entry per record in request order.
enum RestProxyV2 {
    /// The content type of every v2 answer.
    static let responseContentType = "application/vnd.kafka.v2+json"

    /// The embedded format a request's content type names, or nil when it names none this gateway takes.
    static func format(contentType: String?) -> EmbeddedFormat? {
        guard let contentType else { return nil }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        switch mediaType {
        case "application/vnd.kafka.json.v2+json": return .json
        case "application/vnd.kafka.binary.v2+json": return .binary
        default: return nil
        }
    }

    /// The content types `format(contentType:)` accepts, for the 415 message.
    static let acceptedContentTypes = ["application/vnd.kafka.json.v2+json", "application/vnd.kafka.binary.v2+json"]

    /// Parses a produce body into records for `topic`. Throws `RestError`: 400 for broken JSON, 422 for a body
    /// that is not a produce request (42201 / 42202 for a key / value the format cannot carry).
    static func parse(_ body: [UInt8], format: EmbeddedFormat, topic: String) throws -> [ProducerRecord] {
        do {
            var reader = JSONReader(body)
            guard try reader.peekKind() == .object else {
                throw JSONReader.ShapeError(path: "", reason: "the body must be a JSON object with a \"records\" array")
            }
            var records: [ProducerRecord]?
            try reader.readObject { name, reader in
                guard name == "records" else { try reader.skipValue(); return }
                guard try reader.peekKind() == .array else {
                    throw JSONReader.ShapeError(path: "records", reason: "must be an array")
                }
                var parsed: [ProducerRecord] = []
                try reader.readArray { position, reader in
                    parsed.append(try parseRecord(&reader, position: position, format: format, topic: topic))
                }
                records = parsed
            }
            try reader.expectEnd()
            guard let records else { throw JSONReader.ShapeError(path: "", reason: "the body has no \"records\" array") }
            guard !records.isEmpty else { throw JSONReader.ShapeError(path: "records", reason: "must not be empty") }
            return records
        } catch {
            throw restError(from: error)
        }
    }

    private static func parseRecord(_ reader: inout JSONReader, position: Int, format: EmbeddedFormat,
                                    topic: String) throws -> ProducerRecord {
        let path = "records[\(position)]"
        guard try reader.peekKind() == .object else {
            throw JSONReader.ShapeError(path: path, reason: "must be an object")
        }
        var record = ProducerRecord(topic: topic, value: nil as ByteBuffer?)
        try reader.readObject(depth: 2) { name, reader in
            switch name {
            case "key":
                record.key = try format.read(&reader, what: "\(path).key", invalid: RestError.invalidKey)
            case "value":
                record.value = try format.read(&reader, what: "\(path).value", invalid: RestError.invalidValue)
            case "partition":
                if try reader.readNullIfPresent() { return }
                guard try reader.peekKind() == .number else {
                    throw JSONReader.ShapeError(path: "\(path).partition", reason: "must be an integer or null")
                }
                let partition = try reader.readInteger()
                guard let exact = Int32(exactly: partition), exact >= 0 else {
                    throw JSONReader.ShapeError(path: "\(path).partition", reason: "\(partition) is not a partition number")
                }
                record.partition = exact
            default:
                try reader.skipValue()
            }
        }
        return record
    }

    /// Renders the answer: each record's partition and offset, or its error code and message.
    static func render(_ reports: [DeliveryReport]) -> ByteBuffer {
        var json = JSONWriter(capacity: 64 + reports.count * 64)
        json.raw("{\"key_schema_id\":null,\"value_schema_id\":null,\"offsets\":[")
        for (index, report) in reports.enumerated() {
            if index > 0 { json.raw(",") }
            switch report {
            case .success(let metadata):
                json.raw("{\"partition\":")
                json.number(metadata.partition)
                json.raw(",\"offset\":")
                json.number(metadata.offset)
                json.raw(",\"error_code\":null,\"error\":null}")
            case .failure(let error):
                json.raw("{\"partition\":null,\"offset\":null,\"error_code\":")
                json.number(DeliveryFailure(error).recordErrorCode)
                json.raw(",\"error\":")
                json.string(error.description)
                json.raw("}")
            }
        }
        json.raw("]}")
        return json.buffer
    }
}
