import Foundation
import KafkaProtocol
import KairosBroker

/// The per-partition load in Prometheus text: the same numbers the KairosPartitionLoad API answers (both read
/// `Broker.partitionLoad`), so what a partitioner acted on can be seen on a dashboard.
enum PartitionLoadMetrics {
    /// Appends the per-partition series for every topic to `out`.
    static func render(_ load: KairosPartitionLoadResponse, into out: inout String) {
        typealias Partition = KairosPartitionLoadResponse.KairosPartitionLoadPartition
        let rows = load.topics.flatMap { topic in topic.partitions.map { (topic: topic.name, partition: $0) } }
        func series(_ name: String, _ help: String, _ value: (Partition) -> String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for row in rows {
                out += "\(name){topic=\"\(escaped(row.topic))\",partition=\"\(row.partition.partitionIndex)\"} \(value(row.partition))\n"
            }
        }
        let window = "per second over the last \(load.windowMs) ms"
        series("kairos_partition_messages_in_per_second", "Records appended, \(window).") { "\($0.recordsInPerSec)" }
        series("kairos_partition_bytes_in_per_second", "Bytes appended, \(window).") { "\($0.bytesInPerSec)" }
        series("kairos_partition_messages_out_per_second", "Records sent to fetchers, \(window).") { "\($0.recordsOutPerSec)" }
        series("kairos_partition_bytes_out_per_second", "Bytes sent to fetchers, \(window).") { "\($0.bytesOutPerSec)" }
        series("kairos_partition_producing_connections", "Connections that produced to the partition in the last 10 s.") { "\($0.producingConnections)" }
        series("kairos_partition_fetching_connections", "Connections that fetched from the partition in the last 10 s.") { "\($0.fetchingConnections)" }
        series("kairos_partition_fetching_members", "Members of stable consumer groups assigned the partition.") { "\($0.fetchingMembers)" }
        series("kairos_partition_high_watermark", "The partition's high watermark.") { "\($0.highWatermark)" }
        out += "# HELP kairos_partition_consumer_lag Records between a group's committed offset and the high watermark.\n"
        out += "# TYPE kairos_partition_consumer_lag gauge\n"
        for row in rows {
            for group in row.partition.groups {
                out += "kairos_partition_consumer_lag{topic=\"\(escaped(row.topic))\",partition=\"\(row.partition.partitionIndex)\","
                    + "group=\"\(escaped(group.groupId))\"} \(group.lag)\n"
            }
        }
    }

    /// A label value with backslash, double quote and newline escaped, as the text format requires.
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
