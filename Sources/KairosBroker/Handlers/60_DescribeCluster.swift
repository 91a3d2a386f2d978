// DescribeCluster (key 60), v0-1. One broker, which is also the controller.
import KafkaProtocol

extension ApiHandler {
    /// DescribeCluster.
    static let describeCluster = ApiHandler(DescribeClusterRequest.self) { broker, request, header, context in
        broker.reply(broker.handleDescribeCluster(request, listener: context.listenerName), header)
    }
}

extension Broker {
    func handleDescribeCluster(_ request: DescribeClusterRequest, listener: String = "") -> DescribeClusterResponse {
        let advertised = advertisedAddress(listener: listener)
        return DescribeClusterResponse(
            throttleTimeMs: 0, errorCode: 0, errorMessage: nil, endpointType: request.endpointType, clusterId: config.clusterId,
            controllerId: config.nodeId,
            brokers: [.init(brokerId: config.nodeId, host: advertised.host, port: advertised.port, rack: nil)],
            clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? 0 : Int32.min)
    }
}
