/// Where the broker keeps its durable metadata (topics, producer-id blocks; later quotas, credentials and ACLs):
/// the one place besides the partition logs that holds state across restarts. Engines: `DiskMetadataStore` (a file
/// in the log directory) and `MemoryMetadataStore` (tests, throw-away brokers); both pass the same contract tests.
///
/// The whole metadata is one value, changed by read-modify-write under the store's lock, so parts of the broker
/// that own different kinds of records never lose each other's changes.
public protocol MetadataStore: Sendable {
    /// The metadata as of the last successful update (as loaded, for a store just opened).
    var current: BrokerMetadata { get }

    /// Applies `change` to the current metadata and makes the result durable before returning what `change`
    /// returned. Updates are serialised. When `change` throws, the result is inconsistent (`StorageError
    /// .invalidMetadata`) or the write fails, the store keeps its previous metadata and the error is rethrown.
    @discardableResult
    func update<Result>(_ change: (inout BrokerMetadata) throws -> Result) throws -> Result
}
