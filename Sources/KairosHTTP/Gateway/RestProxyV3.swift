import KafkaProtocol
import KairosClient
import NIOCore

/// REST Proxy v3's produce request and answer: `POST /v3/clusters/{cluster_id}/topics/{topic}/records` with one
/// JSON object per record, one after another (`{"partition_id":..,"headers":[{"name":..,"value":base64}],
/// "key":{"type":"BINARY|JSON|STRING","data":..},"value":{..},"timestamp":"ISO-8601"}`), answered with one
/// object per record in request order, each on its own line: `{"error_code":200,"cluster_id":..,"topic_name":..,
/// "partition_id":..,"offset":..,"timestamp":..,"key":{"type":..,"size":..},"value":{..}}`, or
/// `{"error_code":N,"message":..}` for a record that was not written.
enum RestProxyV3 {
    /// The content type of requests and answers.
    static let contentType = "application/json"

    /// True when `contentType` is JSON.
    static func accepts(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        return mediaType == "application/json"
    }

    /// One parsed record and the formats its key and value came in (the answer names them).
    struct Entry {
        var record: ProducerRecord
        var keyFormat: EmbeddedFormat?
        var valueFormat: EmbeddedFormat?
    }

    /// Parses every record of the body. The whole body is checked before anything is sent, so a bad record
    /// refuses the request (400 / 422) rather than leaving the records before it written.
    static func parse(_ body: [UInt8], topic: String) throws -> [Entry] {
        do {
            var reader = JSONReader(body)
            var entries: [Entry] = []
            while !reader.atEnd() {
                entries.append(try parseRecord(&reader, position: entries.count, topic: topic))
            }
            guard !entries.isEmpty else { throw JSONReader.ShapeError(path: "", reason: "the body holds no record") }
            return entries
        } catch {
            throw restError(from: error)
        }
    }

    private static func parseRecord(_ reader: inout JSONReader, position: Int, topic: String) throws -> Entry {
        let path = "record \(position)"
        guard try reader.peekKind() == .object else {
            throw JSONReader.ShapeError(path: path, reason: "must be a JSON object")
        }
        var entry = Entry(record: ProducerRecord(topic: topic, value: nil as ByteBuffer?))
        try reader.readObject { name, reader in
            switch name {
            case "partition_id":
                if try reader.readNullIfPresent() { return }
                guard try reader.peekKind() == .number else {
                    throw JSONReader.ShapeError(path: "\(path).partition_id", reason: "must be an integer or null")
                }
                let partition = try reader.readInteger()
                guard let exact = Int32(exactly: partition), exact >= 0 else {
                    throw JSONReader.ShapeError(path: "\(path).partition_id", reason: "\(partition) is not a partition number")
                }
                entry.record.partition = exact
            case "key":
                if let (format, bytes) = try parseData(&reader, what: "\(path).key", invalid: RestError.invalidKey) {
                    entry.keyFormat = format
                    entry.record.key = bytes
                }
            case "value":
                if let (format, bytes) = try parseData(&reader, what: "\(path).value", invalid: RestError.invalidValue) {
                    entry.valueFormat = format
                    entry.record.value = bytes
                }
            case "headers":
                entry.record.headers = try parseHeaders(&reader, path: "\(path).headers")
            case "timestamp":
                if try reader.readNullIfPresent() { return }
                let text = try reader.readString()
                guard let ms = ISO8601Time.parseMs(text) else {
                    throw JSONReader.ShapeError(path: "\(path).timestamp", reason: "'\(text)' is not an ISO 8601 date-time")
                }
                entry.record.timestampMs = ms
            default:
                try reader.skipValue()
            }
        }
        return entry
    }

