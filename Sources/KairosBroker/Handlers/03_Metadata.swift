// Metadata (key 3), v0-12. One broker leads every partition; replicas and ISR are just this node.
// Topics: null (v1+) or an empty list at v0 means all topics. An unknown topic is created when
// auto.create.topics.enable is on and the request allows it (v4+ AllowAutoTopicCreation), else
// UNKNOWN_TOPIC_OR_PARTITION; an illegal name gets INVALID_TOPIC_EXCEPTION. v10+ may name topics by id.
// v8+ answers the authorized operations of each topic (and v8-10 of the cluster) when asked: every operation
// Kafka defines for the resource, since Kairos has no ACLs yet and allows everything.
import KafkaProtocol

extension ApiHandler {
    /// Metadata.
    static let metadata = ApiHandler(MetadataRequest.self) { broker, request, header, context in
        broker.reply(broker.handleMetadata(request, version: header.apiVersion, listener: context.listenerName), header)
    }
}

extension Broker {
    func handleMetadata(_ request: MetadataRequest, version: Int16, listener: String = "") -> MetadataResponse {
        let advertised = advertisedAddress(listener: listener)
        let wantsAll = request.topics == nil || (version == 0 && request.topics?.isEmpty == true)
        var topicResults: [MetadataResponse.MetadataResponseTopic] = []
        if wantsAll {
            topicResults = topics.allTopics().map { describe($0) }
        } else {
            for requested in request.topics ?? [] {
                topicResults.append(metadataTopic(requested, allowCreate: request.allowAutoTopicCreation))
            }
        }
        if version >= 8 && request.includeTopicAuthorizedOperations {
            for i in topicResults.indices where topicResults[i].errorCode == 0 {
                topicResults[i].topicAuthorizedOperations = AuthorizedOperations.topic
            }
        }
        return MetadataResponse(
            throttleTimeMs: 0,
            brokers: [
                .init(nodeId: config.nodeId, host: advertised.host, port: advertised.port, rack: nil)
            ],
            clusterId: config.clusterId,
            controllerId: config.nodeId,
            topics: topicResults,
            clusterAuthorizedOperations: version >= 8 && request.includeClusterAuthorizedOperations
                ? AuthorizedOperations.cluster : Int32.min)
    }

    private func metadataTopic(_ requested: MetadataRequest.MetadataRequestTopic, allowCreate: Bool) -> MetadataResponse.MetadataResponseTopic {
        guard let name = requested.name else {
            if let topic = topics.topic(id: requested.topicId) { return describe(topic) }
            return .init(errorCode: ErrorCode.unknownTopicId.rawValue, name: nil, topicId: requested.topicId)
        }
        if let topic = topics.topic(name) { return describe(topic) }
        if TopicName.validationError(name) != nil {
            return .init(errorCode: ErrorCode.invalidTopicException.rawValue, name: name)
        }
        guard config.autoCreateTopicsEnable && allowCreate else {
            return .init(errorCode: ErrorCode.unknownTopicOrPartition.rawValue, name: name)
        }
        do {
            return describe(try topics.create(name: name, partitions: config.numPartitions, overrides: [:], nowMs: clock()))
        } catch let error as TopicError {
            // Lost a race with another creator: describe what is there now.
            if error.code == .topicAlreadyExists, let topic = topics.topic(name) { return describe(topic) }
            return .init(errorCode: error.code.rawValue, name: name)
        } catch {
            return .init(errorCode: ErrorCode.unknownServerError.rawValue, name: name)
        }
    }

    private func describe(_ topic: Topic) -> MetadataResponse.MetadataResponseTopic {
        let node = config.nodeId
        return .init(
            errorCode: ErrorCode.none.rawValue,
            name: topic.name,
            topicId: topic.id,
            isInternal: false,
            partitions: topic.partitions.map {
                .init(
                    errorCode: ErrorCode.none.rawValue, partitionIndex: $0.index, leaderId: node, leaderEpoch: 0,
                    replicaNodes: [node], isrNodes: [node], offlineReplicas: [])
            })
    }
}
