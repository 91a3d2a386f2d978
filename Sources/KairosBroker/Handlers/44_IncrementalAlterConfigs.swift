// IncrementalAlterConfigs (key 44), v0-1: SET, DELETE, APPEND and SUBTRACT (the last two on list configs only)
// change the named configs of a resource and leave the others as they are. Topics (type 2) and this broker or the
// cluster default (type 4, the node id or "") are served; checks, storing and live effect are
// `Broker.alterConfigs`'s. A resource named twice is refused (INVALID_REQUEST); validateOnly checks only.
import KafkaProtocol

extension ApiHandler {
    /// IncrementalAlterConfigs.
    static let incrementalAlterConfigs = ApiHandler.responding(to: IncrementalAlterConfigsRequest.self) { broker, request, _ in
        broker.handleIncrementalAlterConfigs(request)
    }
}

extension Broker {
    func handleIncrementalAlterConfigs(_ request: IncrementalAlterConfigsRequest) -> IncrementalAlterConfigsResponse {
        let duplicated = ConfigResourceKey.duplicated(request.resources.map { ConfigResourceKey(type: $0.resourceType, name: $0.resourceName) })
        let responses = request.resources.map { resource -> IncrementalAlterConfigsResponse.AlterConfigsResourceResponse in
            let error: ConfigAlterationError?
            if duplicated.contains(ConfigResourceKey(type: resource.resourceType, name: resource.resourceName)) {
                error = ConfigAlterationError(code: .invalidRequest, message: "Duplicate resource in the request")
            } else {
                error = alterConfigs(
                    resourceType: resource.resourceType, resourceName: resource.resourceName,
                    .incremental(resource.configs.map { ($0.name, $0.configOperation, $0.value) }),
                    validateOnly: request.validateOnly)
            }
            return .init(errorCode: error?.code.rawValue ?? 0, errorMessage: error?.message,
                         resourceType: resource.resourceType, resourceName: resource.resourceName)
        }
        return IncrementalAlterConfigsResponse(throttleTimeMs: 0, responses: responses)
    }
}
