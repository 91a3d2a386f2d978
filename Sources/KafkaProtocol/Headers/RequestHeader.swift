import NIOCore

/// The header before every request body: which API and version, the correlation id the answer echoes, and the
/// client id. Header v1 is classic; v2 (flexible requests) adds tagged fields but keeps the client id's
/// INT16 length, a Kafka quirk (the header's client id is never compact).
public struct RequestHeader: Hashable, Sendable {
    /// The raw API key; may name an API this codec does not know.
    public var apiKey: Int16
    /// The API version the body is written in.
    public var apiVersion: Int16
    /// Echoed in the response header so the client can match answers to requests.
    public var correlationId: Int32
    /// The client's name, or nil.
    public var clientId: String?
    /// The header's tagged fields (header v2 only).
    public var taggedFields: TaggedFields

    /// Makes a header.
    public init(
        apiKey: Int16, apiVersion: Int16, correlationId: Int32, clientId: String? = nil,
        taggedFields: TaggedFields = TaggedFields()
    ) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationId = correlationId
        self.clientId = clientId
        self.taggedFields = taggedFields
    }

    /// Makes a header for a request of a known API.
    public init(apiKey: ApiKey, apiVersion: Int16, correlationId: Int32, clientId: String? = nil) {
        self.init(apiKey: apiKey.rawValue, apiVersion: apiVersion, correlationId: correlationId, clientId: clientId)
    }

    /// The known API, or nil.
    public var knownApiKey: ApiKey? { ApiKey(rawValue: apiKey) }

    /// The header version used by this header's API and version: 2 for flexible versions, else 1. An unknown API
    /// or a version outside what we implement is read as v1, so the broker can still answer UNSUPPORTED_VERSION
    /// with the right correlation id.
    public static func headerVersion(apiKey: Int16, apiVersion: Int16) -> Int16 {
        guard let key = ApiKey(rawValue: apiKey), key.versions.contains(apiVersion) else { return 1 }
        return key.requestHeaderVersion(apiVersion)
    }

    /// The header version this header is written in.
    public var headerVersion: Int16 { Self.headerVersion(apiKey: apiKey, apiVersion: apiVersion) }

    /// Reads a header, choosing v1 or v2 from the API key and version it begins with.
    public static func read(from buffer: inout ByteBuffer) throws -> RequestHeader {
        let apiKey = try buffer.readInt16()
        let apiVersion = try buffer.readInt16()
        let correlationId = try buffer.readInt32()
        let clientId = try buffer.readNullableString(compact: false)
        var header = RequestHeader(
            apiKey: apiKey, apiVersion: apiVersion, correlationId: correlationId, clientId: clientId)
        if headerVersion(apiKey: apiKey, apiVersion: apiVersion) >= 2 {
            header.taggedFields = try buffer.readTaggedFields()
        }
        return header
    }

    /// Writes the header in the version its API and version call for.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInt16(apiKey)
        buffer.writeInt16(apiVersion)
        buffer.writeInt32(correlationId)
        buffer.writeNullableString(clientId, compact: false)
        if headerVersion >= 2 {
            buffer.writeTaggedFields(taggedFields)
        }
    }
}
