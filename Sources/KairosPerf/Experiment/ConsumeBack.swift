import KairosClient

/// Reads a topic from its beginning and counts its records: the experiment's check that every acknowledged record
/// can be consumed back.
enum ConsumeBack {
    /// Records readable from `topic`; reads until `expected` were seen or no record came for `idleMs`.
    static func count(topic: String, bootstrap: String, expected: Int, idleMs: Int = 3_000) async throws -> Int {
        let props = ["bootstrap.servers": bootstrap, "auto.offset.reset": "earliest", "enable.auto.commit": "false",
                     "client.id": "kairos-experiment-consume-back"]
        let config: ConsumerConfig
        do { config = try ConsumerConfig(properties: props) } catch { throw PerfError("consume back: \(error)") }
        let consumer = KafkaConsumer(config: config)
        do {
            let partitions = try await KafkaAdmin(cluster: consumer.cluster).describeTopics([topic])[0].partitions
                .map { TopicPartition(topic: topic, partition: $0.id) }
            try await consumer.assign(partitions)
            try await consumer.seek(partitions, to: .earliest)
            var seen = 0
            var idleSince = perfNowNanos()
            while seen < expected || expected == 0 {
                let records = try await consumer.poll(timeoutMs: 200)
                if records.isEmpty {
                    if perfNowNanos() - idleSince > UInt64(idleMs) * 1_000_000 { break }
                } else {
                    seen += records.count
                    idleSince = perfNowNanos()
                }
            }
            await consumer.close(autoCommit: false)
            return seen
        } catch {
            await consumer.close(autoCommit: false)
            throw error
        }
    }
}
