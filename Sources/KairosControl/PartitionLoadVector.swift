/// What one partition carries at an instant, as IPOOA reads it: the two inputs of its instant
/// service consumption (subscriptions, connections) and the rates and backlog that make up the
/// load vector the similarity is measured over. Sources: the Kairos broker's load API, or on
/// other Kafka clusters DescribeGroups assignments, lag from ListOffsets and OffsetFetch, and the
/// client's own connections and in-flight counts.
public struct PartitionLoadVector: Sendable, Equatable, Codable {
    /// The partition's index in its topic.
    public var partition: Int
    /// Consumers fetching it (members of groups it is assigned to, or fetching connections).
    public var subscriptions: Double
    /// Connections producing to it.
    public var connections: Double
    /// Records appended per second.
    public var recordsInPerSecond: Double
    /// Bytes appended per second.
    public var bytesInPerSecond: Double
    /// Records not yet consumed, summed over the groups that consume it.
    public var lag: Double

    /// A partition's load; every quantity must be finite and >= 0.
    public init(partition: Int, subscriptions: Double = 0, connections: Double = 0,
                recordsInPerSecond: Double = 0, bytesInPerSecond: Double = 0, lag: Double = 0) {
        precondition(partition >= 0, "partition index must be >= 0")
        self.partition = partition
        self.subscriptions = subscriptions
        self.connections = connections
        self.recordsInPerSecond = recordsInPerSecond
        self.bytesInPerSecond = bytesInPerSecond
        self.lag = lag
    }

    /// The load vector the similarity compares, in the order of `IPOOAParameters.weights`:
    /// subscriptions, connections, records in/s, bytes in/s, lag.
    public var vector: [Double] {
        [subscriptions, connections, recordsInPerSecond, bytesInPerSecond, lag].map { $0.isFinite ? max(0, $0) : 0 }
    }

    /// How many dimensions `vector` has.
    public static let dimensions = 5
}
