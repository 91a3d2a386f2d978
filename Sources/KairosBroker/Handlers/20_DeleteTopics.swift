// DeleteTopics (key 20), v0-6. Names (v0-5 TopicNames, v6 Topics by name or id). An unknown name gets
// UNKNOWN_TOPIC_OR_PARTITION, an unknown id UNKNOWN_TOPIC_ID; with delete.topic.enable=false every
// topic gets TOPIC_DELETION_DISABLED. Deleting closes and removes the partition logs at once and
// wakes fetches waiting on them.
import KafkaProtocol

extension ApiHandler {
    /// DeleteTopics.
    static let deleteTopics = ApiHandler.responding(to: DeleteTopicsRequest.self) { broker, request, version in
        broker.handleDeleteTopics(request, version: version)
    }
}

extension Broker {
    func handleDeleteTopics(_ request: DeleteTopicsRequest, version: Int16) -> DeleteTopicsResponse {
        var targets: [(name: String?, id: KafkaUUID)] = request.topicNames.map { ($0, KafkaUUID.zero) }
        if version >= 6 { targets = request.topics.map { ($0.name, $0.topicId) } }
        var results: [DeleteTopicsResponse.DeletableTopicResult] = []
        for target in targets {
            var r = DeleteTopicsResponse.DeletableTopicResult(name: target.name, topicId: target.id, errorCode: 0)
            let topic = target.name.flatMap { topics.topic($0) } ?? (target.name == nil ? topics.topic(id: target.id) : nil)
            guard let topic else {
                r.errorCode = target.name == nil ? ErrorCode.unknownTopicId.rawValue : ErrorCode.unknownTopicOrPartition.rawValue
                results.append(r)
                continue
            }
            r.name = topic.name
            r.topicId = topic.id
            guard config.deleteTopicEnable else {
                r.errorCode = ErrorCode.topicDeletionDisabled.rawValue
                results.append(r)
                continue
            }
            do {
                try topics.delete(name: topic.name)
            } catch let error as TopicError {
                r.errorCode = error.code.rawValue
                r.errorMessage = error.message
            } catch {
                r.errorCode = ErrorCode.unknownServerError.rawValue
            }
            results.append(r)
        }
        return DeleteTopicsResponse(throttleTimeMs: 0, responses: results)
    }
}