    /// `{"type": T, "data": D}` (type defaults to BINARY, as REST Proxy's without a schema registry); nil for an
    /// absent or null member. Returns the format and the bytes (nil bytes for null data).
    private static func parseData(_ reader: inout JSONReader, what: String, invalid: (String) -> RestError)
        throws -> (EmbeddedFormat, ByteBuffer?)? {
        if try reader.readNullIfPresent() { return nil }
        guard try reader.peekKind() == .object else {
            throw JSONReader.ShapeError(path: what, reason: "must be an object {\"type\":..,\"data\":..}")
        }
        // The members may come in any order, so data is kept as compact JSON until the type is known.
        var typeName: String?
        var data: [UInt8]?
        try reader.readObject(depth: 1) { name, reader in
            switch name {
            case "type": typeName = try reader.readString()
            case "data": data = try reader.readCompactValue()
            case "schema_id", "schema_version", "schema", "subject", "subject_name_strategy":
                throw invalid("\(what).\(name): schemas need a schema registry, which this gateway does not have")
            default: try reader.skipValue()
            }
        }
        let format: EmbeddedFormat
        if let typeName {
            guard let known = EmbeddedFormat(rawValue: typeName.uppercased()) else {
                throw invalid("\(what).type '\(typeName)' is not one of BINARY, JSON, STRING")
            }
            format = known
        } else {
            format = .binary
        }
        guard let data else { return (format, nil) }
        var dataReader = JSONReader(data)
        return (format, try format.read(&dataReader, what: "\(what).data", invalid: invalid))
    }

    private static func parseHeaders(_ reader: inout JSONReader, path: String) throws -> [RecordHeader] {
        if try reader.readNullIfPresent() { return [] }
        guard try reader.peekKind() == .array else { throw JSONReader.ShapeError(path: path, reason: "must be an array") }
        var headers: [RecordHeader] = []
        try reader.readArray(depth: 1) { position, reader in
            var name: String?
            var value: ByteBuffer?
            guard try reader.peekKind() == .object else {
                throw JSONReader.ShapeError(path: "\(path)[\(position)]", reason: "must be an object {\"name\":..,\"value\":..}")
            }
            try reader.readObject(depth: 2) { member, reader in
                switch member {
                case "name": name = try reader.readString()
                case "value":
                    value = try EmbeddedFormat.binary.read(&reader, what: "\(path)[\(position)].value",
                                                           invalid: RestError.unprocessable)
                default: try reader.skipValue()
                }
            }
            guard let name else { throw JSONReader.ShapeError(path: "\(path)[\(position)]", reason: "has no name") }
            headers.append(RecordHeader(key: name, value: value))
        }
        return headers
    }

    /// Renders one line per record.
    static func render(_ entries: [Entry], _ reports: [DeliveryReport], clusterId: String, topic: String) -> ByteBuffer {
        var json = JSONWriter(capacity: reports.count * 200)
        for (entry, report) in zip(entries, reports) {
            switch report {
            case .success(let metadata):
                json.raw("{\"error_code\":200,\"cluster_id\":")
                json.string(clusterId)
                json.raw(",\"topic_name\":")
                json.string(topic)
                json.raw(",\"partition_id\":")
                json.number(metadata.partition)
                json.raw(",\"offset\":")
                json.number(metadata.offset)
                json.raw(",\"timestamp\":")
                json.string(ISO8601Time.format(ms: metadata.timestampMs))
                json.raw(",\"key\":")
                renderData(&json, format: entry.keyFormat, bytes: entry.record.key)
                json.raw(",\"value\":")
                renderData(&json, format: entry.valueFormat, bytes: entry.record.value)
                json.raw("}\n")
            case .failure(let error):
                json.raw("{\"error_code\":")
                json.number(DeliveryFailure(error).recordErrorCode)
                json.raw(",\"message\":")
                json.string(error.description)
                json.raw("}\n")
            }
        }
        return json.buffer
    }

    private static func renderData(_ json: inout JSONWriter, format: EmbeddedFormat?, bytes: ByteBuffer?) {
        guard let format else { json.raw("null"); return }
        json.raw("{\"type\":")
        json.string(format.rawValue)
        json.raw(",\"size\":")
        json.number(bytes?.readableBytes ?? 0)
        json.raw("}")
    }
}
