/// The operations a client may perform on a resource, as the bit fields Metadata, DescribeCluster and
/// DescribeGroups answer when asked (KIP-430): bit n set means Kafka's AclOperation code n is allowed. Kairos has
/// no ACLs yet, so every operation Kafka defines for the resource type is allowed.
enum AuthorizedOperations {
    // Kafka's AclOperation codes.
    private static let read: Int32 = 3, write: Int32 = 4, create: Int32 = 5, delete: Int32 = 6, alter: Int32 = 7,
        describe: Int32 = 8, clusterAction: Int32 = 9, describeConfigs: Int32 = 10, alterConfigs: Int32 = 11,
        idempotentWrite: Int32 = 12

    private static func bits(_ operations: [Int32]) -> Int32 { operations.reduce(0) { $0 | (1 << $1) } }

    /// A topic's: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (8).
    static let topic = bits([read, write, create, delete, alter, describe, describeConfigs, alterConfigs])
    /// The cluster's: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE (7).
    static let cluster = bits([create, alter, describe, clusterAction, describeConfigs, alterConfigs, idempotentWrite])
    /// A group's: READ, DELETE, DESCRIBE (3).
    static let group = bits([read, delete, describe])
}
