// DescribeCluster (key 60), v0-1. One broker, which is also the controller. The cluster's authorized operations,
// when asked for, are every operation Kafka defines on the cluster (no ACLs yet: everything is allowed).
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
            clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? AuthorizedOperations.cluster : Int32.min)
    }
}
