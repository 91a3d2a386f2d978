// ApiVersions (key 18), v0-3. Lists every API the broker answers with its version range.
// A request at a version we do not speak gets a v0 response with UNSUPPORTED_VERSION and the
// list, so the client can retry at a version we do (KIP-511). The response header is always v0.
// No tagged fields (supported or finalized features) are sent: librdkafka 2.0.2 cannot parse them.
import KafkaProtocol
import NIOCore

extension Broker {
    func handleApiVersions(_ request: ApiVersionsRequest, version: Int16) -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: ErrorCode.none.rawValue, apiKeys: Broker.advertisedApiVersions)
    }

    static let advertisedApiVersions: [ApiVersionsResponse.ApiVersion] =
        supportedApis.map {
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
