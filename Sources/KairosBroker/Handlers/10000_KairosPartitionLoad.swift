// KairosPartitionLoad (key 10000), v0. Kairos's own API, not Kafka's: per partition, records and bytes in and
// out per second, producing and fetching connections, members of consumer groups assigned it, and each group's
// committed offset and lag. Advertised in ApiVersions; clients that do not know the key skip it. Topics null
// means every topic; an unknown topic comes back with UNKNOWN_TOPIC_OR_PARTITION.
import KafkaProtocol

extension ApiHandler {
    /// KairosPartitionLoad.
    static let kairosPartitionLoad = ApiHandler.responding(to: KairosPartitionLoadRequest.self) { broker, request, _ in
        broker.partitionLoad(topics: request.topics?.map(\.name))
    }
}
