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
        let errors = alterConfigs(
            request.resources.map {
                ($0.resourceType, $0.resourceName, .incremental($0.configs.map { ($0.name, $0.configOperation, $0.value) }))
            },
            validateOnly: request.validateOnly)
        let responses = zip(request.resources, errors).map { resource, error in
            IncrementalAlterConfigsResponse.AlterConfigsResourceResponse(
                errorCode: error?.code.rawValue ?? 0, errorMessage: error?.message,
                resourceType: resource.resourceType, resourceName: resource.resourceName)
        }
        return IncrementalAlterConfigsResponse(throttleTimeMs: 0, responses: responses)
    }
}
