// DescribeCluster (key 60), v0-1. One broker, which is also the controller.
import KafkaProtocol

extension ApiHandler {
    /// DescribeCluster.
    static let describeCluster = ApiHandler.responding(to: DescribeClusterRequest.self) { broker, request, _ in
        broker.handleDescribeCluster(request)
    }
}

extension Broker {
    func handleDescribeCluster(_ request: DescribeClusterRequest) -> DescribeClusterResponse {
        DescribeClusterResponse(
            throttleTimeMs: 0, errorCode: 0, errorMessage: nil, endpointType: request.endpointType, clusterId: config.clusterId,
            controllerId: config.nodeId,
            brokers: [.init(brokerId: config.nodeId, host: advertisedAddress.host, port: advertisedAddress.port, rack: nil)],
            clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? 0 : Int32.min)
    }
}
