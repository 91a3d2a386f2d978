// ApiVersions (key 18), v0-3. Lists every API the broker answers with its version range, as each
// handler file declares it (`ApiHandler.all`).
// A request at a version we do not speak gets a v0 response with UNSUPPORTED_VERSION and the
// list, so the client can retry at a version we do (KIP-511). The response header is always v0.
// No tagged fields (supported or finalized features) are sent: librdkafka 2.0.2 cannot parse them.
import KafkaProtocol
import NIOCore

extension ApiHandler {
    /// ApiVersions; a version outside this range is answered by `Broker.apiVersionsUnsupported`.
    static let apiVersions = ApiHandler.responding(to: ApiVersionsRequest.self) { broker, request, version in
        broker.handleApiVersions(request, version: version)
    }
}

extension Broker {
    func handleApiVersions(_ request: ApiVersionsRequest, version: Int16) -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: ErrorCode.none.rawValue, apiKeys: Broker.advertisedApiVersions)
    }

    /// Every registered handler's key and versions, by key.
    static let advertisedApiVersions: [ApiVersionsResponse.ApiVersion] =
        ApiHandler.all.map {
            ApiVersionsResponse.ApiVersion(apiKey: $0.key.rawValue, minVersion: $0.versions.lowerBound, maxVersion: $0.versions.upperBound)
        }

    func apiVersionsUnsupported(header: RequestHeader) -> BrokerReply {
        let response = ApiVersionsResponse(errorCode: ErrorCode.unsupportedVersion.rawValue, apiKeys: Broker.advertisedApiVersions)
        // Answered at v0, the version every client can read.
        var v0 = header
        v0.apiVersion = 0
        return reply(response, v0)
    }
}
