import KafkaProtocol

/// A snapshot of what the cluster told us: its brokers, and each topic's partitions with their leaders.
public struct ClusterMetadata: Sendable {
    /// One partition of a topic.
    public struct Partition: Sendable, Hashable {
        /// The partition's index.
        public var id: Int32
        /// The node id of its leader, -1 when it has none.
        public var leaderId: Int32
        /// The leader's epoch, -1 when unknown.
        public var leaderEpoch: Int32
        /// Node ids holding a replica.
        public var replicas: [Int32]
        /// Node ids in sync with the leader.
        public var isr: [Int32]
        /// The partition's error, `.none` when healthy.
        public var error: ErrorCode
    }

    /// One topic.
    public struct Topic: Sendable, Hashable {
        /// The topic's name.
        public var name: String
        /// The topic's error, `.none` when it exists and is healthy.
        public var error: ErrorCode
        /// True for Kafka's internal topics (`__consumer_offsets`).
        public var isInternal: Bool
        /// Partitions, ordered by index.
        public var partitions: [Partition]
    }

    /// Brokers by node id.
    public var brokers: [Int32: BrokerAddress]
    /// The controller's node id, -1 when unknown.
    public var controllerId: Int32
    /// The cluster id, if the broker sent one.
    public var clusterId: String?
    /// Topics by name.
    public var topics: [String: Topic]

    /// An empty snapshot.
    public init(brokers: [Int32: BrokerAddress] = [:], controllerId: Int32 = -1, clusterId: String? = nil,
                topics: [String: Topic] = [:]) {
        self.brokers = brokers
        self.controllerId = controllerId
        self.clusterId = clusterId
        self.topics = topics
    }

    /// Reads a Metadata answer.
    public init(_ response: MetadataResponse) {
        var brokers: [Int32: BrokerAddress] = [:]
        for broker in response.brokers {
            brokers[broker.nodeId] = BrokerAddress(host: broker.host, port: Int(broker.port))
        }
        var topics: [String: Topic] = [:]
        for topic in response.topics {
            guard let name = topic.name else { continue }
            let partitions = topic.partitions.map {
                Partition(id: $0.partitionIndex, leaderId: $0.leaderId, leaderEpoch: $0.leaderEpoch,
                          replicas: $0.replicaNodes, isr: $0.isrNodes, error: ErrorCode($0.errorCode))
            }.sorted { $0.id < $1.id }
            topics[name] = Topic(name: name, error: ErrorCode(topic.errorCode), isInternal: topic.isInternal,
                                 partitions: partitions)
        }
        self.init(brokers: brokers, controllerId: response.controllerId, clusterId: response.clusterId, topics: topics)
    }

    /// Merges a newer answer in: brokers and controller are replaced, topics it names are replaced.
    mutating func merge(_ newer: ClusterMetadata) {
        if !newer.brokers.isEmpty { brokers = newer.brokers }
        controllerId = newer.controllerId
        clusterId = newer.clusterId ?? clusterId
        for (name, topic) in newer.topics { topics[name] = topic }
    }

    /// The number of partitions of a healthy topic, nil when the topic is unknown or in error.
    public func partitionCount(topic: String) -> Int? {
        guard let t = topics[topic], t.error == .none, !t.partitions.isEmpty else { return nil }
        return t.partitions.count
    }

    /// The leader's node id of a partition, nil when unknown or leaderless.
    public func leader(topic: String, partition: Int32) -> Int32? {
        guard let t = topics[topic], t.error == .none else {
            return nil
        }
        guard let p = t.partitions.first(where: { $0.id == partition }), p.leaderId >= 0 else { return nil }
        return p.leaderId
    }
}
