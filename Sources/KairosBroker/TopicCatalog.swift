import KafkaProtocol
import KairosStorage

// The topic catalog lives in the storage's `MetadataStore` as `TopicRecord`s; these conversions are the one place
// where a broker `Topic` and its stored record meet.
extension TopicRecord {
    /// The record of `topic` as it is now.
    init(_ topic: Topic) {
        self.init(
            name: topic.name, idHigh: topic.id.high, idLow: topic.id.low, partitions: Int32(topic.partitions.count),
            configOverrides: topic.config.overrides)
    }

    /// The topic's id.
    var topicId: KafkaUUID { KafkaUUID(high: idHigh, low: idLow) }

    /// The topic's configuration: its stored overrides over the broker's defaults, typed once here; a stored value
    /// the registry refuses stops the load with the property named.
    func topicConfig() throws -> TopicConfig { try TopicConfig(overrides: configOverrides.mapValues { Optional($0) }) }
}
