/// The Kafka APIs Kairos speaks, by their wire key.
///
/// Version facts come from the generated message types, so the advertised range, the flexible versions and the
/// codec can never disagree.
public enum ApiKey: Int16, Sendable, CaseIterable, CustomStringConvertible {
    /// Produce (key 0).
    case produce = 0
    /// Fetch (key 1).
    case fetch = 1
    /// ListOffsets (key 2).
    case listOffsets = 2
    /// Metadata (key 3).
    case metadata = 3
    /// OffsetCommit (key 8).
    case offsetCommit = 8
    /// OffsetFetch (key 9).
    case offsetFetch = 9
    /// FindCoordinator (key 10).
    case findCoordinator = 10
    /// JoinGroup (key 11).
    case joinGroup = 11
    /// Heartbeat (key 12).
    case heartbeat = 12
    /// LeaveGroup (key 13).
    case leaveGroup = 13
    /// SyncGroup (key 14).
    case syncGroup = 14
    /// DescribeGroups (key 15).
    case describeGroups = 15
    /// ListGroups (key 16).
    case listGroups = 16
    /// SaslHandshake (key 17).
    case saslHandshake = 17
    /// ApiVersions (key 18).
    case apiVersions = 18
    /// CreateTopics (key 19).
    case createTopics = 19
    /// DeleteTopics (key 20).
    case deleteTopics = 20
    /// DeleteRecords (key 21).
    case deleteRecords = 21
    /// InitProducerId (key 22).
    case initProducerId = 22
    /// AddPartitionsToTxn (key 24).
    case addPartitionsToTxn = 24
    /// AddOffsetsToTxn (key 25).
    case addOffsetsToTxn = 25
    /// EndTxn (key 26).
    case endTxn = 26
    /// TxnOffsetCommit (key 28).
    case txnOffsetCommit = 28
    /// DescribeConfigs (key 32).
    case describeConfigs = 32
    /// AlterConfigs (key 33).
    case alterConfigs = 33
    /// SaslAuthenticate (key 36).
    case saslAuthenticate = 36
    /// CreatePartitions (key 37).
    case createPartitions = 37
    /// DeleteGroups (key 42).
    case deleteGroups = 42
    /// IncrementalAlterConfigs (key 44).
    case incrementalAlterConfigs = 44
    /// OffsetDelete (key 47).
    case offsetDelete = 47
    /// DescribeClientQuotas (key 48).
    case describeClientQuotas = 48
    /// AlterClientQuotas (key 49).
    case alterClientQuotas = 49
    /// DescribeCluster (key 60).
    case describeCluster = 60
    /// DescribeProducers (key 61).
    case describeProducers = 61
    /// DescribeTransactions (key 65).
    case describeTransactions = 65
    /// ListTransactions (key 66).
    case listTransactions = 66
    /// KairosPartitionLoad (key 10000): Kairos's own per-partition load API, not part of Kafka. The key lies far
    /// above Kafka's, so clients that do not know it skip it in ApiVersions.
    case kairosPartitionLoad = 10000

    /// Kafka's name for the API (`"Produce"`, `"ApiVersions"`).
    public var name: String {
        switch self {
        case .produce: return "Produce"
        case .fetch: return "Fetch"
        case .listOffsets: return "ListOffsets"
        case .metadata: return "Metadata"
        case .offsetCommit: return "OffsetCommit"
        case .offsetFetch: return "OffsetFetch"
        case .findCoordinator: return "FindCoordinator"
        case .joinGroup: return "JoinGroup"
        case .heartbeat: return "Heartbeat"
        case .leaveGroup: return "LeaveGroup"
        case .syncGroup: return "SyncGroup"
        case .describeGroups: return "DescribeGroups"
        case .listGroups: return "ListGroups"
        case .saslHandshake: return "SaslHandshake"
        case .apiVersions: return "ApiVersions"
        case .createTopics: return "CreateTopics"
        case .deleteTopics: return "DeleteTopics"
        case .deleteRecords: return "DeleteRecords"
        case .initProducerId: return "InitProducerId"
        case .addPartitionsToTxn: return "AddPartitionsToTxn"
        case .addOffsetsToTxn: return "AddOffsetsToTxn"
        case .endTxn: return "EndTxn"
        case .txnOffsetCommit: return "TxnOffsetCommit"
        case .describeConfigs: return "DescribeConfigs"
        case .alterConfigs: return "AlterConfigs"
        case .saslAuthenticate: return "SaslAuthenticate"
        case .createPartitions: return "CreatePartitions"
        case .deleteGroups: return "DeleteGroups"
        case .incrementalAlterConfigs: return "IncrementalAlterConfigs"
        case .offsetDelete: return "OffsetDelete"
        case .describeClientQuotas: return "DescribeClientQuotas"
        case .alterClientQuotas: return "AlterClientQuotas"
        case .describeCluster: return "DescribeCluster"
        case .describeProducers: return "DescribeProducers"
        case .describeTransactions: return "DescribeTransactions"
        case .listTransactions: return "ListTransactions"
        case .kairosPartitionLoad: return "KairosPartitionLoad"
        }
    }

