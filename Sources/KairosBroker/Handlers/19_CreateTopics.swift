// CreateTopics (key 19), v0-7. NumPartitions / ReplicationFactor of -1 take the broker defaults
// (num.partitions, 1). One broker: a replication factor other than 1 gets INVALID_REPLICATION_FACTOR,
// and manual assignments may name only this node. Configs are checked (INVALID_CONFIG); an illegal
// name gets INVALID_TOPIC_EXCEPTION; an existing one TOPIC_ALREADY_EXISTS; a topic named twice in one
// request INVALID_REQUEST. validate_only (v1+) checks without creating. v5+ echoes the partition
// count, replication factor and effective configs; v7+ the topic id.
import KafkaProtocol

extension ApiHandler {
    /// CreateTopics.
    static let createTopics = ApiHandler.responding(to: CreateTopicsRequest.self) { broker, request, version in
        broker.handleCreateTopics(request, version: version)
    }
}

extension Broker {
    func handleCreateTopics(_ request: CreateTopicsRequest, version: Int16) -> CreateTopicsResponse {
        var seen: [String: Int] = [:]
        for t in request.topics { seen[t.name, default: 0] += 1 }
        var results: [CreateTopicsResponse.CreatableTopicResult] = []
        for t in request.topics {
            var r = CreateTopicsResponse.CreatableTopicResult(name: t.name, errorCode: 0)
            let outcome = createOne(t, duplicated: seen[t.name, default: 0] > 1, validateOnly: request.validateOnly)
            switch outcome {
            case .failure(let error):
                r.errorCode = error.code.rawValue
                r.errorMessage = error.message
                logger.info("create topic refused", metadata: ["topic": "\(t.name)", "error": "\(error.code): \(error.message)"])
            case .success(let (partitions, topicId, overrides)):
                r.numPartitions = partitions
                r.replicationFactor = 1
                r.topicId = topicId
                // Already validated by createOne, so the typed config builds.
                let config = (try? TopicConfig(overrides: overrides)) ?? TopicConfig()
                r.configs = config.describe(broker: self.config).map {
                    .init(name: $0.name, value: $0.value, readOnly: false,
                          configSource: $0.isOverride ? ConfigSource.dynamicTopic : ConfigSource.defaultConfig, isSensitive: false)
                }
            }
            results.append(r)
        }
        return CreateTopicsResponse(throttleTimeMs: 0, topics: results)
    }

    private func createOne(
        _ t: CreateTopicsRequest.CreatableTopic, duplicated: Bool, validateOnly: Bool
    ) -> Result<(Int32, KafkaUUID, [String: String?]), TopicError> {
        if duplicated {
            return .failure(TopicError(code: .invalidRequest, message: "Create topics request from client contains a duplicate topic: \(t.name)"))
        }
        var partitions = t.numPartitions
        var replication = t.replicationFactor
        if !t.assignments.isEmpty {
            guard partitions == -1 && replication == -1 else {
                return .failure(TopicError(
                    code: .invalidRequest,
                    message: "Both numPartitions or replicationFactor and replicasAssignments were set."))
            }
            for a in t.assignments where a.brokerIds != [config.nodeId] {
                return .failure(TopicError(
                    code: .invalidReplicaAssignment,
                    message: "Partition \(a.partitionIndex) must be assigned to broker \(config.nodeId) only."))
            }
            partitions = Int32(t.assignments.count)
            replication = 1
        }
        if partitions == -1 { partitions = config.numPartitions }
        if replication == -1 { replication = 1 }
        var overrides: [String: String?] = [:]
        for c in t.configs { overrides[c.name] = c.value }
        if let error = topics.validateCreate(name: t.name, partitions: partitions, replicationFactor: replication, overrides: overrides) {
            return .failure(error)
        }
        if validateOnly { return .success((partitions, .zero, overrides)) }
        do {
            let topic = try topics.create(name: t.name, partitions: partitions, overrides: overrides, nowMs: clock())
            return .success((partitions, topic.id, overrides))
        } catch let error as TopicError {
            return .failure(error)
        } catch {
            return .failure(TopicError(code: .unknownServerError, message: "\(error)"))
        }
    }
}

/// DescribeConfigs / CreateTopics config sources, as Kafka numbers them.
enum ConfigSource {
    static let dynamicTopic: Int8 = 1
    static let dynamicBroker: Int8 = 2
    static let dynamicDefaultBroker: Int8 = 3
    static let staticBroker: Int8 = 4
    static let defaultConfig: Int8 = 5
}
