// CreatePartitions (key 37), v0-3. Grows a topic to Count partitions; fewer or equal is
// INVALID_PARTITIONS, an unknown topic UNKNOWN_TOPIC_OR_PARTITION, a topic named twice
// INVALID_REQUEST. Assignments may name only this node. validate_only checks without growing.
// Existing partitions keep their data; keyed producers will map some keys elsewhere, as in Kafka.
import KafkaProtocol

extension ApiHandler {
    /// CreatePartitions.
    static let createPartitions = ApiHandler.responding(to: CreatePartitionsRequest.self) { broker, request, _ in
        broker.handleCreatePartitions(request)
    }
}

extension Broker {
    func handleCreatePartitions(_ request: CreatePartitionsRequest) -> CreatePartitionsResponse {
        var seen: [String: Int] = [:]
        for t in request.topics { seen[t.name, default: 0] += 1 }
        var results: [CreatePartitionsResponse.CreatePartitionsTopicResult] = []
        for t in request.topics {
            var r = CreatePartitionsResponse.CreatePartitionsTopicResult(name: t.name, errorCode: 0, errorMessage: nil)
            var error: TopicError?
            if seen[t.name, default: 0] > 1 {
                error = TopicError(code: .invalidRequest, message: "Duplicate topic in request: \(t.name)")
            } else if let assignments = t.assignments, assignments.contains(where: { $0.brokerIds != [config.nodeId] }) {
                error = TopicError(code: .invalidReplicaAssignment, message: "New partitions must be assigned to broker \(config.nodeId) only.")
            } else if let e = topics.validateGrow(name: t.name, count: t.count) {
                error = e
            } else if !request.validateOnly {
                do { try topics.grow(name: t.name, count: t.count, nowMs: clock()) } catch let e as TopicError {
                    error = e
                } catch {
                    r.errorCode = ErrorCode.unknownServerError.rawValue
                }
            }
            if let error {
                r.errorCode = error.code.rawValue
                r.errorMessage = error.message
            }
            results.append(r)
        }
        return CreatePartitionsResponse(throttleTimeMs: 0, results: results)
    }
}