    /// The request body type of this API.
    public var requestType: any KafkaRequestMessage.Type {
        switch self {
        case .produce: return ProduceRequest.self
        case .fetch: return FetchRequest.self
        case .listOffsets: return ListOffsetsRequest.self
        case .metadata: return MetadataRequest.self
        case .offsetCommit: return OffsetCommitRequest.self
        case .offsetFetch: return OffsetFetchRequest.self
        case .findCoordinator: return FindCoordinatorRequest.self
        case .joinGroup: return JoinGroupRequest.self
        case .heartbeat: return HeartbeatRequest.self
        case .leaveGroup: return LeaveGroupRequest.self
        case .syncGroup: return SyncGroupRequest.self
        case .describeGroups: return DescribeGroupsRequest.self
        case .listGroups: return ListGroupsRequest.self
        case .saslHandshake: return SaslHandshakeRequest.self
        case .apiVersions: return ApiVersionsRequest.self
        case .createTopics: return CreateTopicsRequest.self
        case .deleteTopics: return DeleteTopicsRequest.self
        case .deleteRecords: return DeleteRecordsRequest.self
        case .initProducerId: return InitProducerIdRequest.self
        case .addPartitionsToTxn: return AddPartitionsToTxnRequest.self
        case .addOffsetsToTxn: return AddOffsetsToTxnRequest.self
        case .endTxn: return EndTxnRequest.self
        case .txnOffsetCommit: return TxnOffsetCommitRequest.self
        case .describeConfigs: return DescribeConfigsRequest.self
        case .alterConfigs: return AlterConfigsRequest.self
        case .saslAuthenticate: return SaslAuthenticateRequest.self
        case .createPartitions: return CreatePartitionsRequest.self
        case .deleteGroups: return DeleteGroupsRequest.self
        case .incrementalAlterConfigs: return IncrementalAlterConfigsRequest.self
        case .offsetDelete: return OffsetDeleteRequest.self
        case .describeClientQuotas: return DescribeClientQuotasRequest.self
        case .alterClientQuotas: return AlterClientQuotasRequest.self
        case .describeCluster: return DescribeClusterRequest.self
        case .describeProducers: return DescribeProducersRequest.self
        case .describeTransactions: return DescribeTransactionsRequest.self
        case .listTransactions: return ListTransactionsRequest.self
        case .kairosPartitionLoad: return KairosPartitionLoadRequest.self
        }
    }

    /// The response body type of this API.
    public var responseType: any KafkaMessage.Type {
        switch self {
        case .produce: return ProduceResponse.self
        case .fetch: return FetchResponse.self
        case .listOffsets: return ListOffsetsResponse.self
        case .metadata: return MetadataResponse.self
        case .offsetCommit: return OffsetCommitResponse.self
        case .offsetFetch: return OffsetFetchResponse.self
        case .findCoordinator: return FindCoordinatorResponse.self
        case .joinGroup: return JoinGroupResponse.self
        case .heartbeat: return HeartbeatResponse.self
        case .leaveGroup: return LeaveGroupResponse.self
        case .syncGroup: return SyncGroupResponse.self
        case .describeGroups: return DescribeGroupsResponse.self
        case .listGroups: return ListGroupsResponse.self
        case .saslHandshake: return SaslHandshakeResponse.self
        case .apiVersions: return ApiVersionsResponse.self
        case .createTopics: return CreateTopicsResponse.self
        case .deleteTopics: return DeleteTopicsResponse.self
        case .deleteRecords: return DeleteRecordsResponse.self
        case .initProducerId: return InitProducerIdResponse.self
        case .addPartitionsToTxn: return AddPartitionsToTxnResponse.self
        case .addOffsetsToTxn: return AddOffsetsToTxnResponse.self
        case .endTxn: return EndTxnResponse.self
        case .txnOffsetCommit: return TxnOffsetCommitResponse.self
        case .describeConfigs: return DescribeConfigsResponse.self
        case .alterConfigs: return AlterConfigsResponse.self
        case .saslAuthenticate: return SaslAuthenticateResponse.self
        case .createPartitions: return CreatePartitionsResponse.self
        case .deleteGroups: return DeleteGroupsResponse.self
        case .incrementalAlterConfigs: return IncrementalAlterConfigsResponse.self
        case .offsetDelete: return OffsetDeleteResponse.self
        case .describeClientQuotas: return DescribeClientQuotasResponse.self
        case .alterClientQuotas: return AlterClientQuotasResponse.self
        case .describeCluster: return DescribeClusterResponse.self
        case .describeProducers: return DescribeProducersResponse.self
        case .describeTransactions: return DescribeTransactionsResponse.self
        case .listTransactions: return ListTransactionsResponse.self
        case .kairosPartitionLoad: return KairosPartitionLoadResponse.self
        }
    }

    /// The versions Kairos implements and advertises (every range starts at 0).
    public var versions: ClosedRange<Int16> { requestType.versions }

    /// The first version that uses compact encodings and tagged fields, or nil if none does.
    public var firstFlexibleVersion: Int16? { requestType.flexibleVersions?.lowerBound }

    /// True when `version` of this API is flexible.
    public func isFlexible(_ version: Int16) -> Bool {
        guard let first = firstFlexibleVersion else { return false }
        return version >= first
    }

    /// The request header version a request of this API at `version` carries: 2 when flexible, else 1.
    public func requestHeaderVersion(_ version: Int16) -> Int16 {
        isFlexible(version) ? 2 : 1
    }

    /// The response header version: 1 when flexible, else 0; ApiVersions answers always use 0, because a client
    /// must be able to read the answer before it knows which versions the broker speaks.
    public func responseHeaderVersion(_ version: Int16) -> Int16 {
        if self == .apiVersions { return 0 }
        return isFlexible(version) ? 1 : 0
    }

    public var description: String { name }
}
