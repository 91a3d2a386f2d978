import KairosClient

/// Per-topic record counts from successive end offsets: the records a topic received between two readings are
/// the sum over its partitions of how far each partition's end offset moved. The first reading of a partition is
/// its baseline (it counts nothing); an end offset that went backwards (a topic deleted and re-created) is a new
/// baseline too, so a reset never counts as negative volume.
struct TopicOffsetDeltas: Sendable {
    private var last: [TopicPartition: Int64] = [:]

    /// The records per topic since the previous reading (every topic in `topics` is present, 0 if it moved not).
    mutating func advance(to offsets: [TopicPartition: Int64], topics: [String]) -> [String: Double] {
        var volumes = Dictionary(uniqueKeysWithValues: topics.map { ($0, 0.0) })
        for (partition, offset) in offsets {
            if let before = last[partition], offset >= before {
                volumes[partition.topic, default: 0] += Double(offset - before)
            }
            last[partition] = offset
        }
        return volumes
    }
}
