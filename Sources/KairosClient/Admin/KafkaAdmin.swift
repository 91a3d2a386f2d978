import KafkaProtocol
import Logging
import NIOCore
import NIOPosix

/// Kafka's admin operations: topics, partitions, configs, offsets and consumer groups. Each call routes to the
/// broker that must answer it (the controller for topic changes, leaders for offsets, coordinators for groups)
/// and retries retriable errors within `default.api.timeout.ms`.
public final class KafkaAdmin: Sendable {
    /// The cluster connections it uses.
    public let cluster: KafkaCluster
    private let ownsCluster: Bool

    /// Makes an admin client with its own connections.
    public convenience init(config: ClientConfig, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                            logger: Logger = Logger(label: "kairos.admin")) {
        self.init(cluster: KafkaCluster(config: config, group: group, logger: logger), ownsCluster: true)
    }

    /// Makes an admin client sharing `cluster`'s connections.
    public init(cluster: KafkaCluster, ownsCluster: Bool = false) {
        self.cluster = cluster
        self.ownsCluster = ownsCluster
    }

    private var timeoutMs: Int32 { Int32(clamping: cluster.config.requestTimeoutMs) }

    // MARK: Topics

    /// Creates topics; throws the first topic's error (TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, ...).
    public func createTopics(_ topics: [NewTopic]) async throws {
        let results = try await cluster.withRetries("CreateTopics") {
            let connection = try await self.cluster.controllerConnection()
            let request = CreateTopicsRequest(
                topics: topics.map { topic in
                    .init(name: topic.name, numPartitions: topic.partitions, replicationFactor: topic.replicationFactor,
                          configs: topic.configs.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) })
                },
                timeoutMs: self.timeoutMs)
            let response = try await connection.send(request)
            if let notController = response.topics.first(where: { $0.errorCode == ErrorCode.notController.rawValue }) {
                throw KafkaClientError.broker(ErrorCode(notController.errorCode))
            }
            return response.topics
        }
        for result in results where result.errorCode != 0 {
            throw KafkaClientError.broker(ErrorCode(result.errorCode),
                                          message: "topic \(result.name)" + (result.errorMessage.map { ": \($0)" } ?? ""))
        }
        _ = try? await cluster.refreshMetadata(topics: topics.map(\.name))
    }

    /// Creates one topic.
    public func createTopic(_ name: String, partitions: Int32 = -1, replicationFactor: Int16 = -1,
                            configs: [String: String] = [:]) async throws {
        try await createTopics([NewTopic(name: name, partitions: partitions, replicationFactor: replicationFactor,
                                         configs: configs)])
    }

    /// Deletes topics; throws the first topic's error (UNKNOWN_TOPIC_OR_PARTITION, ...).
    public func deleteTopics(_ names: [String]) async throws {
        let results = try await cluster.withRetries("DeleteTopics") {
            let connection = try await self.cluster.controllerConnection()
            let request = DeleteTopicsRequest(
                topics: names.map { .init(name: $0) }, topicNames: names, timeoutMs: self.timeoutMs)
            let response = try await connection.send(request)
            if let notController = response.responses.first(where: { $0.errorCode == ErrorCode.notController.rawValue }) {
                throw KafkaClientError.broker(ErrorCode(notController.errorCode))
            }
            return response.responses
        }
        for result in results where result.errorCode != 0 {
            throw KafkaClientError.broker(ErrorCode(result.errorCode),
                                          message: "topic \(result.name ?? "?")" + (result.errorMessage.map { ": \($0)" } ?? ""))
        }
        _ = try? await cluster.refreshMetadata(topics: nil)
    }

    /// The names of all topics, sorted; internal topics only when asked.
    public func listTopics(includeInternal: Bool = false) async throws -> [String] {
        let metadata = try await cluster.refreshMetadata(topics: nil)
        return metadata.topics.values.filter { includeInternal || !$0.isInternal }.map(\.name).sorted()
    }

    /// Each named topic's partitions, leaders and replicas (nil: every topic). A topic that does not exist throws
    /// UNKNOWN_TOPIC_OR_PARTITION.
    public func describeTopics(_ names: [String]? = nil) async throws -> [ClusterMetadata.Topic] {
        let metadata = try await cluster.refreshMetadata(topics: names)
        let topics = names.map { $0.compactMap { metadata.topics[$0] } } ?? Array(metadata.topics.values)
        if let missing = names?.first(where: { metadata.topics[$0] == nil }) {
            throw KafkaClientError.broker(.unknownTopicOrPartition, message: "topic \(missing)")
        }
        if let bad = topics.first(where: { $0.error != .none }) {
            throw KafkaClientError.broker(bad.error, message: "topic \(bad.name)")
        }
        return topics.sorted { $0.name < $1.name }
    }

    /// Grows a topic to `totalCount` partitions.
    public func createPartitions(topic: String, totalCount: Int32) async throws {
        let results = try await cluster.withRetries("CreatePartitions") {
            let connection = try await self.cluster.controllerConnection()
            let request = CreatePartitionsRequest(
                topics: [.init(name: topic, count: totalCount, assignments: nil)], timeoutMs: self.timeoutMs)
            let response = try await connection.send(request)
            if let notController = response.results.first(where: { $0.errorCode == ErrorCode.notController.rawValue }) {
                throw KafkaClientError.broker(ErrorCode(notController.errorCode))
            }
            return response.results
        }
        for result in results where result.errorCode != 0 {
            throw KafkaClientError.broker(ErrorCode(result.errorCode),
                                          message: "topic \(result.name)" + (result.errorMessage.map { ": \($0)" } ?? ""))
        }
        _ = try? await cluster.refreshMetadata(topics: [topic])
    }

    // MARK: Configs

    /// The configuration of a topic (resource type 2) or, with `brokerId`, of a broker (resource type 4).
    public func describeConfigs(topic: String? = nil, brokerId: Int32? = nil, keys: [String]? = nil) async throws -> [ConfigEntry] {
        precondition((topic == nil) != (brokerId == nil), "describe either a topic or a broker")
        let resourceType: Int8 = topic != nil ? 2 : 4
        let resourceName = topic ?? String(brokerId!)
        let result = try await cluster.withRetries("DescribeConfigs") {
            let connection: BrokerConnection
            if let brokerId { connection = try await self.cluster.connection(to: brokerId) } else {
                connection = try await self.cluster.anyConnection()
            }
            let request = DescribeConfigsRequest(
                resources: [.init(resourceType: resourceType, resourceName: resourceName, configurationKeys: keys)])
            let response = try await connection.send(request)
            guard let result = response.results.first else {
                throw KafkaClientError.protocolViolation("DescribeConfigs answered no resource")
            }
            if result.errorCode != 0 {
                throw KafkaClientError.broker(ErrorCode(result.errorCode), message: result.errorMessage)
            }
            return result
        }
        return result.configs.map {
            ConfigEntry(name: $0.name, value: $0.value, isDefault: $0.isDefault || $0.configSource == 5,
                        isReadOnly: $0.readOnly, isSensitive: $0.isSensitive)
        }.sorted { $0.name < $1.name }
    }

    // MARK: Offsets

    /// Finds offsets per partition (earliest, latest, or by timestamp), asking each partition's leader.
    public func listOffsets(_ specs: [TopicPartition: OffsetSpec]) async throws -> [TopicPartition: ListedOffset] {
        try await cluster.withRetries("ListOffsets") {
            _ = try await self.cluster.metadata(for: Array(Set(specs.keys.map(\.topic))))
            let metadata = self.cluster.cachedMetadata
            var byLeader: [Int32: [TopicPartition]] = [:]
            for tp in specs.keys {
                guard metadata.partitionCount(topic: tp.topic) != nil else {
                    throw KafkaClientError.broker(metadata.topics[tp.topic]?.error ?? .unknownTopicOrPartition,
                                                  message: "topic \(tp.topic)")
                }
                guard let leader = metadata.leader(topic: tp.topic, partition: tp.partition) else {
                    throw KafkaClientError.broker(.leaderNotAvailable, message: "\(tp)")
                }
                byLeader[leader, default: []].append(tp)
            }
            var found: [TopicPartition: ListedOffset] = [:]
            for (leader, partitions) in byLeader {
                let connection = try await self.cluster.connection(to: leader)
                let topics = Dictionary(grouping: partitions, by: \.topic).map { topic, tps in
                    ListOffsetsRequest.ListOffsetsTopic(name: topic, partitions: tps.map {
                        .init(partitionIndex: $0.partition, currentLeaderEpoch: -1,
                              timestamp: specs[$0]!.wireTimestamp, maxNumOffsets: 1)
                    })
                }
                let response = try await connection.send(ListOffsetsRequest(replicaId: -1, topics: topics))
                for topic in response.topics {
                    for p in topic.partitions {
                        if p.errorCode != 0 {
                            throw KafkaClientError.broker(ErrorCode(p.errorCode), message: "\(topic.name)-\(p.partitionIndex)")
                        }
                        // v0 answers a list of old-style offsets instead of one offset.
                        let offset = connection.supportsV1ListOffsets ? p.offset : (p.oldStyleOffsets.first ?? -1)
                        found[TopicPartition(topic: topic.name, partition: p.partitionIndex)] =
                            ListedOffset(offset: offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch)
                    }
                }
            }
            return found
        }
    }

    // MARK: Groups

    /// Every consumer group known to any broker.
    public func listGroups() async throws -> [GroupListing] {
        let metadata = try await cluster.refreshMetadata(topics: [])
        var groups: [String: GroupListing] = [:]
        for nodeId in metadata.brokers.keys.sorted() {
            let response = try await cluster.withRetries("ListGroups") {
                let connection = try await self.cluster.connection(to: nodeId)
                let response = try await connection.send(ListGroupsRequest())
                if response.errorCode != 0 { throw KafkaClientError.broker(ErrorCode(response.errorCode)) }
                return response
            }
            for group in response.groups {
                groups[group.groupId] = GroupListing(groupId: group.groupId, protocolType: group.protocolType,
                                                     state: group.groupState)
            }
        }
        return groups.values.sorted { $0.groupId < $1.groupId }
    }

    /// Describes groups, asking each group's coordinator.
    public func describeGroups(_ groupIds: [String]) async throws -> [GroupDescription] {
        var descriptions: [GroupDescription] = []
        for groupId in groupIds {
            let described = try await cluster.withRetries("DescribeGroups") {
                let connection = try await self.cluster.coordinatorConnection(group: groupId)
                let response = try await connection.send(DescribeGroupsRequest(groups: [groupId]))
                guard let group = response.groups.first else {
                    throw KafkaClientError.protocolViolation("DescribeGroups answered no group")
                }
                let code = ErrorCode(group.errorCode)
                if code == .notCoordinator || code == .coordinatorNotAvailable || code == .coordinatorLoadInProgress {
                    self.cluster.forgetCoordinator(group: groupId)
                    throw KafkaClientError.broker(code)
                }
                return group
            }
            descriptions.append(GroupDescription(
                groupId: described.groupId, error: ErrorCode(described.errorCode), state: described.groupState,
                protocolType: described.protocolType, protocolName: described.protocolData,
                members: described.members.map {
                    GroupDescription.Member(
                        memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, clientId: $0.clientId,
                        clientHost: $0.clientHost,
                        assignment: (try? ConsumerProtocol.Assignment(decoding: $0.memberAssignment).partitions) ?? [])
                }))
        }
        return descriptions
    }

    /// Closes the connections it owns.
    public func close() async {
        if ownsCluster { await cluster.close() }
    }
}
