// AlterConfigs (key 33), v0-2: each resource's configs are replaced by the ones given (a config left out returns
// to its default), as Kafka's legacy AlterConfigs does. Topics (type 2) and this broker or the cluster default
// (type 4, the node id or "") are served; the checks, storing and live effect are `Broker.alterConfigs`'s.
// A resource named twice in one request is refused (INVALID_REQUEST) and not changed; validateOnly checks only.
import KafkaProtocol

extension ApiHandler {
    /// AlterConfigs.
    static let alterConfigs = ApiHandler.responding(to: AlterConfigsRequest.self) { broker, request, _ in
        broker.handleAlterConfigs(request)
    }
}

extension Broker {
    func handleAlterConfigs(_ request: AlterConfigsRequest) -> AlterConfigsResponse {
        let duplicated = ConfigResourceKey.duplicated(request.resources.map { ConfigResourceKey(type: $0.resourceType, name: $0.resourceName) })
        let responses = request.resources.map { resource -> AlterConfigsResponse.AlterConfigsResourceResponse in
            let error: ConfigAlterationError?
            if duplicated.contains(ConfigResourceKey(type: resource.resourceType, name: resource.resourceName)) {
                error = ConfigAlterationError(code: .invalidRequest, message: "Duplicate resource in the request")
            } else {
                error = alterConfigs(
                    resourceType: resource.resourceType, resourceName: resource.resourceName,
                    .replace(resource.configs.map { ($0.name, $0.value) }), validateOnly: request.validateOnly)
            }
            return .init(errorCode: error?.code.rawValue ?? 0, errorMessage: error?.message,
                         resourceType: resource.resourceType, resourceName: resource.resourceName)
        }
        return AlterConfigsResponse(throttleTimeMs: 0, responses: responses)
    }
}

/// A config resource by type and name, to find the ones a request names twice.
struct ConfigResourceKey: Hashable {
    var type: Int8
    var name: String

    /// The keys that occur more than once in `keys`.
    static func duplicated(_ keys: [ConfigResourceKey]) -> Set<ConfigResourceKey> {
        var seen = Set<ConfigResourceKey>()
        var twice = Set<ConfigResourceKey>()
        for key in keys where !seen.insert(key).inserted { twice.insert(key) }
        return twice
    }
}
