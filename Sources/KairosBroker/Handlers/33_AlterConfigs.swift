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
        let errors = alterConfigs(
            request.resources.map { ($0.resourceType, $0.resourceName, .replace($0.configs.map { ($0.name, $0.value) })) },
            validateOnly: request.validateOnly)
        let responses = zip(request.resources, errors).map { resource, error in
            AlterConfigsResponse.AlterConfigsResourceResponse(
                errorCode: error?.code.rawValue ?? 0, errorMessage: error?.message,
                resourceType: resource.resourceType, resourceName: resource.resourceName)
        }
        return AlterConfigsResponse(throttleTimeMs: 0, responses: responses)
    }
}
